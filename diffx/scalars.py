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

from .collector import paused
from .graph import Graph
from .ops import OPS

_NOT_SCALAR = (ArithmeticError, ValueError, TypeError, IndexError, AttributeError, KeyError)


def _float(v):
    """v as a Python float when it is a 0-d float64 (a float, np.float64 or 0-d array), else None."""
    t = type(v)
    return float(v) if t is float or t is np.float64 or (t is np.ndarray and v.dtype == np.float64
                                                          and not v.shape) else None


_FLOATISH = frozenset({float, np.float64, np.ndarray})


class Floats(list):
    """The values the scalar engine made: each is a 0-d float64, so `all_floats` need not look at them again;
    `floats` keeps them as the Python floats they were computed as (what the reverse sweep reads)."""

    __slots__ = ("floats",)


def all_floats(values: Sequence) -> bool:
    """Every value a 0-d float64 (a float, np.float64 or 0-d float64 array): what the scalar engine makes."""
    if type(values) is Floats:
        return True
    kinds = set(map(type, values))
    if not kinds <= _FLOATISH:
        return False
    return np.ndarray not in kinds or not any(type(v) is np.ndarray and (v.shape or v.dtype != np.float64)
                                              for v in values)


def all_scalar(graph: Graph, env: dict) -> bool:
    return all(_float(env.get(name)) is not None for name in graph.variables)


def scalar_values(graph: Graph, env: dict) -> list | None:
    """The forward pass on floats, or None (then the general loop runs): values as the general loop gives them."""
    nodes = graph.nodes
    limits = graph.limits           # 0-d values: the general loop's work and memory bounds, reached only if lowered
    max_work, work = getattr(limits, "max_work", np.inf), 0
    if 16 * (len(nodes) + 1) > getattr(limits, "max_memory", np.inf):
        return None
    fl: list = []                   # node ids are list positions: appending in node order fills fl[node.id]
    put, at = fl.append, fl.__getitem__
    leaves: list = []
    entries: dict = {}              # op name -> (scalar twin, grows, forward), read from OPS once per sweep
    try:
        with np.errstate(all="ignore"), paused():
            for node in nodes:
                inputs = node.inputs
                if not inputs:
                    op = OPS[node.op]
                    v = env[node.label] if op.free else op.forward(**node.params)
                    f = _float(v)
                    if f is None:
                        return None
                    leaves.append((node.id, v))
                    put(f)
                    continue
                entry = entries.get(node.op)
                if entry is None:
                    op = OPS[node.op]
                    entry = entries[node.op] = (op.scalar, op.out_size is not None, op.forward)
                s, grows, forward = entry
                work += len(inputs)
                if grows or work > max_work:
                    return None
                params = node.params
                if s is not None and not params:
                    try:        # one and two inputs spelled out: a call through *args costs twice as much
                        n = len(inputs)
                        put(s(fl[inputs[0]], fl[inputs[1]]) if n == 2 else s(fl[inputs[0]]) if n == 1
                            else s(*map(at, inputs)))
                        continue
                    except (ArithmeticError, ValueError):     # 1/0, sqrt(-1): numpy's inf and nan
                        pass
                f = _float(forward(*map(at, inputs), **params))
                if f is None:
                    return None
                put(f)
    except _NOT_SCALAR:
        return None
    out = Floats(map(np.float64, fl))
    out.floats = fl
    for i, v in leaves:
        out[i] = v                  # leaves keep the objects the general loop gives
    return out


def scalar_reverse(graph: Graph, values: Sequence, adj: list, needs: list) -> bool:
    """The reverse sweep on floats into `adj` (True), or False with `adj` untouched when it cannot run."""
    out = graph.output
    if type(values) is Floats and len(values.floats) == len(values):
        fl = values.floats
    else:
        fl = list(map(float, values[:out + 1])) if all_floats(values) else None
    seed = _float(adj[out])
    if seed is None or fl is None:
        return False
    at = fl.__getitem__
    work: list = [None] * len(adj)
    work[out] = seed
    entries: dict = {}              # op name -> (vjp rules, variadic), read from OPS once per sweep
    try:
        with np.errstate(all="ignore"), paused():
            for node in reversed(graph.nodes[:out + 1]):
                g = work[node.id]
                inputs = node.inputs
                if g is None or not inputs:
                    continue
                entry = entries.get(node.op)
                if entry is None:
                    op = OPS[node.op]
                    entry = entries[node.op] = (op.vjp, op.variadic)
                rules, variadic = entry
                y, params = fl[node.id], node.params
                n = len(inputs)
                simple = not params and not variadic and n <= 2
                if simple:
                    a = fl[inputs[0]]
                    b = fl[inputs[1]] if n == 2 else None
                else:
                    args = tuple(map(at, inputs))
                for k, j in enumerate(inputs):
                    rule = rules[0 if variadic else k]
                    if rule is None or not needs[j]:
                        continue
                    if simple:          # spelled out: a call through *args costs twice as much
                        c = rule(g, y, a, b) if n == 2 else rule(g, y, a)
                    elif variadic:
                        c = rule(g, y, *args, argnum=k, **params)
                    else:
                        c = rule(g, y, *args, **params)
                    if type(c) is not float:
                        c = _float(c)
                        if c is None:
                            return False
                    acc = work[j]
                    work[j] = c if acc is None else acc + c
    except _NOT_SCALAR:
        return False
    to64 = np.float64
    adj[:] = [None if a is None else to64(a) for a in work]
    return True
