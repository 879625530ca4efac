"""The names of the expression language: functions (from the op table), generators and constants.

Every op's `names` field says which names call it, so a new op reaches the
language by its entry alone. A surface name resolves to an op by its argument
count (`max(x)` is a reduction, `max(a, b)` is elementwise); an op's constant
params (its `params`) follow its inputs, by position or by keyword. Generators
(`arange`, `randn`, ...) take constant arguments and become constant nodes at
parse time.
"""
from __future__ import annotations

import numpy as np

from .ops import OPS
from .records import dataclass  # dataclasses' own, made without compiling source

CONSTANTS = {"pi": np.pi, "e": np.e, "inf": np.inf, "nan": np.nan, "True": 1.0, "False": 0.0}
BINDABLE = {"pi", "e", "inf", "nan"}      # a program may bind these names, as Python lets a name shadow a constant
VARIADIC = -1                             # the call count of an op that takes any number of inputs


@dataclass(frozen=True)
class Function:
    """How a call `name(args, kw=...)` becomes a node.

    `ops` maps a call's argument count to the op it calls: an op's count is its
    inputs plus its required params (`transpose(x)` and `transpose(x, axes)` are
    two ops); its optional params may follow positionally (`sum(x, 0)`), unless
    another op of the name takes exactly that count (`max(a, b)`).
    """

    name: str
    ops: dict[int, str]
    doc: str = ""

    def counts(self) -> str:
        if VARIADIC in self.ops:
            return "a list of arrays" if OPS[self.ops[VARIADIC]].listed else "any number of arrays"
        lo = min(self.ops)
        hi = max(c + optional(OPS[o]) for c, o in self.ops.items())
        if any(OPS[o].trailing for o in self.ops.values()):
            return f"{lo + 1}+ arguments"
        word = "argument" if hi == 1 else "arguments"
        return f"{lo} {word}" if lo == hi else f"{lo} or {hi} {word}" if hi == lo + 1 else f"{lo} to {hi} {word}"

    def resolve(self, n: int) -> str | None:
        """The op a call with n positional arguments means (None: no op of this name takes n)."""
        if n in self.ops:
            return self.ops[n]
        if VARIADIC in self.ops:
            return self.ops[VARIADIC]
        fits = [(c, o) for c, o in self.ops.items() if c < n and (n <= c + optional(OPS[o]) or OPS[o].trailing)]
        return max(fits)[1] if fits else None

    @property
    def kwargs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.name for o in self.ops.values() for p in OPS[o].params))

    @property
    def extra(self) -> str | None:
        return next((OPS[o].trailing for o in self.ops.values() if OPS[o].trailing), None)


def optional(op) -> int:
    """How many optional params may follow the inputs positionally."""
    return sum(1 for p in op.params if not p.required and not p.keyword)


def call_count(op) -> int:
    """Inputs plus required params: how many positional arguments call the op at least."""
    if op.variadic:
        return VARIADIC
    return (1 if op.trailing else op.arity) + sum(1 for p in op.params if p.required)


FUNCTIONS: dict[str, Function] = {}


def _register(op) -> None:
    """Every name of an op's `names` calls it; one name may call several ops, told apart by argument count."""
    count = call_count(op)
    for name in op.names:
        old = FUNCTIONS.get(name)
        ops = dict(old.ops) if old else {}
        assert count not in ops, f"{name} with {count} arguments calls both {ops.get(count)} and {op.name}"
        ops[count] = op.name
        doc = op.doc if old is None else f"{old.doc}; {op.doc}"
        FUNCTIONS[name] = Function(name, ops, doc=doc)


for _op in OPS.values():
    _register(_op)


def _arange(*a):
    return np.arange(*a, dtype=np.float64)


def _arange_size(start, stop=None, step=1.0) -> float:
    """How many elements arange makes, counted from its numbers (a step of 1e-8 makes 10^8, not 1)."""
    start, stop = (0.0, start) if stop is None else (start, stop)
    if step == 0 or not all(np.isfinite(v) for v in (start, stop, step)):
        return 0                 # numpy refuses these itself
    return max(0, int(np.ceil((stop - start) / step)))


# name -> (numpy builder taking (rng, *numbers), element count from the numbers, doc)
GENERATORS = {
    "arange": (lambda rng, *a: _arange(*a), lambda *a: _arange_size(*a),
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
