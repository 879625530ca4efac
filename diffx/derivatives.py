"""Beyond the gradient: Jacobians, JVPs and Hessians by every method.

Each function takes a `Problem` and returns a `MethodResult` whose arrays are
keyed by variable (Jacobian, JVP) or by "a,b" pairs of variables (Hessian),
with its cost in passes, so the methods can be judged side by side. A VJP
needs nothing new: it is the gradient of sum(V * output).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import symbolic
from .engine import backward, evaluate, forward_tangents
from .errors import InputError
from .graph import Graph
from .methods import Problem, reverse_gradient, symbolic_work
from .numeric import CENTRAL_STEP, central, output_function
from .results import MethodResult
from .text import count
from .traced import Tape, Traced, gradient_graph


def _unit(shape: tuple, idx: tuple) -> np.ndarray:
    e = np.zeros(shape)
    e[idx] = 1.0
    return e


def _or_zeros(v, shape) -> np.ndarray:
    return np.zeros(shape) if v is None else np.asarray(v, dtype=np.float64)


# ---------------------------------------------------------------- Jacobian
def jacobian_forward(p: Problem) -> MethodResult:
    """Column by column: one tangent pass per input component."""
    out_shape, passes, jac = np.shape(p.output), 0, {}
    for name in p.wrt:
        shape = np.shape(p.point[name])
        J = np.zeros(out_shape + shape)
        for idx in np.ndindex(*shape):
            t = forward_tangents(p.graph, p.values, {p.graph.variables[name]: _unit(shape, idx)})
            J[(...,) + idx] = _or_zeros(t[p.graph.output], out_shape)
            passes += 1
        jac[name] = J
    return MethodResult("forward", jac, evaluations=passes, note=f"{count(passes, 'tangent pass', 'tangent passes')} (one per input)")


def jacobian_reverse(p: Problem) -> MethodResult:
    """Row by row: one adjoint sweep per output component."""
    out_shape, ids = np.shape(p.output), [p.graph.variables[n] for n in p.wrt]
    jac = {name: np.zeros(out_shape + np.shape(p.point[name])) for name in p.wrt}
    passes = 0
    for k in np.ndindex(*out_shape):
        adj = backward(p.graph, p.values, _unit(out_shape, k), wrt=ids)
        for name, i in zip(p.wrt, ids):
            jac[name][k] = _or_zeros(adj[i], np.shape(p.point[name]))
        passes += 1
    return MethodResult("reverse", jac, evaluations=passes, note=f"{count(passes, 'adjoint sweep')} (one per output)")


def jacobian_symbolic(p: Problem) -> MethodResult:
    return MethodResult("symbolic", symbolic_work(p, symbolic.jacobian),
                        note="SymPy derivative of every output component")


def jacobian_numeric(p: Problem) -> MethodResult:
    f, jac, evals, step = output_function(p.graph, p.values), {}, 0, 0.0
    for name in p.wrt:
        shape = np.shape(p.point[name])
        J = np.zeros(np.shape(p.output) + shape)
        for idx in np.ndindex(*shape):
            J[(...,) + idx], h = central(f, p.point, name, idx)
            evals, step = evals + 2, max(step, h)
        jac[name] = J
    return MethodResult("numeric", jac, evaluations=evals, step=step, method="central",
                        note=f"{evals} evaluations (two per input)")


# ---------------------------------------------------------------- Jacobian-vector product
def _tangents(p: Problem, tangent: dict[str, Any]) -> dict[str, np.ndarray]:
    extra = [k for k in tangent if k not in p.wrt]
    if extra:
        raise InputError(f"--tangent {', '.join(extra)}: not a differentiated variable ({', '.join(p.wrt)})")
    out = {}
    for name in p.wrt:
        t = np.asarray(tangent.get(name, np.zeros(np.shape(p.point[name]))), dtype=np.float64)
        if t.shape != np.shape(p.point[name]):
            raise InputError(f"the tangent of {name} has shape {t.shape}, but {name} has shape "
                             f"{np.shape(p.point[name])}")
        out[name] = t
    return out


def jvp_forward(p: Problem, tangent: dict) -> MethodResult:
    t = _tangents(p, tangent)
    seeds = {p.graph.variables[name]: v for name, v in t.items()}
    out = forward_tangents(p.graph, p.values, seeds)[p.graph.output]
    return MethodResult("forward", {"jvp": _or_zeros(out, np.shape(p.output))}, evaluations=1,
                        note="one tangent pass")


def _contract(jac: dict[str, np.ndarray], t: dict[str, np.ndarray], out_shape: tuple) -> np.ndarray:
    total = np.zeros(out_shape)
    for name, J in jac.items():
        total = total + np.tensordot(J, t[name], axes=t[name].ndim)
    return total


def jvp_reverse(p: Problem, tangent: dict) -> MethodResult:
    r = jacobian_reverse(p)
    return MethodResult("reverse", {"jvp": _contract(r.gradient, _tangents(p, tangent), np.shape(p.output))},
                        evaluations=r.evaluations, note=f"{r.evaluations} adjoint sweeps, then J·t")


def jvp_symbolic(p: Problem, tangent: dict) -> MethodResult:
    jac = symbolic_work(p, symbolic.jacobian)
    return MethodResult("symbolic", {"jvp": _contract(jac, _tangents(p, tangent), np.shape(p.output))},
                        note="SymPy Jacobian times t")


def jvp_numeric(p: Problem, tangent: dict) -> MethodResult:
    """A central difference along the direction t: two evaluations in all."""
    t, f = _tangents(p, tangent), output_function(p.graph, p.values)
    scale = max([1.0] + [float(np.max(np.abs(p.point[n]), initial=0.0)) for n in p.wrt])
    norm = max(float(np.max(np.abs(v), initial=0.0)) for v in t.values()) or 1.0
    h = CENTRAL_STEP * scale / norm
    up = {**p.point, **{n: p.point[n] + h * t[n] for n in p.wrt}}
    down = {**p.point, **{n: p.point[n] - h * t[n] for n in p.wrt}}
    return MethodResult("numeric", {"jvp": (f(up) - f(down)) / (2 * h)}, evaluations=2, step=h, method="central",
                        note="two evaluations along t")


# ---------------------------------------------------------------- Hessian
def _blocks(p: Problem) -> dict[str, np.ndarray]:
    return {f"{a},{b}": np.zeros(np.shape(p.point[a]) + np.shape(p.point[b])) for a in p.wrt for b in p.wrt}


def hessian_reverse(p: Problem) -> MethodResult:
    """Forward-over-reverse: the gradient recorded as a graph, then one tangent pass per input."""
    p.require_scalar()
    g2, grad_ids, values = gradient_graph(p.graph, p.point, p.wrt)
    H, passes = _blocks(p), 0
    for b in p.wrt:
        shape_b = np.shape(p.point[b])
        for idx in np.ndindex(*shape_b):
            t = forward_tangents(g2, values, {g2.variables[b]: _unit(shape_b, idx)})
            for a in p.wrt:
                H[f"{a},{b}"][(...,) + idx] = _or_zeros(t[grad_ids[a]], np.shape(p.point[a]))
            passes += 1
    return MethodResult("reverse", H, evaluations=passes,
                        note=f"1 reverse sweep recorded as a {len(g2)}-node graph, then "
                             f"{count(passes, 'tangent pass', 'tangent passes')} over it")


def hessian_forward(p: Problem) -> MethodResult:
    """Forward-over-forward: a recorded tangent pass per input, then a tangent pass over each."""
    p.require_scalar()
    H, passes = _blocks(p), 0
    for b in p.wrt:
        shape_b = np.shape(p.point[b])
        for idx in np.ndindex(*shape_b):
            g2, out, values = tangent_graph(p, b, _unit(shape_b, idx))
            for a in p.wrt:
                shape_a = np.shape(p.point[a])
                for jdx in np.ndindex(*shape_a):
                    t = forward_tangents(g2, values, {g2.variables[a]: _unit(shape_a, jdx)})[out]
                    H[f"{a},{b}"][jdx + idx] = 0.0 if t is None else float(np.asarray(t))
                    passes += 1
    return MethodResult("forward", H, evaluations=passes, note=f"{passes} tangent passes over recorded tangent passes")


def tangent_graph(p: Problem, name: str, direction: np.ndarray) -> tuple[Graph, int, list]:
    """The directional derivative of the output along `direction` of `name`, as a graph."""
    tape = Tape(Graph(source=p.graph.source, limits=p.graph.limits))
    env = {n: tape.var(n, p.point[n]) for n in p.graph.variables}
    with np.errstate(all="ignore"):
        values = evaluate(p.graph, env, traced=True)
        t = forward_tangents(p.graph, values, {p.graph.variables[name]: tape.const(direction)})[p.graph.output]
    t = t if isinstance(t, Traced) else tape.const(np.zeros(np.shape(p.output)))
    return tape.graph, t.id, tape.values


def hessian_symbolic(p: Problem) -> MethodResult:
    p.require_scalar()
    n = sum(int(np.size(p.point[a])) for a in p.wrt)
    return MethodResult("symbolic", symbolic_work(p, symbolic.hessian),
                        note=f"SymPy: {n} first and {n * n} second derivatives")


def hessian_numeric(p: Problem) -> MethodResult:
    """Central differences of the reverse-mode gradient: two gradients per input."""
    p.require_scalar()
    H, evals, step = _blocks(p), 0, 0.0

    def grad_at(env):
        q = Problem.build(p.graph, env, p.wrt, p.limits)
        return reverse_gradient(q)
    for b in p.wrt:
        for idx in np.ndindex(*np.shape(p.point[b])):
            col, h = central(grad_at, p.point, b, idx)
            for a in p.wrt:
                H[f"{a},{b}"][(...,) + idx] = col[a]
            evals, step = evals + 2, max(step, h)
    return MethodResult("numeric", H, evaluations=evals, step=step, method="central",
                        note=f"{evals} reverse-mode gradients (two per input)")


JACOBIAN = {"forward": jacobian_forward, "reverse": jacobian_reverse, "symbolic": jacobian_symbolic,
            "numeric": jacobian_numeric}
JVP = {"forward": jvp_forward, "reverse": jvp_reverse, "symbolic": jvp_symbolic, "numeric": jvp_numeric}
HESSIAN = {"reverse": hessian_reverse, "forward": hessian_forward, "symbolic": hessian_symbolic,
           "numeric": hessian_numeric}


def seeded(graph: Graph, seed: np.ndarray) -> Graph:
    """The graph of sum(seed * output): its gradient is the vector-Jacobian product seedᵀJ."""
    g = Graph(source=graph.source, nodes=list(graph.nodes), variables=dict(graph.variables), limits=graph.limits)
    span = g.nodes[graph.output].span
    v = g.const(seed, span=span, label="seed")
    g.output = g.add("sum", (g.add("mul", (v, graph.output), span=span),), span=span)
    return g
