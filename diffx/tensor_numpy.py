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

import inspect
from typing import Any

from .errors import InputError
from .names import FUNCTIONS
from .ops import OPS
from .optable import UNSET
from .tensor import METHODS, Tensor, apply
from .tensor_ops import WRITTEN, by_name

# numpy's own spellings of the language's functions (np.amax is max), and the keywords of numpy's that no op takes
_SPELLINGS = {"amax": "max", "amin": "min"}
_NUMPY_ONLY = frozenset({"out", "dtype", "initial", "where", "mean", "casting", "order", "subok"})


def ufunc(fn, method: str, inputs: tuple, kwargs: dict):
    """A numpy ufunc called on tensors (`Tensor.__array_ufunc__`): the op whose forward it is."""
    name = getattr(fn, "__name__", repr(fn))
    if method != "__call__":
        raise InputError(f"numpy's {name}.{method} on a tensor is not one of diffx's ops: write it with "
                         f"diffx's functions (sum, max, cumsum, ...)")
    if "out" in kwargs:
        raise InputError(f"numpy's {name} writing into an array (out=, or an in-place operator such as += on a "
                         "numpy array) cannot record: write a = a + t instead")
    if kwargs:
        raise InputError(f"numpy's {name} with {', '.join(f'{k}=' for k in kwargs)} on a tensor: diffx's op "
                         "takes no such argument")
    op = next((o.name for o in OPS.values() if _is(o.forward, fn) and o.arity == len(inputs)
               and not any(p.required for p in o.params)), None)
    if op is None:
        raise InputError(f"numpy's {name} on a tensor is not one of diffx's ops: write it with the functions "
                         "diffx has (diffx.OPS lists them), or outside the differentiated code")
    return apply(op, *inputs)


def function(func, args: tuple, kwargs: dict):
    """A numpy function called on tensors (`Tensor.__array_function__`): the language's function of its name
    (the language follows numpy, not PyTorch), its arguments bound by numpy's own signature, so that
    `np.max(t, 0)` is a max along axis 0 and never the elementwise max of t and 0."""
    name = numpy_name(func)
    if name in QUERIES:
        return func(*(_data(a) for a in args), **{k: _data(v) for k, v in kwargs.items()})
    name = _SPELLINGS.get(name, name)
    fn = FUNCTIONS.get(name)
    if fn is None:
        raise InputError(f"numpy's {name} on a tensor is not one of diffx's functions: write it with the "
                         "functions diffx has (diffx.OPS lists them), or outside the differentiated code")
    try:
        signature = inspect.signature(func)
        bound = signature.bind(*args, **kwargs)
    except (TypeError, ValueError) as exc:
        raise InputError(f"numpy's {name}: {exc}") from None
    ops = [OPS[o] for o in fn.ops.values()]
    keywords = {n for op in ops for n in (*op.inputs, *(k for p in op.params for k in (p.name, *p.torch)))}
    inputs, given = [], {}
    for key, value in bound.arguments.items():
        kind = signature.parameters[key].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            inputs.extend(value)
        elif kind is inspect.Parameter.VAR_KEYWORD:
            for k, v in value.items():
                given[k] = v
        elif key in keywords:
            given[key] = value
        elif key in _NUMPY_ONLY:
            if value is not None:
                raise InputError(f"numpy's {name} with {key}= on a tensor: diffx's {name} takes no such argument")
        else:
            inputs.append(value)
    op = _chosen(name, ops, len(inputs), given)
    if op is None and name in WRITTEN and inputs and isinstance(inputs[0], Tensor):
        return getattr(inputs[0], name)(*inputs[1:], **given)        # np.reshape(t, (4,)) is t.reshape((4,))
    if op is None:
        raise InputError(f"numpy's {name} with {len(inputs)} array(s){' and ' if given else ''}"
                         f"{', '.join(f'{k}=' for k in given)} is not a form diffx's {name} takes")
    return by_name(None, op.name, name)(*inputs, **{**_numpy_defaults([op], given), **given})


def _chosen(name: str, ops: list, n: int, given: dict):
    """The op of the language's function `name` for n tensor inputs and these keywords (numpy's constants came
    by name, so the inputs alone count): the one whose params take every keyword, fewest required ones first;
    None when none does."""
    def takes(op) -> bool:
        names = {k for p in op.params for k in (p.name, *p.torch, p.torch_flag) if k} | set(op.inputs)
        return (op.variadic or op.listed or op.arity == n) and set(given) <= names and \
            all(p.name in given for p in op.params if p.required)
    fits = sorted((op for op in ops if takes(op)), key=lambda op: sum(p.required for p in op.params))
    return fits[0] if fits else None


def _numpy_defaults(ops, given: dict) -> dict:
    """numpy's defaults where a tensor's are PyTorch's (np.std(t) is the biased std, t.std() the unbiased)."""
    params = [p for op in ops for p in op.params if p.torch_default is not UNSET]
    return {p.name: p.default for p in params if not ({p.name, p.torch_flag, *p.torch} & set(given))}


# numpy functions that only look at a tensor (its shape, a constant like it): answered from its data, unrecorded
QUERIES = frozenset({"shape", "ndim", "size", "zeros_like", "ones_like", "full_like", "empty_like", "result_type",
                     "iscomplexobj", "isrealobj", "may_share_memory", "shares_memory"})
def _data(v):
    return v.numpy() if isinstance(v, Tensor) else v


def numpy_name(func: Any) -> str:
    """`np.sum` -> 'sum', `np.linalg.det` -> 'linalg.det'."""
    module = getattr(func, "__module__", "") or ""
    name = getattr(func, "__name__", repr(func))
    return f"linalg.{name}" if module.endswith("linalg") else name


def _is(forward, fn) -> bool:
    """The entry's forward is the ufunc, or wraps it (a comparison's forward gives floats)."""
    return forward is fn or getattr(forward, "__wrapped__", None) is fn


METHODS.ufunc, METHODS.function = ufunc, function      # what Tensor's numpy entry points call
