"""The tokenizer of the expression language: text to tokens, each with its source span, and a cursor over them.

Kept apart from the parser so the grammar reads on its own. Space and
comments vanish here, newlines inside brackets are plain space, and `2.x`
splits into 2 . x (the dot product); `2x` is refused with a hint.
"""
from __future__ import annotations

import re
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


# The common case in one pass of C: every token with the space before it, no match objects. Text that might need
# a message or the `2.x` split (a character outside this set, a comment, a quote, a digit before a letter that is
# not an exponent) takes the loop below, which says what is wrong exactly as before.
_PLAIN = re.compile(r"""([ \t\r\f]*)((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[A-Za-z_][A-Za-z_0-9]*
                        |\*\*|<=|>=|==|!=|\.\.\.|[-+*/%@^.<>=(),;\[\]:\n])""", re.VERBOSE | re.ASCII)
_NOT_PLAIN = re.compile(r"[^ \t\r\f\nA-Za-z0-9_.+\-*/%@^<>=!(),;\[\]:]|!(?!=)"
                        r"|(?>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[A-Za-z_]", re.ASCII)
_KIND = {**{c: "number" for c in "0123456789."},
         **{c: "name" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"}}
_DEPTH = {"(": 1, "[": 1, ")": -1, "]": -1}


def _plain(source: str) -> list[Token] | None:
    """The tokens of text made only of plain tokens (the loop's result, faster), or None."""
    if _NOT_PLAIN.search(source):
        return None
    tokens: list[Token] = []
    append, new, kind_of, step = tokens.append, tuple.__new__, _KIND.get, _DEPTH.get
    pos = depth = 0
    for space, text in _PLAIN.findall(source):
        start = pos + len(space) if space else pos
        pos = start + len(text)
        kind = kind_of(text[0], "op")
        if kind == "number" and (text == "." or text == "..."):
            kind = "op"
        elif kind == "op":
            if text == "\n":
                if depth:
                    continue
                kind = "sep"
            elif text == ";":
                kind = "sep"
            else:
                d = step(text)
                if d is not None:
                    depth = max(depth + d, 0)
        append(new(Token, (kind, text, start, pos)))
    if source[pos:].strip(" \t\r\f"):
        return None                    # something the pattern skipped: the loop says what
    n = len(source)
    append(new(Token, ("end", "", n, n)))
    return tokens


def tokenize(source: str) -> list[Token]:
    """Split text into tokens; newlines inside brackets are plain space."""
    plain = _plain(source)
    if plain is not None:
        return plain
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
        self.tokens = tokenize(source)
        self.i = 0

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
