"""The numpy forwards and rule helpers of the reductions with more than an axis: norm's `ord`, var/std's `ddof`,
cumulative sums and products, log-softmax.

Forwards written with sums and products run unchanged on SymPy object arrays
and on complex arrays (complex step); |x| is written x·sign(Re x), which is
|x| for real x and analytic near a real x ≠ 0.
"""
from __future__ import annotations

import math

import numpy as np

from .dispatch import P
from .forwards import axes_of, back, check_axis, count, each, kept, safe, sym_reduce


def cabs(x):
    """|x| for real x; for complex x near the real axis, the analytic continuation of |Re x| (complex step)."""
    return x * np.sign(np.real(x))


def _pick(s, axis, largest: bool):
    """max/min of s over axis (kept), by real part, keeping the imaginary part of the chosen elements."""
    r = np.real(s)
    m = (np.max if largest else np.min)(r, axis=axis, keepdims=True)
    hit = r == m
    return np.sum(np.where(hit, s, 0), axis=axis, keepdims=True) / np.sum(hit, axis=axis, keepdims=True)


def norm_axes(x, ord, axis) -> tuple[tuple[int, ...], bool]:
    """The axes a norm reduces and whether it is a matrix norm (two axes and an `ord`, as numpy reads it)."""
    nd = np.ndim(x)
    if axis is None:
        if ord is not None and nd > 2:
            raise ValueError(f"norm with ord= of an array of {nd} dimensions needs axis= (one axis, or two "
                             "for a matrix norm)")
        return tuple(range(nd)), ord is not None and nd == 2
    axes = axes_of(np.shape(x), axis)
    if len(axes) > 2:
        raise ValueError("norm takes one axis (a vector norm) or two (a matrix norm)")
    if len(axes) == 2 and isinstance(axis, (tuple, list)):
        axes = tuple(int(a) % nd for a in axis)      # a matrix norm's rows, then columns: in the order given
    return axes, len(axes) == 2 and ord is not None


def norm(x, ord=None, axis=None, keepdims=False):
    """numpy.linalg.norm: vector p-norms (any p ≠ 0, ±inf) and matrix 'fro', 1, -1, inf, -inf norms."""
    check_axis(x, axis)
    axes, matrix = norm_axes(x, ord, axis)
    if ord is None or ord == "fro" or (ord == 2 and not matrix):
        if ord == "fro" and not matrix:
            raise ValueError("ord='fro' is a matrix norm: give a matrix or two axes")
        out = np.sqrt(np.sum(x * x, axis=axes, keepdims=True))
    elif matrix:
        r, c = axes
        if ord in (1, -1):
            out = _pick(np.sum(cabs(x), axis=r, keepdims=True), c, ord > 0)
        elif ord in (math.inf, -math.inf):
            out = _pick(np.sum(cabs(x), axis=c, keepdims=True), r, ord > 0)
        else:
            raise ValueError(f"ord={ord} of a matrix needs its singular values, which diffx does not compute; "
                             "use 'fro', 1, -1, inf or -inf")
    elif ord in (math.inf, -math.inf):
        out = _pick(cabs(x), axes, ord > 0)
    elif ord == 0 or isinstance(ord, str):
        raise ValueError(f"ord={ord!r} is not a differentiable vector norm; use a p > 0, inf or -inf")
    else:
        out = np.sum(cabs(x) ** ord, axis=axes, keepdims=True) ** (1.0 / ord)
    return out if keepdims else out.reshape(tuple(n for i, n in enumerate(np.shape(x)) if i not in axes))


def norm_factor(y, x, ord=None, axis=None, keepdims=False):
    """D with vjp = back(g)·D and jvp = sum(t·D): ∂norm/∂x, written with P (so it is differentiable too)."""
    shape = np.shape(x)
    axes, matrix = norm_axes(x, ord, axis)
    yb = back(safe(y), shape, axes)
    if ord is None or ord == "fro" or (ord == 2 and not matrix):
        return x / yb
    if matrix:
        r, c = axes
        inner, outer = (r, c) if ord in (1, -1) else (c, r)
        s = P.sum(P.abs(x), axis=inner, keepdims=True)
        mask = P.eq(s, P.reshape(y, shape=kept(shape, axes)))
        return P.sign(x) * (mask / P.sum(mask, axis=outer, keepdims=True))
    if ord in (math.inf, -math.inf):
        mask = P.eq(P.abs(x), back(y, shape, axes))
        return P.sign(x) * mask / back(P.sum(mask, axis=axes), shape, axes)
    if ord == 1:
        return P.sign(x)
    return P.sign(x) * P.abs(x) ** (ord - 1.0) / yb ** (ord - 1.0)


def norm_sym(sp, x, ord=None, axis=None, keepdims=False):
    axes, matrix = norm_axes(x, ord, axis)
    if ord is None or ord == "fro" or (ord == 2 and not matrix):
        return sym_reduce(lambda sp, v: sp.sqrt(sum(e * e for e in v)))(sp, x, axis=axes, keepdims=keepdims)
    a = each(lambda sp, e: sp.Abs(e))(sp, x)
    pick = lambda s, ax, big: sym_reduce(lambda sp, v: (sp.Max if big else sp.Min)(*v))(sp, s, axis=ax,
                                                                                      keepdims=True)
    if matrix:
        r, c = axes
        inner, outer = (r, c) if ord in (1, -1) else (c, r)
        out = pick(np.sum(a, axis=inner, keepdims=True), outer, ord > 0)
    elif ord in (math.inf, -math.inf):
        out = pick(a, axes, ord > 0)
    else:
        p = sp.Integer(int(ord)) if float(ord).is_integer() else sp.Float(ord)
        out = each(lambda sp, e: e ** (1 / p))(sp, np.sum(each(lambda sp, e: e ** p)(sp, a), axis=axes,
                                                          keepdims=True))
    return out if keepdims else out.reshape(tuple(n for i, n in enumerate(np.shape(x)) if i not in axes))


def norm_zero(y, x, ord=None, axis=None, keepdims=False):
    """The elements of x whose norm is 0 (the cone's apex)."""
    axes, _ = norm_axes(x, ord, axis)
    return np.broadcast_to(np.reshape(np.asarray(y) == 0, kept(np.shape(x), axes)), np.shape(x))


# ---------------------------------------------------------------- var and std
def var(x, axis=None, ddof=0, keepdims=False):
    """numpy var (ddof=0 by default), written with sums so it serves complex step and SymPy too."""
    check_axis(x, axis)
    n = count(np.shape(x), axis)
    d = x - np.sum(x, axis=axis, keepdims=True) / n
    return np.sum(d * d, axis=axis, keepdims=keepdims) / (n - ddof)


def std(x, axis=None, ddof=0, keepdims=False):
    return np.sqrt(var(x, axis=axis, ddof=ddof, keepdims=keepdims))


def std_sym(sp, x, axis=None, ddof=0, keepdims=False):
    return each(lambda sp, v: sp.sqrt(v))(sp, var(x, axis=axis, ddof=ddof, keepdims=keepdims))


def centred(x, axis):
    return x - back(P.mean(x, axis=axis), np.shape(x), axis)


def dof(x, axis, ddof) -> float:
    return float(count(np.shape(x), axis) - ddof)


def std_zero(y, x, axis=None, ddof=0, keepdims=False):
    return np.broadcast_to(np.reshape(np.asarray(y) == 0, kept(np.shape(x), axis)), np.shape(x))


# ---------------------------------------------------------------- cumulative sums and products
def cumulative(f):
    def forward(x, axis=None):
        if axis is not None:
            check_axis(x, axis)
            if np.ndim(x) == 0:
                raise ValueError("a cumulative sum of a scalar needs axis=None")
        return f(x, axis=axis)
    return forward


def reverse_cumsum(g, x, axis):
    """Σ_{j ≥ i} g_j along axis (cumsum's adjoint); with axis=None g is flat and the result has x's shape."""
    ax = 0 if axis is None else axis
    r = P.flip(P.cumsum(P.flip(g, axis=ax), axis=ax), axis=ax)
    return P.reshape(r, shape=np.shape(x)) if axis is None else r


def flat(x, axis):
    return P.reshape(x, shape=(-1,)) if axis is None else x


# ---------------------------------------------------------------- log-softmax
def log_softmax(x, axis=None):
    check_axis(x, axis)
    m = np.max(np.real(x), axis=axis, keepdims=True)
    z = x - np.where(np.isfinite(m), m, 0.0)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


def log_softmax_sym(sp, x, axis=None):
    e = each(lambda sp, a: sp.exp(a))(sp, x)
    return x - each(lambda sp, a: sp.log(a))(sp, np.sum(e, axis=axis, keepdims=True))
