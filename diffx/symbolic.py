"""Symbolic differentiation: the graph translated node by node into SymPy.

SymPy is imported here only, and only when a symbolic result is asked for,
so the AD-only paths never pay for it. Every SymPy object is built with
constructors from the graph; no text is ever handed to SymPy.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import LimitError, RuleError
from .graph import Graph
from .limits import Limits, how_to_raise
from .ops import OPS, SAME


def sympy():
    import sympy as sp  # deferred: importing SymPy costs more than the rest of diffx
    return sp


def symbols_for(sp, name: str, shape: tuple[int, ...], taken=()) -> np.ndarray:
    """Real symbols for every component: `x` for a scalar, `x_0, x_1, ...`, `W_0_1` for arrays.

    A component's name must not be another variable's (`x[0] + x_0` has a vector x and a scalar x_0):
    where `x_0` is `taken`, the components are written `x[0]` instead, which no variable can be called.
    """
    if shape == ():
        return np.asarray(sp.Symbol(name, real=True), dtype=object)
    names = {idx: f"{name}_" + "_".join(map(str, idx)) for idx in np.ndindex(*shape)}
    if set(names.values()) & set(taken):
        names = {idx: f"{name}[{', '.join(map(str, idx))}]" for idx in names}
    out = np.empty(shape, dtype=object)
    for idx, text in names.items():
        out[idx] = sp.Symbol(text, real=True)
    return out


def number(sp, v: float):
    """A SymPy number for a float: an Integer when it is one, else an exact Float."""
    v = float(v)
    if math.isfinite(v) and v.is_integer() and abs(v) < 2 ** 53:
        return sp.Integer(int(v))
    if math.isnan(v):
        return sp.nan
    if math.isinf(v):
        return sp.oo if v > 0 else -sp.oo
    text = repr(v)
    # a short decimal (as typed: 0.1, 3.7) is taken exactly; a long one (randn) as the double it is
    return sp.Rational(text) if len(text) <= 10 else sp.Float(v, 17)


def numbers(sp, a) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    return np.asarray(np.frompyfunc(lambda v: number(sp, v), 1, 1)(a), dtype=object)


def translate(graph: Graph, values: list, point: dict[str, np.ndarray], wrt: list[str]):
    """The output as an object array of SymPy expressions, and the symbols of `wrt`.

    Variables not differentiated are numbers; a constant, and a frozen op
    (detach), enters as its value at the point (from the forward pass).
    """
    sp = sympy()
    syms = {name: symbols_for(sp, name, np.shape(point[name]), taken=graph.variables) for name in wrt}
    exprs: list[Any] = [None] * len(graph.nodes)
    live = graph.reaches_output()
    moved = graph.influenced_by([graph.variables[n] for n in wrt])
    for node in graph.nodes:
        op = OPS[node.op]
        if not live[node.id]:
            continue
        if op.free:
            exprs[node.id] = syms[node.label] if node.label in syms else numbers(sp, point[node.label])
        elif not moved[node.id] or op.kind == "leaf" or op.frozen:
            # a constant sub-expression enters as its value: SymPy never sees 9^9^9^9 as an exact integer
            exprs[node.id] = numbers(sp, values[node.id])
        else:
            args = [exprs[i] for i in node.inputs]
            if op.sym is None:
                raise RuleError(f"the op {op.name!r} has no SymPy translation")
            out = op.forward(*args, **node.params) if op.sym == SAME else op.sym(sp, *args, **node.params)
            exprs[node.id] = np.asarray(out, dtype=object)
    return exprs[graph.output], syms


def count_components(point: dict[str, np.ndarray], wrt: list[str]) -> int:
    return sum(int(np.size(point[name])) for name in wrt)


def check_size(point, wrt, limits: Limits) -> None:
    n = count_components(point, wrt)
    if n > limits.max_symbolic_components:
        raise LimitError(f"{n} scalar inputs are more than the symbolic method takes "
                         f"({limits.max_symbolic_components}; {how_to_raise('max_symbolic_components')})")


def _objects(items: list, shape: tuple) -> np.ndarray:
    """An object array of SymPy terms (numpy must not read them as sequences)."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out.reshape(shape)


class Formulas:
    """The output of a graph as SymPy terms, with the symbols of the variables and their values."""

    def __init__(self, graph: Graph, values: list, point: dict[str, np.ndarray], wrt: list[str], limits: Limits):
        check_size(point, wrt, limits)
        self.sp = sympy()
        self.out, self.syms = translate(graph, values, point, wrt)
        self.point, self.wrt = point, wrt
        self.subs = {s: self.sp.Float(float(v), 30) for name in wrt
                     for s, v in zip(np.ravel(self.syms[name]), np.ravel(point[name]))}

    def value(self, exprs: np.ndarray) -> np.ndarray:
        return np.array([to_float(e.xreplace(self.subs)) for e in np.ravel(exprs)]).reshape(np.shape(exprs))

    def derivative(self, f: np.ndarray, name: str) -> np.ndarray:
        """d f / d name: shape f.shape + name's shape."""
        shape = np.shape(self.point[name])
        items = [self.sp.diff(fi, s) for fi in np.ravel(f) for s in np.ravel(self.syms[name])]
        return _objects(items, np.shape(f) + shape)


def gradient(graph: Graph, values: list, point: dict[str, np.ndarray], wrt: list[str], limits: Limits,
             want_sizes: bool = False):
    """Formulas d(output)/d(each component), their values at the point, and (if asked) the sizes of the
    derivative. The matrix form is `diffx.matrixform`'s, without SymPy."""
    fs = Formulas(graph, values, point, wrt, limits)
    formulas = {name: fs.derivative(fs.out, name) for name in wrt}
    grads = {name: fs.value(f) for name, f in formulas.items()}
    sizes = derivative_sizes(fs.sp, formulas) if want_sizes else None
    return formulas, grads, sizes


def derivative_sizes(sp, formulas: dict[str, np.ndarray]) -> dict[str, int]:
    """Operation counts of the naive derivative and of its common-subexpression-eliminated form."""
    exprs = [e for f in formulas.values() for e in np.ravel(f)]
    replacements, reduced = sp.cse(exprs)
    return {"naive_ops": int(sum(sp.count_ops(e) for e in exprs)),
            "cse_ops": int(sum(sp.count_ops(e) for _, e in replacements) + sum(sp.count_ops(e) for e in reduced))}


def jacobian(graph: Graph, values: list, point: dict[str, np.ndarray], wrt: list[str], limits: Limits):
    """d(output components)/d(input components): shape output + variable, per variable."""
    fs = Formulas(graph, values, point, wrt, limits)
    if np.size(fs.out) > limits.max_symbolic_components:
        raise LimitError(f"{np.size(fs.out)} output components are more than the symbolic method takes "
                         f"({limits.max_symbolic_components})")
    return {name: fs.value(fs.derivative(fs.out, name)) for name in wrt}


def hessian(graph: Graph, values: list, point: dict[str, np.ndarray], wrt: list[str], limits: Limits):
    """Second derivatives of a scalar output, in blocks keyed "a,b" (shape a + b)."""
    fs = Formulas(graph, values, point, wrt, limits)
    first = {name: fs.derivative(fs.out, name) for name in wrt}
    return {f"{a},{b}": fs.value(fs.derivative(first[a], b)) for a in wrt for b in wrt}


def to_float(expr) -> float:
    """A SymPy value as a float: NaN when it is complex or undefined."""
    try:
        z = complex(expr.evalf(30))
    except (TypeError, ValueError, ZeroDivisionError):
        return math.nan
    if abs(z.imag) > 1e-12 * max(1.0, abs(z.real)):
        return math.nan
    return z.real
