"""The op table on tensors: one function per language name (`diffx.sum`), the same as methods (`t.sum(0)`),
PyTorch's extra names (`t.clamp`, `t.permute`, `torch.linalg.det`), all generated from the table.

Arguments follow the language (inputs, then constant params by position or
keyword) with PyTorch's spellings too: `dim` for `axis`, `keepdim` for
`keepdims`, `correction`/`unbiased` for `ddof`, and PyTorch's defaults where
they differ from numpy's (`std` and `var` are unbiased on tensors).
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Callable

from .errors import InputError
from .names import FUNCTIONS, Function
from .ops import OPS
from .optable import UNSET, convert
from .tensor import Tensor, apply


def _params(fname: str, op, rest: list, kw: dict) -> dict:
    order = [p for p in op.params if p.required] + [p for p in op.params if not p.required and not p.keyword]
    if len(rest) > len(order) and order and order[0].kind in ("ints", "axes"):
        k = len(rest) - len(order) + 1                      # t.permute(1, 0, 2), t.repeat(2, 2)
        rest = [tuple(rest[:k])] + rest[k:]
    if len(rest) > len(order):
        raise InputError(f"{fname} takes at most {len(order)} constant argument(s) after its inputs, got {len(rest)}")
    given = dict(zip((p.name for p in order), rest))
    for key, value in kw.items():
        p = next((q for q in op.params if key == q.name or key in q.torch or key == q.torch_flag), None)
        if p is None:
            names = ", ".join(f"{n}=" for q in op.params for n in (q.name, *q.torch, q.torch_flag) if n) or "none"
            raise InputError(f"{fname} has no argument {key!r} (keyword arguments: {names})")
        if p.name in given:
            raise InputError(f"{fname}: {p.name} is given twice")
        given[p.name] = int(bool(value)) if key == p.torch_flag else value
    params = {}
    for p in op.params:
        if p.name in given:
            try:
                params[p.name] = convert(p, given[p.name])
            except ValueError as exc:
                raise InputError(f"{fname}: {exc}") from None
        elif p.torch_default is not UNSET:
            params[p.name] = p.torch_default
        elif p.required:
            raise InputError(f"{fname} needs {p.name}")
    return params


def by_name(fn: Function | None, op_name: str | None = None, label: str | None = None) -> Callable[..., Tensor]:
    """`f(*tensors, *constants, **keywords)`: the language's function `fn.name` (or one op), on tensors.

    The argument count picks the op, as in the language (`max(t)` reduces,
    `max(a, b)` is elementwise, `t.sum(0)` sums axis 0).
    """
    name = label or (fn.name if fn else op_name)

    def call(*args: Any, **kw: Any) -> Tensor:
        chosen = op_name or fn.resolve(len(args)) or fn.resolve(len(args) + sum(k in _inputs(fn) for k in kw)) \
            or _packing(fn, len(args))
        if chosen is None:
            raise InputError(f"{name} takes {fn.counts()}, got {len(args)}")
        op = OPS[chosen]
        rest = list(args)
        params = {}
        if op.leading is not None:
            if not rest or not isinstance(rest[0], str):
                raise InputError(f"{name} takes its {op.leading.name} first, as a string")
            params[op.leading.name] = rest.pop(0)
        if op.listed:
            if not rest or not isinstance(rest[0], (list, tuple)):
                raise InputError(f"{name} takes a list of tensors")
            inputs, rest = list(rest[0]), rest[1:]
        elif op.variadic:
            inputs, rest = rest, []
        else:
            inputs, rest = rest[:op.arity], rest[op.arity:]
            for k, input_name in enumerate(op.inputs):
                if input_name in kw:
                    while len(inputs) <= k:
                        inputs.append(None)
                    inputs[k] = kw.pop(input_name)
            if op.defaults:
                first = op.arity - len(op.defaults)
                inputs += [None] * (op.arity - len(inputs))
                inputs = [op.defaults[k - first] if v is None and k >= first else v for k, v in enumerate(inputs)]
            if len(inputs) < op.arity:
                raise InputError(f"{name} takes {op.arity} tensor(s), got {len(inputs)}")
        params.update(_params(name, op, rest, kw))
        return apply(chosen, *inputs, **params)
    call.__name__ = call.__qualname__ = name
    call.__doc__ = fn.doc if fn else OPS[op_name].doc
    return call


def _packing(fn: Function, n: int) -> str | None:
    """The op of a PyTorch-style call with its integers spread out: t.permute(1, 0, 2)."""
    fits = [(c, o) for c, o in fn.ops.items() if 0 < c < n and OPS[o].params and OPS[o].params[0].required
            and OPS[o].params[0].kind in ("ints", "axes")]
    return max(fits)[1] if fits else None


def _inputs(fn: Function) -> set:
    return {n for o in fn.ops.values() for n in OPS[o].inputs}


def _method(f: Callable[..., Tensor]) -> Callable[..., Tensor]:
    def method(self, *args: Any, **kw: Any) -> Tensor:
        return f(self, *args, **kw)
    method.__name__ = method.__qualname__ = f.__name__
    method.__doc__ = f.__doc__
    return method


def _takes_a_tensor_first(fn: Function) -> bool:
    return any(not OPS[o].listed and OPS[o].leading is None and not OPS[o].variadic for o in fn.ops.values())


FUNCTIONS_ON_TENSORS: dict[str, Callable[..., Tensor]] = {
    name: by_name(fn) for name, fn in FUNCTIONS.items() if "." not in name}
# PyTorch's names (clamp, permute, unsqueeze, cat, ...) call one op each, with PyTorch's meaning where a name means
# something else in numpy (t.transpose(0, 1) swaps two axes; t.repeat(2, 2) tiles)
TORCH_NAMES: dict[str, Callable[..., Tensor]] = {
    name: by_name(None, op.name, name) for op in OPS.values() for name in op.torch}
FUNCTIONS_ON_TENSORS.update(TORCH_NAMES)

# Every language function that takes a tensor first is a method too (t.sin(), t.sum(0), t.max(), a.dot(b)),
# and so is every PyTorch name of an op that does (t.clamp(0, 1), t.permute(1, 0)); methods written in the
# class (detach, reshape, T, mT) keep their meaning there.
WRITTEN = frozenset(Tensor.__dict__)     # the methods the class writes itself (reshape, detach, ...)
for _name, _fn in FUNCTIONS.items():
    if "." not in _name and _takes_a_tensor_first(_fn) and _name not in WRITTEN:
        setattr(Tensor, _name, _method(FUNCTIONS_ON_TENSORS[_name]))
for _op in OPS.values():
    for _name in _op.torch:
        if not _op.listed and _name not in WRITTEN:
            setattr(Tensor, _name, _method(TORCH_NAMES[_name]))

# torch.linalg.det, ...: the language's `linalg.` names
linalg = SimpleNamespace(**{name.split(".", 1)[1]: by_name(fn, label=name) for name, fn in FUNCTIONS.items()
                            if name.startswith("linalg.")})
