"""The names of the expression language: functions (from the op table), generators and constants.

Every op's `names` field says which names call it, so a new op reaches the
language by its entry alone. A surface name resolves to an op by its argument
count (`max(x)` is a reduction, `max(a, b)` is elementwise). Generators
(`arange`, `randn`, ...) take constant arguments and become constant nodes at
parse time.
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


def _register(op) -> None:
    """Every name of an op's `names` calls it; one name may call several ops, told apart by argument count."""
    count = 1 if op.trailing else op.arity
    assert count is not None or not op.names, f"{op.name}: a variadic op has syntax, not a call name"
    for name in op.names:
        old = FUNCTIONS.get(name)
        ops = dict(old.ops) if old else {}
        assert count not in ops, f"{name} with {count} arguments calls both {ops.get(count)} and {op.name}"
        ops[count] = op.name
        reduces = op.kind == "reduction" or (old is not None and "axis" in old.kwargs)
        doc = op.doc if old is None else f"{old.doc}; {op.doc}"
        FUNCTIONS[name] = Function(name, ops, kwargs=("axis",) if reduces else (), extra=op.trailing, doc=doc)


for _op in OPS.values():
    _register(_op)


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
              "standard normal samples, randn(4, 5); reproducible with random_seed="),
    "rand": (lambda rng, *s: rng.random(_dims(s)), lambda *s: _size(s),
             "uniform samples in [0, 1), rand(3); reproducible with random_seed="),
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
