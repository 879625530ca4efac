"""The numpy forwards of the op table, and the helpers its rules are written with.

Kept apart from the table so each entry there stays a few lines: what an op
means is in `ops.py`, how its numpy function refuses bad shapes or avoids
overflow is here. Rule helpers use `P` (never numpy directly), so they run on
traced values too. `*_size` functions give the element count of an op whose
output can be larger than its inputs (the engine's element limit reads them).
"""
from __future__ import annotations

import math

import numpy as np

from .dispatch import P


def each(f):
    """Lift a scalar SymPy function to object arrays, broadcasting like numpy."""
    def lifted(sp, *arrays, **params):
        out = np.frompyfunc(lambda *a: f(sp, *a, **params), len(arrays), 1)(*arrays)
        return np.asarray(out, dtype=object)
    return lifted


# ---------------------------------------------------------------- helpers for rules

def axes_of(shape: tuple, axis) -> tuple[int, ...]:
    """The reduced axes, as non-negative integers (axis: None, an integer or a tuple of them)."""
    if axis is None:
        return tuple(range(len(shape)))
    return tuple(sorted(a % len(shape) for a in (axis if isinstance(axis, tuple) else (axis,))))


def kept(shape: tuple, axis) -> tuple:
    """The shape of a reduction over `axis` with the reduced axes kept as 1."""
    axes = axes_of(shape, axis)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def back(r, shape: tuple, axis):
    """Spread a reduced array back over the shape it was reduced from."""
    return P.broadcast_to(P.reshape(r, shape=kept(shape, axis)), shape=shape)


def count(shape: tuple, axis) -> int:
    return math.prod(shape[a] for a in axes_of(shape, axis))


def safe(y):
    """`y` with zeros replaced by ones: a divisor whose zero would only give NaN."""
    return P.where(P.eq(y, 0.0), 1.0, y)


def power_slope(a, b):
    """d(a^b)/da = b·a^(b-1), and 0 where b = 0 at every a, 0 included (a^0 is the constant 1, as the peers say).

    The base is replaced by 1 where b = 0 before it is raised, so neither this
    rule nor its own derivative (Hessians) meets 0·∞.
    """
    zero = P.eq(b, 0.0)
    return P.where(zero, 0.0, b * P.where(zero, 1.0, a) ** (b - 1.0))


def power_sym(sp, a, b):
    """a^b for SymPy; a base that is exactly 0 is written as the function of b it is (0 for b > 0, 1 at
    b = 0), so its derivative in b is 0 where it exists instead of SymPy's 0·log(0) = NaN."""
    if getattr(a, "is_zero", False) and getattr(b, "free_symbols", None):
        return sp.Piecewise((0, b > 0), (1, sp.Eq(b, 0)), (sp.nan, True))
    return a ** b


def log_pos(a):
    """log(a) where a > 0 and 0 elsewhere: d(a^b)/db's factor, finite everywhere."""
    pos = P.gt(a, 0.0)
    return P.where(pos, P.log(P.where(pos, a, 1.0)), 0.0)


def ndim(a) -> int:
    return len(np.shape(a))


def dot_vjp_a(g, a, b):
    """d(a.b)/da for numpy dot semantics with inputs of rank <= 2."""
    if ndim(a) == 0 or ndim(b) == 0:
        return g * b
    if ndim(b) == 1:
        return P.outer(g, b) if ndim(a) == 2 else g * b
    return P.matmul(b, g) if ndim(a) == 1 else P.matmul(g, P.transpose(b))


def dot_vjp_b(g, a, b):
    if ndim(a) == 0 or ndim(b) == 0:
        return g * a
    if ndim(a) == 1:
        return P.outer(a, g) if ndim(b) == 2 else g * a
    return P.matmul(g, a) if ndim(b) == 1 else P.matmul(P.transpose(a), g)


def max_mask(x, y, axis):
    """Where x attains its max/min; ties share the gradient equally."""
    mask = P.eq(x, back(y, np.shape(x), axis))
    return mask / back(P.sum(mask, axis=axis), np.shape(x), axis)


# ---------------------------------------------------------------- numpy forwards

def rank2(f, name):
    def forward(a, b):
        if np.ndim(a) > 2 or np.ndim(b) > 2:
            raise ValueError(f"{name} takes inputs of rank at most 2, got shapes "
                             f"{np.shape(a)} and {np.shape(b)}")
        return f(a, b)
    return forward


def outer(a, b):
    if np.ndim(a) != 1 or np.ndim(b) != 1:
        raise ValueError(f"outer takes two vectors, got shapes {np.shape(a)} and {np.shape(b)}")
    return np.outer(a, b)


def trace(a):
    if np.ndim(a) != 2:
        raise ValueError(f"trace takes a matrix, got shape {np.shape(a)}")
    return np.trace(a)


def logsumexp(x, axis=None, keepdims=False):
    m = np.max(np.real(x), axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else out.reshape(np.shape(np.sum(np.real(x), axis=axis)))


def softmax(x, axis=None):
    m = np.max(np.real(x), axis=axis, keepdims=True)
    e = np.exp(x - np.where(np.isfinite(m), m, 0.0))
    return e / np.sum(e, axis=axis, keepdims=True)


def softplus(x):
    if np.iscomplexobj(x):      # log(1 + e^z) without overflow, and analytic for complex step
        pos = np.real(x) > 0
        return np.where(pos, x + np.log1p(np.exp(-np.where(pos, x, 0))), np.log1p(np.exp(np.where(pos, 0, x))))
    return np.logaddexp(0.0, x)


def sigmoid(x):
    """1 / (1 + e^-x); for real x an overflow of e^-x just gives 0, for complex x it would give NaN."""
    if not np.iscomplexobj(x):
        return 1.0 / (1.0 + np.exp(-x))
    pos = np.real(x) >= 0
    e = np.exp(np.where(pos, -x, x))
    return np.where(pos, 1.0 / (1.0 + e), e / (1.0 + e))


def prod_others(x, axis=None, keepdims=False):
    """Product of all other elements along `axis`, exact even where x has zeros."""
    a = np.asarray(x)
    if axis is None:
        return prod_others(a.reshape(-1), 0).reshape(a.shape)
    if isinstance(axis, tuple):
        axes = axes_of(a.shape, axis)
        moved = np.moveaxis(a, axes, range(a.ndim - len(axes), a.ndim))
        flat = prod_others(moved.reshape(moved.shape[:a.ndim - len(axes)] + (-1,)), -1)
        return np.moveaxis(flat.reshape(moved.shape), range(a.ndim - len(axes), a.ndim), axes)
    a = np.moveaxis(a, axis, -1)
    ones = np.ones(a.shape[:-1] + (1,), dtype=a.dtype)
    left = np.cumprod(np.concatenate([ones, a[..., :-1]], -1), -1)
    right = np.cumprod(np.concatenate([ones, a[..., :0:-1]], -1), -1)[..., ::-1]
    return np.moveaxis(left * right, -1, axis)


def sum_to(x, shape):
    """Sum a broadcast array back down to `shape` (numpy's rules in reverse)."""
    x = np.asarray(x)
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and x.shape[i + lead] != 1)
    return np.sum(x, axis=axes, keepdims=True).reshape(shape) if axes else x.reshape(shape)


def scatter(x, shape, key):
    """Zeros of `shape` with x placed at `key`; an integer-array key adds where it repeats an index."""
    out = np.zeros(shape, dtype=np.result_type(x, np.float64))
    if any(isinstance(k, np.ndarray) for k in key):
        np.add.at(out, key, x)
    else:
        out[key] = x
    return out


def compare(f):
    def forward(a, b):
        return f(a, b).astype(np.float64)
    forward.__wrapped__ = f            # the ufunc it is (numpy's comparisons on a tensor find the op by it)
    return forward


def where(c, a, b):
    return np.where(np.asarray(c) != 0, a, b)


def check_axis(x, axis) -> None:
    """Refuse an axis the array does not have (numpy lets 0-d slip), or one named twice."""
    axes = axis if isinstance(axis, tuple) else () if axis is None else (axis,)
    for a in axes:
        if not -np.ndim(x) <= a < np.ndim(x):
            raise ValueError(f"axis {a} is out of bounds for an array of {np.ndim(x)} dimension(s)")
    if len({a % max(np.ndim(x), 1) for a in axes}) < len(axes):
        raise ValueError(f"axis {axis} names an axis twice")


def axis_checked(f):
    """A reduction over `axis` (an integer, a tuple or None) with `keepdims`, refusing an axis x lacks."""
    def reduction(x, axis=None, **params):
        check_axis(x, axis)
        return f(x, axis=axis, **params)
    return reduction


def reduce(f):
    """A numpy reduction taking `axis=` and `keepdims=` that also serves SymPy object arrays."""
    return axis_checked(lambda x, axis=None, keepdims=False: f(x, axis=axis, keepdims=keepdims))


# ---------------------------------------------------------------- SymPy translations

def sym_reduce(combine):
    """Reduce an object array with a SymPy n-ary function, along `axis` (or axes) or over all."""
    def sym(sp, x, axis=None, keepdims=False, **params):
        x = np.asarray(x, dtype=object)
        axes = axes_of(x.shape, axis)
        moved = np.moveaxis(x, axes, range(x.ndim - len(axes), x.ndim))
        flat = moved.reshape(moved.shape[:x.ndim - len(axes)] + (-1,))
        out = np.empty(flat.shape[:-1], dtype=object)
        for idx in np.ndindex(*out.shape):
            out[idx] = combine(sp, list(flat[idx]), **params)
        return out.reshape(kept(x.shape, axis)) if keepdims else out
    return sym


def sym_softmax(sp, x, axis=None):
    e = each(lambda sp, a: sp.exp(a))(sp, x)
    return e / np.sum(e, axis=axis, keepdims=True)


def piecewise(cond):
    return lambda sp, a, b: sp.Piecewise((1, cond(sp, a, b)), (0, True))


# ---------------------------------------------------------------- output sizes (shapes, params) -> elements

def outer_size(shapes, params) -> int:
    return math.prod(shapes[0]) * math.prod(shapes[1])


def shape_size(shapes, params) -> int:
    """Ops that make an array of the `shape` param (broadcast_to, scatter)."""
    return math.prod(params["shape"])


def stack_size(shapes, params) -> int:
    return sum(math.prod(s) for s in shapes)


def dot_size(shapes, params) -> int:
    """numpy dot: a's last axis meets b's only (or second-to-last) axis; a scalar scales."""
    if len(shapes) != 2:
        return 0
    a, b = shapes
    if not a or not b:
        return math.prod(a) * math.prod(b)
    return math.prod(a[:-1]) * math.prod(b[:-2] + b[-1:] if len(b) >= 2 else ())


def matmul_size(shapes, params) -> int:
    """Like dot for the ranks 1 and 2 that @ takes; scalars are refused by the op itself."""
    return dot_size(shapes, params) if len(shapes) == 2 and all(shapes) else 0
