"""`diffx plot`: f and its derivatives over a range, in the terminal or as an image."""
from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import typer

from diffx.errors import InputError

from . import output
from .params import Expr, common, guard, run_options, source
from .terminal_plot import MIN_HEIGHT, MIN_WIDTH, terminal_plot

DEFAULT_HEIGHT = 22          # rows of the curves panel; the error panel gets two thirds of it
ERROR_METHODS = ("symbolic", "numeric")          # what --error compares when no --method is given


@common("at", "seed", "random_seed", "symbolic_timeout", "limit", "json_", "debug")
def plot(
    expr: Expr,
    start: Annotated[float, typer.Option("--from", help="Left end of the plotted range.")] = -5.0,
    stop: Annotated[float, typer.Option("--to", help="Right end of the plotted range.")] = 5.0,
    points: Annotated[int, typer.Option(help="Number of grid points.")] = 400,
    over: Annotated[Optional[str], typer.Option(
        help="The variable along the x axis (needed when there are several; fix the others with --at).")] = None,
    order: Annotated[int, typer.Option(help="Highest derivative drawn: 1 (f′) or 2 (f′ and f″).")] = 1,
    method: Annotated[Optional[list[str]], typer.Option(
        "--method", "-m", help="Add a derivative curve (repeatable): forward, symbolic, numeric (central "
                               "differences), or numeric-SCHEME (forward, backward, central, richardson, complex). "
                               "Reverse AD is always drawn.")] = None,
    error: Annotated[bool, typer.Option(
        "--error", help="Also plot |method − reverse AD| point by point on a log scale "
                        "(symbolic and numeric unless --method says otherwise).")] = False,
    out: Annotated[Optional[str], typer.Option(
        "--out", "-o", help="Write an image (.png, .svg or .pdf; needs the 'plot' extra, matplotlib) "
                            "instead of drawing in the terminal.")] = None,
    width: Annotated[Optional[int], typer.Option(help="Terminal plot width in columns (default: the terminal's).")] = None,
    height: Annotated[Optional[int], typer.Option(help="Terminal plot height in rows.")] = None,
    **flags: Any,
) -> None:
    """Plot f and its derivatives over a range: reverse AD over the whole grid in one sweep, and other methods.

    Example: diffx plot "sin(x)" --from -20 --to 20
    """
    def body() -> int:
        from diffx.figure import check_image_path, save_figure
        from diffx.plotdata import plot_data
        if out is not None:
            check_image_path(out)                 # a bad name fails before any work
        data = plot_data(source(expr, None), over=over, start=start, stop=stop, points=points, order=order,
                         methods=plot_methods(method, error), at=flags["at"] or [], options=run_options(flags))
        if out is not None:
            output.note(f"wrote {save_figure(data, out, errors=error)}")
        if flags["json_"]:
            output.emit_json(data.to_dict())
        elif out is None:
            size = _size(width, height)
            colour = output.console().color_system is not None
            sys.stdout.write(terminal_plot(data, errors=error, width=size[0], height=size[1], colour=colour))
        return output.EXIT_OK
    guard(flags["debug"], body)


def plot_methods(method: list[str] | None, error: bool) -> list[str]:
    """The methods to draw: reverse AD, what --method adds, and what --error needs to compare."""
    if method:
        if error and set(method) <= {"reverse"}:
            raise InputError("--error compares methods with reverse AD: add --method numeric or --method symbolic")
        return ["reverse", *method]
    return ["reverse", *(ERROR_METHODS if error else ())]


def _size(width: int | None, height: int | None) -> tuple[int, int]:
    width = output.console().width if width is None else width
    height = DEFAULT_HEIGHT if height is None else height
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        raise InputError(f"a terminal plot needs at least {MIN_WIDTH} columns and {MIN_HEIGHT} rows "
                         f"(got --width {width}, --height {height})")
    return width, height
