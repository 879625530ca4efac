"""einsum for the op table: reading its subscripts (with '...'), its forward, and its rules, which are einsums
again (a letter only one operand has is broadcast back with ones, a repeated letter spread with an identity);
and the products written as einsum (dot of higher ranks, tensordot, kron).
"""
from __future__ import annotations

import math

import numpy as np

from .dispatch import P

# the ASCII letters of `string`, without importing it (its Template class compiles a pattern at import)
LOWER = "abcdefghijklmnopqrstuvwxyz"
UPPER = LOWER.upper()


# ---------------------------------------------------------------- einsum
class SubscriptError(ValueError):
    """A malformed einsum subscript string; `position` is the offending character's index in it."""

    def __init__(self, message: str, position: int):
        super().__init__(message)
        self.position = position


def read_subscripts(text: str, operands: int | None = None) -> tuple[list[str], str | None]:
    """'ij,jk->ik' as (['ij', 'jk'], 'ik'); None for an implicit output. Checks the characters."""
    body, arrow, out = text.partition("->")
    for pos, ch in enumerate(text):
        if not (ch.isascii() and ch.isalpha()) and ch not in ",.->" and ch != " ":
            raise SubscriptError(f"einsum subscripts take letters, ',', '->' and '...', not {ch!r}", pos)
    if "-" in out or ">" in out or body.count("-") or body.count(">"):
        pos = text.find("-", len(body) + 2) if "-" in out or ">" in out else max(body.find("-"), body.find(">"))
        raise SubscriptError("einsum subscripts have at most one '->', between the inputs and the output", pos)
    ins = [s.replace(" ", "") for s in body.split(",")]
    start = 0
    for s in body.split(","):
        stripped = s.replace(" ", "")
        if stripped.replace("...", "").count(".") or stripped.count("...") > 1:
            raise SubscriptError("'.' appears only as '...' (once per operand)", start + s.find("."))
        start += len(s) + 1
    if operands is not None and len(ins) != operands:
        raise SubscriptError(f"the subscripts name {len(ins)} operand(s) but einsum got {operands}",
                             len(body) if len(ins) < operands else body.rfind(","))
    if arrow:
        o = out.replace(" ", "")
        for pos, ch in enumerate(out):
            if ch.isalpha() and out.count(ch) > 1:
                raise SubscriptError(f"the output names {ch!r} twice", len(body) + 2 + pos)
            if ch.isalpha() and not any(ch in s for s in ins):
                raise SubscriptError(f"the output's {ch!r} is in no input", len(body) + 2 + pos)
        return ins, o
    return ins, None


def explicit(subscripts: str, shapes: list[tuple]) -> tuple[list[str], str]:
    """The subscripts with '...' spelled out in capital letters and the output made explicit."""
    ins, out = read_subscripts(subscripts, len(shapes))
    free = [c for c in UPPER if c not in subscripts]
    dots = max((len(s) - len(sub.replace("...", "")) for sub, s in zip(ins, shapes) if "..." in sub), default=0)
    letters = "".join(free[:dots])
    spelled = []
    for sub, shape in zip(ins, shapes):
        if "..." in sub:
            n = len(shape) - len(sub.replace("...", ""))
            if n < 0:
                raise ValueError(f"einsum operand of shape {shape} has fewer axes than {sub!r} names")
            sub = sub.replace("...", letters[dots - n:])
        if len(sub) != len(shape):
            raise ValueError(f"einsum subscripts {sub!r} name {len(sub)} axes, the operand has shape {shape}")
        spelled.append(sub)
    if out is None:
        alone = sorted(c for c in set("".join(spelled)) if c.islower() and "".join(spelled).count(c) == 1)
        out = letters + "".join(alone)
    else:
        out = out.replace("...", letters)
    return spelled, out


def einsum(*xs, subscripts):
    ins, out = explicit(subscripts, [np.shape(x) for x in xs])
    return np.einsum(",".join(ins) + "->" + out, *xs)


def einsum_size(shapes, params) -> int:
    ins, out = explicit(params["subscripts"], list(shapes))
    sizes = {c: n for sub, s in zip(ins, shapes) for c, n in zip(sub, s) if n != 1}
    return math.prod(sizes.get(c, 1) for c in out)


def einsum_vjp(g, xs, k: int, subscripts: str):
    """The cotangent of operand k: g contracted with the other operands onto operand k's subscripts.

    A letter only operand k has (summed there alone) is broadcast with a ones
    vector; a letter it repeats (a diagonal) is spread with an identity matrix.
    """
    ins, out = explicit(subscripts, [np.shape(x) for x in xs])
    sizes = {c: n for sub, x in zip(ins, xs) for c, n in zip(sub, np.shape(x)) if n != 1}
    spare = iter(c for c in (LOWER + UPPER) if c not in "".join(ins) + out)
    target, extra, subs = "", [], [out] + [s for i, s in enumerate(ins) if i != k]
    for c in ins[k]:
        if c in target:
            d = next(spare)
            extra.append((np.eye(sizes.get(c, 1)), c + d))
            target += d
        else:
            target += c
    present = set("".join(subs))
    for c in dict.fromkeys(ins[k]):
        if c not in present:
            extra.append((np.ones(sizes.get(c, 1)), c))
    operands = [g] + [x for i, x in enumerate(xs) if i != k] + [e for e, _ in extra]
    spec = ",".join(subs + [s for _, s in extra]) + "->" + target
    return P.einsum(*operands, subscripts=spec)


def einsum_jvp(t, xs, k: int, subscripts: str):
    return P.einsum(*[t if i == k else x for i, x in enumerate(xs)], subscripts=subscripts)


# ---------------------------------------------------------------- products written as einsum
def dot_subscripts(sa: tuple, sb: tuple) -> str:
    """numpy dot of any ranks: a's last axis with b's second-to-last (or only) axis."""
    if not sa or not sb:
        raise ValueError("dot with a scalar is a product")
    a = LOWER[:len(sa) - 1] + "z"
    rest = LOWER[len(sa) - 1:len(sa) - 1 + len(sb) - 1]
    b = (rest[:-1] + "z" + rest[-1:]) if len(sb) >= 2 else "z"
    return f"{a},{b}->{a[:-1]}{b.replace('z', '')}"


def tensordot_subscripts(sa: tuple, sb: tuple, axes) -> str:
    if isinstance(axes, int):
        if axes > min(len(sa), len(sb)):
            raise ValueError(f"axes={axes} is more than the operands of shapes {sa} and {sb} have")
        pairs = (tuple(range(len(sa) - axes, len(sa))), tuple(range(axes)))
    else:
        pairs = axes
    ia, ib = [p % len(sa) for p in pairs[0]], [p % len(sb) for p in pairs[1]]
    if len(ia) != len(ib):
        raise ValueError(f"axes pairs {len(ia)} axes of a with {len(ib)} of b")
    for i, j in zip(ia, ib):
        if sa[i] != sb[j]:
            raise ValueError(f"tensordot pairs axis {i} of a (length {sa[i]}) with axis {j} of b (length {sb[j]})")
    letters = iter(LOWER)
    a = [next(letters) for _ in sa]
    b = [next(letters) for _ in sb]
    for i, j in zip(ia, ib):
        b[j] = a[i]
    out = [c for n, c in enumerate(a) if n not in ia] + [c for n, c in enumerate(b) if n not in ib]
    return "".join(a) + "," + "".join(b) + "->" + "".join(out)


def kron_subscripts(sa: tuple, sb: tuple) -> tuple[str, tuple]:
    """kron as an outer product reshaped: Y[(i0 j0), (i1 j1), ...] = a[i0, i1, ...] b[j0, j1, ...]."""
    if len(sa) != len(sb) or not sa:
        raise ValueError(f"kron takes two arrays of the same rank (at least 1), got shapes {sa} and {sb}")
    a = LOWER[:len(sa)]
    b = UPPER[:len(sb)]
    return f"{a},{b}->" + "".join(x + y for x, y in zip(a, b)), tuple(x * y for x, y in zip(sa, sb))
