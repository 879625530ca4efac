"""Resource limits: every input is answered or refused in bounded time."""
from __future__ import annotations

from .records import dataclass  # dataclasses' own, made without compiling source


@dataclass(frozen=True)
class Limits:
    """Bounds on what one request may ask for.

    Each limit is named in the message that refuses it, so a user knows what
    to raise: `diffx.parse(text, limits=Limits(max_chars=10**6))`.
    """

    max_chars: int = 100_000          # characters of expression text
    max_depth: int = 100              # nesting of brackets, calls, unary and power chains
    max_nodes: int = 1_000_000        # nodes in one graph
    max_elements: int = 10_000_000    # elements of one array built from a value expression
    max_symbolic_components: int = 400  # scalar inputs the symbolic method will take
    symbolic_seconds: float = 5.0     # time budget of the symbolic method (0: none)
    max_work: int = 1_500_000_000     # element-operations a command may be estimated to take (about 5 s here)
    max_memory: int = 2 * 1024 ** 3   # bytes a reverse sweep may keep (every value and its adjoint), and results
    max_output_elements: int = 100_000  # elements of an array written whole; larger ones are summarised


DEFAULT_LIMITS = Limits()
LARGEST = 2.0 ** 62          # a limit's largest value: every count and size fits a C integer (numpy's, a read's)


def how_to_raise(name: str) -> str:
    """The second half of every limit's message: how a user raises it (the command line says --limit NAME=N)."""
    return f"raise it with limits=Limits({name}=N)"


def with_overrides(base: Limits, settings: list[str]) -> Limits:
    """Limits with `name=value` texts applied (what the command line's --limit gives)."""
    from dataclasses import fields, replace
    from .errors import InputError
    kinds = {f.name: f.type for f in fields(Limits)}
    changes = {}
    for text in settings:
        name, sep, value = text.partition("=")
        name = name.strip()
        if not sep or name not in kinds:
            raise InputError(f"limit={text!r}: write NAME=VALUE with NAME one of {', '.join(kinds)}", option="limit")
        try:
            number = float(value)
        except ValueError:
            raise InputError(f"limit={text!r}: {value!r} is not a number", option="limit") from None
        if not number >= 0 or number == float("inf"):
            raise InputError(f"limit={text!r}: a limit is a finite number of at least 0", option="limit")
        if number > LARGEST:
            raise InputError(f"limit={text!r}: a limit is at most {LARGEST:.3g}", option="limit")
        changes[name] = number if name == "symbolic_seconds" else int(number)
    return replace(base, **changes)
