"""A tensor's history laid out as the `Graph` the parser builds, with its values.

`Tensor` remembers what made each tensor (op, ordered inputs, params);
`backward()` and `graph()` need that as a Graph, so the engine's sweeps and
the graph views serve tensors unchanged. The walk is iterative: a history of
any length converts without recursion.
"""
from __future__ import annotations

import numpy as np

from .graph import Graph


def _is_tensor(a) -> bool:
    """An input of a GradFn is a tensor or, for a plain number it was given, an array (`tensor.apply` makes it)."""
    return not isinstance(a, np.ndarray)


class Recording:
    """The tensors that made `output`, in evaluation order, as a `Graph` with their values."""

    def __init__(self, graph: Graph, values: list, tensors: list, ids: list[int]):
        self.graph, self.values, self.tensors, self.ids = graph, values, tensors, ids


def recording(output, names: dict[int, str] | None = None) -> Recording:
    """Walk back from `output` (a Tensor) and lay its history out as a Graph."""
    order: list = []
    seen: set[int] = set()
    stack: list[tuple] = [(output, False)]
    while stack:
        t, expanded = stack.pop()
        if expanded:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        if t.grad_fn is not None:
            stack.extend((a, False) for a in reversed(t.grad_fn.inputs) if _is_tensor(a) and id(a) not in seen)
    graph, values, node_of = Graph(), [], {}
    used: set[str] = set()
    for t in order:
        if t.grad_fn is None:
            if t._requires_grad:
                label = _unique(t.name or f"t{len(graph.variables)}", used)
                node_of[id(t)] = graph.var(label)
            else:
                node_of[id(t)] = graph.const(t._data, label=t.name)
            values.append(t._data)
            continue
        inputs = []
        for a in t.grad_fn.inputs:
            if _is_tensor(a):
                inputs.append(node_of[id(a)])
            else:
                inputs.append(graph.const(a))
                values.append(graph.nodes[-1].params["value"])
        node_of[id(t)] = graph.add(t.grad_fn.op, tuple(inputs), dict(t.grad_fn.params), label=t.name)
        values.append(t._data)
    graph.output = node_of[id(output)]
    return Recording(graph, values, order, [node_of[id(t)] for t in order])


def _unique(label: str, used: set[str]) -> str:
    base, n = label, 1
    while label in used:
        n += 1
        label = f"{base}_{n}"
    used.add(label)
    return label
