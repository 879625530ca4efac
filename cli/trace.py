"""`diffx trace`: the evaluation trace in the textbook's layout, primal, tangent and adjoint, with costs."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from . import output
from .params import At, Debug, Expr, Json, LimitOpt, RandomSeed, Seed, guard, run_options, source


def trace(
    expr: Expr,
    at: At = None,
    tangent: Annotated[Optional[list[str]], typer.Option(
        help="Input direction of the tangent trace: 'x' (ones) or 'x=1,0,0' (default: the first variable).")] = None,
    seed: Seed = None,
    random_seed: RandomSeed = None,
    limit: LimitOpt = None,
    json_: Json = False,
    debug: Debug = False,
) -> None:
    """The evaluation trace: primal, tangent and adjoint traces in the textbook's layout, with costs.

    Example: diffx trace "log(x1) + x1*x2 - sin(x2)" --at x1=2 --at x2=5 --tangent x1
    """
    def body() -> int:
        from diffx.api import trace as make_trace
        o = run_options(seed=seed, random_seed=random_seed, limit=limit)
        t = make_trace(source(expr, None), at or [], tangent=tangent, options=o)
        if json_:
            output.emit_json(t.to_dict())
        else:
            from .render import trace_view
            output.console().print(trace_view(t))
        return output.EXIT_OK
    guard(debug, body)
