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
from .limits import Limits
from .ops import OPS, SAME


def sympy():
    import sympy as sp  # deferred: importing SymPy costs more than the rest of diffx
    return sp


def symbols_for(sp, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Real symbols for every component: `x` for a scalar, `x_0, x_1, ...`, `W_0_1` for arrays."""
    if shape == ():
        return np.asarray(sp.Symbol(name, real=True), dtype=object)
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(*shape):
        out[idx] = sp.Symbol(f"{name}_" + "_".join(map(str, idx)), real=True)
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
    return sp.Float(v, 17)


def numbers(sp, a) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    return np.asarray(np.frompyfunc(lambda v: number(sp, v), 1, 1)(a), dtype=object)


def translate(graph: Graph, values: list, point: dict[str, np.ndarray], wrt: list[str]):
    """The output as an object array of SymPy expressions, and the symbols of `wrt`.

    Variables not differentiated are numbers; a `detach` node is frozen at its
    value at the point (its numeric value from the forward pass).
    """
    sp = sympy()
    syms = {name: symbols_for(sp, name, np.shape(point[name])) for name in wrt}
    exprs: list[Any] = [None] * len(graph.nodes)
    live = graph.reaches_output()
    for node in graph.nodes:
        if not live[node.id]:
            continue
        if node.op == "var":
            exprs[node.id] = syms[node.label] if node.label in syms else numbers(sp, point[node.label])
        elif node.op in ("const", "detach"):
            exprs[node.id] = numbers(sp, values[node.id])
        else:
            op = OPS[node.op]
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
                         f"({limits.max_symbolic_components}; raise it with Limits(max_symbolic_components=...))")


def gradient(graph: Graph, values: list, point: dict[str, np.ndarray], wrt: list[str], limits: Limits):
    """Formulas d(output)/d(each component) and their values at the point."""
    check_size(point, wrt, limits)
    sp = sympy()
    out, syms = translate(graph, values, point, wrt)
    f = out.reshape(()).item() if np.ndim(out) == 0 else out.item()
    subs = {s: sp.Float(float(v), 30) for name in wrt
            for s, v in zip(np.ravel(syms[name]), np.ravel(point[name]))}
    formulas, grads = {}, {}
    for name in wrt:
        flat = [sp.diff(f, s) for s in np.ravel(syms[name])]
        formulas[name] = np.asarray(flat + [None], dtype=object)[:-1].reshape(np.shape(point[name]))
        grads[name] = np.array([to_float(d.xreplace(subs)) for d in flat]).reshape(np.shape(point[name]))
    return formulas, grads


def to_float(expr) -> float:
    """A SymPy value as a float: NaN when it is complex or undefined."""
    try:
        z = complex(expr.evalf(30))
    except (TypeError, ValueError, ZeroDivisionError):
        return math.nan
    if abs(z.imag) > 1e-12 * max(1.0, abs(z.real)):
        return math.nan
    return z.real
