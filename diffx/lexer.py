"""The tokenizer of the expression language: text to tokens, each with its source span, and a cursor over them.

Kept apart from the parser so the grammar reads on its own. Space and
comments vanish here, newlines inside brackets are plain space, and `2.x`
splits into 2 . x (the dot product); `2x` is refused with a hint.
"""
from __future__ import annotations

import re
from functools import partial
from itertools import accumulate, compress, repeat
from operator import itemgetter
from typing import NamedTuple

from .errors import ParseError

_TOKEN = re.compile(r"""
    [ \t\r\f]*                          # space before a token is part of its match
    (?:(?P<space>\#[^\n]*|\Z)
  | (?P<newline>\n)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<text>'[^'\n]*'|"[^"\n]*")
  | (?P<op>\*\*|<=|>=|==|!=|\.\.\.|[-+*/%@^.<>=(),;\[\]:])
  | (?P<bad>.))
""", re.VERBOSE | re.ASCII | re.DOTALL)


class Token(NamedTuple):
    kind: str   # number, name, text (in quotes: einsum's subscripts), op, sep, end
    text: str
    start: int
    end: int


# The common case in one pass of C: the text split at its tokens (space between them), no match objects. Text that
# might need a message or the `2.x` split (a character outside this set, a comment, a quote, a digit before a letter
# that is not an exponent) takes the loop below, which says what is wrong exactly as before.
_PLAIN = re.compile(r"""((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[A-Za-z_][A-Za-z_0-9]*
                        |\*\*|<=|>=|==|!=|\.\.\.|[-+*/%@^.<>=(),;\[\]:\n])""", re.VERBOSE | re.ASCII)
_NOT_PLAIN = re.compile(r"[^ \t\r\f\nA-Za-z0-9_.+\-*/%@^<>=!(),;\[\]:]|!(?!=)"
                        r"|(?>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[A-Za-z_]", re.ASCII)
# what _NOT_PLAIN can match begins with one of these (a quick pass of C before the exact one)
_MAYBE_NOT_PLAIN = re.compile(r"[^ \t\r\f\nA-Za-z0-9_.+\-*/%@^<>=!(),;\[\]:]|!|[0-9.][A-Za-z_]", re.ASCII)
# A token's kind by its whole text (operators, separators, the dot that is not a number), else by its first
# character (a digit or '.' starts a number, anything else here a name).
_KIND = {**{op: "op" for op in ("**", "<=", ">=", "==", "!=", "...", *"-+*/%@^.<>=(),[]:")}, "\n": "sep", ";": "sep"}
_FIRST = {**{c: "number" for c in "0123456789."},
          **{c: "name" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"}}
_DEPTH = {"(": 1, "[": 1, ")": -1, "]": -1}
_make = partial(tuple.__new__, Token)


def _plain(source: str) -> list[tuple] | None:
    """The tokens of text made only of plain tokens, as plain (kind, text, start, end) tuples, or None.

    Every step is a C-level pass over the whole list (kinds by table, spans by running sums of lengths), so a
    token costs a few look-ups, not an iteration of a Python loop; `Cursor.objects` makes them Tokens when
    the parser's descent needs their attributes."""
    if _MAYBE_NOT_PLAIN.search(source) and _NOT_PLAIN.search(source):
        return None
    parts = _PLAIN.split(source)             # space, token, space, token, ..., space
    if "".join(parts[0::2]).strip(" \t\r\f"):
        return None                          # something the pattern skipped: the loop says what
    texts = parts[1::2]
    pos = list(accumulate(map(len, parts)))
    kinds = map(_KIND.get, texts, map(_FIRST.get, map(itemgetter(0), texts)))
    tokens = list(zip(kinds, texts, pos[0::2], pos[1::2]))
    if "\n" in texts:
        depth = list(accumulate(map(_DEPTH.get, texts, repeat(0))))
        if min(depth) < 0 or any(compress(depth, map("\n".__eq__, texts))):
            tokens = _inside_brackets(tokens)
    n = len(source)
    tokens.append(("end", "", n, n))
    return tokens


def _inside_brackets(tokens: list[tuple]) -> list[tuple]:
    """The tokens without the newlines inside brackets (plain space there); a closer too many counts as none."""
    kept, depth = [], 0
    for tok in tokens:
        d = _DEPTH.get(tok[1])
        if d is not None:
            depth = max(depth + d, 0)
        elif depth and tok[1] == "\n":
            continue
        kept.append(tok)
    return kept


def tokenize(source: str) -> list[Token]:
    """Split text into tokens; newlines inside brackets are plain space."""
    plain = _plain(source)
    return list(map(_make, plain)) if plain is not None else _loop(source)


def _loop(source: str) -> list[Token]:
    """The tokens one match at a time, and the message and caret of what is not a token."""
    tokens: list[Token] = []
    append = tokens.append
    depth, n = 0, len(source)
    for m in _TOKEN.finditer(source):
        kind = m.lastgroup
        if kind == "space":
            continue
        pos, end = m.span(kind)
        text = m.group(kind)
        if kind == "number" and end < n and (source[end].isalpha() or source[end] == "_"):
            if not text.endswith("."):
                name = re.match(r"[A-Za-z_0-9]*", source[end:]).group()
                raise ParseError(f"a number cannot be followed directly by a name: write {text}*{name}",
                                 source=source, span=(pos, end + len(name)))
            append(Token("number", text[:-1], pos, end - 1))   # `2.x` is 2 . x, the dot product
            append(Token("op", ".", end - 1, end))
            continue
        if kind == "op":
            if text in "([":
                depth += 1
            elif text in ")]":
                depth = max(depth - 1, 0)
            elif text == ";":
                kind = "sep"
        elif kind == "newline":
            if depth:
                continue
            kind = "sep"
        elif kind == "bad":
            why = (" (a text in quotes, as einsum's subscripts, ends on the same line)" if text in "'\""
                   else "")
            raise ParseError(f"unexpected character {text!r}{why}", source=source, span=(pos, pos + 1))
        append(Token(kind, text, pos, end))
    append(Token("end", "", n, n))
    return tokens


def describe(tok: Token) -> str:
    if tok.kind == "end":
        return "end of input"
    if tok.kind == "sep":
        return "end of line" if tok.text == "\n" else "';'"
    return f"{tok.text!r}"


Span = tuple[int, int]


class Cursor:
    """A position in the tokens of `source`, and errors that point into it (what the parser reads with)."""

    def __init__(self, source: str):
        self.source = source
        plain = _plain(source)
        self.tokens = plain if plain is not None else _loop(source)
        self.i = 0

    def objects(self) -> None:
        """The tokens as `Token`s (the one-pass tokenizer's plain tuples lack the attributes the descent reads)."""
        tokens = self.tokens
        if tokens and type(tokens[0]) is not Token:
            self.tokens = list(map(_make, tokens))

    def peek(self, k: int = 0) -> Token:
        try:
            return self.tokens[self.i + k]
        except IndexError:                 # past the end: the end token
            return self.tokens[-1]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at(self, text: str) -> bool:
        return self.tokens[self.i].text == text

    def error(self, message: str, span: Span) -> ParseError:
        return ParseError(message, source=self.source, span=span)

    def expect(self, text: str, opener: Token | None = None) -> Token:
        if self.at(text):
            return self.take()
        tok = self.peek()
        where = f" to close {opener.text!r} at column {opener.start + 1}" if opener else ""
        raise self.error(f"expected {text!r}{where}, found {describe(tok)}", (tok.start, max(tok.end, tok.start + 1)))
