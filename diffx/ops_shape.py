"""The op table's shape operations: transpose (and permute), swapaxes, moveaxis, reshape, squeeze, expand_dims,
indexing, array literals and stack, concatenate, flip, roll, repeat, tile, diag, diagonal, tril, triu; and the
internal ops gradients are made of (broadcast_to, sum_to, scatter, prod_others).
"""
from __future__ import annotations

import numpy as np

from .dispatch import P
from .forwards import back, prod_others, reduce, scatter, shape_size, sum_to
from .forwards_linalg import embed_diagonal
from .forwards_shape import (concatenate, concatenate_jvp, concatenate_vjp, diag, diag_size, diag_vjp, diagonal,
                             expand_dims, index, index_size, repeat, repeat_size, repeat_vjp, sizes_sum, squeeze,
                             stack, tile, tile_size, tile_vjp)
from .optable import AXIS, SAME, Op, Param, add


def _like_x(g, y, x, **p):
    return P.reshape(g, shape=np.shape(x))


def _like_y(t, y, x, **p):
    return P.reshape(t, shape=np.shape(y))


def _inverse(perm):
    return None if perm is None else tuple(int(i) for i in np.argsort(perm))


add(Op("transpose", np.transpose, (lambda g, y, x: P.transpose(g),), (lambda t, y, x: P.transpose(t),),
       SAME, "shape", "T", text="{0}.T", symbol="ᵀ", vjp_reads=(), doc="reverse the axes (x.T)"))
add(Op("permute", lambda x, axes: np.transpose(x, axes),
       (lambda g, y, x, axes: P.permute(g, axes=_inverse(axes)),),
       (lambda t, y, x, axes: P.permute(t, axes=axes),),
       SAME, "shape", "permute", names=("permute", "transpose"), params=(Param("axes", "ints", required=True),),
       vjp_reads=(), doc="transpose(x, axes): the axes in a new order (Tensor.permute(*dims))"))
add(Op("swapaxes", np.swapaxes,
       (lambda g, y, x, axis1, axis2: P.swapaxes(g, axis1=axis1, axis2=axis2),),
       (lambda t, y, x, axis1, axis2: P.swapaxes(t, axis1=axis1, axis2=axis2),), SAME, "shape", "swapaxes",
       params=(Param("axis1", "int", required=True, torch=("dim0",)),
               Param("axis2", "int", required=True, torch=("dim1",))), torch=("transpose",),
       vjp_reads=(), doc="swap two axes (Tensor.transpose(dim0, dim1); x.mT swaps the last two)"))
add(Op("moveaxis", lambda x, source, destination: np.moveaxis(x, source, destination),
       (lambda g, y, x, source, destination: P.moveaxis(g, source=destination, destination=source),),
       (lambda t, y, x, source, destination: P.moveaxis(t, source=source, destination=destination),),
       SAME, "shape", "moveaxis", torch=("movedim",),
       params=(Param("source", "axes", required=True), Param("destination", "axes", required=True)),
       vjp_reads=(), doc="move axes to new places"))
add(Op("reshape", lambda x, shape: np.reshape(x, shape),
       (lambda g, y, x, shape: P.reshape(g, shape=np.shape(x)),),
       (lambda t, y, x, shape: P.reshape(t, shape=shape),), SAME, "shape", "reshape", trailing="shape",
       vjp_reads=(), doc="reshape(x, 2, 3)"))
add(Op("squeeze", squeeze, (_like_x,), (_like_y,), SAME, "shape", "squeeze", params=(AXIS,),
       vjp_reads=(), doc="drop axes of length 1"))
add(Op("expand_dims", expand_dims, (_like_x,), (_like_y,), SAME, "shape", "expand_dims", torch=("unsqueeze",),
       params=(Param("axis", "axes", required=True, torch=("dim",)),), vjp_reads=(), doc="insert axes of length 1"))
add(Op("index", index, (lambda g, y, x, key: P.scatter(g, shape=np.shape(x), key=key),),
       (lambda t, y, x, key: P.index(t, key=key),), SAME, "shape", "[]", text="{0}[{key}]", symbol="[ ]",
       what="indexing", names=(), out_size=index_size,
       vjp_reads=(), doc="x[i], x[i:j], A[i, j], x[[0, 2]], x[None, :], x[..., 0]"))
add(Op("stack", stack, (lambda g, y, *xs, argnum, axis=0: P.index(g, key=_at(np.ndim(y), axis, argnum)),),
       (lambda t, y, *xs, argnum, axis=0: P.scatter(t, shape=np.shape(y), key=_at(np.ndim(y), axis, argnum)),),
       lambda sp, *xs, axis=0: np.stack(xs, axis=axis), "shape", "stack", variadic=True, listed=True,
       text="[{*}]", symbol="[…]", what="stack", names=("stack",), out_size=sizes_sum,
       params=(Param("axis", "int", 0, torch=("dim",)),),
       vjp_reads=(),
       doc="stack([a, b], axis=0) and the array literal [a, b, ...]: arrays of one shape along a new axis"))


def _at(ndim, axis, k):
    return (slice(None),) * (axis % ndim) + (k,)


add(Op("concatenate", concatenate, (concatenate_vjp,), (concatenate_jvp,),
       lambda sp, *xs, axis=0: np.concatenate(xs, axis=axis), "shape", "concatenate", variadic=True, listed=True,
       names=("concatenate", "concat"), torch=("cat",), out_size=sizes_sum,
       params=(Param("axis", "axes", 0, torch=("dim",)),),
       vjp_reads=(), doc="concatenate([a, b], axis=0): join along an axis"))
add(Op("flip", lambda x, axis=None: np.flip(x, axis), (lambda g, y, x, axis=None: P.flip(g, axis=axis),),
       (lambda t, y, x, axis=None: P.flip(t, axis=axis),), SAME, "shape", "flip",
       params=(Param("axis", "axes", None, torch=("dims",)),),
       vjp_reads=(), doc="reverse the order along axes (all by default)"))
add(Op("roll", lambda x, shift, axis=None: np.roll(x, shift, axis),
       (lambda g, y, x, shift, axis=None: P.roll(g, shift=tuple(-s for s in shift), axis=axis),),
       (lambda t, y, x, shift, axis=None: P.roll(t, shift=shift, axis=axis),), SAME, "shape", "roll",
       params=(Param("shift", "ints", required=True, torch=("shifts",)), Param("axis", "axes", None,
                                                                               torch=("dims",))),
       vjp_reads=(), doc="shift elements cyclically along axes (of the flattened array if none)"))
add(Op("repeat", repeat, (repeat_vjp,),
       (lambda t, y, x, repeats, axis=None: P.repeat(t, repeats=repeats, axis=axis),),
       SAME, "shape", "repeat", out_size=repeat_size, torch=("repeat_interleave",),
       params=(Param("repeats", "int", required=True), Param("axis", "int", None, torch=("dim",))),
       vjp_reads=(), doc="repeat each element (numpy repeat; Tensor.repeat_interleave)"))
add(Op("tile", tile, (tile_vjp,), (lambda t, y, x, reps: P.tile(t, reps=reps),), SAME, "shape", "tile",
       out_size=tile_size, params=(Param("reps", "ints", required=True),), torch=("repeat",),
       vjp_reads=(), doc="repeat the whole array (numpy tile; Tensor.repeat, as PyTorch)"))
add(Op("diag", diag, (diag_vjp,), (lambda t, y, x, k=0: P.diag(t, k=k),), SAME, "shape", "diag",
       out_size=diag_size, params=(Param("k", "int", 0, torch=("diagonal",)),),
       vjp_reads=(), doc="diag(v): the matrix with v on its diagonal; diag(A): A's diagonal (k= above it)"))
add(Op("diagonal", diagonal,
       (lambda g, y, x, offset=0, axis1=0, axis2=1: embed_diagonal(g, np.shape(x), offset, axis1, axis2),),
       (lambda t, y, x, **p: P.diagonal(t, **p),), SAME, "shape", "diagonal",
       params=(Param("offset", "int", 0), Param("axis1", "int", 0, torch=("dim1",)),
               Param("axis2", "int", 1, torch=("dim2",))),
       vjp_reads=(), doc="the diagonal of A (offset= above it, axis1=, axis2= for a stack), last in the result"))
for _name, _f in (("tril", np.tril), ("triu", np.triu)):
    add(Op(_name, lambda x, k=0, _f=_f: _f(x, k), (lambda g, y, x, k=0, _n=_name: getattr(P, _n)(g, k=k),),
           (lambda t, y, x, k=0, _n=_name: getattr(P, _n)(t, k=k),), SAME, "shape", _name,
           params=(Param("k", "int", 0, torch=("diagonal",)),),
           vjp_reads=(), doc=f"the {'lower' if _name == 'tril' else 'upper'} triangle (k= shifts the diagonal)"))

# internal: appear in gradient graphs, never typed by a user
add(Op("broadcast_to", lambda x, shape: np.broadcast_to(x, shape),
       (lambda g, y, x, shape: P.sum_to(g, shape=np.shape(x)),),
       (lambda t, y, x, shape: P.broadcast_to(t, shape=shape),), SAME, "internal", "broadcast_to",
       out_size=shape_size, vjp_reads=(), doc="broadcast to a shape"))
add(Op("sum_to", sum_to, (lambda g, y, x, shape: P.broadcast_to(g, shape=np.shape(x)),),
       (lambda t, y, x, shape: P.sum_to(t, shape=shape),), None, "internal", "sum_to",
       vjp_reads=(), doc="sum a broadcast array down to a shape"))
add(Op("scatter", scatter, (lambda g, y, x, shape, key: P.index(g, key=key),),
       (lambda t, y, x, shape, key: P.scatter(t, shape=shape, key=key),), None, "internal", "scatter",
       out_size=shape_size, vjp_reads=(), doc="zeros of a shape with x placed (added, for a repeated index) at key"))
add(Op("prod_others", reduce(prod_others),
       (lambda g, y, x, axis=None: (back(P.sum(g * y, axis=axis), np.shape(x), axis) - g * y) / x,),
       (lambda t, y, x, axis=None: y * (back(P.sum(t / x, axis=axis), np.shape(x), axis) - t / x),),
       None, "internal", "prod_others", domain=(0.5, 2.0),
       vjp_reads=("y", 0), doc="product of the other elements (prod's gradient); rules valid where x has no zeros"))
