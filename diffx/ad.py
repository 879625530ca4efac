"""Automatic differentiation, reverse and forward mode, for every kind of derivative.

A gradient is one reverse sweep (or n tangent passes); a Jacobian is m
sweeps row by row or n passes column by column; a JVP is one tangent pass;
a Hessian records the reverse sweep as a graph and runs tangent passes over
it (forward-over-reverse), or records tangent passes (forward-over-forward).
Every function honours the problem's precision: with float32, every sweep
rounds every value to it.
"""
from __future__ import annotations

import numpy as np

from .engine import backward, evaluate, forward_tangents
from .graph import Graph
from .problem import Problem
from .results import MethodResult
from .text import count
from .traced import Tape, Traced, gradient_graph


def _unit(shape: tuple, idx: tuple, dtype=None) -> np.ndarray:
    e = np.zeros(shape, dtype=dtype or np.float64)
    e[idx] = 1.0
    return e


def _or_zeros(v, shape, dtype=None) -> np.ndarray:
    """A tangent or adjoint as an array the caller owns (None: no dependence, so zeros)."""
    if v is None:
        return np.zeros(shape, dtype=dtype or np.float64)
    a = np.asarray(v)
    a = a if a.dtype == np.float32 else a.astype(np.float64, copy=False)
    return a if a.flags.writeable and a.flags.owndata else a.copy()


# ---------------------------------------------------------------- gradients (and VJPs: the seeded graph's gradient)
def reverse_gradient(p: Problem, on_step=None) -> dict[str, np.ndarray]:
    """One reverse sweep from the output: the adjoint of every variable (only theirs are kept as it goes; a
    lean problem's values are released as it passes them)."""
    ids = [p.graph.variables[name] for name in p.wrt]
    adj = backward(p.graph, p.values, np.ones(np.shape(p.output), dtype=p.dtype), wrt=ids, on_step=on_step,
                   dtype=p.dtype, only=ids, release=p.lean)
    return {name: _or_zeros(adj[i], np.shape(p.point[name]), p.dtype) for name, i in zip(p.wrt, ids)}


def gradient_reverse(p: Problem, on_step=None) -> MethodResult:
    p.require_scalar()
    return MethodResult("reverse", reverse_gradient(p, on_step), evaluations=1,
                        cost="one forward pass + one reverse sweep")


def gradient_forward(p: Problem) -> MethodResult:
    """One tangent pass per scalar input: n passes for n inputs."""
    p.require_scalar()
    grads, passes = {}, 0
    for name in p.wrt:
        node, shape = p.graph.variables[name], np.shape(p.point[name])
        g = np.zeros(shape, dtype=p.dtype or np.float64)
        for idx in np.ndindex(*shape):
            t = forward_tangents(p.graph, p.values, {node: _unit(shape, idx, p.dtype)}, dtype=p.dtype)
            g[idx] = 0.0 if t[p.graph.output] is None else float(np.asarray(t[p.graph.output]))
            passes += 1
        grads[name] = g
    return MethodResult("forward", grads, evaluations=passes,
                        cost=f"{count(passes, 'tangent pass', 'tangent passes')} (one per input component)")


# ---------------------------------------------------------------- Jacobians
def jacobian_forward(p: Problem) -> MethodResult:
    """Column by column: one tangent pass per input component."""
    out_shape, passes, jac = np.shape(p.output), 0, {}
    for name in p.wrt:
        shape = np.shape(p.point[name])
        J = np.zeros(out_shape + shape, dtype=p.dtype or np.float64)
        for idx in np.ndindex(*shape):
            t = forward_tangents(p.graph, p.values, {p.graph.variables[name]: _unit(shape, idx, p.dtype)},
                                 dtype=p.dtype)
            J[(...,) + idx] = _or_zeros(t[p.graph.output], out_shape, p.dtype)
            passes += 1
        jac[name] = J
    return MethodResult("forward", jac, evaluations=passes,
                        cost=f"{count(passes, 'tangent pass', 'tangent passes')} (one per input)")


def jacobian_reverse(p: Problem) -> MethodResult:
    """Row by row: one adjoint sweep per output component."""
    out_shape, ids = np.shape(p.output), [p.graph.variables[n] for n in p.wrt]
    jac = {name: np.zeros(out_shape + np.shape(p.point[name]), dtype=p.dtype or np.float64) for name in p.wrt}
    passes = 0
    for k in np.ndindex(*out_shape):
        adj = backward(p.graph, p.values, _unit(out_shape, k, p.dtype), wrt=ids, dtype=p.dtype)
        for name, i in zip(p.wrt, ids):
            jac[name][k] = _or_zeros(adj[i], np.shape(p.point[name]), p.dtype)
        passes += 1
    return MethodResult("reverse", jac, evaluations=passes, cost=f"{count(passes, 'adjoint sweep')} (one per output)")


# ---------------------------------------------------------------- Jacobian-vector products
def contract(jac: dict[str, np.ndarray], t: dict[str, np.ndarray], out_shape: tuple) -> np.ndarray:
    """J·t from the blocks of a Jacobian."""
    total = np.zeros(out_shape, dtype=np.result_type(*jac.values(), *t.values()))
    for name, J in jac.items():
        total = total + np.tensordot(J, t[name], axes=t[name].ndim)
    return total


def jvp_forward(p: Problem) -> MethodResult:
    seeds = {p.graph.variables[name]: v for name, v in p.tangent.items()}
    out = forward_tangents(p.graph, p.values, seeds, dtype=p.dtype)[p.graph.output]
    return MethodResult("forward", {"jvp": _or_zeros(out, np.shape(p.output), p.dtype)}, evaluations=1,
                        cost="one tangent pass")


def jvp_reverse(p: Problem) -> MethodResult:
    r = jacobian_reverse(p)
    return MethodResult("reverse", {"jvp": contract(r.derivative, p.tangent, np.shape(p.output))},
                        evaluations=r.evaluations, cost=f"{count(r.evaluations, 'adjoint sweep')}, then J·t")


# ---------------------------------------------------------------- Hessians
def blocks(p: Problem) -> dict[tuple[str, str], np.ndarray]:
    """Zero Hessian blocks keyed by pairs of variables, block (a, b) of shape a + b."""
    return {(a, b): np.zeros(np.shape(p.point[a]) + np.shape(p.point[b]), dtype=p.dtype or np.float64)
            for a in p.wrt for b in p.wrt}


def _in_precision(g2: Graph, values: list, p: Problem) -> list:
    """A recorded graph's values, recomputed in the problem's precision (recording runs in float64)."""
    return values if p.dtype is None else evaluate(g2, p.point, dtype=p.dtype)


def hessian_reverse(p: Problem) -> MethodResult:
    """Forward-over-reverse: the gradient recorded as a graph, then one tangent pass per input."""
    p.require_scalar("a Hessian")
    g2, grad_ids, values = gradient_graph(p.graph, p.point, p.wrt)
    values = _in_precision(g2, values, p)
    H, passes = blocks(p), 0
    for b in p.wrt:
        shape_b = np.shape(p.point[b])
        for idx in np.ndindex(*shape_b):
            t = forward_tangents(g2, values, {g2.variables[b]: _unit(shape_b, idx, p.dtype)}, dtype=p.dtype)
            for a in p.wrt:
                H[a, b][(...,) + idx] = _or_zeros(t[grad_ids[a]], np.shape(p.point[a]), p.dtype)
            passes += 1
    return MethodResult("reverse", H, evaluations=passes,
                        cost=f"1 reverse sweep recorded as a {len(g2)}-node graph, then "
                             f"{count(passes, 'tangent pass', 'tangent passes')} over it")


def hessian_forward(p: Problem) -> MethodResult:
    """Forward-over-forward: a recorded tangent pass per input, then a tangent pass over each."""
    p.require_scalar("a Hessian")
    H, passes = blocks(p), 0
    for b in p.wrt:
        shape_b = np.shape(p.point[b])
        for idx in np.ndindex(*shape_b):
            g2, out, values = tangent_graph(p, b, _unit(shape_b, idx))
            values = _in_precision(g2, values, p)
            for a in p.wrt:
                shape_a = np.shape(p.point[a])
                for jdx in np.ndindex(*shape_a):
                    t = forward_tangents(g2, values, {g2.variables[a]: _unit(shape_a, jdx, p.dtype)},
                                         dtype=p.dtype)[out]
                    H[a, b][jdx + idx] = 0.0 if t is None else float(np.asarray(t))
                    passes += 1
    return MethodResult("forward", H, evaluations=passes, cost=f"{passes} tangent passes over recorded tangent passes")


def tangent_graph(p: Problem, name: str, direction: np.ndarray) -> tuple[Graph, int, list]:
    """The directional derivative of the output along `direction` of `name`, as a graph."""
    tape = Tape(Graph(source=p.graph.source, limits=p.graph.limits))
    env = {n: tape.var(n, p.point[n]) for n in p.graph.variables}
    with np.errstate(all="ignore"):
        values = evaluate(p.graph, env, traced=True)
        t = forward_tangents(p.graph, values, {p.graph.variables[name]: tape.const(direction)})[p.graph.output]
    t = t if isinstance(t, Traced) else tape.const(np.zeros(np.shape(p.output)))
    return tape.graph, t.id, tape.values


def ad_size(p: Problem) -> int:
    """Operations of the gradient as AD builds it: the recorded forward and reverse sweeps."""
    from .ops import OPS
    g2, _, _ = gradient_graph(p.graph, p.point, p.wrt)
    return sum(1 for n in g2.nodes if OPS[n.op].kind != "leaf")
