"""The op table's entry type, its parameters and the dict every themed module registers into.

`ops.py` holds the core entries and imports the themed modules
(`ops_elementwise`, `ops_reduce`, `ops_linalg`, `ops_shape`), each of which
adds its entries to the same `OPS` dict through `add`; `ops.py` then fills `P`.
The module docstring of `ops.py` says what each field of an `Op` means.
"""
from __future__ import annotations

import math
import operator
from typing import Any, Callable

import numpy as np

from .forwards import each
from .kinkrules import KinkRule
from .records import dataclass, field  # dataclasses' own, made without compiling source

SAME = "same"  # sym: the numpy forward already works on object arrays of SymPy terms
POINTWISE = frozenset({"elementwise", "compare", "select", "identity", "leaf"})   # output[i] from inputs[i] only
UNSET = object()


@dataclass(frozen=True)
class Param:
    """A constant parameter of an op: how the language and `Tensor` take it.

    `kind` says what values it takes: "int", "ints" (an integer or a list of
    them, as a tuple), "axes" (None, an integer or a tuple of them), "bool",
    "number", "ord" (a number, ±inf, or the text "fro"/"nuc"), "pairs" (an integer or two lists of
    axes: tensordot's axes) or "text". A required param is given positionally right after the inputs.
    `torch` are PyTorch's names for it (`dim`, `keepdim`) and `torch_default`
    its default on `Tensor` where PyTorch's differs from numpy's (`std`'s ddof).
    """

    name: str
    kind: str
    default: Any = None
    torch: tuple[str, ...] = ()
    torch_default: Any = UNSET
    required: bool = False
    torch_flag: str = ""      # a PyTorch boolean that means 1 or 0 for it: unbiased=True is ddof=1
    keyword: bool = False     # keyword only (numpy's positions after `axis` mean other things: dtype, out)


AXIS = Param("axis", "axes", None, torch=("dim",))
KEEPDIMS = Param("keepdims", "bool", False, torch=("keepdim",), keyword=True)


def convert(param: Param, value: Any) -> Any:
    """A param's value from a constant (a float array or a text), or ValueError saying what it takes."""
    kind = param.kind
    if isinstance(value, str):
        if kind == "text" or (kind == "ord" and value in ("fro", "nuc")):
            return value
        raise ValueError(f"{param.name}= takes {_takes(kind)}, not the text {value!r}")
    if kind == "text":
        raise ValueError(f"{param.name}= takes a text in quotes, such as 'ij,jk->ik'")
    if value is None:
        if kind in ("axes", "ord") or param.default is None:
            return None
        raise ValueError(f"{param.name}= takes {_takes(kind)}, not None")
    if isinstance(value, (tuple, list)):
        value = np.asarray(value, dtype=np.float64)
    a = np.asarray(value, dtype=np.float64)
    if kind == "pairs" and a.ndim == 2 and len(a) == 2 and np.all(a == np.round(a)):
        return tuple(tuple(int(v) for v in row) for row in a)
    if kind == "pairs":
        kind = "int"
    if kind in ("number", "ord"):
        if a.ndim:
            raise ValueError(f"{param.name}= takes {_takes(kind)}, got an array")
        return float(a)
    if kind == "bool":
        if a.ndim or float(a) not in (0.0, 1.0):
            raise ValueError(f"{param.name}= takes True or False (1 or 0)")
        return bool(a)
    if a.size > 64:                 # numpy's most axes: a longer list of integers is no shape, axis or shift
        raise ValueError(f"{param.name}= takes {_takes(kind)}, got {a.size:,} numbers")
    if a.ndim > 1 or not np.all(np.isfinite(a)) or not np.all(a == np.round(a)):
        raise ValueError(f"{param.name}= takes {_takes(kind)}, got {a.tolist()}")
    if not np.all(np.abs(a) < 2.0 ** 63):
        raise ValueError(f"{param.name}= takes integers within ±2^63 (numpy's), got {a.tolist()}")
    if kind == "int":
        if a.ndim:
            raise ValueError(f"{param.name}= takes an integer, got an array")
        return int(a)
    if a.ndim == 0:
        return (int(a),) if kind == "ints" else int(a)
    return tuple(int(v) for v in a)


def _takes(kind: str) -> str:
    return {"int": "an integer", "ints": "an integer or a list of integers", "bool": "True or False",
            "axes": "an integer, a tuple of integers or None", "number": "a number",
            "ord": "a number, inf, -inf, 'fro' or 'nuc'", "text": "a text",
            "pairs": "an integer or two lists of axes"}[kind]


@dataclass(frozen=True)
class Op:
    name: str
    forward: Callable | None
    vjp: tuple
    jvp: tuple
    sym: Callable | str | None
    kind: str                 # see the module docstring of ops.py
    display: str
    infix: str | None = None
    analytic: bool = True     # complex step may pass through it
    smooth: bool = True       # differentiable everywhere on its domain
    domain: tuple[float, float] = (-2.0, 2.0)
    variadic: bool = False
    doc: str = ""
    kinks: tuple[KinkRule, ...] = ()   # where it is not differentiable, and what is known there
    text: str | None = None   # flat listing: "{0}[{key}]" ({k}: input k, {*}: all inputs, {name}: a param);
    #                           None: written from `infix`, else as a call display(inputs, param=value)
    symbol: str = ""          # the op circle in graph pictures ("" : infix, else display)
    what: str = ""            # shape errors say "cannot apply {what} ..." ("": 'infix', else display)
    out_size: Callable | None = None   # (input shapes, params) -> elements, for ops that can make more
    #                                    than their largest input (pointwise ops broadcast: the engine's rule)
    frozen: bool = False      # its value stays fixed when its inputs are perturbed (detach)
    free: bool = False        # a free variable: its value comes from the point
    names: tuple[str, ...] | None = None   # names that call it in the language; None: (name,) unless it is
    #                                        infix, internal or a leaf
    trailing: str | None = None   # a call's trailing constant integers become this param: reshape(x, 2, 2)
    operator: str | None = None   # the Python operator that records it on a Tensor or a traced value:
    #                               "add" is __add__ (and __radd__), "neg" is __neg__, "lt" is __lt__
    params: tuple[Param, ...] = ()    # constant parameters, positional after the inputs or by keyword
    leading: Param | None = None      # a text before the inputs: einsum('ij,jk->ik', a, b)
    listed: bool = False      # a variadic op whose inputs come as one list: concatenate([a, b], axis=0)
    torch: tuple[str, ...] = ()       # more names on Tensor only (methods and functions): clamp, permute
    no_sym: str = ""          # why it has no SymPy translation (the other methods still run)
    inputs: tuple[str, ...] = ()      # PyTorch's keyword names of the inputs (clamp(min=0))
    defaults: tuple = ()      # values of trailing inputs a Tensor call may leave out (clamp's ±inf)
    vjp_reads: tuple | None = None    # what its reverse rules read besides g and the inputs' shapes: "y" (its
    #                                   value) and input positions; None: all of them. A value no rule reads is
    #                                   released by a gradient's sweeps (diffx.engine), so a wrong entry shows
    #                                   as NaN in tests/test_sweep_memory.py
    cotangent: Callable | None = None  # g -> the same values in the layout its reverse rules want, applied once
    #                                    before they run (matmul: a broadcast g made dense once, not per input)
    scalar: Callable | None = field(default=None, init=False, repr=False, compare=False)
    #                           derived, never given: the same operation on Python floats (see EXACT_SCALAR)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "scalar", exact_scalar(self.forward) if self.kind in POINTWISE else None)
        if self.text is None and self.infix:
            set_(self, "text", f"{{0}} {self.infix} {{1}}" if self.arity == 2 else f"{self.infix}{{0}}")
        set_(self, "symbol", self.symbol or self.infix or self.display)
        set_(self, "what", self.what or (f"'{self.infix}'" if self.infix else self.display))
        if self.names is None:
            set_(self, "names", () if self.infix or self.kind in ("internal", "leaf") else (self.name,))

    @property
    def arity(self) -> int | None:
        return None if self.variadic else len(self.vjp)

    @property
    def pointwise(self) -> bool:
        """Each output element depends on the same element of the (broadcast) inputs only."""
        return self.kind in POINTWISE

    def vjp_rule(self, k: int):
        return self.vjp[0] if self.variadic else self.vjp[k]

    def jvp_rule(self, k: int):
        return self.jvp[0] if self.variadic else self.jvp[k]

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


# The scalar engine's forwards, read off an entry's numpy forward (so a replaced forward loses its scalar twin):
# only operations IEEE 754 rounds correctly, which Python floats and numpy compute bit for bit alike. numpy's
# exp, log, sin, pow, ... differ from `math`'s by up to 3 ulps (measured with numpy 2.4), and the methods'
# columns and the verdict compare exactly, so on 0-d values those stay numpy calls on floats.
EXACT_SCALAR: dict[Any, Callable] = {np.add: operator.add, np.subtract: operator.sub, np.multiply: operator.mul,
                                     np.divide: operator.truediv, np.negative: operator.neg, np.sqrt: math.sqrt,
                                     np.absolute: abs}


def exact_scalar(forward) -> Callable | None:
    try:
        return EXACT_SCALAR.get(forward)
    except TypeError:             # an unhashable forward has no scalar twin
        return None


OPS: dict[str, Op] = {}


def add(op: Op) -> None:
    assert op.name not in OPS, op.name
    OPS[op.name] = op


def unary(name, forward, deriv, sym, *, doc, **kw):
    """An elementwise op of one input: `deriv(y, x, **params)` gives both rules (`vjp_reads=("y",)` says that
    deriv reads y only, (0,) x only)."""
    add(Op(name, forward,
           vjp=(lambda g, y, x, **p: g * deriv(y, x, **p),),
           jvp=(lambda t, y, x, **p: t * deriv(y, x, **p),),
           sym=each(sym), kind="elementwise", display=kw.pop("display", name),
           doc=doc, **kw))


def binary(name, forward, da, db, sym, *, doc, **kw):
    """An elementwise op of two inputs with partial derivatives `da`, `db`."""
    add(Op(name, forward,
           vjp=(lambda g, y, a, b: g * da(y, a, b), lambda g, y, a, b: g * db(y, a, b)),
           jvp=(lambda t, y, a, b: t * da(y, a, b), lambda t, y, a, b: t * db(y, a, b)),
           sym=each(sym), kind="elementwise", display=kw.pop("display", name), doc=doc, **kw))


LN2, LN10 = math.log(2.0), math.log(10.0)
