"""The numpy forwards and rule helpers of the shape operations: concatenate, stack, repeat, tile, diag, the
index op's keys (integer lists, None, ...), and the sizes of what they make.

Their rules move or sum values without arithmetic, so they are their own
tests of bookkeeping: each reverse rule is the transpose of its forward rule.
"""
from __future__ import annotations

import math

import numpy as np

from .dispatch import P
from .forwards_linalg import diagonal_length, embed_diagonal


def along(ndim: int, axis: int, key) -> tuple:
    """An index that applies `key` to one axis: (:, :, key)."""
    return (slice(None),) * (axis % ndim) + (key,)


# ---------------------------------------------------------------- concatenate and stack
def concatenate(*xs, axis=0):
    if any(np.ndim(x) == 0 for x in xs) and axis is not None:
        raise ValueError("concatenate takes arrays of at least one dimension (use stack for scalars)")
    return np.concatenate(xs, axis=axis)


def _piece(xs, argnum: int, axis):
    sizes = [int(np.size(x)) if axis is None else np.shape(x)[axis] for x in xs]
    start = sum(sizes[:argnum])
    return slice(start, start + sizes[argnum])


def concatenate_vjp(g, y, *xs, argnum, axis=0):
    piece = _piece(xs, argnum, axis)
    if axis is None:
        return P.reshape(P.index(g, key=(piece,)), shape=np.shape(xs[argnum]))
    return P.index(g, key=along(np.ndim(y), axis, piece))


def concatenate_jvp(t, y, *xs, argnum, axis=0):
    piece = _piece(xs, argnum, axis)
    if axis is None:
        return P.scatter(P.reshape(t, shape=(-1,)), shape=np.shape(y), key=(piece,))
    return P.scatter(t, shape=np.shape(y), key=along(np.ndim(y), axis, piece))


def stack(*xs, axis=0):
    return np.stack(xs, axis=axis)


def sizes_sum(shapes, params) -> int:
    return sum(math.prod(s) for s in shapes)


# ---------------------------------------------------------------- repeat and tile
def repeat(x, repeats, axis=None):
    if repeats < 0:
        raise ValueError(f"repeats must be at least 0, got {repeats}")
    return np.repeat(x, repeats, axis=axis)


def repeat_vjp(g, y, x, repeats, axis=None):
    shape = np.shape(x)
    if axis is None:
        return P.reshape(P.sum(P.reshape(g, shape=(int(np.size(x)), repeats)), axis=1), shape=shape)
    a = axis % len(shape)
    split = shape[:a] + (shape[a], repeats) + shape[a + 1:]
    return P.sum(P.reshape(g, shape=split), axis=a + 1)


def repeat_size(shapes, params) -> int:
    return math.prod(shapes[0]) * max(params["repeats"], 0)


def _tiling(shape: tuple, reps: tuple) -> tuple[tuple, tuple]:
    d = max(len(shape), len(reps))
    return (1,) * (d - len(shape)) + tuple(shape), (1,) * (d - len(reps)) + tuple(reps)


def tile(x, reps):
    if any(r < 0 for r in reps):
        raise ValueError(f"reps must be at least 0, got {reps}")
    return np.tile(x, reps)


def tile_vjp(g, y, x, reps):
    shape, reps = _tiling(np.shape(x), reps)
    split = tuple(n for pair in zip(reps, shape) for n in pair)
    summed = P.sum(P.reshape(g, shape=split), axis=tuple(range(0, 2 * len(shape), 2)))
    return P.reshape(summed, shape=np.shape(x))


def tile_size(shapes, params) -> int:
    shape, reps = _tiling(shapes[0], params["reps"])
    return math.prod(shape) * math.prod(reps)


# ---------------------------------------------------------------- squeeze and expand_dims
def squeeze(x, axis=None):
    if axis is not None:
        for a in axis if isinstance(axis, tuple) else (axis,):
            if not -np.ndim(x) <= a < np.ndim(x) or np.shape(x)[a] != 1:
                raise ValueError(f"axis {a} of an array of shape {np.shape(x)} is not of length 1")
    return np.squeeze(x, axis=axis)


def expand_dims(x, axis):
    return np.expand_dims(x, axis)


# ---------------------------------------------------------------- diagonals
def diag(x, k=0):
    if np.ndim(x) not in (1, 2):
        raise ValueError(f"diag takes a vector (to make a matrix) or a matrix (to take its diagonal), got shape "
                         f"{np.shape(x)}")
    return np.diag(x, k)


def diag_vjp(g, y, x, k=0):
    return P.diag(g, k=k) if np.ndim(x) == 1 else embed_diagonal(g, np.shape(x), k, 0, 1)


def diag_size(shapes, params) -> int:
    shape, k = shapes[0], abs(params.get("k", 0))
    return (shape[0] + k) ** 2 if len(shape) == 1 else diagonal_length(shape, params.get("k", 0), 0, 1)


def diagonal(x, offset=0, axis1=0, axis2=1):
    if np.ndim(x) < 2:
        raise ValueError(f"diagonal takes a matrix (or a stack of them), got shape {np.shape(x)}")
    return np.diagonal(x, offset, axis1, axis2)


# ---------------------------------------------------------------- the index op's keys
def index(x, key):
    return x[key]


def index_size(shapes, params) -> int:
    """The elements x[key] makes, without making them: basic keys never grow, integer lists can."""
    shape, key = shapes[0], params["key"]
    arrays = [np.shape(k) for k in key if isinstance(k, np.ndarray)]
    used = sum(1 for k in key if k is not None and k is not Ellipsis)
    rest = max(len(shape) - used, 0)
    size, dim = 1, 0
    for k in key:
        if k is None or isinstance(k, np.ndarray):
            dim += 0 if k is None else 1
            continue
        if k is Ellipsis:
            size *= math.prod(shape[dim:dim + rest])
            dim += rest
            continue
        if isinstance(k, slice) and dim < len(shape):
            size *= len(range(*k.indices(shape[dim])))
        dim += 1
    size *= math.prod(shape[dim:]) if dim < len(shape) else 1
    if arrays:
        try:
            size *= math.prod(np.broadcast_shapes(*arrays))
        except ValueError:
            return 0
    return size
