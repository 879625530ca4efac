"""Numeric differentiation by finite differences of the forward pass.

The function evaluated is the graph itself with every `detach` node pinned
to its value at the point, so finite differences see the same function the
other methods differentiate.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .engine import evaluate
from .graph import Graph

EPS = np.finfo(np.float64).eps
CENTRAL_STEP = EPS ** (1 / 3)   # balances truncation (h^2) against rounding (eps/h)


@dataclass
class NumericResult:
    gradient: dict[str, np.ndarray]
    step: float           # the largest step used (each is CENTRAL_STEP * max(1, |x_i|))
    evaluations: int
    method: str = "central"


def frozen_nodes(graph: Graph, values: list) -> dict[int, np.ndarray]:
    """The value of each detached sub-expression at the point."""
    return {n.id: values[n.id] for n in graph.nodes if n.op == "detach"}


def central_gradient(graph: Graph, values: list, point: dict[str, np.ndarray], wrt: list[str]) -> NumericResult:
    """Central differences, one pair of evaluations per scalar input."""
    frozen = frozen_nodes(graph, values)
    grads: dict[str, np.ndarray] = {}
    evaluations, largest = 0, 0.0
    for name in wrt:
        x = np.asarray(point[name], dtype=np.float64)
        g = np.empty(x.shape)
        for idx in np.ndindex(*x.shape):
            h = CENTRAL_STEP * max(1.0, abs(x[idx]))
            up, down = x.copy(), x.copy()
            up[idx] += h
            down[idx] -= h
            h2 = up[idx] - down[idx]      # the step actually taken, after rounding
            fu = _value(graph, {**point, name: up}, frozen)
            fd = _value(graph, {**point, name: down}, frozen)
            g[idx] = (fu - fd) / h2
            evaluations += 2
            largest = max(largest, h)
        grads[name] = g
    return NumericResult(grads, largest, evaluations)


def _value(graph: Graph, env: dict, frozen: dict) -> float:
    return float(np.asarray(evaluate(graph, env, overrides=frozen, upto=graph.output)[graph.output]))
