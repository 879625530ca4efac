"""`diffx plot` and graph export (DOT, SVG, PNG, Mermaid): pictures of f, its derivatives and its graph.

The library computes (diffx.plotdata, diffx.export); this module decides what
goes where and draws in the terminal with plotext, imported only when a plot
is drawn. plotext 5 and 6 have different interfaces; `draw` picks one small
drawing function for each, both fed the same `Panel`s.
"""
from __future__ import annotations

import math
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer

from diffx.errors import InputError

from . import output
from diffx.text import clip

from .app import At, Debug, Expr, Json, LimitOpt, Seed, SymbolicTimeout, _guard, _limits, app

DEFAULT_HEIGHT = 22          # rows of the curves panel; the error panel gets two thirds of it
MIN_WIDTH, MIN_HEIGHT = 30, 8
COLOURS = (33, 208, 34, 160, 127, 37, 244)     # 256-colour codes: plotext draws with them, the key repeats them
MARKERS = ("•", "+", "x", "o", "*", "#", "@")    # without colour, curves differ by marker
ERROR_METHODS = ("symbolic", "numeric")          # what --error compares when no --method is given


# ---------------------------------------------------------------- diffx plot

@app.command()
def plot(
    expr: Expr,
    start: Annotated[float, typer.Option("--from", help="Left end of the plotted range.")] = -5.0,
    stop: Annotated[float, typer.Option("--to", help="Right end of the plotted range.")] = 5.0,
    points: Annotated[int, typer.Option(help="Number of grid points.")] = 400,
    over: Annotated[Optional[str], typer.Option(
        help="The variable along the x axis (needed when there are several; fix the others with --at).")] = None,
    at: At = None,
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
    symbolic_timeout: SymbolicTimeout = 5.0,
    seed: Seed = 0,
    limit: LimitOpt = None,
    json_: Json = False,
    debug: Debug = False,
) -> None:
    """Plot f and its derivatives over a range: reverse AD over the whole grid in one sweep, and other methods.

    Example: diffx plot "sin(x)" --from -20 --to 20
    """
    def body() -> int:
        from diffx.plotdata import check_image_path, plot_data, save_figure
        if out is not None:
            check_image_path(out)                 # a bad name fails before any work
        limits = _limits(symbolic_timeout, limit)
        graph, point = _read(expr, at, seed, limits)
        data = plot_data(graph, over=over, start=start, stop=stop, points=points, order=order,
                         methods=plot_methods(method, error), at=point, seed=seed, limits=limits)
        if out is not None:
            output.note(f"wrote {save_figure(data, out, errors=error)}")
        if json_:
            output.emit_json(data.to_dict())
        elif out is None:
            size = _size(width, height)
            colour = output.console().color_system is not None
            _stdout(terminal_plot(data, errors=error, width=size[0], height=size[1], colour=colour))
        return output.EXIT_OK
    _guard(debug, body)


def plot_methods(method: list[str] | None, error: bool) -> list[str]:
    """The methods to draw: reverse AD, what --method adds, and what --error needs to compare."""
    if method:
        if error and set(method) <= {"reverse"}:
            raise InputError("--error compares methods with reverse AD: add --method numeric or --method symbolic")
        return ["reverse", *method]
    return ["reverse", *(ERROR_METHODS if error else ())]


def _read(expr: str, at: list[str] | None, seed: int, limits):
    """The graph and the --at values (the plotted variable gets the grid, not a value)."""
    from diffx.functions import Seeded
    from diffx.parser import parse
    from diffx.values import read_at
    rng = Seeded(seed)
    graph = parse(output.read_expression(expr), limits=limits, rng=rng)
    return graph, read_at(at or [], graph.variables, rng=rng, limits=limits)


def _size(width: int | None, height: int | None) -> tuple[int, int]:
    width = output.console().width if width is None else width
    height = DEFAULT_HEIGHT if height is None else height
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        raise InputError(f"a terminal plot needs at least {MIN_WIDTH} columns and {MIN_HEIGHT} rows "
                         f"(got --width {width}, --height {height})")
    return width, height


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


def curves_panel(data) -> Panel:
    from diffx.plotdata import curve_label, title
    panel = Panel(title(data, width=60), data.over, _xlim(data), ylim=data.y_limits())
    panel.series = [Series(curve_label(k, name, data.over), finite_runs(data.x, y), i)
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
    notes += [f"{ORDER_NAMES[k]} {method_label(name)}: skipped, {why}"
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


# ---------------------------------------------------------------- diffx graph --format / --out

GRAPH_FORMATS = ("table", "tree", "json", "dot", "mermaid", "markdown", "svg", "png")
SUFFIXES = {".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png", ".mmd": "mermaid", ".mermaid": "mermaid",
            ".md": "markdown", ".markdown": "markdown", ".json": "json"}
TEXT_FORMATS = ("json", "dot", "mermaid", "markdown")


def graph_format(fmt: str | None, view: str, json_: bool, out: str | None) -> str:
    """The one output format that --format, --out's extension, --json and --view ask for."""
    if fmt is not None and fmt not in GRAPH_FORMATS:
        raise InputError(f"--format {fmt}: choose from {', '.join(GRAPH_FORMATS)}")
    asked = {"--format": fmt, "--json": "json" if json_ else None, "--view": "tree" if view == "tree" else None,
             "--out": SUFFIXES.get(Path(out).suffix.lower()) if out else None}
    wanted = {v for v in asked.values() if v}
    if len(wanted) > 1:
        said = ", ".join(f"{k} {v}" if k != "--json" else k for k, v in asked.items() if v)
        raise InputError(f"these options ask for different outputs: {said}")
    if out and not wanted:
        raise InputError(f"--out {out}: cannot tell the format from the extension; use "
                         f"{', '.join(SUFFIXES)}, or give --format")
    return wanted.pop() if wanted else "table"


def write_graph(rep, fmt: str, out: str | None) -> int:
    """Send the graph in `fmt` to --out, or to stdout (the terminal views and the text formats)."""
    if fmt in ("table", "tree"):
        return _write_view(rep, fmt, out)
    if fmt in TEXT_FORMATS:
        _deliver(graph_text(rep, fmt), out)
        return output.EXIT_OK
    return _write_image(rep, fmt, out)


def graph_text(rep, fmt: str) -> str:
    import json
    from diffx import export
    makers = {"json": lambda: json.dumps(rep.to_dict(), allow_nan=False) + "\n",
              "dot": lambda: export.to_dot(rep),
              "mermaid": lambda: export.to_mermaid(rep),
              "markdown": lambda: export.to_mermaid(rep, fenced=True)}
    return makers[fmt]()


def _write_view(rep, fmt: str, out: str | None) -> int:
    from .render import graph_table, graph_tree
    view = graph_tree(rep) if fmt == "tree" else graph_table(rep)
    if out is None:
        output.console().print(view)
        return output.EXIT_OK
    from rich.console import Console
    with _open(out, "w") as fh:
        Console(file=fh, width=120, no_color=True, highlight=False, emoji=False).print(view)
    output.note(f"wrote {out}")
    return output.EXIT_OK


def _write_image(rep, fmt: str, out: str | None) -> int:
    """SVG or PNG through Graphviz; without `dot`, the DOT text is saved so it can be drawn later."""
    from diffx import export
    if out is None and fmt == "png":
        raise InputError("PNG is binary: give a file with --out graph.png")
    text = export.to_dot(rep)
    try:
        image = export.render(text, fmt)
    except export.GraphvizMissing as exc:
        if out is None:
            raise InputError(f"{exc.message}; or write the DOT text with --format dot") from None
        dot_path = Path(out).with_suffix(".dot")
        _deliver(text, str(dot_path), say=False)
        raise InputError(f"{exc.message}; wrote {dot_path} instead, which draws with: "
                         f"dot -T{fmt} {dot_path} -o {out}") from None
    if out is None:
        _stdout(image.decode("utf-8"))
    else:
        _deliver(image, out)
    return output.EXIT_OK


def _stdout(text: str) -> None:
    sys.stdout.write(text)


def _deliver(content: str | bytes, out: str | None, say: bool = True) -> None:
    """Text or bytes to the --out file (then a note on stderr), or text to stdout."""
    if out is None:
        _stdout(content)
        return
    with _open(out, "wb" if isinstance(content, bytes) else "w") as fh:
        fh.write(content)
    if say:
        output.note(f"wrote {out}")


def _open(path: str, mode: str):
    try:
        return open(path, mode, **({} if "b" in mode else {"encoding": "utf-8"}))
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
