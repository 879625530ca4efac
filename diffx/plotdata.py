"""The arrays behind `diffx plot`: f, f′ and f″ over a grid, by every method.

A function of one scalar variable is plotted over a grid of points. When the
expression is elementwise in that variable, AD needs no loop: the forward pass
runs once with the variable bound to the whole grid, and one reverse sweep
seeded with ones gives f′ at every point (what PyTorch's y.sum().backward()
does). Finite differences run point by point through the library's own
methods (central differences, unless a numeric-SCHEME is named), so the error
curves show what that method gives at each point. SymPy differentiates once
and the formula is evaluated at every point.

The optional matplotlib figure is drawn here too (imported only when drawn),
so a notebook can save the same picture the command line writes.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from . import budget, symbolic
from .api import problem
from .derivatives import HESSIAN, tangent_graph
from .engine import backward, forward_tangents
from .errors import DiffxError, InputError
from .export import one_line
from .graph import Graph
from .limits import DEFAULT_LIMITS, Limits
from .methods import METHODS, Problem
from .ops import OPS
from .parser import parse
from .results import SCHEMA_VERSION, jsonable
from .traced import gradient_graph

PLOT_METHODS = ("reverse", "forward", "symbolic", "numeric")
REFERENCE = "reverse"
PLAIN_NUMERIC = "numeric-central"     # a plot's "numeric": the textbook scheme, whose errors are worth seeing
MAX_POINTS = 20_000          # far more than a terminal or an image can show; keeps every plot quick
IMAGE_SUFFIXES = (".png", ".svg", ".pdf")
INSTALL_PLOT = "pip install 'diffx-explorer[plot]'"

ORDER_NAMES = {0: "f", 1: "f′", 2: "f″"}
METHOD_NAMES = {"reverse": "reverse AD", "forward": "forward AD", "symbolic": "symbolic (SymPy)",
                "numeric": "central differences"}
SCHEME_NAMES = {"central": "central differences", "forward": "forward differences",
                "backward": "backward differences", "richardson": "Richardson extrapolation", "complex": "complex step"}

# ops whose output at a point depends only on their inputs at that point: with only these between
# the plotted variable and the output, binding the variable to the whole grid evaluates f pointwise
_POINTWISE_KINDS = frozenset({"elementwise", "logic", "leaf"})


def method_label(name: str) -> str:
    """'reverse AD', 'central differences', 'complex step' (numeric-complex)."""
    scheme = name.removeprefix("numeric-")
    return METHOD_NAMES.get(name) or SCHEME_NAMES.get(scheme, scheme)


def curve_label(order: int, method: str | None = None, over: str = "x") -> str:
    """The legend text of a curve: 'f(x)', 'f′(x) reverse AD'."""
    return f"{ORDER_NAMES[order]}({over})" + ("" if method is None else f" {method_label(method)}")


@dataclass
class PlotData:
    """f and its derivatives over a grid of the plotted variable, by method.

    `derivatives[order][method]` is an array over the grid (order 1 or 2);
    `reference` (reverse AD) is the method the others are compared with.
    Non-finite values stay in the arrays: a plot leaves a gap there.
    """

    expr: str
    over: str
    at: dict[str, np.ndarray]                 # the other variables, fixed
    x: np.ndarray
    f: np.ndarray
    derivatives: dict[int, dict[str, np.ndarray]]
    notes: dict[int, dict[str, str]]          # how each curve was computed, in words
    seconds: dict[int, dict[str, float]]
    vectorised: bool                          # AD ran over the whole grid at once
    formulas: dict[int, str] = field(default_factory=dict)           # symbolic f′, f″ as text
    skipped: dict[int, dict[str, str]] = field(default_factory=dict)  # method that gave no curve, and why
    reference: str = REFERENCE

    @property
    def errors(self) -> dict[int, dict[str, np.ndarray]]:
        """|method − reference| at every point; NaN where either is not finite."""
        return {k: {m: difference(c, curves[self.reference]) for m, c in curves.items() if m != self.reference}
                for k, curves in self.derivatives.items()}

    def error_summary(self) -> dict[int, dict[str, dict[str, Any]]]:
        """Per curve: the largest difference from the reference, where, and how often it is exactly 0."""
        return {k: {m: _summary(self.x, d) for m, d in errs.items()} for k, errs in self.errors.items()}

    def drawn(self, y: np.ndarray) -> np.ndarray:
        """A curve as drawn: NaN (a gap) where it or f is not finite.

        A derivative exists only where the function does; AD and SymPy still
        give numbers where f is NaN (1/x for log at x < 0), which a picture
        would show as a curve of a function that is not there.
        """
        return np.where(np.isfinite(y) & np.isfinite(self.f), y, np.nan)

    def curves(self) -> list[tuple[int, str | None, np.ndarray]]:
        """Every curve as drawn, f first: (order, method or None, values)."""
        out: list[tuple[int, str | None, np.ndarray]] = [(0, None, self.drawn(self.f))]
        out += [(k, m, self.drawn(y)) for k, cs in self.derivatives.items() for m, y in cs.items()]
        return out

    def y_limits(self, tail: float = 0.01, spread: float = 5.0) -> tuple[float, float] | None:
        """A y range that keeps spikes (near a pole) from flattening everything else, or None.

        When the full range of the drawn values is more than `spread` times
        the range of their middle 98%, the axis shows that middle range (plus
        a margin); values beyond it run off the chart.
        """
        ys = np.concatenate([y[np.isfinite(y)] for _, _, y in self.curves()])
        if ys.size < 10:
            return None
        lo, hi = np.quantile(ys, [tail, 1.0 - tail])
        if float(ys.max() - ys.min()) <= spread * float(hi - lo) or hi <= lo:
            return None
        margin = 0.15 * float(hi - lo)
        return float(lo) - margin, float(hi) + margin

    def has_errors_to_show(self) -> bool:
        """Whether any method differs from the reference somewhere (a log scale cannot show 0)."""
        return any(bool(np.any(self.drawn(d) > 0)) for errs in self.errors.values() for d in errs.values())

    def to_dict(self) -> dict:
        def by_order(d: dict) -> dict:
            return {str(k): v for k, v in d.items()}
        return {
            "schema_version": SCHEMA_VERSION,
            "expr": self.expr,
            "over": self.over,
            "at": jsonable(self.at),
            "points": int(self.x.size),
            "x": jsonable(self.x),
            "f": jsonable(self.f),
            "reference": self.reference,
            "vectorised": self.vectorised,
            "derivatives": jsonable(by_order(self.derivatives)),
            "errors": jsonable(by_order(self.errors)),
            "max_abs_error": jsonable(by_order({k: {m: s["max"] for m, s in v.items()}
                                                for k, v in self.error_summary().items()})),
            "formulas": by_order(self.formulas),
            "notes": by_order(self.notes),
            "seconds": by_order(self.seconds),
            "skipped": by_order(self.skipped),
        }


def difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        d = np.abs(a - b)
    return np.where(np.isfinite(a) & np.isfinite(b), d, np.nan)


def _summary(x: np.ndarray, d: np.ndarray) -> dict[str, Any]:
    finite = np.isfinite(d)
    if not finite.any():
        return {"max": None, "at": None, "equal": 0, "compared": 0}
    i = int(np.nanargmax(np.where(finite, d, -1.0)))
    return {"max": float(d[i]), "at": float(x[i]), "equal": int(np.sum(d[finite] == 0.0)),
            "compared": int(finite.sum())}


# ---------------------------------------------------------------- the entry point

def plot_data(expr: str | Graph, *, over: str | None = None, start: float = -5.0, stop: float = 5.0,
              points: int = 400, order: int = 1, methods: Iterable[str] = (REFERENCE,),
              at: Mapping[str, Any] | None = None, seed: int = 0, limits: Limits = DEFAULT_LIMITS,
              **values: Any) -> PlotData:
    """f and its derivatives up to `order` over `points` points from `start` to `stop`.

    `plot_data("sin(x)", start=-20, stop=20).derivatives[1]["reverse"]` is
    cos(x) on the grid, from one reverse sweep. `over` names the plotted
    variable (needed when there are several); the others are fixed by `at` or
    by keyword. Reverse AD always runs: it is the reference the other
    methods' error curves are measured from.
    """
    names = method_names(methods)
    if order not in (1, 2):
        raise InputError(f"--order {order}: diffx plots the first and second derivatives (1 or 2)")
    x = grid(start, stop, points)
    graph = expr if isinstance(expr, Graph) else parse(expr, limits=limits, seed=seed)
    over = plotted_variable(graph, over)
    fixed = {**(at or {}), **values}
    if over in fixed:
        raise InputError(f"{over} is the plotted variable: its values run over the grid "
                         f"(--from, --to), so it takes no --at value")
    probe = problem(graph, {**fixed, over: x[0]}, wrt=[over], seed=seed, limits=limits)
    _require_scalar(probe, over)
    return _Sweep(probe, over, x, order).run(names)


def available_methods() -> tuple[str, ...]:
    """What a plot can draw: the four methods, and each finite-difference scheme by name."""
    return PLOT_METHODS + tuple(name for name in METHODS if name.startswith("numeric-"))


def method_names(methods: Iterable[str]) -> list[str]:
    """The methods to run, the reference first; an unknown name is refused."""
    names = list(dict.fromkeys([REFERENCE, *methods]))
    unknown = [m for m in names if m not in available_methods()]
    if unknown:
        raise InputError(f"unknown method {unknown[0]!r}: choose from {', '.join(available_methods())}")
    return names


def grid(start: float, stop: float, points: int) -> np.ndarray:
    """`points` evenly spaced values from `start` to `stop`, both included."""
    if not (math.isfinite(start) and math.isfinite(stop)):
        raise InputError(f"the plot range must be finite numbers, got --from {start} --to {stop}")
    if not start < stop:
        raise InputError(f"--from {start:g} must be less than --to {stop:g}")
    if not 2 <= points <= MAX_POINTS:
        raise InputError(f"--points {points}: a plot takes from 2 to {MAX_POINTS:,} points")
    return np.linspace(float(start), float(stop), int(points))


def plotted_variable(graph: Graph, over: str | None) -> str:
    """The variable along the x axis: `over`, or the expression's only variable."""
    names = list(graph.variables)
    if over is not None:
        if over not in graph.variables:
            raise InputError(f"--over {over}: not a variable of the expression "
                             f"(its variables: {', '.join(names) or 'none'})")
        return over
    if len(names) == 1:
        return names[0]
    if not names:
        raise InputError("the expression has no variable to plot over: write it in terms of a variable, "
                         "such as sin(x)")
    others = " ".join(f"--at {n}=..." for n in names[1:])
    raise InputError(f"the expression has {len(names)} variables ({', '.join(names)}): name the one to plot "
                     f"with --over {names[0]} and fix the others with {others}")


def _require_scalar(p: Problem, over: str) -> None:
    shape = np.shape(p.output)
    if shape != ():
        raise InputError(f"diffx plot draws a scalar function of {over}, but the output has shape "
                         f"{tuple(shape)}: wrap it in sum(...) or pick one element with [...]",
                         source=p.graph.source, span=p.graph.nodes[p.graph.output].span)


# ---------------------------------------------------------------- computing the curves

def varies_with(graph: Graph, var: int) -> list[bool]:
    """Which nodes' values change with the variable (through any edge, `detach` included)."""
    dep = [False] * len(graph.nodes)
    dep[var] = True
    for node in graph.nodes:
        dep[node.id] = dep[node.id] or any(dep[i] for i in node.inputs)
    return dep


def is_pointwise(p: Problem, var: int) -> bool:
    """Whether binding the variable to a grid evaluates f at every grid point at once.

    True when everything that depends on the variable is an elementwise op on
    scalars; a reduction (sum, dot, max) would mix the grid points.
    """
    dep = varies_with(p.graph, var)
    return all(OPS[n.op].kind in _POINTWISE_KINDS and np.shape(p.values[n.id]) == ()
               for n in p.graph.nodes if dep[n.id])


def _ones_like(p: Problem, name: str) -> np.ndarray:
    return np.ones(np.shape(p.point[name]))


def _on_grid(v, shape: tuple) -> np.ndarray:
    """A node's result as a float array over the grid (None, a node the variable does not reach: 0)."""
    return np.zeros(shape) if v is None else np.array(np.broadcast_to(np.asarray(v, dtype=np.float64), shape))


def _reverse_1(p: Problem, name: str):
    """One reverse sweep seeded with ones: every grid point's f′ at once."""
    var = p.graph.variables[name]
    return backward(p.graph, p.values, np.ones(np.shape(p.output)), wrt=[var])[var]


def _forward_1(p: Problem, name: str):
    """One tangent pass with tangent ones: every grid point's f′ at once."""
    return forward_tangents(p.graph, p.values, {p.graph.variables[name]: _ones_like(p, name)})[p.graph.output]


def _reverse_2(p: Problem, name: str):
    """Forward-over-reverse: the reverse sweep recorded as a graph, then one tangent pass over it."""
    g2, ids, values = gradient_graph(p.graph, p.point, [name])
    return forward_tangents(g2, values, {g2.variables[name]: _ones_like(p, name)})[ids[name]]


def _forward_2(p: Problem, name: str):
    """Forward-over-forward: a recorded tangent pass, then one tangent pass over it."""
    g2, out, values = tangent_graph(p, name, _ones_like(p, name))
    return forward_tangents(g2, values, {g2.variables[name]: _ones_like(p, name)})[out]


VECTORISED: dict[tuple[int, str], Callable[[Problem, str], Any]] = {
    (1, "reverse"): _reverse_1, (1, "forward"): _forward_1,
    (2, "reverse"): _reverse_2, (2, "forward"): _forward_2,
}
VECTORISED_NOTES = {
    (1, "reverse"): "one forward pass and one reverse sweep over all {n} points at once (seeded with ones, "
                    "like PyTorch's y.sum().backward())",
    (1, "forward"): "one tangent pass over all {n} points at once (tangent ones)",
    (2, "reverse"): "forward-over-reverse: the reverse sweep recorded as a graph, one tangent pass over it, "
                    "all {n} points at once",
    (2, "forward"): "forward-over-forward: a recorded tangent pass, one tangent pass over it, all {n} points at once",
}
# one point at a time: the library's own methods, each on a problem at one grid point
POINTWISE: dict[int, dict[str, Callable]] = {
    1: {**METHODS, "numeric": METHODS.get(PLAIN_NUMERIC, METHODS["numeric"])},
    2: HESSIAN,
}
NOT_ELEMENTWISE = "(the expression is not elementwise in {x})"
POINTWISE_NOTES = {
    (1, "reverse"): "{n} reverse sweeps, one per point " + NOT_ELEMENTWISE,
    (1, "forward"): "{n} tangent passes, one per point " + NOT_ELEMENTWISE,
    (2, "reverse"): "forward-over-reverse at each of the {n} points " + NOT_ELEMENTWISE,
    (2, "forward"): "forward-over-forward at each of the {n} points " + NOT_ELEMENTWISE,
    (2, "numeric"): "applied to the reverse-mode gradient: {evals} gradients, {per:g} per point",
}
NUMERIC_NOTE = "{evals} evaluations, {per:g} per point"


def symbolic_curves(graph: Graph, values: list, point: dict, over: str, x: np.ndarray, order: int,
                    limits: Limits) -> dict[int, tuple[np.ndarray, str]]:
    """{k: (the k-th derivative at every grid point, its formula)}: SymPy differentiates once per order."""
    fs = symbolic.Formulas(graph, values, point, [over], limits)
    sp, sym = fs.sp, fs.syms[over].item()
    out, d = {}, fs.out
    for k in range(1, order + 1):
        d = fs.derivative(d, over)
        expr = np.asarray(d, dtype=object).item()
        out[k] = (np.array([symbolic.to_float(expr.xreplace({sym: sp.Float(float(v), 30)})) for v in x]), str(expr))
    return out


class _Sweep:
    """The curves of one expression over one grid; problems are built once and shared."""

    def __init__(self, probe: Problem, over: str, x: np.ndarray, order: int):
        self.probe, self.over, self.x, self.order = probe, over, x, order
        self.graph = probe.graph
        self.var = self.graph.variables[over]
        self.pointwise = is_pointwise(probe, self.var)

    def at(self, value) -> Problem:
        return Problem.build(self.graph, {**self.probe.point, self.over: np.asarray(value, dtype=np.float64)},
                             [self.over], self.probe.limits)

    @cached_property
    def on_grid(self) -> Problem:
        return self.at(self.x)

    @cached_property
    def per_point(self) -> list[Problem]:
        return [self.at(v) for v in self.x]

    def f(self) -> np.ndarray:
        if self.pointwise:
            return _on_grid(self.on_grid.output, self.x.shape)
        return np.array([float(p.output) for p in self.per_point])

    def run(self, names: list[str]) -> PlotData:
        with np.errstate(all="ignore"):
            f = self.f()
            fixed = {k: v for k, v in self.probe.point.items() if k != self.over}
            data = PlotData(expr=self.graph.source, over=self.over, at=fixed, x=self.x, f=f, derivatives={},
                            notes={}, seconds={}, vectorised=self.pointwise)
            for k in range(1, self.order + 1):
                for name in names:
                    self.curve(data, k, name)
        return data

    def curve(self, data: PlotData, k: int, name: str) -> None:
        """Compute one curve into `data`, or record why the method gave none."""
        start = time.perf_counter()
        try:
            values, note = (self.symbolic(data, k) if name == "symbolic" else
                            self.vectorised(k, name) if self.pointwise and (k, name) in VECTORISED else
                            self.point_by_point(k, name))
        except (DiffxError, ArithmeticError, ValueError, TypeError, RecursionError) as exc:
            if name in ("reverse", "forward"):
                raise
            data.skipped.setdefault(k, {})[name] = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            return
        data.derivatives.setdefault(k, {})[name] = values
        data.notes.setdefault(k, {})[name] = note
        data.seconds.setdefault(k, {})[name] = time.perf_counter() - start

    def vectorised(self, k: int, name: str) -> tuple[np.ndarray, str]:
        values = _on_grid(VECTORISED[(k, name)](self.on_grid, self.over), self.x.shape)
        return values, VECTORISED_NOTES[(k, name)].format(n=self.x.size)

    def point_by_point(self, k: int, name: str) -> tuple[np.ndarray, str]:
        """The library's method run at every grid point in turn."""
        if name not in POINTWISE[k]:
            raise InputError(f"{name} has no {ORDER_NAMES[k]}: use numeric")
        key = self.over if k == 1 else f"{self.over},{self.over}"
        results = [POINTWISE[k][name](p) for p in self.per_point]
        values = np.array([float(np.asarray(r.gradient[key])) for r in results])
        evals = sum(r.evaluations or 0 for r in results)
        note = POINTWISE_NOTES.get((k, name), NUMERIC_NOTE)
        return values, note.format(n=self.x.size, x=self.over, evals=evals, per=evals / self.x.size)

    def symbolic(self, data: PlotData, k: int) -> tuple[np.ndarray, str]:
        """The SymPy curve of order k (all orders are computed at once, within the symbolic time budget)."""
        result = self._symbolic
        if isinstance(result, Exception):
            raise result
        values, data.formulas[k] = result[k]
        return values, f"one SymPy derivative, evaluated at each of the {self.x.size} points"

    @cached_property
    def _symbolic(self) -> dict[int, tuple[np.ndarray, str]] | Exception:
        """Every order's curve, or why there is none (kept, so a failure costs its time once)."""
        p = self.probe
        try:
            self._check_detach()
            symbolic.sympy()          # imported here, so the budgeted (forked) worker does not spend its time on it
            return budget.within(p.limits.symbolic_seconds, symbolic_curves, p.graph, p.values, p.point,
                                 self.over, self.x, self.order, p.limits)
        except (DiffxError, ArithmeticError, ValueError, TypeError, RecursionError) as exc:
            return exc

    def _check_detach(self) -> None:
        dep, live = varies_with(self.graph, self.var), self.graph.reaches_output()
        if any(n.op == "detach" and dep[n.id] and live[n.id] for n in self.graph.nodes):
            raise InputError(f"detach(...) of an expression in {self.over} is a different constant at every point, "
                             "so one formula cannot give the curve")


# ---------------------------------------------------------------- the image (matplotlib, optional)

LINESTYLES = {"reverse": "-", "forward": (0, (6, 2)), "symbolic": "--", "numeric": ":"}
ERROR_MARKERS = {"forward": "x", "symbolic": "o", "numeric": "."}   # other schemes: "+"


def check_image_path(path: str | Path) -> Path:
    """The path of an image file diffx can write, judged by its extension."""
    path = Path(path)
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise InputError(f"--out {path}: diffx plot writes {', '.join(IMAGE_SUFFIXES[:-1])} or "
                         f"{IMAGE_SUFFIXES[-1]} images; pick one of those extensions")
    return path


def _matplotlib_figure():
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise InputError(f"writing an image needs matplotlib, the optional extra 'plot': {INSTALL_PLOT}") from None
    return Figure


def title(data: PlotData, width: int = 70) -> str:
    """'f(x) = sin(x)' with the fixed values: the expression on one line, shortened if long."""
    text = one_line(data.expr, width)
    fixed = ", ".join(f"{k} = {_short(v)}" for k, v in data.at.items())
    return f"f({data.over}) = {text}" + (f"   ({fixed})" if fixed else "")


def _short(v) -> str:
    a = np.asarray(v, dtype=np.float64)
    return f"{float(a):.6g}" if a.ndim == 0 else f"array of shape {a.shape}"


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
