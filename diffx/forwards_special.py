"""The numpy forwards of the special functions and activations: erf and erfc (numpy has neither), and the
activations whose plain formulas overflow or lose digits.

erf and erfc are vectorised: a series with positive terms for |Re z| ≤ 3 and a
continued fraction beyond, both valid for complex z near the real axis, so
complex step runs through them (and gelu).
"""
from __future__ import annotations

import math

import numpy as np

SQRT_PI = math.sqrt(math.pi)
SQRT2 = math.sqrt(2.0)
_SERIES, _FRACTION = 100, 60


def _erf_series(z):
    """erf(z) = 2/√π e^(-z²) Σ z (2z²)ⁿ / (2n+1)!!, every term positive for real z (no cancellation)."""
    term, total, w = z, z, 2.0 * z * z
    for n in range(1, _SERIES):
        term = term * w / (2 * n + 1)
        total = total + term
    return 2.0 / SQRT_PI * np.exp(-z * z) * total


def _erfc_fraction(z):
    """erfc(z) for Re z ≥ 3: e^(-z²)/√π · 1/(z + ½/(z + 1/(z + (3/2)/(z + ...)))), evaluated bottom-up."""
    f = z
    for k in range(_FRACTION, 0, -1):
        f = z + (k / 2.0) / f
    return np.exp(-z * z) / (SQRT_PI * f)


def _parts(x):
    z = np.asarray(x)
    z = z.astype(np.float64) if not np.iscomplexobj(z) else z
    neg = np.real(z) < 0
    a = np.where(neg, -z, z)
    big = np.real(a) > 3.0
    small = _erf_series(np.where(big, 0.0, a))
    tail = _erfc_fraction(np.where(big, a, 3.0))
    return neg, big, small, tail


def erf(x):
    neg, big, small, tail = _parts(x)
    v = np.where(big, 1.0 - tail, small)
    return np.where(neg, -v, v)


def erfc(x):
    neg, big, small, tail = _parts(x)
    v = np.where(big, tail, 1.0 - small)
    return np.where(neg, 2.0 - v, v)


def gelu(x):
    return 0.5 * x * (1.0 + erf(x / SQRT2))


def gelu_slope(x):
    """d gelu/dx = Φ(x) + x φ(x)."""
    from .dispatch import P
    return 0.5 * (1.0 + P.erf(x * (1.0 / SQRT2))) + x * P.exp(-0.5 * x * x) * (1.0 / math.sqrt(2.0 * math.pi))


def logsigmoid(x):
    """log(1 / (1 + e^-x)) = -softplus(-x), without overflow."""
    from .forwards import softplus
    return -softplus(-x)


def elu(x, alpha=1.0):
    return np.where(np.real(x) > 0, x, alpha * np.expm1(np.where(np.real(x) > 0, 0.0, x)))


def leaky_relu(x, negative_slope=0.01):
    return np.where(np.real(x) > 0, x, negative_slope * x)


def softsign(x):
    return x / (1.0 + np.abs(x))


def mish(x):
    from .forwards import softplus
    return x * np.tanh(softplus(x))


def mod(a, b):
    """numpy mod: the remainder with the sign of b (Python's %)."""
    return np.mod(a, b)


def hypot(a, b):
    if np.iscomplexobj(a) or np.iscomplexobj(b):
        return np.sqrt(a * a + b * b)
    return np.hypot(a, b)


def clip(x, lo, hi):
    """numpy clip: min(max(x, lo), hi)."""
    return np.minimum(np.maximum(x, lo), hi)


def inside(x, lo, hi):
    """Where clip passes x through: lo ≤ x ≤ hi, bounds included (PyTorch's clamp passes gradient 1 there)."""
    from .dispatch import P
    return P.ge(x, lo) * P.le(x, hi)


def integer_valued(x):
    return np.asarray(x) == np.round(np.asarray(x))


def half_integer(x):
    x = np.asarray(x)
    return (x - np.floor(x)) == 0.5


# ---------------------------------------------------------------- SymPy: steps whose derivative is 0
def step_function(sp, name: str):
    from . import sympy_steps
    return {"floor": sympy_steps.flat_floor, "ceiling": sympy_steps.flat_ceiling}[name]


def sym_step(name: str):
    def sym(sp, a):
        floor, ceiling = step_function(sp, "floor"), step_function(sp, "ceiling")
        if name == "floor":
            return floor(a)
        if name == "ceil":
            return ceiling(a)
        if name == "trunc":
            return sp.Piecewise((floor(a), a >= 0), (ceiling(a), True))
        return floor(a + sp.Rational(1, 2))      # round: halves differ from numpy's; the derivative is 0 anyway
    return sym


def sym_mod(sp, a, b):
    return a - b * step_function(sp, "floor")(a / b)
