"""The shape of an op's output from the shapes of its inputs, without computing anything.

Symbolic matrix expressions (`diffx.mexpr`) know only shapes: these rules
follow numpy's for the kinds of the op table; an op they do not know is run
once on small stand-in arrays of the right shapes.
"""
from __future__ import annotations

import math

import numpy as np

from .ops import OPS


def _dot(a: tuple, b: tuple) -> tuple:
    if not a or not b:
        return np.broadcast_shapes(a, b)
    if len(b) == 1:
        return a[:-1]
    return a[:-1] + b[-1:]


def _reduced(shape: tuple, axis) -> tuple:
    if axis is None:
        return ()
    axis = axis % len(shape)
    return shape[:axis] + shape[axis + 1:]


def _reshaped(size: int, shape) -> tuple:
    shape = tuple(int(s) for s in (shape if isinstance(shape, tuple) else (shape,)))
    if -1 in shape:
        known = math.prod(s for s in shape if s != -1)
        shape = tuple(size // known if s == -1 else s for s in shape)
    return shape


def infer(op: str, args, params: dict) -> tuple:
    """The output shape of `op` on inputs with these `.shape`s (numpy's rules)."""
    shapes = [tuple(a.shape) for a in args]
    if op in ("lin", "product"):
        return np.broadcast_shapes(*shapes)
    if op == "chain":
        out = shapes[0]
        for s in shapes[1:]:
            out = _dot(out, s)
        return out
    if op in ("sym", "const", "eye"):
        return ()
    if op == "num":
        return ()
    spec = OPS.get(op)
    if spec is None:
        raise KeyError(op)
    if op in ("broadcast_to", "scatter", "sum_to"):
        return tuple(params["shape"])
    if op == "reshape":
        return _reshaped(math.prod(shapes[0]), params["shape"])
    if op == "transpose":
        return shapes[0][::-1]
    if op in ("dot", "matmul"):
        return _dot(shapes[0], shapes[1])
    if op == "outer":
        return (math.prod(shapes[0]), math.prod(shapes[1]))
    if op == "trace":
        return ()
    if op == "index":
        return np.broadcast_to(np.empty(()), shapes[0])[params["key"]].shape
    if op == "stack":
        return (len(shapes),) + np.broadcast_shapes(*shapes)
    if spec.pointwise:
        return np.broadcast_shapes(*shapes)
    if spec.kind == "reduction":
        return shapes[0] if op == "softmax" or op == "prod_others" else _reduced(shapes[0], params.get("axis"))
    if op == "prod_others":
        return shapes[0]
    stand_ins = [0.25 + 0.5 * np.eye(*s) if len(s) == 2 else np.full(s, 0.5) for s in shapes]
    with np.errstate(all="ignore"):
        return tuple(np.shape(spec.forward(*stand_ins, **params)))
