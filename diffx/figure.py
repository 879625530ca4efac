"""The plot as a picture: the matplotlib figure of `diffx plot --out`, and the titles every plot shares.

matplotlib is the optional extra 'plot' and is imported only when a figure
is drawn, so a notebook can save the same picture the command line writes.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from typing import TYPE_CHECKING

from .errors import InputError
from .plotnames import ORDER_NAMES, curve_label, method_label

if TYPE_CHECKING:        # duck-typed at run time: PlotData's display method imports this module
    from .curves import PlotData
from .text import clip, one_line, short

IMAGE_SUFFIXES = (".png", ".svg", ".pdf")
INSTALL_PLOT = "pip install 'diffx-explorer[plot]'"

LINESTYLES = {"reverse": "-", "forward": (0, (6, 2)), "symbolic": "--", "numeric": ":"}
ERROR_MARKERS = {"forward": "x", "symbolic": "o", "numeric": "."}   # other schemes: "+"


def check_image_path(path: str | Path) -> Path:
    """The path of an image file diffx can write, judged by its extension."""
    path = Path(path)
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise InputError(f"out={path}: diffx plot writes {', '.join(IMAGE_SUFFIXES[:-1])} or "
                         f"{IMAGE_SUFFIXES[-1]} images; pick one of those extensions", option="out")
    return path


def _matplotlib_figure():
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise InputError(f"writing an image needs matplotlib, the optional extra 'plot': {INSTALL_PLOT}") from None
    return Figure


def title(data: PlotData, width: int = 70) -> str:
    """'f(x) = sin(x)' with the fixed values: the expression on one line, shortened if long."""
    text = clip(one_line(data.expr), width)
    fixed = ", ".join(f"{k} = {_fixed(v)}" for k, v in data.at.items())
    return f"f({data.over}) = {text}" + (f"   ({fixed})" if fixed else "")


def _fixed(v) -> str:
    a = np.asarray(v, dtype=np.float64)
    return short(float(a)) if a.ndim == 0 else f"array of shape {a.shape}"


def subtitle(data: PlotData, limits: tuple[float, float] | None) -> str:
    """The grid, and what the picture leaves out: gaps, and values beyond a clipped axis."""
    text = f"{data.x.size} points from {data.x[0]:g} to {data.x[-1]:g}; gaps where a value is not finite"
    return text + (f"; y axis clipped to [{limits[0]:.3g}, {limits[1]:.3g}]" if limits else "")


def figure(data: PlotData, *, errors: bool = False):
    """A matplotlib Figure of f and its derivatives (and, with `errors`, each method's error)."""
    Figure = _matplotlib_figure()
    show_errors = errors and data.has_errors_to_show()
    fig = Figure(figsize=(12, 7.5 if show_errors else 6.75), dpi=150, layout="constrained")
    axes = fig.subplots(2 if show_errors else 1, 1, sharex=True, squeeze=False,
                        gridspec_kw={"height_ratios": [3, 2]} if show_errors else None)[:, 0]
    _draw_curves(axes[0], data)
    if show_errors:
        _draw_errors(axes[1], data)
    axes[-1].set_xlabel(data.over, fontsize=12)
    axes[-1].set_xlim(data.x[0], data.x[-1])         # the whole range asked for, gaps included
    fig.suptitle(_mathtext_safe(title(data)), fontsize=14)
    return fig


def _draw_curves(ax, data: PlotData) -> None:
    for k, name, y in data.curves():
        style = {"linewidth": 2.4} if name is None else {
            "linestyle": LINESTYLES.get(name, (0, (1, 3))), "linewidth": 2.0 if name == data.reference else 1.6}
        ax.plot(data.x, y, color=f"C{k}", label=curve_label(k, name, data.over), **style)
    ax.axhline(0.0, color="0.6", linewidth=0.8)
    ax.set_ylabel("value", fontsize=12)
    limits = data.y_limits()
    if limits:
        ax.set_ylim(*limits)
    ax.set_title(subtitle(data, limits), fontsize=10, color="0.35")
    ax.grid(alpha=0.3)
    _legend(ax, fontsize=10)


def _draw_errors(ax, data: PlotData) -> None:
    summary = data.error_summary()
    for k, errs in data.errors.items():
        for name, d in errs.items():
            s = summary[k][name]
            shown = np.where(data.drawn(d) > 0, d, np.nan)   # a log scale has no 0: exact agreement is left out
            equal = f", equal at {s['equal']} of {s['compared']} points" if s["equal"] else ""
            ax.plot(data.x, shown, linestyle="none", marker=ERROR_MARKERS.get(name, "+"), markersize=4,
                    color=f"C{k}", label=f"{ORDER_NAMES[k]} {method_label(name)}{equal}")
    ax.set_yscale("log")
    ax.set_ylabel(f"|method − {method_label(data.reference)}|", fontsize=12)
    ax.set_title(f"difference from {method_label(data.reference)}, point by point", fontsize=10, color="0.35")
    ax.grid(alpha=0.3, which="both")
    if ax.has_data():
        _legend(ax, fontsize=9)


def _legend(ax, fontsize: int) -> None:
    """The legend beside the axes, where it hides no curve."""
    ax.legend(fontsize=fontsize, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False)


def _mathtext_safe(text: str) -> str:
    """matplotlib reads $...$ as TeX; a '$' in a comment of the program must print as typed."""
    return text.replace("$", r"\$")


def save_figure(data: PlotData, path: str | Path, *, errors: bool = False) -> Path:
    """Write the figure as PNG, SVG or PDF (by the extension)."""
    path = check_image_path(path)
    fig = figure(data, errors=errors)
    try:
        fig.savefig(path)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
