"""The `diffx` command: the Typer application, one small typed function per command (one file each)."""
from __future__ import annotations

import typer

from .check import check
from .compare import compare
from .grad import grad
from .graph import graph
from .hessian import hessian
from .jacobian import jacobian
from .plot import plot
from .trace import trace

app = typer.Typer(
    help="Differentiate one expression three ways (reverse AD, SymPy, finite differences) and see inside.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None,
)
for _command in (grad, compare, jacobian, hessian, trace, graph, plot, check):
    app.command()(_command)


@app.callback()
def _group() -> None:
    """Differentiate one expression three ways (reverse AD, SymPy, finite differences) and see inside."""


def main() -> None:
    import sys
    wanted = sys.argv[1] if len(sys.argv) > 1 else None
    names = [info.name or info.callback.__name__ for info in app.registered_commands]
    if wanted in names:              # typer inspects every command it builds: build only the one asked for
        app.registered_commands[:] = [i for i in app.registered_commands if (i.name or i.callback.__name__) == wanted]
    from .params import ONE_RUN
    ONE_RUN.set(True)                # this process ends after the command: abandoned symbolic work ends with it
    app()


if __name__ == "__main__":
    main()
