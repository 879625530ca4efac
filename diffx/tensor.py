"""A traced `Tensor` with PyTorch's autograd semantics, for running the lesson's cells.

Each operation on a tensor that requires a gradient is applied through the op
table and remembered (op, ordered inputs, params). `backward()` turns what was
remembered into the same `Graph` the parser builds, and runs the engine's
reverse sweep on it; `.grad` of the leaves accumulates, as in PyTorch.
Python control flow simply runs: the graph is the path actually taken.
"""
from __future__ import annotations

import threading
import warnings
import weakref
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import numpy as np

from . import engine
from .errors import DiffxError, InputError, NotScalarError
from .recording import Recording, recording  # noqa: F401 - Recording is part of this module's interface
from .dispatch import operator_methods
from .ops import OPS

_state = threading.local()


def grad_enabled() -> bool:
    return getattr(_state, "enabled", True)


@contextmanager
def no_grad() -> Iterator[None]:
    """Operations inside record nothing (PyTorch's torch.no_grad())."""
    before = grad_enabled()
    _state.enabled = False
    try:
        yield
    finally:
        _state.enabled = before


class GraphFreedError(DiffxError, RuntimeError):
    """backward() through a graph whose saved values a previous backward() released."""


class GradFn:
    """What made a tensor, shown as PyTorch shows it: <MulBackward>."""

    __slots__ = ("op", "inputs", "params", "freed", "__weakref__")

    def __init__(self, op: str, inputs: tuple, params: dict):
        self.op, self.inputs, self.params, self.freed = op, inputs, params, False

    def name(self) -> str:
        return "".join(part.capitalize() for part in self.op.split("_")) + "Backward"

    def __repr__(self) -> str:
        return f"<{self.name()}>"


# Listeners told of every bool() on a tensor: how `--python` reports branch decisions.
_decision_listeners: list[Callable[[bool], None]] = []


class _Methods:
    """Where the package leaves the function that attaches Tensor's function methods (it imports tensor_ops,
    which imports this module: the package, above both, hands it down instead); loading them also leaves
    numpy's entry points here (`tensor_numpy`)."""

    load = None
    ufunc = None
    function = None

    def numpy(self, kind: str):
        if getattr(self, kind) is None and self.load is not None:
            self.load()
        found = getattr(self, kind)
        if found is None:
            raise TypeError("numpy functions on tensors need the diffx package (import diffx)")
        return found


METHODS = _Methods()


class Tensor:
    """A numpy array (float64, or int64 for integer data) that records operations."""

    __slots__ = ("_data", "_requires_grad", "_grad", "grad_fn", "_retain", "name", "_consumers", "__weakref__")
    def __array_ufunc__(self, fn, method, *inputs, **kwargs):
        """numpy's ufuncs record as the op whose forward they are: np.tanh(t), 2.0 * t (tensor_numpy.py)."""
        return METHODS.numpy("ufunc")(fn, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        """numpy's functions record as the language's of the same name: np.sum(t, axis=0) (tensor_numpy.py)."""
        return METHODS.numpy("function")(func, args, kwargs)

    def __getattr__(self, name: str):
        """The function methods (t.sum(), t.sin(), t.clamp(…)) are attached by `tensor_ops`, which the package
        loads on first use (`METHODS.load`, so start-up need not build them): a user's function that calls one
        loads them here."""
        if not name.startswith("__") and METHODS.load is not None and name not in type(self).__dict__:
            METHODS.load()
            if name in type(self).__dict__:
                return object.__getattribute__(self, name)
        raise AttributeError(f"'Tensor' object has no attribute {name!r}")

    def __init__(self, data: Any, requires_grad: bool = False, name: str | None = None):
        self._data = _array(data)
        self._grad: Tensor | None = None
        self.grad_fn: GradFn | None = None
        self._retain = False
        self._requires_grad = False
        self.name = name
        self._consumers: list = []      # weak references to the GradFns that took this tensor as an input
        if requires_grad:
            self.requires_grad_(True)

    # ------------------------------------------------------------ state
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    def requires_grad_(self, flag: bool = True) -> "Tensor":
        if flag and not np.issubdtype(self._data.dtype, np.floating):
            raise InputError("only floating-point tensors can require gradients; this one holds "
                             f"{self._data.dtype} values: make it with floats, e.g. arange(4.0) or tensor([1.0, 2.0])")
        if not flag and self.grad_fn is not None:
            raise InputError("requires_grad cannot be turned off on a non-leaf tensor: use detach()")
        self._requires_grad = bool(flag)
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self) -> "Tensor | None":
        if not self.is_leaf and not self._retain:
            warnings.warn("the .grad of a non-leaf tensor is not kept after backward(); call .retain_grad() on it "
                          "before backward() to keep it", UserWarning, stacklevel=2)
            return None
        return self._grad

    @grad.setter
    def grad(self, value: "Tensor | None") -> None:
        self._grad = None if value is None else (value if isinstance(value, Tensor) else Tensor(value))

    def retain_grad(self) -> None:
        self._retain = True

    @property
    def data(self) -> "Tensor":
        """The value without its history: changes to it are not recorded (x.data *= 100)."""
        return Tensor(self._data)

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value._data if isinstance(value, Tensor) else _array(value)

    def detach(self) -> "Tensor":
        return Tensor(self._data)

    def zero_(self) -> "Tensor":
        self._data[...] = 0
        return self

    # ------------------------------------------------------------ plain values
    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self):
        return self._data.dtype

    def size(self, dim: int | None = None):
        return self.shape if dim is None else self.shape[dim]

    def numel(self) -> int:
        return int(self._data.size)

    def item(self) -> float:
        if self._data.size != 1:
            raise InputError(f"item() needs a tensor with one element, this one has shape {self.shape}")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self) -> np.ndarray:
        return self._data

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise InputError(f"the truth value of a tensor with {self._data.size} elements is ambiguous: "
                             "use .any(), .all() or a comparison of one element")
        value = bool(self._data.reshape(()))
        for listener in _decision_listeners:
            listener(value)
        return value

    def __float__(self) -> float:
        return float(self.item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise InputError("len() of a 0-d tensor")
        return len(self._data)

    def __iter__(self):
        """Rows along the first axis, each recorded as an index, as iterating a torch tensor gives."""
        return (self[i] for i in range(len(self)))

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", precision=4) if self._data.ndim else \
            np.array2string(self._data, precision=4)
        if self.grad_fn is not None:
            return f"tensor({body}, grad_fn={self.grad_fn!r})"
        return f"tensor({body}, requires_grad=True)" if self._requires_grad else f"tensor({body})"

    # ------------------------------------------------------------ recording
    # Python's operators (+, @, <, +=, ...) are added from the op table below the class
    def __pos__(self): return self

    def _inplace(self, op: str, o) -> "Tensor":
        """`t += o`: on plain data (or under no_grad) the values change in place; on an intermediate tensor
        the change is recorded as a new node this tensor becomes, as PyTorch's autograd records it (what
        used the old value keeps it: diffx keeps the old value where PyTorch would refuse if it was saved)."""
        if self.grad_fn is None and self._requires_grad and grad_enabled():
            raise InputError("a leaf Variable that requires grad is being used in an in-place operation "
                             "(PyTorch's words): change .data instead (x.data *= 100), or do it under no_grad()")
        if self.grad_fn is None or not grad_enabled():
            self._data[...] = OPS[op].forward(self._data, _value(o))
            return self
        old = Tensor.__new__(Tensor)
        for slot in ("_data", "_requires_grad", "grad_fn", "_retain", "name", "_consumers"):
            setattr(old, slot, getattr(self, slot))
        old._grad = None
        for ref in self._consumers:
            fn = ref()
            if fn is not None:
                fn.inputs = tuple(old if a is self else a for a in fn.inputs)
        self._consumers = []
        new = apply(op, old, old if o is self else o)
        self._data, self.grad_fn, self._requires_grad = new._data, new.grad_fn, new._requires_grad
        return self

    def __getitem__(self, key):
        return apply("index", self, key=_key(key))

    @property
    def T(self) -> "Tensor":
        return apply("transpose", self)

    @property
    def mT(self) -> "Tensor":
        """The last two axes swapped (PyTorch's batched transpose)."""
        return apply("swapaxes", self, axis1=-1, axis2=-2)

    def any(self) -> bool: return bool(np.any(self._data))
    def all(self) -> bool: return bool(np.all(self._data))

    def reshape(self, *shape) -> "Tensor":
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return apply("reshape", self, shape=tuple(int(s) for s in shape))

    view = reshape

    # ------------------------------------------------------------ backward
    def backward(self, gradient: Any = None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) (or gradientᵀ·J) into the .grad of every leaf that requires it."""
        if not self._requires_grad:
            raise InputError("this tensor does not require grad and has no grad_fn: nothing to differentiate "
                             "(did you call requires_grad_() on its inputs, or compute it under no_grad()?)")
        if gradient is None:
            if self._data.size != 1:
                raise NotScalarError(f"backward() needs a scalar output, this one has shape {self.shape}: pass "
                                     "gradient= (a tensor of that shape, the v of the vector-Jacobian product "
                                     "vᵀJ) or call .sum().backward()")
            seed = np.ones(self.shape)
        else:
            seed = _array(gradient).astype(np.float64)
            if seed.shape != self.shape:
                raise InputError(f"gradient has shape {seed.shape}, but the tensor has shape {self.shape}")
        rec = recording(self)
        for t in rec.tensors:
            if t.grad_fn is not None and t.grad_fn.freed:
                raise GraphFreedError("backward() through this graph a second time: the first backward() freed "
                                      "its saved values; call backward(retain_graph=True) the first time to keep "
                                      "them")
        wanted = [i for i, t in enumerate(rec.tensors) if (t.is_leaf and t._requires_grad) or t._retain]
        adj = engine.backward(rec.graph, rec.values, seed, wrt=[rec.ids[i] for i in wanted])
        for i in wanted:
            t, a = rec.tensors[i], adj[rec.ids[i]]
            if a is None:
                continue
            a = np.array(np.broadcast_to(a, t.shape), dtype=np.float64)
            if t._grad is None:
                t._grad = Tensor(a)
            else:
                t._grad._data = t._grad._data + a
        if not retain_graph:
            for t in rec.tensors:
                if t.grad_fn is not None:
                    t.grad_fn.freed = True

    def graph(self):
        """The recorded graph as data: every node with its value and its adjoint (of this tensor)."""
        from .graphview import report
        rec = recording(self)
        rec.graph.source = f"the tensors recorded into {self.grad_fn!r}" if self.grad_fn else "a leaf tensor"
        return report(rec.graph, rec.values)


def apply(op: str, *args: Any, **params: Any) -> Tensor:
    """Apply an op from the table to tensors (and plain numbers), recording it when a gradient is wanted."""
    spec = OPS[op]
    data = [_value(a) for a in args]
    with np.errstate(all="ignore"):
        try:
            out = spec.forward(*data, **params)
        except (ValueError, IndexError, TypeError) as exc:
            shapes = " and ".join(str(np.shape(d)) for d in data)
            raise InputError(f"{spec.display}: cannot apply to shapes {shapes}: {str(exc).splitlines()[0]}") from None
    if spec.kind == "compare":
        out = np.asarray(out).astype(bool)
    t = Tensor(out)
    carries = [spec.vjp_rule(k) is not None for k in range(len(args))]
    if grad_enabled() and any(c and isinstance(a, Tensor) and a._requires_grad for a, c in zip(args, carries)):
        t._requires_grad = True
        t.grad_fn = GradFn(op, tuple(a if isinstance(a, Tensor) else _array(a) for a in args), params)
        ref = weakref.ref(t.grad_fn)
        for a in args:
            if isinstance(a, Tensor):
                if len(a._consumers) > 64:
                    a._consumers = [r for r in a._consumers if r() is not None]
                a._consumers.append(ref)
    return t


def _array(data: Any) -> np.ndarray:
    if isinstance(data, Tensor):
        return data._data
    a = np.asarray(data)
    if a.dtype == bool:
        return a
    if np.issubdtype(a.dtype, np.integer):
        return a.astype(np.int64)
    if np.issubdtype(a.dtype, np.complexfloating):
        return a.astype(np.complex128)
    try:
        return a.astype(np.float64)
    except (TypeError, ValueError):
        raise InputError(f"a tensor holds numbers, not {type(data).__name__}") from None


def _value(a: Any) -> np.ndarray:
    return a._data if isinstance(a, Tensor) else _array(a)


def _key(key) -> tuple:
    """An index as the op table's index op takes it: integers, slices, None, ..., and integer lists."""
    key = key if isinstance(key, tuple) else (key,)
    out = []
    for k in key:
        if isinstance(k, Tensor):
            k = k._data
        if isinstance(k, (list, np.ndarray)):
            a = np.asarray(k)
            if a.dtype == bool or not np.issubdtype(a.dtype, np.integer):
                raise InputError("a tensor is indexed by integers, slices, None, ... and lists of integers")
            out.append(a.astype(np.int64))
        elif isinstance(k, (bool, np.bool_)) or not (k is None or k is Ellipsis or isinstance(k, (int, np.integer, slice))):
            raise InputError("a tensor is indexed by integers, slices, None, ... and lists of integers "
                             "(x[0], x[1:3], A[0, 1], x[[0, 2]], x[None], x[..., 0])")
        else:
            out.append(int(k) if isinstance(k, (int, np.integer)) else k)
    return tuple(out)


for _name, _operator in operator_methods(OPS, apply, inplace=Tensor._inplace).items():
    setattr(Tensor, _name, _operator)
