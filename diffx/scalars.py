"""The scalar engine: the engine's forward pass and reverse sweep on Python floats, for 0-d programs.

A program of 0-d values (a logistic map, a scalar loss) spends most of a numpy sweep in numpy's per-call cost
and the engine's shape checks. These two loops run the same table on Python floats: an op's `scalar` twin where
it has one (+ - * / neg sqrt abs, bit for bit numpy's), else its numpy forward on floats, and its own reverse
rules on floats. Anything else (an array, a complex value, a rule that raises on floats, a growing op) sends the
whole sweep back to the general loop of `engine.py` (which calls these first), so results, errors, messages
and limits stay the general path's.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .graph import Graph
from .ops import OPS

_NOT_SCALAR = (ArithmeticError, ValueError, TypeError, IndexError, AttributeError, KeyError)


def _float(v):
    """v as a Python float when it is a 0-d float64 (a float, np.float64 or 0-d array), else None."""
    t = type(v)
    return float(v) if t is float or t is np.float64 or (t is np.ndarray and v.dtype == np.float64
                                                          and not v.shape) else None


_FLOATISH = frozenset({float, np.float64, np.ndarray})


def _floats(values: Sequence) -> list | None:
    """Every value as a Python float when all are 0-d float64, else None (one pass of C for the common case)."""
    kinds = set(map(type, values))
    if not kinds <= _FLOATISH:
        return None
    if np.ndarray in kinds and any(type(v) is np.ndarray and (v.shape or v.dtype != np.float64) for v in values):
        return None
    return list(map(float, values))


def all_scalar(graph: Graph, env: dict) -> bool:
    return all(_float(env.get(name)) is not None for name in graph.variables)


def scalar_values(graph: Graph, env: dict) -> list | None:
    """The forward pass on floats, or None (then the general loop runs): values as the general loop gives them."""
    nodes = graph.nodes
    limits = graph.limits           # 0-d values: the general loop's work and memory bounds, reached only if lowered
    max_work, work = getattr(limits, "max_work", np.inf), 0
    if 16 * (len(nodes) + 1) > getattr(limits, "max_memory", np.inf):
        return None
    fl: list = [None] * len(nodes)
    values: list = [None] * len(nodes)
    try:
        with np.errstate(all="ignore"):
            for node in nodes:
                op = OPS[node.op]
                if not node.inputs:
                    v = env[node.label] if op.free else op.forward(**node.params)
                    f = _float(v)
                    if f is None:
                        return None
                    values[node.id], fl[node.id] = v, f
                    continue
                work += len(node.inputs)
                if op.out_size is not None or work > max_work:
                    return None
                args = [fl[i] for i in node.inputs]
                s = op.scalar
                if s is not None and not node.params:
                    try:
                        fl[node.id] = s(*args)
                        continue
                    except (ArithmeticError, ValueError):     # 1/0, sqrt(-1): numpy's inf and nan
                        pass
                f = _float(op.forward(*args, **node.params))
                if f is None:
                    return None
                fl[node.id] = f
    except _NOT_SCALAR:
        return None
    out = list(map(np.float64, fl))
    for node in nodes:
        if not node.inputs:
            out[node.id] = values[node.id]          # leaves keep the objects the general loop gives
    return out


def scalar_reverse(graph: Graph, values: Sequence, adj: list, needs: list) -> bool:
    """The reverse sweep on floats into `adj` (True), or False with `adj` untouched when it cannot run."""
    out = graph.output
    fl = _floats(values[:out + 1])
    seed = _float(adj[out])
    if seed is None or fl is None:
        return False
    work: list = [None] * len(adj)
    work[out] = seed
    ops = OPS
    try:
        with np.errstate(all="ignore"):
            for node in reversed(graph.nodes[:out + 1]):
                g = work[node.id]
                inputs = node.inputs
                if g is None or not inputs:
                    continue
                op = ops[node.op]
                args = [fl[i] for i in inputs]
                y, params, variadic = fl[node.id], node.params, op.variadic
                for k, j in enumerate(inputs):
                    rule = op.vjp[0 if variadic else k]
                    if rule is None or not needs[j]:
                        continue
                    if variadic:
                        c = rule(g, y, *args, argnum=k, **params)
                    else:
                        c = rule(g, y, *args, **params) if params else rule(g, y, *args)
                    if type(c) is not float:
                        c = _float(c)
                        if c is None:
                            return False
                    work[j] = c if work[j] is None else work[j] + c
    except _NOT_SCALAR:
        return False
    to64 = np.float64
    adj[:] = [None if a is None else to64(a) for a in work]
    return True
