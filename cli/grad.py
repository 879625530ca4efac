"""`diffx grad`: the gradient (or a VJP, a JVP, a second derivative) by every method, side by side."""
from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from . import output
from .params import Numeric, OptionalExpr, Order, Python, Scheme, Tangent, Vjp, common, formula_style, guard, \
    run_options, show, source


@common("at", "wrt", "method", "random_seed", "rtol", "atol", "symbolic_timeout", "sizes", "latex", "pretty",
        "substitute", "strict", "dtype", "limit", "json_", "debug")
def grad(
    expr: OptionalExpr = None,
    python: Python = None,
    seed: Annotated[Optional[str], typer.Option(
        "--seed", help="An integer: the random seed (as --random-seed). A vector or array ('1,1,1,1', "
                       "'[[1,0.1],[0.01,0.001]]', 'ones(4)'): the VJP seed (as --vjp). A note says which.")] = None,
    vjp: Vjp = None,
    tangent: Tangent = None,
    order: Order = 1,
    numeric: Numeric = Scheme.auto,
    **flags: Any,
) -> None:
    """The gradient of a scalar expression by every method, side by side, with a verdict.

    Example: diffx grad "2*x.x" --at 0,1,2,3
    """
    def body() -> int:
        from diffx.comparison import compare
        from diffx.problem import build
        style = formula_style(flags["latex"], flags["pretty"]) + ("-substitute" if flags["substitute"] else "")
        o = run_options(flags, seed=seed, say_seed=True, vjp=vjp, tangent=tangent, order=order, numeric=numeric)
        p = build(source(expr, python, o.limits.max_chars), flags["at"] or [], o)
        code = show(compare(p), flags["json_"], style)
        if python is not None and not flags["json_"]:
            from diffx.graphview import report
            from .render import graph_table
            output.console().print("", graph_table(report(p.graph, p.values), title="graph of the path taken"))
        return code
    guard(flags["debug"], body)
