"""Numbers, arrays and shapes as short text: shared by every view, plain or rich."""
from __future__ import annotations

import numpy as np

SMALL = 16   # arrays up to this many elements print in full


def number(x: float, digits: int = 12) -> str:
    x = float(x)
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "∞" if x > 0 else "-∞"
    return f"{x:.{digits}g}"


def clip(text: str, width: int) -> str:
    """Text cut to `width` characters, an ellipsis marking the cut."""
    return text if len(text) <= width else text[:width - 1] + "…"


def array(a, limit: int = SMALL) -> str:
    """Compact one-line text of a value: every element when small, a summary when large."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return number(a)
    if a.size <= limit:
        text = np.array2string(a, separator=", ", formatter={"float_kind": _short}, max_line_width=10_000)
        return " ".join(text.split())        # one line, even for a matrix
    finite = a[np.isfinite(a)]
    span = f"min {number(finite.min())}, max {number(finite.max())}" if finite.size else "no finite values"
    head = ", ".join(_short(v) for v in a.ravel()[:3])
    return f"[{head}, …] shape {a.shape}, {span}"


def _short(v: float) -> str:
    return "NaN" if v != v else ("∞" if v > 0 else "-∞") if v in (np.inf, -np.inf) else f"{v:.6g}"


def shape(s: tuple) -> str:
    return "scalar" if s == () else "×".join(map(str, s))


def one_line(source: str) -> str:
    """A program as one line: statements joined by '; ', comments dropped (for titles and echoes)."""
    lines = (line.split("#", 1)[0].strip() for line in source.strip().splitlines())
    return "; ".join(line for line in lines if line)


def count(n: int, word: str, plural: str | None = None) -> str:
    """'1 pass', '3 passes'."""
    return f"{n} {word if n == 1 else plural or word + 's'}"
