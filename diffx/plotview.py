"""A plot in a notebook: the matplotlib figure of `diffx plot --out` as inline SVG, or a note without matplotlib."""
from __future__ import annotations

import io
from html import escape

from . import text as txt
from .figure import INSTALL_PLOT, figure, title

INLINE_SIZE = (9, 5)      # inches: the figure at a size a notebook column shows without scaling text away


def svg(data, *, errors: bool = False) -> str | None:
    """The figure as SVG text, or None when matplotlib is not installed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return None
    fig = figure(data, errors=errors)
    fig.set_size_inches(*INLINE_SIZE)
    out = io.StringIO()
    fig.savefig(out, format="svg")
    return out.getvalue()


def bundle(data) -> dict[str, str]:
    """The display of a PlotData: image/svg+xml with matplotlib, else an HTML note saying how to get it."""
    plain = f"<diffx plot: {title(data)}, {data.x.size} points from {txt.number(data.x[0])} to {txt.number(data.x[-1])}>"
    picture = svg(data)
    if picture is not None:
        return {"image/svg+xml": picture, "text/plain": plain}
    note = (f"<div><code>{escape(title(data))}</code>: the inline figure needs matplotlib, "
            f"<code>{escape(INSTALL_PLOT)}</code>; the arrays are in <code>to_dict()</code>.</div>")
    return {"text/html": note, "text/plain": plain}
