"""The terminal plot of `diffx plot`: f and its derivatives (and their errors) drawn with plotext.

plotext is imported only when a plot is drawn. plotext 5 and 6 have
different interfaces; `draw` picks one small drawing function for each,
both fed the same `Panel`s.
"""
from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field

import numpy as np

from diffx.errors import InputError
from diffx.text import clip

from .output import flagged

MIN_WIDTH, MIN_HEIGHT = 30, 8
COLOURS = (33, 208, 34, 160, 127, 37, 244)     # 256-colour codes: plotext draws with them, the key repeats them
MARKERS = ("•", "+", "x", "o", "*", "#", "@")    # without colour, curves differ by marker


# ---------------------------------------------------------------- what the terminal plot shows

@dataclass
class Series:
    """One curve: finite runs of points (a gap between runs), joined by lines or as points.

    `style` numbers the curve among f, f′ and f″ by every method, so a method's
    error points look like its curve.
    """

    label: str
    runs: list[tuple[list[float], list[float]]]
    style: int
    lines: bool = True


@dataclass
class Panel:
    title: str
    xlabel: str
    xlim: tuple[float, float]
    series: list[Series] = field(default_factory=list)
    ylim: tuple[float, float] | None = None
    yticks: tuple[list[float], list[str]] | None = None


def finite_runs(x: np.ndarray, y: np.ndarray) -> list[tuple[list[float], list[float]]]:
    """The maximal runs of finite values: where y is NaN or ±∞ the curve has a gap."""
    ok = np.isfinite(y)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(np.int8), [0]])))
    return [(x[a:b].tolist(), y[a:b].tolist()) for a, b in zip(edges[::2], edges[1::2])]


def bounded_runs(x: np.ndarray, y: np.ndarray, ylim: tuple[float, float] | None) -> list[tuple[list, list]]:
    """The finite runs, broken where y leaves the y axis by more than the axis' own height.

    plotext fills every segment it is given, pixel by pixel, whatever the axis shows: one segment from 1e12 to
    1 beside a pole took minutes and gigabytes. So each run stops one point past the band [lo − h, hi + h]
    (h the axis height), that point pulled in to the band's edge: the line still leaves the chart there, and a
    curve that jumps from +∞ to −∞ across a pole is two runs, not a vertical line.
    """
    if ylim is None:
        return finite_runs(x, y)
    lo, hi = ylim
    h = hi - lo
    bottom, top = lo - h, hi + h
    finite = np.isfinite(y)
    inside = finite & (y >= bottom) & (y <= top)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], inside.astype(np.int8), [0]])))
    runs = []
    for a, b in zip(edges[::2], edges[1::2]):
        a = a - 1 if a > 0 and finite[a - 1] else a          # one point past each end, pulled to the band
        b = b + 1 if b < y.size and finite[b] else b
        runs.append((x[a:b].tolist(), np.clip(y[a:b], bottom, top).tolist()))
    return runs


def curves_panel(data) -> Panel:
    from diffx.figure import title
    from diffx.plotdata import curve_label
    panel = Panel(title(data, width=60), data.over, _xlim(data), ylim=data.y_limits())
    panel.series = [Series(curve_label(k, name, data.over), bounded_runs(data.x, y, panel.ylim), i)
                    for i, (k, name, y) in enumerate(data.curves())]
    return panel


def _xlim(data) -> tuple[float, float]:
    """The whole range asked for, even where f has no values."""
    return float(data.x[0]), float(data.x[-1])


def errors_panel(data) -> Panel:
    """log10 |method − reference| as points; exact agreement (0) cannot be shown on a log scale."""
    from diffx.plotdata import ORDER_NAMES, method_label
    panel = Panel(f"|method − {method_label(data.reference)}|, log scale", data.over, _xlim(data))
    styles = {(k, name): i for i, (k, name, _) in enumerate(data.curves())}
    lows, highs = [], []
    for k, errs in data.errors.items():
        for name, d in errs.items():
            with np.errstate(all="ignore"):
                y = np.where(data.drawn(d) > 0, np.log10(d), np.nan)
            if np.isfinite(y).any():
                lows.append(np.nanmin(y))
                highs.append(np.nanmax(y))
            panel.series.append(Series(f"{ORDER_NAMES[k]} {method_label(name)}", finite_runs(data.x, y),
                                       styles[(k, name)], lines=False))
    if lows:
        panel.ylim, panel.yticks = decade_ticks(min(lows), max(highs))
    return panel


def decade_ticks(low: float, high: float, most: int = 6):
    """An axis of log10 values from the decade below `low` to the one above `high`, ticked at powers of ten."""
    a, b = math.floor(low), max(math.ceil(high), math.floor(low) + 1)
    step = max(1, math.ceil((b - a) / (most - 1)))
    exps = list(range(b, a - 1, -step))[::-1]
    return (float(exps[0]), float(b)), ([float(e) for e in exps], [f"1e{e}" for e in exps])


def caption(data, errors: bool, colour: bool = False, width: int = 100) -> list[str]:
    """The lines under the plot: a key to every curve with how it was computed, then what was left out."""
    from diffx.plotdata import ORDER_NAMES, curve_label, method_label
    summary = data.error_summary()
    grid = (f"{data.x.size} points from {data.x[0]:g} to {data.x[-1]:g}"
            + (", AD over the whole grid at once" if data.vectorised else ""))
    lines = []
    for i, (k, name, _) in enumerate(data.curves()):
        text = (f"{curve_label(0, over=data.over)}: {grid}" if name is None else
                f"{curve_label(k, name, data.over)}: {data.notes[k][name]}"
                + _agreement(summary.get(k, {}).get(name), data.over))
        lines += _wrap(text, width, _key(i, colour) + " ")
    notes = [f"symbolic {ORDER_NAMES[k]}({data.over}) = {clip(text, 200)}" for k, text in data.formulas.items()]
    notes += [f"{ORDER_NAMES[k]} {method_label(name)}: skipped, {flagged(why)}"
              for k, skipped in data.skipped.items() for name, why in skipped.items()]
    notes += _gap_notes(data)
    limits = data.y_limits()
    if limits:
        notes.append(f"y axis clipped to [{limits[0]:.3g}, {limits[1]:.3g}]: larger values run off the chart")
    if errors and not data.has_errors_to_show():
        notes.append("every method equals reverse AD at every point: no error to plot")
    return lines + [line for note in notes for line in _wrap(note, width)]


def _wrap(text: str, width: int, key: str = "") -> list[str]:
    """Lines of at most `width` columns; after a key (two columns and a space), an indent to match."""
    indent = "   " if key else ""
    lines = textwrap.wrap(text, width - len(indent), break_on_hyphens=False) or [""]
    return [(key if i == 0 else indent) + line for i, line in enumerate(lines)]


def _key(style: int, colour: bool) -> str:
    """The legend key of a curve: a coloured dash, or without colour the curve's marker."""
    if colour:
        return f"\x1b[38;5;{COLOURS[style % len(COLOURS)]}m━━\x1b[0m"
    return "⠤⠤" if style == 0 else f" {MARKERS[(style - 1) % len(MARKERS)]}"


def _agreement(s: dict | None, over: str) -> str:
    """How far a method is from the reference, in a few words."""
    if not s or s["max"] is None:
        return ""
    if s["max"] == 0.0:
        return f"; equal to reverse AD at all {s['compared']} points"
    equal = f", equal at {s['equal']} of {s['compared']} points" if s["equal"] else ""
    return f"; max |Δ| from reverse AD {s['max']:.2g} at {over} = {s['at']:.4g}{equal}"


def _gap_notes(data) -> list[str]:
    """Where curves have gaps: f not finite, and derivatives hidden where f is not finite."""
    from diffx.plotdata import ORDER_NAMES, method_label
    bad_f = ~np.isfinite(data.f)
    lines = [f"gaps where f is not finite: {_points(int(bad_f.sum()))} of {data.x.size}"] if bad_f.any() else []
    for k, cs in data.derivatives.items():
        for m, y in cs.items():
            hidden = int(np.sum(bad_f & np.isfinite(y)))
            own = int(np.sum(~np.isfinite(y) & ~bad_f))
            name = f"{ORDER_NAMES[k]} {method_label(m)}"
            if own:
                lines.append(f"gaps where {name} is not finite: {_points(own)}")
            if hidden:
                lines.append(f"{name} gives numbers at {_points(hidden)} where f is not finite; not drawn")
    return lines


def _points(n: int) -> str:
    return f"{n} point" if n == 1 else f"{n} points"


def terminal_plot(data, *, errors: bool, width: int, height: int, colour: bool) -> str:
    """The curves (and, with `errors`, each method's error) drawn in text, then the caption."""
    panels = [(curves_panel(data), height)]
    if errors and data.has_errors_to_show():
        panels.append((errors_panel(data), max(MIN_HEIGHT, 2 * height // 3)))
    picture = draw(panels, width, colour)
    return picture.rstrip("\n") + "\n" + "\n".join(caption(data, errors, colour, width)) + "\n"


# ---------------------------------------------------------------- plotext, version 5 or 6

def draw(panels: list[tuple[Panel, int]], width: int, colour: bool) -> str:
    """Panels stacked vertically, drawn by plotext; the text, with colour codes only if `colour`."""
    try:
        import plotext
    except ImportError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"the terminal plot needs plotext, which cannot be loaded ({first}); "
                         "write an image with --out plot.png, or the data with --json") from None
    backend = _draw_v5 if hasattr(plotext, "plot") else _draw_v6
    return backend(plotext, panels, width, colour)


def _style(series: Series, colour: bool) -> tuple[str, int | None]:
    """Marker and colour: in colour, braille lines (dots for points); without, markers tell curves apart."""
    i = series.style
    if colour:
        return ("braille" if series.lines else "•"), COLOURS[i % len(COLOURS)]
    return ("braille" if i == 0 else MARKERS[(i - 1) % len(MARKERS)]), None


def _draw_v6(plt, panels: list[tuple[Panel, int]], width: int, colour: bool) -> str:
    plt.terminal.limit(False, False)          # the size asked for, not the terminal's
    fig = plt.figure
    fig.clear()
    fig.theme("simple" if colour else "colorless")
    fig.plot_size(width, sum(height for _, height in panels))
    if len(panels) > 1:
        fig.subplots(len(panels), 1)
    for row, (panel, height) in enumerate(panels, start=1):
        sub = fig.subplot(row, 1) if len(panels) > 1 else fig
        sub.plot_size(width, height)
        sub.title(panel.title)
        sub.label(panel.xlabel, axis="x")
        for series in panel.series:
            marker, col = _style(series, colour)
            for xs, ys in series.runs:
                signal = sub.signal(xs, ys, marker=plt.marker(marker, col))
                if series.lines:
                    signal.lines()
                sub.draw(signal)
        sub.ruler("x").lim(*panel.xlim)
        if panel.ylim:
            sub.ruler("y").lim(*panel.ylim)
        if panel.yticks:
            sub.ruler("y").ticks(*panel.yticks)
    return fig.build().string(colorless=not colour)


def _draw_v5(plt, panels: list[tuple[Panel, int]], width: int, colour: bool) -> str:
    plt.main()                               # not a subplot left active by an earlier plot
    plt.clf()
    plt.limitsize(False, False)
    plt.theme("clear")
    plt.plotsize(width, sum(height for _, height in panels))
    plt.subplots(len(panels), 1)
    for row, (panel, height) in enumerate(panels, start=1):
        plt.subplot(row, 1)
        plt.plotsize(width, height)
        plt.title(panel.title)
        plt.xlabel(panel.xlabel)
        for series in panel.series:
            marker, col = _style(series, colour)
            draw_one = plt.plot if series.lines else plt.scatter
            for xs, ys in series.runs:
                draw_one(xs, ys, marker=marker, color=col)
        plt.xlim(*panel.xlim)
        if panel.ylim:
            plt.ylim(*panel.ylim)
        if panel.yticks:
            plt.yticks(*panel.yticks)
    text = plt.build()
    return text if colour else plt.uncolorize(text)


