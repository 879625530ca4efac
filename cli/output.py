"""The one output layer: data to stdout (human or JSON), messages to stderr.

Consoles are made per call, not at import, so they write to whatever
`sys.stdout` is at the time (a terminal, a pipe, or a test runner's buffer).
"""
from __future__ import annotations

import os
import re
import sys

from diffx.errors import DiffxError, InputError
from diffx.text import printable

EXIT_OK, EXIT_DISAGREE, EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143

# the library names its parameters (`wrt=q`); the command line says its flags (`--wrt q`)
FLAGS = {"at": "--at", "wrt": "--wrt", "tangent": "--tangent", "vjp": "--vjp", "seed": "--seed",
         "random_seed": "--random-seed", "numeric": "--numeric", "order": "--order", "dtype": "--dtype",
         "mode": "--mode", "methods": "--method", "symbolic_timeout": "--symbolic-timeout", "rtol": "--rtol",
         "atol": "--atol", "python": "--python", "over": "--over", "start": "--from", "stop": "--to",
         "points": "--points", "out": "--out", "limit": "--limit", "format": "--format", "output": "--output",
         "strict": "--strict", "sizes": "--sizes", "expect": "--expect",
         "expect_python": "--expect-python", "jobs": "--jobs", "executor": "--executor", "scheduler": "--scheduler"}
KINDS = {"kind='jacobian'": "diffx jacobian", "kind='hessian'": "diffx hessian"}
_PATTERNS: list[re.Pattern] = []


def _patterns() -> list[re.Pattern]:
    """`limits=Limits(NAME=N)` and `name=` / `name=True`, compiled on first use (most runs print no such message)."""
    if not _PATTERNS:
        _PATTERNS.append(re.compile(r"limits=Limits\((\w+)=N\)"))
        _PATTERNS.append(re.compile(r"(?<![\w.\-'\"])(" + "|".join(sorted(FLAGS, key=len, reverse=True))
                                    + r")=(True\b)?(?=(\)|\s|$)?)"))
    return _PATTERNS


def flagged(text: str) -> str:
    """A library message in the command line's words: `wrt=q` is `--wrt q`, `strict=True` is `--strict`."""
    def flag(m: re.Match) -> str:
        bare = m.group(2) or m.group(3) is not None
        return FLAGS[m.group(1)] + ("" if bare else " ")
    if "=" not in text:              # every pattern below has one
        return text
    for kind, command in KINDS.items():
        text = text.replace(kind, command)
    limit, parameter = _patterns()
    return parameter.sub(flag, limit.sub(r"--limit \1=N", text))


def console(stderr: bool = False):
    from rich.console import Console
    stream = sys.stderr if stderr else sys.stdout
    width = int(os.environ["COLUMNS"]) if os.environ.get("COLUMNS", "").isdigit() else None
    if width is None and not stream.isatty():
        width = 120          # a pipe or a file has no width; 80 would fold every table
    return Console(file=stream, width=width, highlight=False, soft_wrap=False, emoji=False)


def emit_json(data: dict) -> None:
    """Exactly one strict JSON document on stdout, nothing else (saying which arrays were summarised, if any)."""
    import json                          # only --json needs it
    from diffx.results import summary_note
    sys.stdout.write(json.dumps(summary_note(data), allow_nan=False) + "\n")


def read_expression(expr: str, limit: int | None = None) -> str:
    """EXPR as typed, or `-` for standard input, or `@FILE` for a file's text, read up to `limit` characters.

    An endless input (`-` from a pipe that never closes, `@/dev/zero`) is refused once it passes the limit
    instead of being read whole.
    """
    from diffx.limits import DEFAULT_LIMITS
    limit = DEFAULT_LIMITS.max_chars if limit is None else limit
    if expr == "-":
        return _capped(sys.stdin, "standard input", limit)
    if expr.startswith("@"):
        from pathlib import Path
        path = Path(expr[1:])
        try:
            with path.open(encoding="utf-8") as fh:
                return _capped(fh, str(path), limit)
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {path}: {exc.strerror if isinstance(exc, OSError) else exc}") from None
    return expr


def _capped(stream, what: str, limit: int) -> str:
    parts, size = [], 0
    while size <= limit:                 # in chunks: read(n) sets aside n characters first, and n may be huge
        chunk = stream.read(min(1 << 20, limit + 1 - size))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    text = "".join(parts)
    if len(text) > limit:
        raise InputError(f"{what} has more than {limit:,} characters, the limit max_chars "
                         f"(raise it with --limit max_chars=N)")
    return text.rstrip()


def error_lines(exc: DiffxError) -> list[str]:
    """One line saying what is wrong, then the source line and a caret when there is a place."""
    message = flagged(exc.message) if exc.option is not None else _patterns()[0].sub(r"--limit \1=N", exc.message)
    lines = [f"error: {printable(message)}".replace("\n", "\n  ")]
    if exc.source is None or exc.span is None:
        return lines
    start, end = exc.span
    src = exc.source
    line_start = src.rfind("\n", 0, start) + 1
    line_end = src.find("\n", start)
    line_end = len(src) if line_end == -1 else line_end
    text = src[line_start:line_end]
    col = len(printable(text[:start - line_start]))
    wide = len(printable(src[start:min(end, line_end)]))
    text = printable(text)
    if len(text) > 100:                  # show a window around the place, not a whole long line
        lo = max(0, col - 40)
        text, col = ("…" if lo else "") + text[lo:lo + 80] + "…", col - lo + (1 if lo else 0)
    prefix = f"  line {src.count(chr(10), 0, start) + 1}: " if "\n" in src.strip() else "  "
    width = max(1, wide)
    lines.append(prefix + text)
    lines.append(" " * (len(prefix) + col) + "^" * min(width, max(1, len(text) - col)))
    return lines


def report_error(exc: DiffxError) -> None:
    sys.stderr.write("\n".join(error_lines(exc)) + "\n")


def note(message: str) -> None:
    sys.stderr.write(printable(message) + "\n")
