"""`diffx trace`: the evaluation trace in the textbook's layout, primal, tangent and adjoint, with costs."""
from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from . import output
from .params import Expr, common, guard, run_options, source


@common("at", "seed", "random_seed", "limit", "json_", "debug")
def trace(
    expr: Expr,
    tangent: Annotated[Optional[list[str]], typer.Option(
        help="Input direction of the tangent trace: 'x' (ones) or 'x=1,0,0' (default: the first variable).")] = None,
    **flags: Any,
) -> None:
    """The evaluation trace: primal, tangent and adjoint traces in the textbook's layout, with costs.

    Example: diffx trace "log(x1) + x1*x2 - sin(x2)" --at x1=2 --at x2=5 --tangent x1
    """
    def body() -> int:
        from diffx.api import trace as make_trace
        t = make_trace(source(expr, None), flags["at"] or [], tangent=tangent, options=run_options(flags))
        if flags["json_"]:
            output.emit_json(t.to_dict())
        else:
            from .render import trace_view
            output.console().print(trace_view(t))
        return output.EXIT_OK
    guard(flags["debug"], body)
