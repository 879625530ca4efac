"""An op-table rule written out as a Python expression, by running the rule once on placeholders.

Why: in a compiled sweep on floats, calling `r_mul_0(g, y, a, b)` costs two
Python calls (the rule, then its partial) for one multiplication. Most
elementwise rules are arithmetic on their arguments (`g * b`, `-g`,
`g * (1.0 / b)`); run on placeholders that record `+ - * / ** abs`, such a
rule writes its own expression, which the compiled code then evaluates on
floats: the same operations in the same order, so the same bits. The text
comes from the entry's own callable each time the code is built, never from a
second copy of the rule, and never from what a user typed (constants the rule
uses are bound as objects, by name).

A rule that does anything else on its placeholders (a numpy function, a
comparison, `math`, a branch on a value) raises, and stays a call.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

_NUMBERS = (int, float, np.float64)


class Placeholder:
    """A value in a rule run for its text: each operation makes the text of its result."""

    __slots__ = ("text",)
    __array_ufunc__ = None                 # numpy defers to us, so `np.float64(2) * p` comes back here

    def __init__(self, text: str):
        self.text = text

    def __bool__(self):
        raise TypeError("a placeholder has no truth value")

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __float__ = __index__ = __bool__
    __hash__ = None


def _binary(symbol: str):
    def op(self, other):
        return Placeholder(f"({self.text} {symbol} {_text(other)})")

    def rop(self, other):
        return Placeholder(f"({_text(other)} {symbol} {self.text})")
    return op, rop


for _name, _symbol in (("add", "+"), ("sub", "-"), ("mul", "*"), ("truediv", "/"), ("pow", "**")):
    _op, _rop = _binary(_symbol)
    setattr(Placeholder, f"__{_name}__", _op)
    setattr(Placeholder, f"__r{_name}__", _rop)
Placeholder.__neg__ = lambda self: Placeholder(f"(-{self.text})")
Placeholder.__pos__ = lambda self: Placeholder(f"(+{self.text})")
Placeholder.__abs__ = lambda self: Placeholder(f"abs({self.text})")

_BIND: list = []                           # the writer's `constant` while a rule runs (one rule at a time)


def _text(value) -> str:
    if isinstance(value, Placeholder):
        return value.text
    if type(value) in _NUMBERS:
        return _BIND[-1](value)
    raise TypeError(f"a rule used a {type(value).__name__} on a placeholder")


def expression(rule: Callable, names: list[str], bind: Callable[[object], str], **keywords) -> str | None:
    """`rule(*names)` as the text of one Python expression in those names, or None when it is not arithmetic.

    `bind(value)` gives the name a constant of the rule is bound under in the compiled code's namespace."""
    _BIND.append(bind)
    try:
        out = rule(*(Placeholder(n) for n in names), **keywords)
        return _text(out)
    except Exception:                      # anything a rule does that is not arithmetic: it stays a call
        return None
    finally:
        _BIND.pop()
