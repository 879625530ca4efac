"""The numpy forwards and rule helpers of linear algebra: batched products, inverses, determinants, solves,
Cholesky, einsum (and the products written with it), traces and diagonals.

Matrices are the last two axes; leading axes are a batch, broadcast as numpy
does. A singular matrix (or one that is not positive definite, for Cholesky)
gives NaN rather than an exception, so the comparison names the node where the
non-finite value was born. Rules use `P` only, so they are differentiable again.
"""
from __future__ import annotations

import math

import numpy as np

from .dispatch import P


def mT(x):
    """The batched transpose: the last two axes swapped."""
    return P.swapaxes(x, axis1=-1, axis2=-2)


def square(a, name: str) -> None:
    if np.ndim(a) < 2 or np.shape(a)[-1] != np.shape(a)[-2]:
        raise ValueError(f"{name} takes a square matrix (or a batch of them), got shape {np.shape(a)}")


def _nan_on_singular(f, shape):
    try:
        return f()
    except np.linalg.LinAlgError:
        return np.full(shape, np.nan)


def inv(a):
    square(a, "inv")
    return _nan_on_singular(lambda: np.linalg.inv(a), np.shape(a))


def det(a):
    square(a, "det")
    return np.linalg.det(a)


def logdet(a):
    """log det A: -inf where det A = 0, NaN where det A < 0 (the logarithm of a negative number)."""
    square(a, "logdet")
    if np.iscomplexobj(a):
        return np.log(np.linalg.det(a))
    sign, value = np.linalg.slogdet(a)
    return np.where(sign > 0, value, np.where(sign == 0, -np.inf, np.nan))


def slogdet(a):
    """numpy's (sign, log|det|) as one array of shape (2, ...): slogdet(A)[1] is log|det A|."""
    square(a, "slogdet")
    if np.iscomplexobj(a):
        d = np.linalg.det(a)
        return np.stack([np.sign(np.real(d)).astype(d.dtype), np.log(d * np.sign(np.real(d)))])
    sign, value = np.linalg.slogdet(a)
    return np.stack([sign, value])


def solve_shape(a, b) -> tuple:
    square(a, "solve")
    n = np.shape(a)[-1]
    if np.ndim(b) == 1:
        if np.shape(b)[0] != n:
            raise ValueError(f"solve(A, b): A is {n}×{n} but b has {np.shape(b)[0]} elements")
        return np.shape(a)[:-1]
    if np.ndim(b) < 2 or np.shape(b)[-2] != n:
        raise ValueError(f"solve(A, B): A is {n}×{n} but B has shape {np.shape(b)} (it needs {n} rows)")
    return np.broadcast_shapes(np.shape(a)[:-2], np.shape(b)[:-2]) + np.shape(b)[-2:]


def solve(a, b):
    shape = solve_shape(a, b)
    return _nan_on_singular(lambda: np.linalg.solve(a, b), shape)


def solve_vjp_a(g, y, a, b):
    gb = P.solve(mT(a), g)
    if np.ndim(b) == 1:
        return -(P.expand_dims(gb, axis=-1) * P.expand_dims(y, axis=-2))
    return -P.matmul(gb, mT(y))


def solve_jvp_a(t, y, a, b):
    if np.ndim(b) == 1:
        return -P.solve(a, P.sum(t * P.expand_dims(y, axis=-2), axis=-1))
    return -P.solve(a, P.matmul(t, y))


def symmetric(a):
    return (a + np.swapaxes(a, -1, -2)) / 2


def cholesky(a):
    """The lower Cholesky factor of (A + Aᵀ)/2 (the input is symmetrised, as JAX does); NaN if not PD."""
    square(a, "cholesky")
    return _nan_on_singular(lambda: np.linalg.cholesky(symmetric(a)), np.shape(a))


def _phi(x):
    """The lower triangle with the diagonal halved."""
    n = np.shape(x)[-1]
    return P.tril(x) * (1.0 - 0.5 * np.eye(n))


def cholesky_vjp(g, y, a):
    """Murray (2016): Ā_s = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹, then symmetrised (the forward symmetrises its input)."""
    z = P.solve(mT(y), _phi(P.matmul(mT(y), g)))
    s = mT(P.solve(mT(y), mT(z)))
    return 0.5 * (s + mT(s))


def cholesky_jvp(t, y, a):
    ts = 0.5 * (t + mT(t))
    return P.matmul(y, _phi(P.solve(y, mT(P.solve(y, mT(ts))))))


def det_factor(y, a):
    """∂det/∂A = det(A)·A⁻ᵀ."""
    return P.expand_dims(P.expand_dims(y, axis=-1), axis=-1) * mT(P.inv(a))


def inner2(t, m):
    """Σ over the last two axes of t·m: a batched ⟨t, m⟩."""
    return P.sum(t * m, axis=(-2, -1))


# ---------------------------------------------------------------- SymPy, one matrix at a time
def per_matrix(sp, f, a, *rest):
    """f(SymPy matrix, *rest at the same batch index) over a batch of object matrices, stacked."""
    a = np.asarray(a, dtype=object)
    batch = a.shape[:-2]
    outs = []
    for idx in np.ndindex(*batch):
        outs.append(f(sp.Matrix(a[idx].tolist()), *[np.asarray(r, dtype=object)[idx] if np.ndim(r) > 1 else r
                                                    for r in rest]))
    inner = np.shape(outs[0]) if isinstance(outs[0], np.ndarray) else ()
    out = np.empty(batch + inner, dtype=object)
    for idx, o in zip(np.ndindex(*batch), outs):
        if inner:
            out[idx] = o
        else:
            out[idx + ()] = o
    return out


def matrix_array(m) -> np.ndarray:
    out = np.empty(m.shape, dtype=object)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            out[i, j] = m[i, j]
    return out


def sym_inv(sp, a):
    return per_matrix(sp, lambda m: matrix_array(m.adjugate() / m.det()), a)


def sym_det(sp, a):
    return per_matrix(sp, lambda m: m.det(), a)


def sym_logdet(sp, a):
    return per_matrix(sp, lambda m: sp.log(m.det()), a)


def sym_slogdet(sp, a):
    d = per_matrix(sp, lambda m: m.det(), a)
    f = np.frompyfunc(lambda v: sp.sign(v), 1, 1)
    g = np.frompyfunc(lambda v: sp.log(sp.Abs(v)), 1, 1)
    return np.stack([np.asarray(f(d), dtype=object), np.asarray(g(d), dtype=object)])


def sym_solve(sp, a, b):
    b = np.asarray(b, dtype=object)
    if b.ndim == 1:
        return per_matrix(sp, lambda m, v: np.asarray(list(m.LUsolve(sp.Matrix(list(v)))), dtype=object), a, b)
    return per_matrix(sp, lambda m, v: matrix_array(m.LUsolve(sp.Matrix(v.tolist()))), a, b)


def sym_cholesky(sp, a):
    return per_matrix(sp, lambda m: matrix_array(((m + m.T) / 2).cholesky(hermitian=False)), a)


def cross(a, b):
    if np.shape(a)[-1:] != (3,) or np.shape(b)[-1:] != (3,):
        raise ValueError(f"cross takes vectors of 3 elements (along the last axis), got shapes "
                         f"{np.shape(a)} and {np.shape(b)}")
    return np.cross(a, b)


# ---------------------------------------------------------------- batched matmul
def matmul(a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        raise ValueError(f"@ needs vectors or matrices, got shapes {np.shape(a)} and {np.shape(b)}; "
                         "use * for scalars")
    inner_a, inner_b = np.shape(a)[-1], np.shape(b)[0 if np.ndim(b) == 1 else -2]
    if inner_a != inner_b:
        raise ValueError(f"the inner dimensions differ ({inner_a} and {inner_b})")
    return np.matmul(_dense(a), _dense(b))


matmul.__wrapped__ = np.matmul          # the ufunc it computes (numpy's matmul on a tensor finds the op by it)


def _dense(x):
    """A broadcast view (a gradient seed of ones) or a transposed batch made C-contiguous: numpy's batched
    matmul hands only those to BLAS (its own loop is several times slower); a copy costs far less."""
    if isinstance(x, np.ndarray) and x.ndim >= 2 and x.dtype != object and not x.flags.c_contiguous and (
            x.ndim >= 3 or 0 in x.strides):
        return np.ascontiguousarray(x)
    return x


def matmul_vjp_a(g, a, b):
    if np.ndim(a) == 1 and np.ndim(b) == 1:
        return g * b
    if np.ndim(a) == 1:
        return P.sum(b * P.expand_dims(g, axis=-2), axis=-1)
    if np.ndim(b) == 1:
        return P.expand_dims(g, axis=-1) * b
    return P.matmul(g, mT(b))


def matmul_vjp_b(g, a, b):
    if np.ndim(a) == 1 and np.ndim(b) == 1:
        return g * a
    if np.ndim(a) == 1:
        return P.expand_dims(a, axis=-1) * P.expand_dims(g, axis=-2)
    if np.ndim(b) == 1:
        return P.sum(a * P.expand_dims(g, axis=-1), axis=-2)
    return P.matmul(mT(a), g)


def matmul_size(shapes, params) -> int:
    if len(shapes) != 2 or not all(shapes):
        return 0
    a, b = shapes
    try:
        batch = np.broadcast_shapes(a[:-2], b[:-2])
    except ValueError:
        return 0
    return math.prod(batch) * math.prod(a[-2:-1]) * math.prod(b[-1:] if len(b) >= 2 else ())


# ---------------------------------------------------------------- diagonals
def diagonal_length(shape: tuple, offset: int, axis1: int, axis2: int) -> int:
    n1, n2 = shape[axis1], shape[axis2]
    return max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))


def embed_diagonal(d, shape: tuple, offset: int, axis1: int, axis2: int):
    """Zeros of `shape` with d (shape without axis1, axis2, plus the diagonal last) on that diagonal."""
    n1, n2 = shape[axis1], shape[axis2]
    m = np.shape(d)[-1]
    rows = np.zeros((n1, m))
    cols = np.zeros((n2, m))
    idx = np.arange(m)
    rows[idx + max(-offset, 0), idx] = 1.0
    cols[idx + max(offset, 0), idx] = 1.0
    full = P.einsum(d, rows, cols, subscripts="...d,id,jd->...ij")
    a1, a2 = axis1 % len(shape), axis2 % len(shape)
    return P.moveaxis(full, source=(-2, -1), destination=(a1, a2))


def trace(a, offset=0, axis1=0, axis2=1):
    if np.ndim(a) < 2:
        raise ValueError(f"trace takes a matrix (or a stack of them), got shape {np.shape(a)}")
    return np.trace(a, offset=offset, axis1=axis1, axis2=axis2)


def trace_vjp(g, y, a, offset=0, axis1=0, axis2=1):
    m = diagonal_length(np.shape(a), offset, axis1, axis2)
    d = P.broadcast_to(P.expand_dims(g, axis=-1), shape=np.shape(y) + (m,))
    return embed_diagonal(d, np.shape(a), offset, axis1, axis2)
