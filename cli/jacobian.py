"""`diffx jacobian`: the m×n Jacobian by AD (in the mode with fewer passes), SymPy and finite differences."""
from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import typer

from .params import Expr, Numeric, Scheme, common, guard, run_options, show, source


class Mode(str, Enum):
    auto = "auto"
    forward = "forward"
    reverse = "reverse"
    both = "both"


@common("at", "wrt", "method", "seed", "random_seed", "rtol", "atol", "symbolic_timeout", "sizes", "strict", "dtype",
        "limit", "json_", "debug")
def jacobian(
    expr: Expr,
    mode: Annotated[Mode, typer.Option(help="AD mode: forward (a pass per input), reverse (a sweep per output), "
                                            "auto (fewer passes), both.")] = Mode.auto,
    numeric: Numeric = Scheme.auto,
    **flags: Any,
) -> None:
    """The Jacobian of a vector (or matrix) output by AD, SymPy and finite differences.

    Example: diffx jacobian "[x[0]*x[1], sin(x[2])]" --at 1,2,3
    """
    def body() -> int:
        from diffx.comparison import compare
        from diffx.problem import build
        o = run_options(flags, kind="jacobian", mode=mode, numeric=numeric)
        return show(compare(build(source(expr, None, o.limits.max_chars), flags["at"] or [], o)), flags["json_"])
    guard(flags["debug"], body)
