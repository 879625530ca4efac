"""numpy's functions on tensors: `np.tanh(W @ x)`, `np.sum(t, axis=0)`, `np.maximum(t, 0)` record as diffx's ops.

Why: a loss a user already wrote in numpy (the backward they want to check
sits beside it) should run as it is under `diffx check --python` and
`diffx.grad(f, ...)`. numpy hands a call that meets a tensor to the tensor
(`__array_ufunc__`, `__array_function__`); here it becomes the op whose entry
has that ufunc as its forward (the table's own fact), or the language's
function of the same name (`np.sum` is `sum`, `np.linalg.det` is `linalg.det`),
with numpy's keywords (`axis=`, `keepdims=`) as the op's params. A numpy
function diffx has no op for is refused by name, never run on the bare arrays
(which would silently cut the gradient).
"""
from __future__ import annotations

from typing import Any

from .errors import InputError
from .ops import OPS
from .tensor import METHODS, Tensor, apply
from .tensor_ops import FUNCTIONS_ON_TENSORS, linalg

# numpy's names that the language spells otherwise
_ALIASES = {"absolute": "abs", "true_divide": "div", "divide": "div", "multiply": "mul", "add": "add",
            "subtract": "sub", "negative": "neg", "power": "pow", "amax": "max", "amin": "min", "transpose": "transpose"}


def ufunc(fn, method: str, inputs: tuple, kwargs: dict):
    """A numpy ufunc called on tensors (`Tensor.__array_ufunc__`)."""
    name = getattr(fn, "__name__", repr(fn))
    if method != "__call__":
        raise InputError(f"numpy's {name}.{method} on a tensor is not one of diffx's ops: write it with "
                         f"diffx's functions (sum, max, cumsum, ...)")
    if kwargs:
        raise InputError(f"numpy's {name} with {', '.join(f'{k}=' for k in kwargs)} on a tensor: diffx's op "
                         "takes no such argument")
    op = next((o.name for o in OPS.values() if _is(o.forward, fn) and o.arity == len(inputs)
               and not any(p.required for p in o.params)), None)
    if op is not None:
        return apply(op, *inputs)
    return function(name, inputs, {})


# numpy functions that only look at a tensor (its shape, a constant like it): answered from its data, unrecorded
QUERIES = frozenset({"shape", "ndim", "size", "zeros_like", "ones_like", "full_like", "empty_like", "result_type",
                     "iscomplexobj", "isrealobj", "may_share_memory", "shares_memory"})


def array_function(func, args: tuple, kwargs: dict):
    name = numpy_name(func)
    if name in QUERIES:
        return func(*(_data(a) for a in args), **{k: _data(v) for k, v in kwargs.items()})
    return function(name, args, kwargs)


def _data(v):
    return v.numpy() if isinstance(v, Tensor) else v


def function(name: str, args: tuple, kwargs: dict):
    """A numpy function called on tensors (`Tensor.__array_function__`), by the language's name for it."""
    f = getattr(linalg, name.split(".", 1)[1], None) if name.startswith("linalg.") else None
    f = f or FUNCTIONS_ON_TENSORS.get(name) or FUNCTIONS_ON_TENSORS.get(_ALIASES.get(name, ""))
    if f is None:
        raise InputError(f"numpy's {name} on a tensor is not one of diffx's functions: write it with the "
                         "functions diffx has (diffx.OPS lists them), or outside the differentiated code")
    return f(*args, **{**_numpy_defaults(f.__name__, kwargs), **kwargs})


def _numpy_defaults(name: str, kwargs: dict) -> dict:
    """numpy's defaults where a tensor's are PyTorch's (np.std(t) is the biased std, t.std() the unbiased)."""
    from .names import FUNCTIONS
    from .optable import UNSET
    fn = FUNCTIONS.get(name)
    params = [p for o in (fn.ops.values() if fn else ()) for p in OPS[o].params if p.torch_default is not UNSET]
    return {p.name: p.default for p in params
            if not ({p.name, p.torch_flag, *p.torch} & set(kwargs))}


def numpy_name(func: Any) -> str:
    """`np.sum` -> 'sum', `np.linalg.det` -> 'linalg.det'."""
    module = getattr(func, "__module__", "") or ""
    name = getattr(func, "__name__", repr(func))
    return f"linalg.{name}" if module.endswith("linalg") else name


def _is(forward, fn) -> bool:
    try:
        return forward is fn
    except TypeError:
        return False


METHODS.ufunc, METHODS.function = ufunc, array_function      # what Tensor's numpy entry points call
