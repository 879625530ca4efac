"""`P`, one function per op: numpy on arrays, a recorded node on traced values.

Rules are written with Python operators and `P`, never with numpy directly,
so one rule serves fast numeric gradients and gradients that are themselves
graphs. `P` sits in its own module so the rule helpers (`forwards`) can use it
without importing the op table; `ops` fills it once the table exists.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Callable

P = SimpleNamespace()


def dispatcher(op) -> Callable:
    forward = op.forward

    def call(*args: Any, **params: Any):
        for a in args:
            if getattr(a, "_diffx_traced", False):
                return a.record(op.name, args, params)
        return forward(*args, **params)
    call.__name__ = op.name
    call.__doc__ = op.doc
    return call


def fill(ops: dict) -> None:
    """Give `P` one dispatcher per op that has a forward (leaves of the point have none)."""
    for name, op in ops.items():
        if op.forward is not None:
            setattr(P, name, dispatcher(op))


def operator_methods(ops: dict, apply: Callable, comparisons: bool = True,
                     inplace: Callable | None = None) -> dict[str, Callable]:
    """Python's operators for a value that records ops (a Tensor, a traced value), read from the op table.

    An op entry's `operator` names its dunder: `a + b` is apply("add", a, b) and
    `2 + a` apply("add", 2, a); a comparison has no reflected form (Python swaps
    `<` and `>` itself). With `inplace`, `a += b` is inplace(a, "add", b).
    """
    methods: dict[str, Callable] = {}
    for op in ops.values():
        if op.operator is None or (op.kind == "compare" and not comparisons):
            continue
        name = op.name
        if op.arity == 1:
            methods[f"__{op.operator}__"] = lambda self, name=name: apply(name, self)
            continue
        methods[f"__{op.operator}__"] = lambda self, other, name=name: apply(name, self, other)
        if op.kind != "compare":
            methods[f"__r{op.operator}__"] = lambda self, other, name=name: apply(name, other, self)
        if op.kind != "compare" and inplace is not None:
            methods[f"__i{op.operator}__"] = lambda self, other, name=name: inplace(self, name, other)
    return methods
