"""One exception family for everything the library refuses.

Every error a user can cause is a `DiffxError`. Errors about a place in the
expression carry its source span so a front end can point at it.
"""
from __future__ import annotations


class DiffxError(Exception):
    """Base of every error diffx raises on purpose.

    `source` and `span` (start, end offsets into `source`) are set when the
    error is about a place in the expression text. Messages name Python
    parameters as `name=` (`wrt=q`); `option` is the parameter an error is
    about, so a front end with flags can say `--wrt q` instead.
    """

    def __init__(self, message: str, *, source: str | None = None,
                 span: tuple[int, int] | None = None, option: str | None = None):
        super().__init__(message)
        self.message = message
        self.source = source
        self.span = span
        self.option = option

    def located(self, source: str, span: tuple[int, int] | None) -> "DiffxError":
        """Attach a place in `source` unless the error already has one."""
        if self.span is None and span is not None:
            self.source, self.span = source, span
        return self

    @property
    def position(self) -> int | None:
        return None if self.span is None else self.span[0]

    def __str__(self) -> str:
        return self.message


class ParseError(DiffxError):
    """The text is not a valid expression (syntax)."""


class UnknownNameError(DiffxError):
    """A function or constant name that diffx does not know."""


class ShapeError(DiffxError):
    """Operand shapes that do not fit the operation."""


class InputError(DiffxError):
    """Bad values or options: a missing or extra variable, a bad `--at`."""


class LimitError(DiffxError):
    """A resource limit was reached (length, depth, nodes, elements)."""


class NotScalarError(DiffxError):
    """A gradient was asked of a non-scalar output."""


class RuleError(DiffxError):
    """An op has no rule for the requested method (e.g. no SymPy form)."""
