"""Traced values: run the engine's sweeps so that they record a new graph.

A `Traced` wraps a node of a graph being built plus its numpy value (so
shapes are known as the graph grows). The op table's rules are written with
operators and `P` functions, so running the reverse sweep on traced values
records the gradient itself as a graph: a graph that forward mode can sweep
again (forward-over-reverse Hessians) or that any view can show.
"""
from __future__ import annotations


import numpy as np

from .engine import backward, evaluate
from .graph import Graph
from .dispatch import operator_methods
from .ops import OPS


class Tape:
    """The graph being recorded and the value of each of its nodes."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.values: list = []

    def node(self, op: str, inputs: tuple = (), params: dict | None = None, value=None,
             label: str | None = None) -> "Traced":
        node_id = self.graph.add(op, inputs, params, label=label)
        self.values.append(value)
        return Traced(self, node_id, value)

    def const(self, x) -> "Traced":
        x = np.asarray(x, dtype=np.float64)
        return self.node("const", params={"value": x}, value=x)

    def var(self, name: str, value) -> "Traced":
        t = self.node("var", label=name, value=value)
        self.graph.variables[name] = t.id
        return t


class Traced:
    """A value that records every op applied to it on a `Tape`."""

    _diffx_traced = True
    __array_ufunc__ = None          # numpy defers to our reflected operators

    __slots__ = ("tape", "id", "value")

    def __init__(self, tape: Tape, node_id: int, value):
        self.tape, self.id, self.value = tape, node_id, value

    @property
    def shape(self) -> tuple:
        return np.shape(self.value)

    @property
    def ndim(self) -> int:
        return np.ndim(self.value)

    def record(self, op: str, args: tuple, params: dict) -> "Traced":
        nodes = [a if isinstance(a, Traced) else self.tape.const(a) for a in args]
        value = OPS[op].forward(*(n.value for n in nodes), **params)
        return self.tape.node(op, tuple(n.id for n in nodes), dict(params), value)

    def __getitem__(self, key): return self.record("index", (self,), {"key": key})

    def __repr__(self) -> str:
        return f"Traced(v{self.id}, shape={self.shape})"


def _record(op: str, *args):
    traced = next(a for a in args if isinstance(a, Traced))
    return traced.record(op, args, {})


# +, -, *, /, ^, @ and unary - from the op table; no comparisons (a traced value is not a truth value)
for _name, _operator in operator_methods(OPS, _record, comparisons=False).items():
    setattr(Traced, _name, _operator)


def gradient_graph(graph: Graph, point: dict[str, np.ndarray], wrt: list[str],
                   seed=None) -> tuple[Graph, dict[str, int], list]:
    """The gradient of `graph` at `point` as a graph of its own.

    Returns the new graph (same variable names), the node id of each
    variable's gradient in it (a constant zero where the output does not
    depend on the variable), and the values of all its nodes at the point.
    """
    tape = Tape(Graph(source=graph.source, limits=graph.limits))
    env = {name: tape.var(name, point[name]) for name in graph.variables}
    with np.errstate(all="ignore"):
        values = evaluate(graph, env, traced=True)
        out = values[graph.output]
        shape = np.shape(out.value if isinstance(out, Traced) else out)
        ids = [graph.variables[name] for name in wrt]
        adj = backward(graph, values, tape.const(np.ones(shape) if seed is None else seed), wrt=ids)
    result: dict[str, int] = {}
    for name, i in zip(wrt, ids):
        a = adj[i] if isinstance(adj[i], Traced) else tape.const(np.zeros(np.shape(point[name])))
        result[name] = a.id
    tape.graph.output = max(result.values())
    return tape.graph, result, tape.values
