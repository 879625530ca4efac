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
from .engine import forward_tangents
from .ops import OPS
from .errors import RuleError
from .problem import Problem, evaluated
from .records import dataclass  # dataclasses' own, made without compiling source
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
                                 base_path=p.python.decisions if python else (), dtype=p.dtype, caps=step_caps(p))


def distance_to_kink(p: Problem, direction: dict[str, np.ndarray]) -> float:
    """How far the point may move along `direction` before a non-smooth op on the path switches branch.

    Each kink rule of the op table names its switching surface u (abs's
    input, max's a − b, ...); one tangent pass gives u̇ along the direction,
    and |u|/|u̇| is the distance to the surface to first order. An op sitting
    on its surface (u = 0) gives none: the point is on the kink itself.
    """
    nodes = [n for n in p.graph.nodes if any(rule.surface for rule in OPS[n.op].kinks)]
    if not nodes:
        return np.inf
    seeds = {p.graph.variables[name]: np.asarray(d, dtype=np.float64) for name, d in direction.items()}
    with np.errstate(all="ignore"):
        tangents = forward_tangents(p.graph, p.values, seeds)
        nearest = np.inf
        for node in nodes:
            xs = [p.values[i] for i in node.inputs]
            ts = [np.zeros(np.shape(v)) if tangents[i] is None else tangents[i] for i, v in zip(node.inputs, xs)]
            for rule in OPS[node.op].kinks:
                if rule.surface is None:
                    continue
                u, du = (np.abs(np.asarray(a, dtype=np.float64)) for a in rule.surface(xs, ts))
                u, du = np.broadcast_arrays(u, du)
                moving = (u > 0) & (du > 0)
                if moving.any():
                    nearest = min(nearest, float(np.min(u[moving] / du[moving])))
    return nearest


def step_caps(p: Problem) -> dict:
    """{(name, idx): the largest step along that component}: half the distance to the nearest kink."""
    if not any(rule.surface for n in p.graph.nodes for rule in OPS[n.op].kinks):
        return {}
    caps = {}
    for name in p.wrt:
        shape = np.shape(p.point[name])
        for idx in np.ndindex(*shape):
            e = np.zeros(shape)
            e[idx] = 1.0
            caps[name, idx] = 0.5 * distance_to_kink(p, {name: e})
    return caps


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


# ---------------------------------------------------------------- one element, both sides: what the verdict asks
@dataclass(frozen=True)
class Sides:
    """The one-sided derivatives of one element of a derivative along its own direction."""

    left: float
    right: float
    kink: bool            # they differ beyond what smoothness explains: not differentiable along it
    jump: bool            # the function itself jumps: not even continuous
    error: float = np.inf # how far either may be from the true one-sided derivative
    rising: bool = False  # the rise across the point does not shrink with the step, the sides agreeing: a jump
    #                       whose value sits between its sides (sign(0)), or a slope steeper than the steps resolve


def _restriction(p: Problem, key, idx: tuple) -> tuple[Callable[[float], float], float, dict]:
    """s -> the element's function at the point moved by s along the element's direction; s's scale; the direction."""
    kind = p.options.kind
    if kind == "hessian":
        (a, b), k = key, np.ndim(p.point[key[0]])
        out_idx, (name, at) = idx[:k], (b, idx[k:])

        def value(env):
            return reverse_gradient(evaluated(p.graph, env, p.wrt, p.options))[a]
    else:
        k = np.ndim(p.output) if kind in ("jacobian", "jvp") else 0
        out_idx, name, at = idx[:k], key, idx[k:]
        if p.python is not None:
            run = p.python.evaluator(p.seed)

            def value(env):
                return run(env)[0]
        else:
            value = numeric.output_function(p.graph, p.values)
    if kind == "jvp":
        direction = p.tangent
        scale = max([1.0] + [float(np.max(np.abs(p.point[n]), initial=0.0)) for n in p.wrt]) / \
            (max(float(np.max(np.abs(t), initial=0.0)) for t in direction.values()) or 1.0)
    else:
        direction = {name: np.zeros(np.shape(p.point[name]))}
        direction[name][at] = 1.0
        scale = max(1.0, abs(float(np.asarray(p.point[name], dtype=np.float64)[at])))
    base = {n: np.asarray(v, dtype=np.float64) for n, v in p.point.items()}

    def g(s: float) -> float:
        env = {**base, **{n: base[n] + s * d for n, d in direction.items()}}
        return float(np.asarray(value(env), dtype=np.float64)[out_idx])
    return g, scale, direction


def one_sided(p: Problem, key, idx: tuple) -> Sides:
    """Forward and backward differences of one element at two steps: a kink keeps their gap, a smooth function
    shrinks it with the step, and a jump keeps the rise itself."""
    g, scale, direction = _restriction(p, key, idx)
    h1 = min(1e-6 * scale, 0.5 * distance_to_kink(p, direction))
    f0 = g(0.0)
    for _ in range(3):                  # near a domain edge (log at 1e-9) the steps shrink until f is finite
        p1, m1 = g(h1), g(-h1)
        if np.isfinite(p1) and np.isfinite(m1) or h1 < 1e-14 * scale:
            break
        h1 /= 1000
    h2, h3 = h1 / 10, h1 / 1000
    p2, m2 = g(h2), g(-h2)
    # one-sided differences are first order in h: two steps extrapolate the bias away (x|x| at 0 gives 0)
    r1, r2, l1, l2 = (p1 - f0) / h1, (p2 - f0) / h2, (f0 - m1) / h1, (f0 - m2) / h2
    right, left = r2 + (r2 - r1) / 9, l2 + (l2 - l1) / 9
    noise = 64 * float(np.finfo(np.float64).eps) * max(abs(f0), abs(p1), abs(m1), 1e-300) / h2
    error = max(abs(r2 - r1), abs(l2 - l1)) / 9 + noise
    kink = abs(right - left) > 10 * error + 1e-6 * max(abs(left), abs(right))
    rise = abs(p1 - m1)
    rising = abs(p2 - m2) > 0.3 * rise and rise > 1e-6 * max(1.0, abs(f0))
    if rising and not abs(g(h3) - g(-h3)) > 0.3 * rise:     # it shrank at last
        if kink:
            return Sides(np.nan, np.nan, False, False)      # the jump is near, not here
        rising = False                                      # a steep slope the smallest step resolves
    jump = kink and rising
    return Sides(float(left), float(right), bool(kink), bool(jump), float(error), bool(rising and not kink))
