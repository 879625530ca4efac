"""`diffx hessian`: second derivatives by forward-over-reverse AD, SymPy and finite differences of the gradient."""
from __future__ import annotations

from .params import (At, Atol, Debug, DType, Expr, Json, LimitOpt, Methods, Precision, RandomSeed, Rtol, Seed,
                     Sizes, Strict, SymbolicTimeout, Wrt, guard, run_options, show, source)


def hessian(
    expr: Expr,
    at: At = None,
    wrt: Wrt = None,
    method: Methods = None,
    seed: Seed = None,
    random_seed: RandomSeed = None,
    rtol: Rtol = 1e-6,
    atol: Atol = 1e-6,
    symbolic_timeout: SymbolicTimeout = 5.0,
    sizes: Sizes = False,
    strict: Strict = False,
    dtype: DType = Precision.float64,
    limit: LimitOpt = None,
    json_: Json = False,
    debug: Debug = False,
) -> None:
    """The Hessian of a scalar output: forward-over-reverse AD, SymPy, finite differences of the gradient.

    Example: diffx hessian "x^2*y + y^3" --at x=1 --at y=2
    """
    def body() -> int:
        from diffx.comparison import compare
        from diffx.problem import build
        o = run_options(kind="hessian", seed=seed, random_seed=random_seed, rtol=rtol, atol=atol,
                        symbolic_timeout=symbolic_timeout, sizes=sizes, strict=strict, dtype=dtype, limit=limit,
                        wrt=wrt, methods=method)
        return show(compare(build(source(expr, None), at or [], o)), json_)
    guard(debug, body)
