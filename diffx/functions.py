"""The functions of the expression language, mapped onto the op table.

A surface name resolves to an op by its argument count (`max(x)` is a
reduction, `max(a, b)` is elementwise). Generators (`arange`, `randn`, ...)
take constant arguments and become constant nodes at parse time.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .ops import OPS

CONSTANTS = {"pi": np.pi, "e": np.e, "inf": np.inf, "nan": np.nan}


@dataclass(frozen=True)
class Function:
    """How a call `name(args, kw=...)` becomes a node."""

    name: str
    ops: dict[int, str]            # argument count -> op name
    kwargs: tuple[str, ...] = ()   # keyword arguments, all constant
    extra: str | None = None       # "shape": trailing constant ints become the `shape` param
    doc: str = ""

    def counts(self) -> str:
        ns = sorted(self.ops)
        word = "argument" if ns == [1] else "arguments"
        return (" or ".join(str(n) for n in ns) + f" {word}") if self.extra is None else f"{ns[0]}+ arguments"


FUNCTIONS: dict[str, Function] = {}


def _fn(name, ops, **kw):
    FUNCTIONS[name] = Function(name, ops, **kw)


for _op in OPS.values():
    if _op.kind == "elementwise" and _op.arity == 1 and _op.infix is None:
        _fn(_op.name, {1: _op.name}, doc=_op.doc)
_fn("max", {1: "amax", 2: "maximum"}, kwargs=("axis",), doc="max(x, axis=None) reduces; max(a, b) is elementwise")
_fn("min", {1: "amin", 2: "minimum"}, kwargs=("axis",), doc="min(x, axis=None) reduces; min(a, b) is elementwise")
_fn("where", {3: "where"}, doc=OPS["where"].doc)
for _name in ("sum", "mean", "prod", "norm", "logsumexp", "softmax"):
    _fn(_name, {1: _name}, kwargs=("axis",), doc=OPS[_name].doc)
for _name in ("dot", "matmul", "outer"):
    _fn(_name, {2: _name}, doc=OPS[_name].doc)
_fn("transpose", {1: "transpose"}, doc=OPS["transpose"].doc)
_fn("trace", {1: "trace"}, doc=OPS["trace"].doc)
_fn("reshape", {1: "reshape"}, extra="shape", doc="reshape(x, 2, 2)")
_fn("ln", {1: "log"}, doc="natural log (alias of log)")
_fn("detach", {1: "detach"}, doc=OPS["detach"].doc)
_fn("stop_gradient", {1: "detach"}, doc="alias of detach")


class Seeded:
    """A random generator made on first use: importing numpy.random costs start-up time."""

    def __init__(self, seed: int = 0):
        self.seed = seed
        self._generator = None

    def generator(self) -> np.random.Generator:
        if self._generator is None:
            self._generator = np.random.default_rng(self.seed)
        return self._generator


def _arange(*a):
    return np.arange(*a, dtype=np.float64)


# name -> (numpy builder taking (rng, *numbers), element count from the numbers, doc)
GENERATORS = {
    "arange": (lambda rng, *a: _arange(*a), lambda *a: len(range(*(int(np.ceil(v)) for v in a))),
               "arange(n), arange(start, stop[, step])"),
    "linspace": (lambda rng, a, b, n=50: np.linspace(a, b, _whole(n)), lambda a, b, n=50: _whole(n),
                 "linspace(start, stop, n)"),
    "ones": (lambda rng, *s: np.ones(_dims(s)), lambda *s: _size(s), "ones(2, 3)"),
    "zeros": (lambda rng, *s: np.zeros(_dims(s)), lambda *s: _size(s), "zeros(2, 3)"),
    "eye": (lambda rng, n, m=None: np.eye(_whole(n), None if m is None else _whole(m)),
            lambda n, m=None: _whole(n) * _whole(n if m is None else m), "eye(n)"),
    "randn": (lambda rng, *s: rng.standard_normal(_dims(s)), lambda *s: _size(s),
              "standard normal samples, randn(4, 5); reproducible with --seed"),
    "rand": (lambda rng, *s: rng.random(_dims(s)), lambda *s: _size(s),
             "uniform samples in [0, 1), rand(3); reproducible with --seed"),
}


def _dims(s) -> tuple[int, ...]:
    return tuple(_whole(v) for v in s)


def _whole(v: float) -> int:
    """A count or a dimension: refuse 2.5 rather than quietly make it 2."""
    if not float(v).is_integer():
        raise ValueError(f"{v:g} is not a whole number")
    return int(v)


def _size(s) -> int:
    out = 1
    for v in s:
        out *= max(_whole(v), 0)
    return out


def known_names() -> list[str]:
    return sorted(set(FUNCTIONS) | set(GENERATORS) | set(CONSTANTS))
