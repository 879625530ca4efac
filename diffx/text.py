"""The one text layer: numbers, arrays, shapes, non-finite values, element labels, counts and times.

Every view (the terminal, graph pictures, traces, messages) formats through
these, so a value reads the same wherever it appears: infinity is `∞`/`-∞`
and not-a-number `NaN` for people, and `"Infinity"`/`"-Infinity"`/`"NaN"`
in JSON.
"""
from __future__ import annotations

import math

import numpy as np

SMALL = 16   # arrays up to this many elements print in full
JSON_WORDS = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
PEOPLE_WORDS = {"nan": "NaN", "inf": "∞", "-inf": "-∞"}


def nonfinite(x: float, json: bool = False) -> str | None:
    """The word for a non-finite number (None for a finite one)."""
    if math.isfinite(x):
        return None
    key = "nan" if x != x else "inf" if x > 0 else "-inf"
    return (JSON_WORDS if json else PEOPLE_WORDS)[key]


def number(x: float, digits: int = 12) -> str:
    x = float(x)
    return nonfinite(x) or f"{x:.{digits}g}"


def short(x: float) -> str:
    """A number in six significant digits (tables of arrays, traces, pictures)."""
    return number(x, 6)


def exact(x: float) -> str:
    """A number with every digit of its double (disagreement messages, where the last digits matter)."""
    return number(x, 17)


def value_word(v, style: str = "text") -> str:
    """A value of a kink or a message: a number, an array, 'undefined' (None) or a word (str)."""
    if v is None:
        return "undefined"
    if isinstance(v, str):
        return v
    a = np.asarray(v, dtype=float)
    if a.ndim == 0:
        return nonfinite(float(a), json=style == "json") or f"{float(a):g}"
    return array(a)


def printable(text: str) -> str:
    """User text safe for a terminal: control characters (ESC, tabs, carriage returns) shown as escapes."""
    return "".join(ch if ch.isprintable() or ch == "\n" else repr(ch)[1:-1] for ch in str(text))


def clip(text: str, width: int) -> str:
    """Text cut to `width` characters, an ellipsis marking the cut."""
    return text if len(text) <= width else text[:width - 1] + "…"


def array(a, limit: int = SMALL) -> str:
    """Compact one-line text of a value: every element when small, a summary when large."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return number(a)
    if a.size <= limit:
        text = np.array2string(a, separator=", ", formatter={"float_kind": short}, max_line_width=10_000)
        return " ".join(text.split())        # one line, even for a matrix
    finite = a[np.isfinite(a)]
    span = f"min {number(finite.min())}, max {number(finite.max())}" if finite.size else "no finite values"
    head = ", ".join(short(v) for v in a.ravel()[:3])
    return f"[{head}, …] shape {a.shape}, {span}"


def shape(s: tuple) -> str:
    return "scalar" if s == () else "×".join(map(str, s))


def index(idx: tuple) -> str:
    """'[0, 1]' for an element of an array, '' for a scalar."""
    return f"[{', '.join(map(str, idx))}]" if idx else ""


def label(name: str, idx: tuple) -> str:
    """One element of a variable: 'x[0, 1]' (or 'x' for a scalar)."""
    return name + index(tuple(idx))


def one_line(source: str) -> str:
    """A program as one line: statements joined by '; ', comments dropped (for titles and echoes)."""
    lines = (line.split("#", 1)[0].strip() for line in source.strip().splitlines())
    return "; ".join(line for line in lines if line)


def count(n: int, word: str, plural: str | None = None) -> str:
    """'1 pass', '3 passes'."""
    return f"{n} {word if n == 1 else plural or word + 's'}"


def seconds(s: float) -> str:
    """'0.128 ms', '4.58 s'."""
    return f"{s * 1e3:.3g} ms" if s < 1 else f"{s:.3g} s"


# the title of a result table of each kind, shared by the terminal and the notebook views
TITLES = {
    "gradient": lambda r, key: f"∂f/∂{key}",
    "vjp": lambda r, key: f"vᵀ·∂f/∂{key}  (vector-Jacobian product)",
    "jvp": lambda r, key: "J·t  (Jacobian-vector product)",
    "jacobian": lambda r, key: f"∂f/∂{key}  (Jacobian: output {shape(np.shape(r.value))}, input "
                               f"{shape(np.shape(r.at[key]))})",
    "hessian": lambda r, key: "∂²f/∂{}∂{}".format(*key),
}


def component(r, key, idx: tuple) -> str:
    """The name of one entry of a result array: x[0], f[1] / x[2], (x[0], y[1])."""
    if r.kind in ("gradient", "vjp"):
        return label(key, idx)
    if r.kind == "jvp":
        return "f" + index(idx)
    if r.kind == "jacobian":
        k = np.ndim(r.value)
        return f"f{index(idx[:k])} / {key}{index(idx[k:])}"
    a, b = key
    k = np.ndim(r.at[a])
    return f"{a}{index(idx[:k])}, {b}{index(idx[k:])}"


def agreeing(r) -> tuple[list[str], list[str]]:
    """The methods of an `agree` comparison that confirmed it, and those that could not (a finite difference whose
    own error estimate is infinite somewhere confirms nothing there): what the verdict line counts."""
    ran = [m for m in r.methods.values() if m.ran]
    idle = [m.name for m in ran if m.estimates is not None
            and not all(np.all(np.isfinite(np.asarray(e, dtype=np.float64))) for e in m.estimates.values())]
    return [m.name for m in ran if m.name not in idle], idle


def agreed(r, tolerance: str, diff: str) -> str:
    """The `agree` verdict's sentence, for the terminal and the notebook alike."""
    confirmed, idle = agreeing(r)
    if not idle:
        return (f"✓ agree: all {len(confirmed)} methods agree with {r.reference} ({tolerance}, finite differences "
                f"within their own error estimates; max |Δ| from reverse AD {diff})")
    return (f"✓ agree: {len(confirmed)} methods agree with {r.reference} ({tolerance}); {', '.join(idle)} could "
            f"not confirm it (its own error estimate is infinite: the steps did not resolve the derivative)")
