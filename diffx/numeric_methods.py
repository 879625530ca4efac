"""Finite differences as methods: a problem in, a `MethodResult` out, for every kind of derivative.

The schemes themselves (steps, error estimates, kink detection) live in
`diffx.numeric`; here a scheme is chosen and applied to a gradient, a
Jacobian, a JVP or a Hessian.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import numeric
from .ad import reverse_gradient
from .errors import RuleError
from .problem import Problem, evaluated
from .results import MethodResult
from .text import count

DEFAULT_JACOBIAN_SCHEME = "central"   # the textbook scheme; numeric= picks another


def chosen_scheme(p: Problem, scheme: str | None) -> tuple[str, bool]:
    """The scheme to run and whether it was chosen automatically (so a complex step may fall back)."""
    if scheme or p.options.numeric:
        return scheme or p.options.numeric, False
    if p.python is not None:
        return "central", True              # a Python function: re-run it, small steps, no complex numbers
    return numeric.default_scheme(p.graph, p.wrt, irregular=bool(p.kinks or p.nonfinite)), True


def _differentiate(p: Problem, scheme: str) -> numeric.NumericResult:
    python = p.python is not None
    return numeric.differentiate(p.graph, p.values, p.point, p.wrt, scheme,
                                 evaluator=p.python.evaluator(p.seed) if python else None,
                                 base_path=p.python.decisions if python else (), dtype=p.dtype)


def _result(name: str, r: numeric.NumericResult, note: str | None = None) -> MethodResult:
    extra = {"path_changes": r.path_changes} if r.path_changes else {}
    if note:
        extra["fallback"] = note
    if r.domain:
        extra["domain"] = r.domain
    return MethodResult(name, r.gradient, evaluations=r.evaluations, step=r.step, scheme=r.method,
                        estimates=r.error_estimate, optimal=r.optimal, extra=extra,
                        cost=f"{numeric.SCHEMES[r.method].about}, step {r.step:.3g}", seen_kinks=r.kinks)


def gradient(name: str, scheme: str | None = None) -> Callable[[Problem], MethodResult]:
    """Finite differences by one scheme (None: the options' scheme, else the most accurate safe one)."""
    def run(p: Problem) -> MethodResult:
        p.require_scalar()
        chosen, automatic = chosen_scheme(p, scheme)
        try:
            return _result(name, _differentiate(p, chosen))
        except RuleError as exc:
            if not (automatic and chosen == "complex"):
                raise
            note = f"{exc.message}; Richardson extrapolation used instead"
            return _result(name, _differentiate(p, "richardson"), note)
    return run


def jacobian(name: str, scheme: str | None = None) -> Callable[[Problem], MethodResult]:
    """Every column of the Jacobian by one scheme (central unless the options say otherwise)."""
    def run(p: Problem) -> MethodResult:
        return _result(name, _differentiate(p, scheme or p.options.numeric or DEFAULT_JACOBIAN_SCHEME))
    return run


def jvp(p: Problem) -> MethodResult:
    """A central difference along the direction t: two evaluations in all."""
    f, t = numeric.output_function(p.graph, p.values, p.dtype), p.tangent
    scale = max([1.0] + [float(np.max(np.abs(p.point[n]), initial=0.0)) for n in p.wrt])
    norm = max(float(np.max(np.abs(v), initial=0.0)) for v in t.values()) or 1.0
    h = float(np.finfo(p.dtype or np.float64).eps) ** (1 / 3) * scale / norm
    up = {**p.point, **{n: p.point[n] + h * t[n] for n in p.wrt}}
    down = {**p.point, **{n: p.point[n] - h * t[n] for n in p.wrt}}
    return MethodResult("numeric", {"jvp": (f(up) - f(down)) / (2 * h)}, evaluations=2, step=h, scheme="central",
                        cost="central difference along t: two evaluations")


def hessian(p: Problem) -> MethodResult:
    """Central differences of the reverse-mode gradient: two gradients per input."""
    p.require_scalar("a Hessian")
    H = {(a, b): np.zeros(np.shape(p.point[a]) + np.shape(p.point[b])) for a in p.wrt for b in p.wrt}
    evals, step = 0, 0.0

    def grad_at(env):
        return reverse_gradient(evaluated(p.graph, env, p.wrt, p.options))
    for b in p.wrt:
        for idx in np.ndindex(*np.shape(p.point[b])):
            col, h = numeric.central(grad_at, p.point, b, idx, p.dtype)
            for a in p.wrt:
                H[a, b][(...,) + idx] = col[a]
            evals, step = evals + 2, max(step, h)
    return MethodResult("numeric", H, evaluations=evals, step=step, scheme="central",
                        cost=f"central differences of {count(evals, 'reverse-mode gradient')} (two per input)")
