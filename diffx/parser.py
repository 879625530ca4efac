"""The expression language: a precedence-climbing parser over the tokens of `lexer`.

The parser builds a `Graph` directly. It never hands user text to Python or
SymPy (`eval`, `sympify`, ...): every node comes from a token it read, and
every node keeps the source span it came from.

Precedence, loosest first: comparisons; `+ -`; `* / @`; `.` (dot);
unary `- +`; `^ **` (right-associative); postfix calls, `x.T`, `x[i]`.
"""
from __future__ import annotations

import numpy as np

from .collector import paused
from .engine import evaluate_constant
from .errors import LimitError, UnknownNameError
from .graph import Graph
from .lexer import Cursor, Span, Token, describe
from .limits import DEFAULT_LIMITS, Limits, how_to_raise
from .names import BINDABLE, CONSTANTS, FUNCTIONS, GENERATORS
from .ops import OPS
from .parser_calls import Calls
from .parser_flat import Flat, constant_leaf
from .rng import Seeded

# the grammar's binding strength of each binary infix (`^` binds tighter and groups right: see `power`)
PRECEDENCE = {"==": 1, "!=": 1, "<": 1, "<=": 1, ">": 1, ">=": 1, "+": 2, "-": 2, "*": 3, "/": 3, "%": 3, "@": 3,
              ".": 4}
# infix -> (precedence, op): which op an operator means is the op table's `infix`
BINARY = {op.infix: (PRECEDENCE[op.infix], op.name) for op in OPS.values()
          if op.infix in PRECEDENCE and op.arity == 2}
_NOT_A_START = {")", "]", ",", "=", ":", ";"} | (set(BINARY) - {"-", "+"}) | {"^", "**"}
_AFTER_ATOM = {"(", "[", ".", "^", "**"}     # what makes a number or name more than itself (a call, index, power)


class _Parser(Flat, Calls, Cursor):
    def __init__(self, source: str, limits: Limits, rng: np.random.Generator | Seeded, constant: bool):
        self.limits = limits
        self.rng = rng
        self.constant = constant          # a value for --at: no free variables allowed
        if len(source) > limits.max_chars:
            raise LimitError(f"the input is {len(source):,} characters; the limit is "
                             f"{limits.max_chars:,} ({how_to_raise('max_chars')})")
        super().__init__(source)
        self.depth = 0
        self.graph = Graph(source=source, limits=limits)
        self.env: dict[str, int] = {}     # bound names -> node ids
        self.flat = FLAT                  # the common statement by one loop (parser_flat), else the descent

    def enter(self, tok: Token) -> None:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise LimitError(f"nesting deeper than {self.limits.max_depth} levels, the limit "
                             f"({how_to_raise('max_depth')})", source=self.source, span=(tok.start, tok.end))

    def leave(self) -> None:
        self.depth -= 1

    def add(self, op: str, inputs: tuple[int, ...], span: Span, params: dict | None = None) -> int:
        return self.graph.add(op, inputs, params, span=span)

    # -------------------------------------------------------------- program
    def program(self) -> Graph:
        output: tuple[int, Span] | None = None
        last_bound: str | None = None
        while True:
            while self.tokens[self.i][0] == "sep":
                self.i += 1
            if self.tokens[self.i][0] == "end":
                break
            flat = self.flat_statement(BINARY) if self.flat and output is None else None
            if flat is not None:
                if flat[0] == "bound":
                    last_bound = flat[1]
                else:
                    output = flat[1]
            else:
                self.objects()
                tok = self.peek()
                if output is not None:
                    raise self.error("only the last statement can be a bare expression; "
                                     "name the earlier one with name = ...", (tok.start, tok.end))
                if tok.kind == "name" and self.peek(1).kind == "op" and self.peek(1).text == "=":
                    last_bound = self.assignment()
                else:
                    output = self.expr()
            if self.tokens[self.i][0] not in ("sep", "end"):
                self.objects()
                bad = self.peek()
                raise self.error(f"unexpected {describe(bad)}", (bad.start, bad.end))
        if output is None:
            if last_bound is None:
                raise self.error("empty expression", (0, 0))
            raise self.error(f"the program ends with an assignment; end it with the output expression, "
                             f"e.g. {last_bound}", (len(self.source), len(self.source)))
        self.graph.output = output[0]
        return self.graph

    def assignment(self) -> str:
        name = self.take()
        equals = self.take()
        if name.text in FUNCTIONS or name.text in GENERATORS or (name.text in CONSTANTS and name.text not in BINDABLE):
            kind = "constant" if name.text in CONSTANTS else "function"
            raise self.error(f"cannot bind {name.text!r}: it is a {kind} name", (name.start, name.end))
        node, _ = self.operand(equals, self.expr)
        if self.graph.nodes[node].label is None:
            self.graph.nodes[node].label = name.text
        self.env[name.text] = node
        return name.text

    # -------------------------------------------------------------- expressions
    def expr(self, min_prec: int = 1) -> tuple[int, Span]:
        left, span = self.unary()
        while True:
            tok = self.tokens[self.i]
            rule = BINARY.get(tok.text) if tok.kind == "op" else None
            if rule is None:
                return left, span
            prec, op = rule
            if prec < min_prec:
                return left, span
            self.take()
            right, rspan = self.operand(tok, self.expr, prec + 1)
            span = (span[0], rspan[1])
            left = self.add(op, (left, right), span)

    def operand(self, after: Token, parse, *args):
        """Parse what must follow `after`, with a message naming `after` if nothing does."""
        tok = self.tokens[self.i]
        if tok.kind in ("end", "sep") or tok.kind == "op" and tok.text in _NOT_A_START:
            raise self.error(f"expected an expression after {after.text!r}, found {describe(tok)}",
                             (tok.start, max(tok.end, tok.start + 1)))
        return parse(*args)

    def unary(self) -> tuple[int, Span]:
        tok = self.tokens[self.i]
        kind = tok.kind
        if (kind == "number" or kind == "name") and self.tokens[self.i + 1].text not in _AFTER_ATOM:
            span = (tok.start, tok.end)    # the common operand, a number or a bound name on its own: no descent
            if kind == "number":
                self.i += 1
                return self.graph.const(float(tok.text), span=span), span
            node = self.env.get(tok.text)
            if node is not None:
                self.i += 1
                return node, span
            return self.name()
        if kind == "op" and tok.text in "-+":
            self.take()
            self.enter(tok)
            node, span = self.operand(tok, self.unary)
            self.leave()
            span = (tok.start, span[1])
            if tok.text == "+":
                return node, span
            fresh = self.graph.nodes[node]
            if constant_leaf(fresh) and fresh.label is None and node == len(self.graph.nodes) - 1:
                fresh.params["value"] = -fresh.params["value"]
                fresh.span = span
                return node, span
            return self.add("neg", (node,), span), span
        return self.power()

    def power(self) -> tuple[int, Span]:
        base, span = self.postfix()
        tok = self.tokens[self.i]
        if tok.kind == "op" and tok.text in ("^", "**"):
            self.take()
            self.enter(tok)
            exponent, espan = self.operand(tok, self.unary)
            self.leave()
            span = (span[0], espan[1])
            return self.add("pow", (base, exponent), span), span
        return base, span

    def postfix(self) -> tuple[int, Span]:
        node, span = self.primary()
        while True:
            tok = self.tokens[self.i]
            if tok.kind == "op" and tok.text == "[":
                node, span = self.index(node, span)
            elif tok.kind == "op" and tok.text == "." and self.peek(1).kind == "name" and self.peek(1).text == "T":
                self.take()
                end = self.take().end
                span = (span[0], end)
                node = self.add("transpose", (node,), span)
            else:
                return node, span

    def primary(self) -> tuple[int, Span]:
        tok = self.tokens[self.i]
        if tok.kind == "number":
            self.take()
            return self.graph.const(float(tok.text), span=(tok.start, tok.end)), (tok.start, tok.end)
        if tok.kind == "name":
            return self.name()
        if tok.kind == "op" and tok.text == "(":
            self.take()
            self.enter(tok)
            mark = len(self.graph.nodes)
            node, _ = self.operand(tok, self.expr)
            if self.at(","):
                return self.items(tok, [node], ")", mark)
            close = self.expect(")", tok)
            self.leave()
            return node, (tok.start, close.end)
        if tok.kind == "op" and tok.text == "[":
            return self.array()
        raise self.error(f"expected an expression, found {describe(tok)}", (tok.start, max(tok.end, tok.start + 1)))

    def name(self) -> tuple[int, Span]:
        tok = self.take()
        span = (tok.start, tok.end)
        dotted = f"{tok.text}.{self.peek(1).text}"
        if (tok.text not in self.env and self.at(".") and self.peek(1).kind == "name" and dotted in FUNCTIONS
                and self.peek(2).text == "("):
            self.take()
            last = self.take()
            return self.call(Token("name", dotted, tok.start, last.end), dotted)
        if self.at("("):
            return self.call(tok, tok.text)
        if tok.text in self.env:
            return self.env[tok.text], span
        if tok.text in CONSTANTS:
            return self.graph.const(CONSTANTS[tok.text], span=span, label=tok.text), span
        if tok.text in FUNCTIONS or tok.text in GENERATORS:
            raise self.error(f"{tok.text!r} is a function: call it, as in {tok.text}(...)", span)
        if self.constant:
            raise UnknownNameError(f"unknown name {tok.text!r}: a value must be a constant, such as 1.5, "
                                   "[1, 2], arange(4) or randn(2, 3)", source=self.source, span=span)
        return self.graph.var(tok.text, span), span

    # -------------------------------------------------------------- brackets
    def array(self) -> tuple[int, Span]:
        open_ = self.take()
        self.enter(open_)
        if self.at("]"):
            raise self.error("empty array literal", (open_.start, self.peek().end))
        mark = len(self.graph.nodes)
        return self.items(open_, [self.operand(open_, self.expr)[0]], "]", mark)

    def items(self, open_: Token, items: list[int], closer: str, mark: int) -> tuple[int, Span]:
        """The rest of `[a, b, ...]` or of a tuple `(a, b, ...)` (which means the same), stacked."""
        while self.at(","):
            self.take()
            if self.at(closer):
                break
            node, _ = self.operand(open_, self.expr)
            items.append(node)
        close = self.expect(closer, open_)
        self.leave()
        span = (open_.start, close.end)
        if all(constant_leaf(self.graph.nodes[i]) for i in items):
            values = [self.graph.nodes[i].params["value"] for i in items]
            if len({v.shape for v in values}) > 1:
                shapes = ", ".join(str(v.shape) for v in values)
                raise self.error(f"array elements must all have the same shape, got {shapes}", span)
            del self.graph.nodes[mark:]
            return self.graph.const(np.stack(values), span=span), span
        return self.stacked(items, span), span

    def stacked(self, items: list[int], span: Span) -> int:
        """`[a, b, ...]` as one stack, or past WIDE elements as stacks of WIDE joined by concatenates of WIDE:
        every reverse rule of a variadic node receives all of its inputs, so one node of n inputs would cost n²."""
        if len(items) <= WIDE:
            return self.add("stack", tuple(items), span)
        level = [self.add("stack", tuple(items[i:i + WIDE]), span) for i in range(0, len(items), WIDE)]
        while len(level) > 1:
            level = [self.add("concatenate", tuple(level[i:i + WIDE]), span, {"axis": 0}) if len(level[i:i + WIDE]) > 1
                     else level[i] for i in range(0, len(level), WIDE)]
        return level[0]


FLAT = True       # tests turn it off to compare the loop with the descent
WIDE = 256        # the most inputs one stack or concatenate node of an array literal takes


def parse(source: str, *, limits: Limits = DEFAULT_LIMITS, seed: int = 0,
          rng: np.random.Generator | Seeded | None = None) -> Graph:
    """Parse a program into a `Graph` (output set, variables in order of appearance)."""
    rng = rng if rng is not None else Seeded(seed)
    return _guarded(lambda: _Parser(source, limits, rng, constant=False).program())


def _guarded(program):
    """Python's own stack is the last limit: a nesting deeper than it can take is refused, not a crash."""
    try:
        with paused():
            return program()
    except RecursionError:
        raise LimitError("the expression nests deeper than Python's stack allows; lower it with "
                         "limits=Limits(max_depth=N)") from None


def parse_constant(source: str, *, limits: Limits = DEFAULT_LIMITS,
                   rng: np.random.Generator | Seeded | None = None) -> np.ndarray:
    """The value of a constant expression, such as a `--at` value: `[1, 2]`, `randn(3)`."""
    rng = rng if rng is not None else Seeded(0)
    graph = _guarded(lambda: _Parser(source, limits, rng, constant=True).program())
    return np.asarray(evaluate_constant(graph, graph.output), dtype=np.float64)
