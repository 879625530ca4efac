"""SymPy as a method: a problem in, a `MethodResult` out, for every kind of derivative.

The translation of a graph into SymPy lives in `diffx.symbolic`; here the
formulas are differentiated, evaluated at the point with 30 digits, and
(when asked) measured, all within the symbolic time budget, since a
symbolic derivative can swell past any size.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

import weakref

from . import budget, matrixform, symbolic
from .ad import ad_size, contract
from .errors import LimitError, RuleError
from .problem import Problem
from .results import MethodResult
from .text import count


def within_budget(p: Problem, fn: Callable, *args: Any):
    """fn(graph, values, point, wrt, limits, *args) within the symbolic time budget of the options."""
    symbolic.sympy()          # imported once here, so a forked worker inherits it
    return budget.within(p.limits.symbolic_seconds, fn, p.graph, p.values, p.point, p.wrt, p.limits, *args,
                         isolation=p.options.isolation)


def forms(p: Problem, kind: str = "gradient", exact: bool = False):
    """The matrix forms of the problem's derivative (`diffx.matrixform`), derived once per problem and kind."""
    key = (id(p), kind, exact)
    hit = _FORMS.get(key)
    if hit is not None and hit[0]() is p:
        return hit[1]
    derive = {"gradient": matrixform.gradient, "jacobian": matrixform.jacobian, "hessian": matrixform.hessian}[kind]
    out = derive(p.graph, p.point, list(p.wrt), exact=exact)
    if not any(k[0] == id(p) for k in _FORMS):
        _FORMS.clear()                  # one problem at a time: the cache is for the methods of one comparison
    _FORMS[key] = (weakref.ref(p), out)
    return out


_FORMS: dict = {}


def evaluated(p: Problem, kind: str = "gradient"):
    """The matrix forms, each evaluated at the point by diffx's parser: (forms, {key: array})."""
    f = forms(p, kind)
    shapes = {k: _shape(p, k, kind) for k in f.text}
    values = matrixform.evaluate_forms(f, p.point, shapes, p.limits)
    if not all(np.isfinite(v).all() for v in values.values()):     # the point is where the generic form is not
        g = forms(p, kind, exact=True)
        exact = matrixform.evaluate_forms(g, p.point, {k: _shape(p, k, kind) for k in g.text}, p.limits)
        if set(exact) == set(values) and all(np.isfinite(v).all() for v in exact.values()):
            return g, exact
    return f, values


def _shape(p: Problem, key: str, kind: str) -> tuple:
    if kind == "hessian":
        a, b = key.split(",")
        return np.shape(p.point[a]) + np.shape(p.point[b])
    return (np.shape(p.output) if kind == "jacobian" else ()) + np.shape(p.point[key])


def gradient(p: Problem) -> MethodResult:
    p.require_scalar()
    try:
        symbolic.check_size(p.point, p.wrt, p.limits)
    except LimitError as exc:              # past the component limit the matrix form still answers
        f, values = evaluated(p)
        if set(values) != set(p.wrt):
            raise
        return MethodResult("symbolic", values, matrix_form=f.text, extra={"form": "matrix", "components": exc.message},
                            cost="matrix form evaluated at the point (no components: " + exc.message + ")")
    formulas, grads, sizes = within_budget(p, symbolic.gradient, p.options.sizes)
    f, values = evaluated(p)
    closed = {k: c for k, c in f.closed.items()
              if k in values and np.ndim(p.point[k]) > 0 and np.allclose(values[k], grads[k], rtol=1e-9, atol=1e-12)}
    extra: dict[str, Any] = {"form": "matrix" if closed else "components"}
    if closed:
        extra["closed_form"] = closed
    if sizes is not None:
        extra["sizes"] = {**sizes, "ad_ops": ad_size(p)}
    return MethodResult("symbolic", grads, formula=formulas, extra=extra, matrix_form=f.text or None,
                        cost="SymPy derivative evaluated at the point")


def matrix_method(kind: str):
    """The row "symbolic-matrix": the matrix form, printed in diffx's language, parsed back and evaluated."""
    def run(p: Problem) -> MethodResult:
        if kind == "gradient":
            p.require_scalar()
        elif kind == "hessian":
            p.require_scalar("a Hessian")
        f, values = evaluated(p, "gradient" if kind == "vjp" else kind)
        missing = [k for k in f.why if k not in values]
        if missing:
            k = missing[0]
            raise RuleError(f"no matrix form for {k}: {f.why[k]}")
        if kind == "hessian":
            values = {tuple(k.split(",")): v for k, v in values.items()}
        return MethodResult("symbolic-matrix", values, matrix_form=f.text,
                            cost="the matrix form, parsed back by diffx and evaluated at the point")
    return run


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
    return MethodResult("symbolic", jac, extra=_sized({}, sizes, p), matrix_form=forms(p, "jacobian").text or None,
                        cost="SymPy derivative of every output component")


def jvp(p: Problem) -> MethodResult:
    jac, sizes = within_budget(p, _jacobian, p.options.sizes)
    return MethodResult("symbolic", {"jvp": contract(jac, p.tangent, np.shape(p.output))}, extra=_sized({}, sizes, p),
                        cost="SymPy Jacobian times t")


def hessian(p: Problem) -> MethodResult:
    p.require_scalar("a Hessian")
    n = sum(int(np.size(p.point[a])) for a in p.wrt)
    H, sizes = within_budget(p, _hessian, p.options.sizes)
    return MethodResult("symbolic", H, extra=_sized({}, sizes, p), matrix_form=forms(p, "hessian").text or None,
                        cost=f"SymPy: {count(n, 'first derivative')} and {n * n} second derivatives")
