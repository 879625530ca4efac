"""`diffx hessian`: second derivatives by forward-over-reverse AD, SymPy and finite differences of the gradient."""
from __future__ import annotations

from typing import Any

from .params import Expr, common, guard, run_options, show, source


@common("at", "wrt", "method", "seed", "random_seed", "rtol", "atol", "symbolic_timeout", "sizes", "strict",
        "dtype", "limit", "json_", "debug")
def hessian(expr: Expr, **flags: Any) -> None:
    """The Hessian of a scalar output: forward-over-reverse AD, SymPy, finite differences of the gradient.

    Example: diffx hessian "x^2*y + y^3" --at x=1 --at y=2
    """
    def body() -> int:
        from diffx.comparison import compare
        from diffx.problem import build
        o = run_options(flags, kind="hessian")
        return show(compare(build(source(expr, None, o.limits.max_chars), flags["at"] or [], o)), flags["json_"])
    guard(flags["debug"], body)
