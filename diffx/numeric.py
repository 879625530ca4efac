"""Numeric differentiation by finite differences of the forward pass.

The function evaluated is the graph itself with every `detach` node pinned
to its value at the point, so finite differences see the same function the
other methods differentiate.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

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


def central(f: Callable[[dict], Any], point: dict, name: str, idx: tuple) -> tuple[Any, float]:
    """Central difference of f (an array, or a dict of arrays) along one component of `name`.

    The step is h = eps^(1/3) * max(1, |x|); the divisor is the step actually
    taken after rounding, (x + h) - (x - h).
    """
    x = np.asarray(point[name], dtype=np.float64)
    h = CENTRAL_STEP * max(1.0, abs(float(x[idx])))
    up, down = x.copy(), x.copy()
    up[idx] += h
    down[idx] -= h
    width = up[idx] - down[idx]
    fu, fd = f({**point, name: up}), f({**point, name: down})
    if isinstance(fu, dict):
        return {k: (fu[k] - fd[k]) / width for k in fu}, h
    return (fu - fd) / width, h


def output_function(graph: Graph, values: list) -> Callable[[dict], np.ndarray]:
    """The output as a function of the variables, detached nodes frozen at the point."""
    frozen = frozen_nodes(graph, values)
    return lambda env: np.asarray(evaluate(graph, env, overrides=frozen, upto=graph.output)[graph.output],
                                  dtype=np.float64)


def central_gradient(graph: Graph, values: list, point: dict[str, np.ndarray], wrt: list[str]) -> NumericResult:
    """Central differences, one pair of evaluations per scalar input."""
    f = output_function(graph, values)
    grads: dict[str, np.ndarray] = {}
    evaluations, largest = 0, 0.0
    for name in wrt:
        g = np.empty(np.shape(point[name]))
        for idx in np.ndindex(*g.shape):
            g[idx], h = central(f, point, name, idx)
            evaluations += 2
            largest = max(largest, h)
        grads[name] = g
    return NumericResult(grads, largest, evaluations)
