"""The parser's calls and brackets: `f(args, kw=...)`, generators, `x[...]`, and the constant params of calls.

A mixin of the parser (`parser._Parser`), kept apart so each file reads on its
own. A call's arguments are the op's inputs first, then its constant params
by position or by keyword (`sum(x, 0)`, `sum(x, axis=(0, 1), keepdims=True)`);
a text in quotes is a param (`einsum('ij,jk->ik', a, b)`); an op taking a list
takes its inputs as one bracketed list (`concatenate([a, b], axis=0)`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .engine import evaluate_constant
from .errors import DiffxError, LimitError, UnknownNameError
from .forwards_einsum import SubscriptError, read_subscripts
from .lexer import Span, Token, describe
from .limits import how_to_raise
from .names import FUNCTIONS, GENERATORS, known_names
from .ops import OPS
from .optable import convert
from .rng import Seeded


@dataclass
class Arg:
    """One argument of a call: a node, a text in quotes, a list of nodes, or None."""

    span: Span
    node: int | None = None
    text: str | None = None
    items: list[int] | None = None
    none: bool = False


class Calls:
    # -------------------------------------------------------------- calls
    def call(self, name: Token, fname: str) -> tuple[int, Span]:
        open_ = self.take()
        self.enter(open_)
        if fname not in FUNCTIONS and fname not in GENERATORS:
            import difflib                  # only a misspelt name needs it
            hint = difflib.get_close_matches(fname, known_names(), n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
            raise UnknownNameError(f"unknown function {fname!r}{suggestion}",
                                   source=self.source, span=(name.start, name.end))
        fn = FUNCTIONS.get(fname)
        listed = fn is not None and any(OPS[o].listed for o in fn.ops.values())
        mark = len(self.graph.nodes)
        args: list[Arg] = []
        kwargs: dict[str, tuple[Arg, Token]] = {}
        while not self.at(")"):
            if args or kwargs:
                if not self.at(","):
                    tok = self.peek()
                    raise self.error(f"expected ',' or ')' to close '(' at column {open_.start + 1}, "
                                     f"found {describe(tok)}", (tok.start, max(tok.end, tok.start + 1)))
                self.take()
            if self.peek().kind == "name" and self.peek(1).kind == "op" and self.peek(1).text == "=":
                key = self.take()
                self.take()
                if key.text in kwargs:
                    raise self.error(f"{key.text}= is given twice", (key.start, key.end))
                kwargs[key.text] = (self.argument(key, False), key)
            else:
                if kwargs:
                    tok = self.peek()
                    raise self.error("a positional argument cannot follow a keyword argument",
                                     (tok.start, tok.end))
                args.append(self.argument(open_, listed and not args))
        close = self.take()
        self.leave()
        span = (name.start, close.end)
        if fname in GENERATORS:
            return self.generate(name, args, kwargs, mark, span), span
        return self.apply(fname, args, kwargs, mark, span), span

    def argument(self, after: Token, listed: bool) -> Arg:
        tok = self.peek()
        if tok.kind == "text":
            self.take()
            return Arg((tok.start, tok.end), text=tok.text[1:-1])
        if tok.kind == "name" and tok.text == "None" and self.peek(1).text in (",", ")"):
            self.take()
            return Arg((tok.start, tok.end), none=True)
        if listed and tok.text == "[":
            open_ = self.take()
            self.enter(open_)
            items = []
            while not self.at("]"):
                if items:
                    self.expect(",", open_)
                items.append(self.operand(open_, self.expr)[0])
            close = self.expect("]", open_)
            self.leave()
            if not items:
                raise self.error("an empty list", (open_.start, close.end))
            return Arg((open_.start, close.end), items=items)
        node, span = self.operand(after, self.expr)
        return Arg(span, node=node)

    def apply(self, fname: str, args: list[Arg], kwargs, mark: int, span: Span) -> int:
        fn = FUNCTIONS[fname]
        name = fn.ops.get(len(args)) or fn.resolve(len(args))
        if name is None:
            raise self.error(f"{fname} takes {fn.counts()}, got {len(args)}", span)
        op = OPS[name]
        params: dict = {}
        rest = list(args)
        if op.leading is not None:
            first = rest.pop(0) if rest else None
            if first is None or first.text is None:
                raise self.error(f"{fname} takes its {op.leading.name} first, in quotes, e.g. "
                                 f"{fname}('ij,jk->ik', a, b)", first.span if first else span)
            params[op.leading.name] = first.text
        if op.listed:
            first = rest.pop(0) if rest else None
            if first is None or first.items is None:
                raise self.error(f"{fname} takes a list of arrays in brackets, e.g. {fname}([a, b])",
                                 first.span if first else span)
            inputs = [Arg(span, node=i) for i in first.items]
        elif op.variadic:
            inputs, rest = rest, []
        elif op.trailing:
            if len(rest) < 2:
                raise self.error(f"{fname} takes an array and its new shape, e.g. reshape(x, 2, 2)", span)
            params[op.trailing] = tuple(self.integer(a, "a shape") for a in rest[1:])
            inputs, rest = rest[:1], []
        else:
            inputs, rest = rest[:op.arity], rest[op.arity:]
        order = [p for p in op.params if p.required] + [p for p in op.params if not p.required and not p.keyword]
        if len(rest) > len(order):
            raise self.error(f"{fname} takes {fn.counts()}, got {len(args)}", span)
        for p, a in zip(order, rest):
            params[p.name] = self.param_value(fname, p, a)
        for key, (a, ktok) in kwargs.items():
            p = op.param(key)
            if p is None:
                allowed = ", ".join(f"{q.name}=" for q in op.params) or "none"
                raise self.error(f"{fname} has no argument {key!r} (keyword arguments: {allowed})",
                                 (ktok.start, ktok.end))
            if key in params:
                raise self.error(f"{fname}: {key}= is given twice (by position and by keyword)",
                                 (ktok.start, ktok.end))
            params[key] = self.param_value(fname, p, a)
        missing = [p.name for p in op.params if p.required and p.name not in params]
        if missing:
            raise self.error(f"{fname} needs {', '.join(missing)} (e.g. {fname}(x, ...{missing[0]}))", span)
        for a in inputs:
            if a.node is None:
                raise self.error(f"{fname} takes arrays here, not {'a text' if a.text is not None else 'a list'}",
                                 a.span)
        if op.leading is not None:
            self.check_subscripts(args[0], len(inputs))
        self.drop_after([a.node for a in inputs], mark)
        return self.add(name, tuple(a.node for a in inputs), span, params)

    def check_subscripts(self, arg: Arg, operands: int) -> None:
        try:
            read_subscripts(arg.text, operands)
        except SubscriptError as exc:
            at = arg.span[0] + 1 + exc.position
            raise self.error(str(exc), (at, at + 1)) from None

    def param_value(self, fname: str, p, a: Arg):
        if a.items is not None:
            raise self.error(f"{fname}: {p.name}= takes a constant, not a list of arrays", a.span)
        value = None if a.none else a.text if a.text is not None else self.constant_value(a.node, a.span)
        try:
            return convert(p, value)
        except ValueError as exc:
            raise self.error(f"{fname}: {exc}", a.span) from None

    def drop_after(self, kept, mark: int) -> None:
        """Drop the nodes built only for constant arguments (they became params)."""
        del self.graph.nodes[max([mark] + [a + 1 for a in kept]):]

    def integer(self, a: Arg, what: str) -> int:
        if a.node is None:
            raise self.error(f"{what} must be an integer", a.span)
        value = self.constant_value(a.node, a.span)
        if np.ndim(value) != 0 or not float(value).is_integer():
            raise self.error(f"{what} must be an integer, got {_text(value)}", a.span)
        return int(value)

    def constant_value(self, node: int, span: Span):
        try:
            return np.asarray(evaluate_constant(self.graph, node), dtype=np.float64)
        except DiffxError as exc:
            raise exc.located(self.source, span) from None

    def generate(self, name: Token, args: list[Arg], kwargs, mark: int, span: Span) -> int:
        build, count, doc = GENERATORS[name.text]
        if kwargs:
            key = next(iter(kwargs.values()))[1]
            raise self.error(f"{name.text} takes no keyword arguments ({doc})", (key.start, key.end))
        numbers = []
        for a in args:
            value = self.constant_value(a.node, a.span) if a.node is not None else None
            if value is None or np.ndim(value) != 0:
                raise self.error(f"{name.text} takes numbers, got {'an array' if value is not None else 'a text'} "
                                 f"({doc})", a.span)
            numbers.append(float(value))
        try:
            size = count(*numbers)
        except (TypeError, ValueError, OverflowError) as exc:
            detail = f"{exc}; " if isinstance(exc, ValueError) and "whole" in str(exc) else ""
            raise self.error(f"bad arguments for {name.text}: {detail}{doc}", span) from None
        if size > self.limits.max_elements:
            raise LimitError(f"{name.text} would make {size:,} elements; the limit is "
                             f"{self.limits.max_elements:,} ({how_to_raise('max_elements')})",
                             source=self.source, span=span)
        try:
            rng = self.rng.generator() if isinstance(self.rng, Seeded) else self.rng
            value = build(rng, *numbers)
        except (TypeError, ValueError) as exc:
            raise self.error(f"bad arguments for {name.text}: {exc} ({doc})", span) from None
        del self.graph.nodes[mark:]
        return self.graph.const(value, span=span)

    # -------------------------------------------------------------- x[...]
    def index(self, node: int, span: Span) -> tuple[int, Span]:
        open_ = self.take()
        self.enter(open_)
        mark = len(self.graph.nodes)
        key: list = []
        while True:
            key.append(self.index_item(open_))
            if self.at(","):
                self.take()
                continue
            break
        close = self.expect("]", open_)
        self.leave()
        del self.graph.nodes[mark:]
        span = (span[0], close.end)
        if sum(1 for k in key if k is Ellipsis) > 1:
            raise self.error("an index can have only one '...'", span)
        return self.add("index", (node,), span, {"key": tuple(key)}), span

    def index_item(self, open_: Token):
        tok = self.peek()
        if tok.text in ("...", "None") and self.peek(1).text in (",", "]"):
            self.take()
            return Ellipsis if tok.text == "..." else None
        parts: list = []
        while True:
            if self.at(":") or self.at(",") or self.at("]"):
                parts.append(None)
            else:
                sub, s = self.operand(open_, self.expr)
                parts.append(self.index_value(sub, s, slicing=len(parts) > 0 or self.at(":")))
            if not self.at(":") or len(parts) == 3:
                break
            self.take()
        if len(parts) == 1:
            if parts[0] is None:
                tok = self.peek()
                raise self.error(f"expected an index, found {describe(tok)}", (tok.start, max(tok.end, tok.start + 1)))
            return parts[0]
        return slice(*parts)

    def index_value(self, node: int, span: Span, slicing: bool):
        """An integer, or (not in a slice) a list of integers: x[[0, 2]] picks elements 0 and 2."""
        value = self.constant_value(node, span)
        if np.ndim(value) and not slicing:
            if value.size == 0 or not np.all(value == np.round(value)):
                raise self.error(f"an index list must hold integers, got {_text(value)}", span)
            if not np.all(np.abs(value) < 2.0 ** 63):
                raise self.error(f"an index must lie within ±2^63 (numpy's integers), got {_text(value)}", span)
            return value.astype(np.int64)
        if np.ndim(value) != 0 or not float(value).is_integer():
            raise self.error(f"an index must be an integer, got {_text(value)}", span)
        if not slicing and not abs(float(value)) < 2.0 ** 63:
            raise self.error(f"an index must lie within ±2^63 (numpy's integers), got {_text(value)}", span)
        return int(value)


def _text(value) -> str:
    return np.array2string(np.asarray(value), threshold=6) if np.ndim(value) else f"{float(value):g}"
