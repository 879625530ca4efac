"""The arrays behind `diffx plot`: f, f′ and f″ over a grid, by every method.

A function of one scalar variable is plotted over a grid of points. When the
expression is elementwise in that variable, AD needs no loop: the forward pass
runs once with the variable bound to the whole grid, and one reverse sweep
seeded with ones gives f′ at every point (what PyTorch's y.sum().backward()
does). Finite differences run point by point through the library's own
methods (central differences, unless a numeric-SCHEME is named), so the error
curves show what that method gives at each point. SymPy differentiates once
and the formula is evaluated at every point.

The optional matplotlib figure is drawn by `diffx.figure`.
"""
from __future__ import annotations

import math
import time
from functools import cached_property
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from . import budget, registry, symbolic
from .ad import tangent_graph
from .engine import backward, forward_tangents
from .errors import DiffxError, InputError
from .graph import Graph
from .limits import Limits
from .ops import OPS
from .options import Options, options as make_options, split
from .problem import Problem, build, evaluated
from .curves import REFERENCE, PlotData
from .traced import gradient_graph

from .plotnames import ORDER_NAMES, PLAIN_NUMERIC, curve_label, method_label  # noqa: F401 - names of a plot

PLOT_METHODS = ("reverse", "forward", "symbolic", "numeric")
MAX_POINTS = 20_000          # far more than a terminal or an image can show; keeps every plot quick

# ops whose output at a point depends only on their inputs at that point: with only these between
# the plotted variable and the output, binding the variable to the whole grid evaluates f pointwise
_POINTWISE_KINDS = frozenset(op.kind for op in OPS.values() if op.pointwise)


# ---------------------------------------------------------------- the entry point

def plot_data(expr: str | Graph, *, over: str | None = None, start: float = -5.0, stop: float = 5.0,
              points: int = 400, order: int = 1, methods: Iterable[str] = (REFERENCE,),
              at: Mapping[str, Any] | None = None, options: Options | None = None, **kw: Any) -> PlotData:
    """f and its derivatives up to `order` over `points` points from `start` to `stop`.

    `plot_data("sin(x)", start=-20, stop=20).derivatives[1]["reverse"]` is
    cos(x) on the grid, from one reverse sweep. `over` names the plotted
    variable (needed when there are several); the others are fixed by `at` or
    by keyword. Run options (`random_seed=`, `limits=`, `symbolic_timeout=`,
    `numeric=`, `dtype=`) come by keyword or as `options=`. Reverse AD always
    runs: it is the reference the other methods' error curves are measured from.
    """
    settings, values = split(kw)
    o = make_options(options, **settings)
    names = method_names(methods)
    if order not in (1, 2):
        raise InputError(f"order={order}: diffx plots the first and second derivatives (1 or 2)", option="order")
    x = grid(start, stop, points)
    if isinstance(expr, Graph):
        graph = expr
    else:
        from .parser import parse
        graph = parse(expr, limits=o.limits, seed=o.random_seed)
    over = plotted_variable(graph, over)
    if at is not None and not isinstance(at, Mapping):      # 'name=value' texts, as the command line's --at
        from .point import read_at
        from .rng import Seeded
        at = read_at(at, graph.variables, rng=Seeded(o.random_seed), limits=o.limits)
    fixed = {**(at or {}), **values}
    if over in fixed:
        raise InputError(f"{over} is the plotted variable: its values run over the grid "
                         f"(start=, stop=), so it takes no value in at=", option="at")
    probe = build(graph, {**fixed, over: x[0]}, make_options(o, wrt=(over,)))
    _require_scalar(probe, over)
    return _Sweep(probe, over, x, order).run(names)


def available_methods() -> tuple[str, ...]:
    """What a plot can draw: the four methods, and each finite-difference scheme by name."""
    return PLOT_METHODS + tuple(name for name in registry.METHODS if name.startswith("numeric-"))


def method_names(methods: Iterable[str]) -> list[str]:
    """The methods to run, the reference first; an unknown name is refused."""
    names = list(dict.fromkeys([REFERENCE, *methods]))
    unknown = [m for m in names if m not in available_methods()]
    if unknown:
        raise InputError(f"unknown method {unknown[0]!r}: choose from {', '.join(available_methods())}",
                         option="methods")
    return names


def grid(start: float, stop: float, points: int) -> np.ndarray:
    """`points` evenly spaced values from `start` to `stop`, both included."""
    if not (math.isfinite(start) and math.isfinite(stop) and math.isfinite(stop - start)):
        raise InputError(f"the plot range must be finite numbers a finite distance apart, got start={start} "
                         f"stop={stop}", option="start")
    if not start < stop:
        raise InputError(f"start={start:g} must be less than stop={stop:g}", option="start")
    if not 2 <= points <= MAX_POINTS:
        raise InputError(f"points={points}: a plot takes from 2 to {MAX_POINTS:,} points", option="points")
    return np.linspace(float(start), float(stop), int(points))


def plotted_variable(graph: Graph, over: str | None) -> str:
    """The variable along the x axis: `over`, or the expression's only variable."""
    names = list(graph.variables)
    if over is not None:
        if over not in graph.variables:
            raise InputError(f"over={over}: not a variable of the expression "
                             f"(its variables: {', '.join(names) or 'none'})", option="over")
        return over
    if len(names) == 1:
        return names[0]
    if not names:
        raise InputError("the expression has no variable to plot over: write it in terms of a variable, "
                         "such as sin(x)")
    others = " ".join(f"at={n}=..." for n in names[1:])
    raise InputError(f"the expression has {len(names)} variables ({', '.join(names)}): name the one to plot "
                     f"with over={names[0]} and fix the others with {others}", option="over")


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
# one point at a time: the library's own methods (order 1 a gradient, order 2 a Hessian) at each grid point
KINDS = {1: "gradient", 2: "hessian"}
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
        return evaluated(self.graph, {**self.probe.point, self.over: np.asarray(value, dtype=np.float64)},
                         [self.over], self.probe.options)

    @cached_property
    def on_grid(self) -> Problem:
        return self.at(self.x)

    @cached_property
    def per_point(self) -> list[Problem]:
        return [self.at(v) for v in self.x]

    def f(self) -> np.ndarray:
        if self.pointwise:
            return _on_grid(self.on_grid.output, self.x.shape)
        if self._compiled is not None:
            return self._compiled[0]
        return np.array([float(p.output) for p in self.per_point])

    @cached_property
    def _compiled(self) -> tuple[np.ndarray, np.ndarray] | None:
        """f and the reverse-mode f′ at every grid point, from the compiled sweeps (diffx.codegen): one
        gradient call per point gives both. None where they do not serve (float32, or a point where floats
        cannot: then the general path runs)."""
        p = self.probe
        if p.dtype is not None:
            return None
        from .codegen import program
        prog = program(self.graph, [self.over], p.point, p.values)
        names = list(self.graph.variables)
        at = names.index(self.over)
        args = [p.point[n] for n in names]
        seed = 1.0 if prog.scalar else np.ones(())
        f, df = np.empty(self.x.shape), np.empty(self.x.shape)
        try:
            for i, v in enumerate(self.x):
                args[at] = v
                f[i], (g,) = prog.gradient(*args, seed)
                df[i] = 0.0 if g is None else g
        except (ArithmeticError, ValueError, TypeError, IndexError):
            return None
        return f, df

    def run(self, names: list[str]) -> PlotData:
        with np.errstate(all="ignore"):
            f = self.f()
            fixed = {k: v for k, v in self.probe.point.items() if k != self.over}
            data = PlotData(expr=self.graph.source, over=self.over, at=fixed, x=self.x, f=f, derivatives={},
                            notes={}, seconds={}, vectorised=self.pointwise)
            unaffordable = self.unaffordable(names)
            for k in range(1, self.order + 1):
                for name in names:
                    if (k, name) in unaffordable:
                        data.skipped.setdefault(k, {})[name] = unaffordable[k, name]
                    else:
                        self.curve(data, k, name)
        return data

    def unaffordable(self, names: list[str]) -> dict[tuple[int, str], str]:
        """{(order, method): why}: point-by-point curves whose work, all curves counted, passes max_work.

        A curve run point by point is one of the library's methods at every
        point (`diffx.estimate` prices it at the probe point); reverse AD's curve
        is the plot's reference, so when it cannot be afforded the plot is refused.
        """
        from .estimate import CALL_OPS, Estimate, method, refusal
        total, out = 0, {}
        for k in range(1, self.order + 1):
            for name in names:
                if name == "symbolic" or self.pointwise and (k, name) in VECTORISED:
                    continue
                plain = name == "numeric" and k == 1 and self.probe.options.numeric is None
                one, n = method(self.probe, PLAIN_NUMERIC if plain else name, KINDS[k]), self.x.size
                e = Estimate(n * (one.work + CALL_OPS), one.memory, f"{n:,} points × ({one.what})")
                refused = refusal(Estimate(total + e.work, e.memory, e.what), self.probe.limits,
                                  f"the {name} {ORDER_NAMES[k]} curve, point by point")
                if refused is None:
                    total += e.work
                elif name == REFERENCE:
                    raise refused
                else:
                    out[k, name] = refused.message
        return out

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
        kind = KINDS[k]
        if name == "numeric" and k == 1 and self.probe.options.numeric is None:
            name = PLAIN_NUMERIC
        if kind not in registry.METHODS[name].serves:
            raise InputError(f"{name} has no {ORDER_NAMES[k]}: use numeric")
        if (k, name) == (1, "reverse"):
            if self._compiled is not None:              # the same sweep, compiled once for the whole grid
                return self._compiled[1], POINTWISE_NOTES[(k, name)].format(n=self.x.size, x=self.over)
        key = self.over if k == 1 else (self.over, self.over)
        run = registry.METHODS[name].serves[kind]
        results = [run(p) for p in self.per_point]
        values = np.array([float(np.asarray(r.derivative[key])) for r in results])
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
                                 self.over, self.x, self.order, p.limits, isolation=p.options.isolation)
        except (DiffxError, ArithmeticError, ValueError, TypeError, RecursionError) as exc:
            return exc

    def _check_detach(self) -> None:
        dep, live = varies_with(self.graph, self.var), self.graph.reaches_output()
        if any(OPS[n.op].frozen and dep[n.id] and live[n.id] for n in self.graph.nodes):
            raise InputError(f"detach(...) of an expression in {self.over} is a different constant at every point, "
                             "so one formula cannot give the curve")
