"""`diffx grad`: the gradient (or a VJP, a JVP, a second derivative) by every method, side by side."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from . import output
from .params import (At, Atol, Debug, DType, Json, Latex, LimitOpt, Methods, Numeric, OptionalExpr, Order,
                     Precision, Pretty, Python, RandomSeed, Rtol, Scheme, Sizes, Strict, SymbolicTimeout, Tangent, Vjp,
                     Wrt, formula_style, guard, run_options, show, source)


def grad(
    expr: OptionalExpr = None,
    at: At = None,
    python: Python = None,
    wrt: Wrt = None,
    method: Methods = None,
    seed: Annotated[Optional[str], typer.Option(
        "--seed", help="An integer: the random seed (as --random-seed). A vector or array ('1,1,1,1', "
                       "'[[1,0.1],[0.01,0.001]]', 'ones(4)'): the VJP seed (as --vjp). A note says which it took.")] = None,
    random_seed: RandomSeed = None,
    vjp: Vjp = None,
    tangent: Tangent = None,
    order: Order = 1,
    numeric: Numeric = Scheme.auto,
    rtol: Rtol = 1e-6,
    atol: Atol = 1e-8,
    symbolic_timeout: SymbolicTimeout = 5.0,
    sizes: Sizes = False,
    latex: Latex = False,
    pretty: Pretty = False,
    strict: Strict = False,
    dtype: DType = Precision.float64,
    limit: LimitOpt = None,
    json_: Json = False,
    debug: Debug = False,
) -> None:
    """The gradient of a scalar expression by every method, side by side, with a verdict.

    Example: diffx grad "2*x.x" --at 0,1,2,3
    """
    def body() -> int:
        from diffx.comparison import compare
        from diffx.problem import build
        style = formula_style(latex, pretty)
        o = run_options(seed=seed, say_seed=True, random_seed=random_seed, vjp=vjp, tangent=tangent, order=order,
                        numeric=numeric, rtol=rtol, atol=atol, symbolic_timeout=symbolic_timeout, sizes=sizes,
                        strict=strict, dtype=dtype, limit=limit, wrt=wrt, methods=method)
        p = build(source(expr, python), at or [], o)
        code = show(compare(p), json_, style)
        if python is not None and not json_:
            from diffx.graphview import report
            from .render import graph_table
            output.console().print("", graph_table(report(p.graph, p.values), title="graph of the path taken"))
        return code
    guard(debug, body)
