"""`diffx jacobian`: the m×n Jacobian by AD (in the mode with fewer passes), SymPy and finite differences."""
from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from .params import (At, Atol, Debug, DType, Expr, Json, LimitOpt, Methods, Numeric, Precision, RandomSeed, Rtol,
                     Scheme, Seed, Sizes, Strict, SymbolicTimeout, Wrt, guard, run_options, show, source)


class Mode(str, Enum):
    auto = "auto"
    forward = "forward"
    reverse = "reverse"
    both = "both"


def jacobian(
    expr: Expr,
    at: At = None,
    wrt: Wrt = None,
    mode: Annotated[Mode, typer.Option(help="AD mode: forward (a pass per input), reverse (a sweep per output), "
                                            "auto (fewer passes), both.")] = Mode.auto,
    method: Methods = None,
    numeric: Numeric = Scheme.auto,
    seed: Seed = None,
    random_seed: RandomSeed = None,
    rtol: Rtol = 1e-6,
    atol: Atol = 1e-8,
    symbolic_timeout: SymbolicTimeout = 5.0,
    sizes: Sizes = False,
    strict: Strict = False,
    dtype: DType = Precision.float64,
    limit: LimitOpt = None,
    json_: Json = False,
    debug: Debug = False,
) -> None:
    """The Jacobian of a vector (or matrix) output by AD, SymPy and finite differences.

    Example: diffx jacobian "[x[0]*x[1], sin(x[2])]" --at 1,2,3
    """
    def body() -> int:
        from diffx.comparison import compare
        from diffx.problem import build
        o = run_options(kind="jacobian", mode=mode.value, seed=seed, random_seed=random_seed, numeric=numeric,
                        rtol=rtol, atol=atol, symbolic_timeout=symbolic_timeout, sizes=sizes, strict=strict,
                        dtype=dtype, limit=limit, wrt=wrt, methods=method)
        return show(compare(build(source(expr, None), at or [], o)), json_)
    guard(debug, body)
