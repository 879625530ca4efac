"""Each edge's share of a gradient, and gradients with one operand transposed: what `diffx check` names when a
hand-derived derivative misses a term, or a backward pass forgets a `.T`.

The chain rule sums, over every path from a variable to the output, the product of the local derivatives along
it. Cutting the sum at one edge (input k of node n) gives that edge's term: the adjoint node n sends into input k,
pulled back from that input to the variable. One reverse sweep finds every edge's incoming adjoint (`on_step`),
and one more sweep per edge, from the input node down, pulls it back. A residual (true − expected) equal to one
edge's term at every point is a term the expected derivative left out; minus one, a term it counted twice.

A forgotten transpose in a backward pass (`dh = W @ do` where `W.T @ do` belongs) is found the same way: the rule
of input k of node n applied with another input, a square matrix, transposed, and the change pulled back.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .engine import backward, contribution
from .text import one_line

MAX_WORK = 200_000        # edges × nodes: past it the search is skipped (a large graph is not diagnosed by paths)


@dataclass(frozen=True)
class Term:
    """One edge's term of the gradient of `variable`: through input `input` of node `node`."""

    node: int
    input: int
    text: str            # the sub-expression the term passes through (`sin(b)`), from the source or the graph
    value: np.ndarray
    via: str = ""        # the input it enters that sub-expression by, when that is not the variable itself (`u`)
    argument: int = 0    # which argument, when the sub-expression takes the same input twice (`x^x`)

    @property
    def shown(self) -> str:
        arg = f" (its argument {self.argument})" if self.argument else ""
        return (f"`{self.via}` in `{self.text}`" if self.via else f"`{self.text}`") + arg


def terms(p, name: str) -> list[Term]:
    """Every edge's term of ∂output/∂name at the problem's point, nearest the variable first."""
    g = p.graph
    if name not in g.variables or g.output is None or len(g.nodes) == 0:
        return []
    var = g.variables[name]
    reach = g.depends_on([var])
    pushed: list[tuple[int, int, int, np.ndarray]] = []

    def record(node, k, _adjoint, c):
        j = node.inputs[k]
        if reach[j]:
            pushed.append((node.id, k, j, np.asarray(c, dtype=np.float64)))

    backward(g, p.values, np.ones(np.shape(p.output)), wrt=[var], on_step=record)
    if len(pushed) * len(g.nodes) > MAX_WORK:
        return []
    out = []
    for node_id, k, j, c in pushed:
        if j == var:
            share = c
        else:
            adj = backward(replace(g, output=j), p.values, c, wrt=[var])
            share = adj[var]
        if share is None:
            continue
        twice = g.nodes[node_id].inputs.count(j) > 1
        out.append(Term(node_id, k, _text(g, node_id), np.broadcast_to(share, np.shape(p.point[name])),
                        "" if j == var else _child(g, j), k + 1 if twice else 0))
    out.sort(key=lambda t: t.node)
    return out


def broadcast(p, name: str) -> list[Term]:
    """The adjoints arriving where the variable is broadcast (used by a node of a larger shape), before they are
    summed down to the variable's shape: a gradient summed over the wrong axis is one of their other sums."""
    g = p.graph
    if name not in g.variables or g.output is None:
        return []
    var, shape, out = g.variables[name], np.shape(p.point[name]), []

    def record(node, k, adjoint, _c):
        if node.inputs[k] == var and np.shape(adjoint) != shape and np.ndim(adjoint) >= len(shape):
            out.append(Term(node.id, k, _text(g, node.id), np.asarray(adjoint, dtype=np.float64)))

    backward(g, p.values, np.ones(np.shape(p.output)), wrt=[var], on_step=record)
    return out


def transposed(p, name: str) -> list[Term]:
    """The gradient of `name` as it would be if one edge's rule saw a square-matrix operand transposed."""
    g = p.graph
    if name not in g.variables or g.output is None:
        return []
    var = g.variables[name]
    reach = g.depends_on([var])
    adjoints = backward(g, p.values, np.ones(np.shape(p.output)), wrt=[var])
    base = np.broadcast_to(np.asarray(adjoints[var] if adjoints[var] is not None else 0.0), np.shape(p.point[name]))
    out = []
    for node in g.nodes[:g.output + 1]:
        seed = adjoints[node.id]
        if seed is None or len(node.inputs) < 2 or len(out) * len(g.nodes) > MAX_WORK:
            continue
        args = [p.values[i] for i in node.inputs]
        for k, j in enumerate(node.inputs):
            if not reach[j]:
                continue
            for m, a in enumerate(args):
                if m == k or np.ndim(a) != 2 or np.shape(a)[0] != np.shape(a)[1] or np.shape(a)[0] < 2:
                    continue
                altered = [np.swapaxes(v, 0, 1) if i == m else v for i, v in enumerate(args)]
                try:
                    change = np.asarray(contribution(g, node, k, seed, p.values[node.id], altered) -
                                        contribution(g, node, k, seed, p.values[node.id], args))
                except Exception:  # noqa: BLE001 - a hypothesis the rule cannot even run is simply not this one
                    continue
                pulled = change if j == var else backward(replace(g, output=j), p.values, change, wrt=[var])[var]
                if pulled is not None:
                    text = one_line(g.text(g.nodes[node.inputs[m]])) or g.ref(node.inputs[m])
                    out.append(Term(node.id, m, text, base + pulled))
    return out


def _child(g, j: int) -> str:
    return g.nodes[j].label or one_line(g.text(g.nodes[j])) or g.ref(j)


def _text(g, node_id: int) -> str:
    node = g.nodes[node_id]
    return one_line(g.text(node)) or g.rhs(node, g.ref)
