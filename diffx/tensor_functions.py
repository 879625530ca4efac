"""The functions that make and combine tensors: `diffx.tensor`, `diffx.ones`, `diffx.sin`, `diffx.sum`, ...

The constructors are PyTorch's. Every other function is generated from the
expression language's function table (itself built from the op table), so
`diffx.<name>` exists for every name the language has, and a new op reaches
tensors by its entry alone.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import tensor_numpy  # noqa: F401 - numpy's functions on tensors (it registers itself)
from .tensor import Tensor
from .tensor_ops import FUNCTIONS_ON_TENSORS, linalg  # noqa: F401 - diffx.linalg.det, ...


def tensor(data: Any, requires_grad: bool = False) -> Tensor:
    return Tensor(data, requires_grad=requires_grad)


def arange(*args, requires_grad: bool = False) -> Tensor:
    return Tensor(np.arange(*args), requires_grad=requires_grad)


def _shape(shape, size) -> tuple:
    if size is not None:
        return tuple(size) if isinstance(size, (tuple, list)) else (int(size),)
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)


def ones(*shape, size=None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones(_shape(shape, size)), requires_grad=requires_grad)


def zeros(*shape, size=None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros(_shape(shape, size)), requires_grad=requires_grad)


def randn(*shape, size=None, seed: int | None = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.random.default_rng(seed).standard_normal(_shape(shape, size)), requires_grad=requires_grad)


def linspace(start: float, stop: float, steps: int, requires_grad: bool = False) -> Tensor:
    return Tensor(np.linspace(start, stop, int(steps)), requires_grad=requires_grad)


def reshape(t: Tensor, *shape) -> Tensor:
    return t.reshape(*shape)


def show(t: Tensor) -> None:
    """Print the recorded graph with values and adjoints: the rows `diffx graph` shows, as plain text."""
    print(t.graph().text())


CONSTRUCTORS = ["tensor", "arange", "ones", "zeros", "randn", "linspace", "reshape", "show"]
OP_FUNCTIONS = sorted(name for name in FUNCTIONS_ON_TENSORS if name not in CONSTRUCTORS)   # sum, sin, max, ...
globals().update({name: FUNCTIONS_ON_TENSORS[name] for name in OP_FUNCTIONS})
# diffx.trace is the evaluation trace (diffx.api); the matrix trace of a tensor is t.trace() or this module's trace
__all__ = CONSTRUCTORS + [name for name in OP_FUNCTIONS if name != "trace"] + ["linalg"]
