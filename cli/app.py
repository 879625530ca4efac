"""The `diffx` command: small typed functions, one per command."""
from __future__ import annotations

from enum import Enum
from typing import Annotated, Callable, Optional

import typer

from diffx.errors import DiffxError
from diffx.functions import Seeded
from diffx.limits import DEFAULT_LIMITS
from diffx.methods import DEFAULT_METHODS, Problem
from diffx.parser import parse
from diffx.values import bind, choose_wrt, read_at

from . import output

app = typer.Typer(
    help="Differentiate one expression three ways (reverse AD, SymPy, finite differences) and see inside.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)


class Method(str, Enum):
    reverse = "reverse"
    forward = "forward"
    symbolic = "symbolic"
    numeric = "numeric"


class View(str, Enum):
    table = "table"
    tree = "tree"


Expr = Annotated[str, typer.Argument(help="The expression or program; '-' reads standard input, '@FILE' a file.",
                                     show_default=False)]
At = Annotated[Optional[list[str]], typer.Option(
    "--at", help="Values: '0,1,2,3' for the one variable, or 'x=0,1,2,3' (repeat for several). "
                 "A value may be '[[1,2],[3,4]]', 'arange(4)', 'randn(4,5)', ...")]
Seed = Annotated[int, typer.Option(help="Seed for randn/rand in values and expressions.")]
Json = Annotated[bool, typer.Option("--json", help="Print one strict JSON object and nothing else.")]
Debug = Annotated[bool, typer.Option(help="Show a Python traceback for errors.", hidden=False)]


def _problem(expr: str, at: list[str] | None, wrt: str | None, seed: int) -> Problem:
    text = output.read_expression(expr)
    rng = Seeded(seed)
    graph = parse(text, limits=DEFAULT_LIMITS, rng=rng)
    point = read_at(at or [], graph, rng=rng, limits=DEFAULT_LIMITS)
    point = bind(graph, point, rng=rng, limits=DEFAULT_LIMITS)
    return Problem.build(graph, point, choose_wrt(graph, wrt), DEFAULT_LIMITS)


def _guard(debug: bool, body: Callable[[], int]) -> None:
    """Run a command body; a DiffxError becomes one message on stderr and exit 2."""
    try:
        code = body()
    except DiffxError as exc:
        if debug:
            import traceback
            traceback.print_exc()
        output.report_error(exc)
        raise typer.Exit(output.EXIT_BAD_INPUT) from None
    raise typer.Exit(code)


@app.command()
def grad(
    expr: Expr,
    at: At = None,
    wrt: Annotated[Optional[str], typer.Option(help="Variables to differentiate, comma-separated (default all).")] = None,
    method: Annotated[Optional[list[Method]], typer.Option(
        "--method", "-m", help="Methods to run (repeatable); default reverse, symbolic and numeric.")] = None,
    rtol: Annotated[float, typer.Option(help="Relative tolerance of the agreement verdict.")] = 1e-6,
    atol: Annotated[float, typer.Option(help="Absolute tolerance of the agreement verdict.")] = 1e-8,
    seed: Seed = 0,
    json_: Json = False,
    debug: Debug = False,
) -> None:
    """The gradient of a scalar expression by every method, side by side, with a verdict.

    Example: diffx grad "2*x.x" --at 0,1,2,3
    """
    def body() -> int:
        from diffx.api import compare_problem
        p = _problem(expr, at, wrt, seed)
        names = [m.value for m in method] if method else list(DEFAULT_METHODS)
        r = compare_problem(p, names, rtol=rtol, atol=atol)
        if json_:
            output.emit_json(r.to_dict())
        else:
            from .render import grad_view
            output.console().print(grad_view(r))
        return output.EXIT_OK if r.agree else output.EXIT_DISAGREE
    _guard(debug, body)


@app.command()
def graph(
    expr: Expr,
    at: At = None,
    view: Annotated[View, typer.Option(help="table: a flat list in evaluation order; tree: from the output.")] = View.table,
    seed: Seed = 0,
    json_: Json = False,
    debug: Debug = False,
) -> None:
    """The computation graph: every node's op, inputs, shape, value and adjoint.

    Example: diffx graph "2*x.x" --at 0,1,2,3
    """
    def body() -> int:
        from diffx.inspect import report
        p = _problem(expr, at, None, seed)
        rep = report(p.graph, p.values)
        if json_:
            output.emit_json(rep.to_dict())
        else:
            from .render import graph_table, graph_tree
            output.console().print(graph_tree(rep) if view is View.tree else graph_table(rep))
        return output.EXIT_OK
    _guard(debug, body)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
