"""The Python API: `parse`, `evaluate`, `grad`, `compare`, `inspect_graph`.

Values come by keyword (`x=[0, 1, 2, 3]`) or as `at={"x": ...}`; a value may
be a number, a nested list, an array, or a constant expression string.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np

from . import methods as _methods
from .functions import Seeded
from .graph import Graph
from .inspect import GraphReport, report
from .limits import DEFAULT_LIMITS, Limits
from .methods import DEFAULT_METHODS, METHODS, Problem
from .parser import parse as _parse
from .results import GradResult, judge
from .errors import InputError
from .values import bind, choose_wrt


def parse(expr: str, *, limits: Limits = DEFAULT_LIMITS, seed: int = 0) -> Graph:
    """The computation graph of an expression or program (printable, see `str(graph)`)."""
    return _parse(expr, limits=limits, seed=seed)


def problem(expr: str | Graph, at: Mapping[str, Any] | None = None, *, wrt: Iterable[str] | str | None = None,
            seed: int = 0, limits: Limits = DEFAULT_LIMITS, values: Mapping[str, Any] | None = None) -> Problem:
    """Parse, bind the point and run the forward pass once: what every method starts from."""
    rng = Seeded(seed)
    graph = expr if isinstance(expr, Graph) else _parse(expr, limits=limits, rng=rng)
    merged = {**(at or {}), **(values or {})}
    point = bind(graph, merged, rng=rng, limits=limits)
    return Problem.build(graph, point, choose_wrt(graph, wrt), limits)


def evaluate(expr: str | Graph, at: Mapping[str, Any] | None = None, *, seed: int = 0, **values) -> np.ndarray:
    """The value of the output at the point."""
    return np.asarray(problem(expr, at, seed=seed, values=values).output)


def grad(expr: str | Graph, at: Mapping[str, Any] | None = None, *, wrt: Iterable[str] | str | None = None,
         method: str = "reverse", seed: int = 0, limits: Limits = DEFAULT_LIMITS, **values) -> dict[str, np.ndarray]:
    """The gradient {name: array} of a scalar output, by one method (default reverse AD)."""
    _check_methods([method])
    p = problem(expr, at, wrt=wrt, seed=seed, limits=limits, values=values)
    p.require_scalar()
    result = _methods.run(method, p)
    if not result.ran:
        raise InputError(f"the {method} method cannot run here: {result.skipped}")
    return result.gradient


def compare(expr: str | Graph, at: Mapping[str, Any] | None = None, *, wrt: Iterable[str] | str | None = None,
            methods: Iterable[str] | None = None, rtol: float = 1e-6, atol: float = 1e-8, seed: int = 0,
            limits: Limits = DEFAULT_LIMITS, **values) -> GradResult:
    """The gradient by several methods side by side, with their agreement verdict."""
    p = problem(expr, at, wrt=wrt, seed=seed, limits=limits, values=values)
    return compare_problem(p, methods, rtol=rtol, atol=atol)


def compare_problem(p: Problem, methods: Iterable[str] | None = None, *, rtol: float = 1e-6,
                    atol: float = 1e-8) -> GradResult:
    """`compare` on a prepared problem (the CLI's entry, which reads values itself)."""
    names = list(dict.fromkeys(methods or DEFAULT_METHODS))
    _check_methods(names)
    p.require_scalar()
    results = {name: _methods.run(name, p) for name in names}
    reference = next((n for n in ("reverse", "forward", "symbolic", "numeric") if n in results and results[n].ran),
                     names[0])
    result = GradResult(p.graph.source, p.point, np.asarray(p.output), p.wrt, results, reference, rtol, atol)
    if results[reference].ran:
        judge(result)
    return result


def inspect_graph(expr: str | Graph, at: Mapping[str, Any] | None = None, *, seed: int = 0,
                  limits: Limits = DEFAULT_LIMITS, **values) -> GraphReport:
    """Every node of the graph with its value and adjoint."""
    p = problem(expr, at, seed=seed, limits=limits, values=values)
    return report(p.graph, p.values)


def _check_methods(names: Iterable[str]) -> None:
    for name in names:
        if name not in METHODS:
            raise InputError(f"unknown method {name!r}: choose from {', '.join(METHODS)}")
