"""The differentiation methods, each a function from a `Problem` to a `MethodResult`.

A `Problem` is one graph at one point with the variables to differentiate,
evaluated once; every method reads the same graph and the same forward values.
"""
from __future__ import annotations

import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import budget, numeric, symbolic
from .engine import backward, evaluate, forward_tangents
from .errors import DiffxError, InputError, NotScalarError, RuleError
from .graph import Graph
from .limits import Limits
from .results import MethodResult


@dataclass
class Problem:
    graph: Graph
    point: dict[str, np.ndarray]
    wrt: list[str]
    values: list
    limits: Limits
    want_sizes: bool = False      # the symbolic method also counts the derivative's operations
    numeric_scheme: str | None = None   # the scheme of the plain "numeric" method (None: the best safe one)
    dtype: Any = None                   # np.float32: every method runs in single precision

    @property
    def output(self):
        return self.values[self.graph.output]

    @classmethod
    def build(cls, graph: Graph, point: dict[str, np.ndarray], wrt: list[str], limits: Limits,
              dtype=None) -> "Problem":
        if dtype is not None:
            point = {k: np.asarray(v).astype(dtype) for k, v in point.items()}
        with quiet():
            values = evaluate(graph, point, dtype=dtype)
        return cls(graph, point, wrt, values, limits, dtype=dtype)

    def require_scalar(self) -> None:
        shape = np.shape(self.output)
        if shape != ():
            raise NotScalarError(f"the output has shape {tuple(shape)}, but a gradient needs a scalar "
                                 "output: wrap it in sum(...), or ask diffx grad for the vector-Jacobian "
                                 "product (--seed V) or the Jacobian-vector product (--tangent T), or "
                                 "diffx jacobian for the whole Jacobian",
                                 source=self.graph.source, span=self.graph.nodes[self.graph.output].span)

    def require_variables(self) -> None:
        if not self.graph.variables:
            raise InputError(f"the expression has no variables, so nothing to differentiate (its value is "
                             f"{np.asarray(self.output).tolist()})")

    def zeros(self, name: str) -> np.ndarray:
        return np.zeros(np.shape(self.point[name]))


def reverse_gradient(p: Problem) -> dict[str, np.ndarray]:
    """One reverse sweep from the output: the adjoint of every variable."""
    ids = [p.graph.variables[name] for name in p.wrt]
    adj = backward(p.graph, p.values, np.ones(np.shape(p.output), dtype=p.dtype), wrt=ids, dtype=p.dtype)
    return {name: p.zeros(name) if adj[i] is None else _owned(adj[i]) for name, i in zip(p.wrt, ids)}


def _owned(a) -> np.ndarray:
    """An array the caller may write to (an adjoint can be a broadcast view), float64 unless float32."""
    a = np.asarray(a)
    a = a if a.dtype == np.float32 else a.astype(np.float64, copy=False)
    return a if a.flags.writeable and a.flags.owndata else a.copy()


def forward_gradient(p: Problem) -> tuple[dict[str, np.ndarray], int]:
    """One forward (tangent) sweep per scalar input: n passes for n inputs."""
    grads, passes = {}, 0
    for name in p.wrt:
        node = p.graph.variables[name]
        g = p.zeros(name).astype(p.dtype or np.float64)
        for idx in np.ndindex(*g.shape):
            e = p.zeros(name).astype(p.dtype or np.float64)
            e[idx] = 1.0
            t = forward_tangents(p.graph, p.values, {node: e}, dtype=p.dtype)[p.graph.output]
            g[idx] = 0.0 if t is None else float(np.asarray(t))
            passes += 1
        grads[name] = g
    return grads, passes


def _reverse(p: Problem) -> MethodResult:
    return MethodResult("reverse", reverse_gradient(p), evaluations=1)


def _forward(p: Problem) -> MethodResult:
    grads, passes = forward_gradient(p)
    return MethodResult("forward", grads, evaluations=passes)


def _symbolic(p: Problem) -> MethodResult:
    formulas, grads, closed, sizes = symbolic_work(p, symbolic.gradient, p.want_sizes)
    closed = {k: v for k, v in (closed or {}).items() if np.ndim(p.point[k]) > 0}   # a scalar's is its formula
    extra: dict[str, Any] = {"form": "matrix" if closed else "components"}
    if closed:
        extra["closed_form"] = closed
    if sizes is not None:
        extra["sizes"] = {**sizes, "ad_ops": ad_size(p)}
    return MethodResult("symbolic", grads, formula=formulas, extra=extra)


def symbolic_work(p: Problem, fn: Callable, *args: Any):
    """fn(graph, values, point, wrt, limits, *args) within the symbolic time budget."""
    symbolic.sympy()          # imported once here, so a forked worker inherits it
    return budget.within(p.limits.symbolic_seconds, fn, p.graph, p.values, p.point, p.wrt, p.limits, *args)


def ad_size(p: Problem) -> int:
    """Operations of the gradient as AD builds it: the recorded forward and reverse sweeps."""
    from .traced import gradient_graph
    g2, _, _ = gradient_graph(p.graph, p.point, p.wrt)
    return sum(1 for n in g2.nodes if n.op not in ("var", "const"))


def numeric_method(scheme: str | None, name: str) -> Callable[[Problem], MethodResult]:
    """Finite differences by one scheme (None: the most accurate safe one for the expression)."""
    def run(p: Problem, scheme: str | None = scheme) -> MethodResult:
        python = getattr(p, "function", None) is not None      # a Python function: re-run it, small steps
        automatic = not (scheme or p.numeric_scheme)
        chosen = scheme or p.numeric_scheme or ("central" if python else
                                                numeric.default_scheme(p.graph, p.wrt, p.values))
        note = None
        try:
            r = numeric.differentiate(p.graph, p.values, p.point, p.wrt, chosen,
                                      evaluator=p.evaluator() if python else None,
                                      base_path=getattr(p, "decisions", ()), dtype=p.dtype)
        except RuleError as exc:
            if not (automatic and chosen == "complex"):
                raise
            note = f"{exc.message}; Richardson extrapolation used instead"
            r = numeric.differentiate(p.graph, p.values, p.point, p.wrt, "richardson", dtype=p.dtype)
        extra = {"path_changes": r.path_changes} if r.path_changes else {}
        if note:
            extra["fallback"] = note
        if r.domain:
            extra["domain"] = r.domain
        result = MethodResult(name, r.gradient, evaluations=r.evaluations, step=r.step, method=r.method,
                              estimates=r.error_estimate, optimal=r.optimal, extra=extra)
        result.kinks = r.kinks            # not JSON by itself: the comparison reports them under "kinks"
        return result
    return run


METHODS: dict[str, Callable[..., MethodResult]] = {
    "reverse": _reverse,
    "forward": _forward,
    "symbolic": _symbolic,
    "numeric": numeric_method(None, "numeric"),
    **{f"numeric-{s}": numeric_method(s, f"numeric-{s}") for s in numeric.SCHEMES_IN_ORDER},
}
DEFAULT_METHODS = ("reverse", "symbolic", "numeric")
ALL_METHODS = ("reverse", "forward", "symbolic", *(f"numeric-{s}" for s in numeric.SCHEMES_IN_ORDER))


@contextmanager
def quiet():
    """No numpy warnings: a NaN or ∞ is reported as data (and traced to its origin), never as warning text."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def run(name: str, p: Problem, table: dict[str, Callable[..., MethodResult]] = METHODS,
        **options: Any) -> MethodResult:
    """Run one method, timing it; a method that cannot run says why instead of failing."""
    start = time.perf_counter()
    try:
        with quiet():
            result = table[name](p, **options)
    except DiffxError as exc:
        if name in ("reverse", "forward") and not isinstance(exc, RuleError):
            raise
        result = MethodResult(name, skipped=exc.message)
    except (ArithmeticError, ValueError, TypeError, RecursionError) as exc:
        if name in ("reverse", "forward"):
            raise
        result = MethodResult(name, skipped=f"{name} failed: {type(exc).__name__}: {exc}")
    result.seconds = time.perf_counter() - start
    return result
