"""The op table's linear algebra: dot, @ (batched), outer, trace, inv, det, logdet, slogdet, solve, cholesky,
einsum, tensordot, kron, cross.

Reverse rules are the standard ones (∂det = det·A⁻ᵀ, ∂logdet = A⁻ᵀ,
∂inv = −A⁻ᵀ Ḡ A⁻ᵀ, solve by one more solve, Cholesky as in Murray 2016),
written with `P` so that Hessians of them work by forward-over-reverse. The
numpy names under `linalg.` are accepted too (`linalg.det`).
"""
from __future__ import annotations

import numpy as np

from .dispatch import P
from .forwards import dot_size, dot_vjp_a, dot_vjp_b, outer, outer_size
from .forwards_einsum import (dot_subscripts, einsum, einsum_jvp, einsum_size, einsum_vjp, kron_subscripts,
                              tensordot_subscripts)
from .forwards_linalg import (_dense, cholesky, cholesky_jvp, cholesky_vjp, cross, det, det_factor, inner2, inv, logdet,
                              matmul, matmul_size, matmul_vjp_a, matmul_vjp_b, mT, slogdet, solve, solve_jvp_a,
                              solve_vjp_a, sym_cholesky, sym_det, sym_inv, sym_logdet, sym_slogdet, sym_solve, trace,
                              trace_vjp)
from .optable import SAME, Op, Param, add


def _dot_a(g, y, a, b):
    if np.ndim(a) <= 2 and np.ndim(b) <= 2 or not np.ndim(a) or not np.ndim(b):
        return dot_vjp_a(g, a, b)
    return einsum_vjp(g, [a, b], 0, dot_subscripts(np.shape(a), np.shape(b)))


def _dot_b(g, y, a, b):
    if np.ndim(a) <= 2 and np.ndim(b) <= 2 or not np.ndim(a) or not np.ndim(b):
        return dot_vjp_b(g, a, b)
    return einsum_vjp(g, [a, b], 1, dot_subscripts(np.shape(a), np.shape(b)))


add(Op("dot", np.dot, (_dot_a, _dot_b), (lambda t, y, a, b: P.dot(t, b), lambda t, y, a, b: P.dot(a, t)),
       SAME, "linalg", ".", infix=".", symbol="·", names=("dot",), out_size=dot_size,
       vjp_reads=(0, 1),
       doc="numpy dot: x.x is the inner product; for higher ranks a's last axis meets b's second-to-last"))
add(Op("matmul", matmul,
       (lambda g, y, a, b: matmul_vjp_a(g, a, b), lambda g, y, a, b: matmul_vjp_b(g, a, b)),
       (lambda t, y, a, b: P.matmul(t, b), lambda t, y, a, b: P.matmul(a, t)),
       SAME, "linalg", "@", infix="@", operator="matmul", names=("matmul",), out_size=matmul_size,
       vjp_reads=(0, 1), cotangent=_dense, doc="matrix product; leading axes are a batch, broadcast as numpy does"))
add(Op("outer", outer, (lambda g, y, a, b: P.matmul(g, b), lambda g, y, a, b: P.matmul(a, g)),
       (lambda t, y, a, b: P.outer(t, b), lambda t, y, a, b: P.outer(a, t)),
       SAME, "linalg", "outer", out_size=outer_size, vjp_reads=(0, 1), doc="outer product of two vectors"))
add(Op("trace", trace, (trace_vjp,),
       (lambda t, y, a, **p: P.trace(t, **p),), SAME, "linalg", "trace",
       params=(Param("offset", "int", 0), Param("axis1", "int", 0), Param("axis2", "int", 1)),
       vjp_reads=(), doc="sum of the diagonal (offset= above it, axis1=, axis2= for a stack of matrices)"))

add(Op("inv", inv, (lambda g, y, a: -P.matmul(mT(y), P.matmul(g, mT(y))),),
       (lambda t, y, a: -P.matmul(y, P.matmul(t, y)),), sym_inv, "linalg", "inv", names=("inv", "linalg.inv"),
       domain=(0.5, 2.0), vjp_reads=("y",), doc="matrix inverse (batched); NaN for a singular matrix"))
add(Op("det", det, (lambda g, y, a: P.expand_dims(P.expand_dims(g, axis=-1), axis=-1) * det_factor(y, a),),
       (lambda t, y, a: y * inner2(t, mT(P.inv(a))),), sym_det, "linalg", "det", names=("det", "linalg.det"),
       doc="determinant (batched); the rule det·A⁻ᵀ is NaN at a singular matrix"))
add(Op("logdet", logdet, (lambda g, y, a: P.expand_dims(P.expand_dims(g, axis=-1), axis=-1) * mT(P.inv(a)),),
       (lambda t, y, a: inner2(t, mT(P.inv(a))),), sym_logdet, "linalg", "logdet",
       doc="log det A (batched); -inf where det A = 0 and NaN where det A < 0"))
add(Op("slogdet", slogdet,
       (lambda g, y, a: P.expand_dims(P.expand_dims(P.index(g, key=(1,)), axis=-1), axis=-1) * mT(P.inv(a)),),
       (lambda t, y, a: P.scatter(inner2(t, mT(P.inv(a))), shape=np.shape(y), key=(1,)),),
       sym_slogdet, "linalg", "slogdet", names=("slogdet", "linalg.slogdet"),
       out_size=lambda shapes, params: 2 * int(np.prod(shapes[0][:-2])),
       doc="numpy's (sign, log|det|) stacked: slogdet(A)[1] is log|det A|, slogdet(A)[0] its sign (no gradient)"))
add(Op("solve", solve,
       (solve_vjp_a, lambda g, y, a, b: P.solve(mT(a), g)),
       (solve_jvp_a, lambda t, y, a, b: P.solve(a, t)), sym_solve, "linalg", "solve",
       names=("solve", "linalg.solve"),
       out_size=lambda shapes, params: int(np.prod(np.broadcast_shapes(shapes[0][:-2], shapes[1][:-2])
                                                   + shapes[1][-2:])) if len(shapes[1]) > 1 else
       int(np.prod(shapes[0][:-1])),
       doc="x with A x = b (b a vector or a matrix of columns; batched); NaN for a singular A"))
add(Op("cholesky", cholesky, (cholesky_vjp,), (cholesky_jvp,), sym_cholesky, "linalg", "cholesky",
       names=("cholesky", "linalg.cholesky"),
       doc="lower-triangular L with L Lᵀ = (A + Aᵀ)/2 (the input symmetrised, as JAX does); NaN if not "
           "positive definite"))

add(Op("einsum", einsum,
       (lambda g, y, *xs, argnum, subscripts: einsum_vjp(g, xs, argnum, subscripts),),
       (lambda t, y, *xs, argnum, subscripts: einsum_jvp(t, xs, argnum, subscripts),),
       SAME, "linalg", "einsum", variadic=True, leading=Param("subscripts", "text"), out_size=einsum_size,
       doc="einsum('ij,jk->ik', a, b): numpy's Einstein summation, '...' included"))


def _td(a, b, axes=2):
    return einsum(a, b, subscripts=tensordot_subscripts(np.shape(a), np.shape(b), axes))


def _td_rule(k, rule):
    return lambda g, y, a, b, axes=2: rule(g, [a, b], k, tensordot_subscripts(np.shape(a), np.shape(b), axes))


add(Op("tensordot", _td, (_td_rule(0, einsum_vjp), _td_rule(1, einsum_vjp)),
       (_td_rule(0, einsum_jvp), _td_rule(1, einsum_jvp)), SAME, "linalg", "tensordot",
       params=(Param("axes", "pairs", 2),),
       out_size=lambda shapes, params: einsum_size(shapes, {"subscripts": tensordot_subscripts(
           shapes[0], shapes[1], params.get("axes", 2))}),
       vjp_reads=(0, 1),
       doc="tensordot(a, b, axes=2): sum over a's last and b's first `axes` axes (or axes=[[...], [...]])"))


def _kron(a, b):
    spec, shape = kron_subscripts(np.shape(a), np.shape(b))
    return np.reshape(np.einsum(spec, a, b), shape)


def _kron_rule(k, rule):
    """kron's rules through its einsum: the cotangent unflattened to (a0, b0, a1, b1, ...), the tangent flattened."""
    def r(v, y, a, b):
        spec, shape = kron_subscripts(np.shape(a), np.shape(b))
        if rule is einsum_vjp:
            pairs = tuple(n for pair in zip(np.shape(a), np.shape(b)) for n in pair)
            return einsum_vjp(P.reshape(v, shape=pairs), [a, b], k, spec)
        return P.reshape(einsum_jvp(v, [a, b], k, spec), shape=shape)
    return r


add(Op("kron", _kron, (_kron_rule(0, einsum_vjp), _kron_rule(1, einsum_vjp)),
       (_kron_rule(0, einsum_jvp), _kron_rule(1, einsum_jvp)), SAME, "linalg", "kron",
       out_size=lambda shapes, params: int(np.prod(shapes[0])) * int(np.prod(shapes[1])),
       vjp_reads=(0, 1), doc="Kronecker product of two arrays of the same rank"))
add(Op("cross", cross, (lambda g, y, a, b: P.cross(b, g), lambda g, y, a, b: P.cross(g, a)),
       (lambda t, y, a, b: P.cross(t, b), lambda t, y, a, b: P.cross(a, t)), SAME, "linalg", "cross",
       vjp_reads=(0, 1), doc="cross product of 3-vectors along the last axis (broadcast)"))
