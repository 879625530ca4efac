"""SymPy as a method: a problem in, a `MethodResult` out, for every kind of derivative.

The translation of a graph into SymPy lives in `diffx.symbolic`; here the
formulas are differentiated, evaluated at the point with 30 digits, and
(when asked) measured, all within the symbolic time budget, since a
symbolic derivative can swell past any size.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import budget, symbolic
from .ad import ad_size, contract
from .errors import LimitError
from .problem import Problem
from .results import MethodResult
from .text import count


def within_budget(p: Problem, fn: Callable, *args: Any):
    """fn(graph, values, point, wrt, limits, *args) within the symbolic time budget of the options."""
    symbolic.sympy()          # imported once here, so a forked worker inherits it
    return budget.within(p.limits.symbolic_seconds, fn, p.graph, p.values, p.point, p.wrt, p.limits, *args,
                         isolation=p.options.isolation)


def gradient(p: Problem) -> MethodResult:
    p.require_scalar()
    formulas, grads, closed, sizes = within_budget(p, symbolic.gradient, p.options.sizes)
    closed = {k: v for k, v in (closed or {}).items() if np.ndim(p.point[k]) > 0}   # a scalar's is its formula
    extra: dict[str, Any] = {"form": "matrix" if closed else "components"}
    if closed:
        extra["closed_form"] = closed
    if sizes is not None:
        extra["sizes"] = {**sizes, "ad_ops": ad_size(p)}
    return MethodResult("symbolic", grads, formula=formulas, extra=extra,
                        cost="SymPy derivative evaluated at the point")


def _jacobian(graph, values, point, wrt, limits, want_sizes: bool):
    """d(output components)/d(input components), shape output + variable, and the formulas' sizes if asked."""
    fs = symbolic.Formulas(graph, values, point, wrt, limits)
    if np.size(fs.out) > limits.max_symbolic_components:
        raise LimitError(f"{np.size(fs.out)} output components are more than the symbolic method takes "
                         f"({limits.max_symbolic_components})")
    formulas = {name: fs.derivative(fs.out, name) for name in wrt}
    sizes = symbolic.derivative_sizes(fs.sp, formulas) if want_sizes else None
    return {name: fs.value(f) for name, f in formulas.items()}, sizes


def _hessian(graph, values, point, wrt, limits, want_sizes: bool):
    """Second derivatives of a scalar output in blocks keyed by (a, b), and their sizes if asked."""
    fs = symbolic.Formulas(graph, values, point, wrt, limits)
    first = {name: fs.derivative(fs.out, name) for name in wrt}
    second = {(a, b): fs.derivative(first[a], b) for a in wrt for b in wrt}
    sizes = symbolic.derivative_sizes(fs.sp, second) if want_sizes else None
    return {k: fs.value(f) for k, f in second.items()}, sizes


def _sized(extra: dict, sizes, p: Problem) -> dict:
    if sizes is not None:
        extra["sizes"] = {**sizes, "ad_ops": ad_size(p)}
    return extra


def jacobian(p: Problem) -> MethodResult:
    jac, sizes = within_budget(p, _jacobian, p.options.sizes)
    return MethodResult("symbolic", jac, extra=_sized({}, sizes, p), cost="SymPy derivative of every output component")


def jvp(p: Problem) -> MethodResult:
    jac, sizes = within_budget(p, _jacobian, p.options.sizes)
    return MethodResult("symbolic", {"jvp": contract(jac, p.tangent, np.shape(p.output))}, extra=_sized({}, sizes, p),
                        cost="SymPy Jacobian times t")


def hessian(p: Problem) -> MethodResult:
    p.require_scalar("a Hessian")
    n = sum(int(np.size(p.point[a])) for a in p.wrt)
    H, sizes = within_budget(p, _hessian, p.options.sizes)
    return MethodResult("symbolic", H, extra=_sized({}, sizes, p),
                        cost=f"SymPy: {count(n, 'first derivative')} and {n * n} second derivatives")
