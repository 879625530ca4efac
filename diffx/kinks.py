"""Where an op is not differentiable, and what each method and framework answers there.

Each op of the table may declare a kink rule: given its inputs, where (which
elements) it sits at a point of non-differentiability, the one-sided
derivatives and the subdifferential there, the convention diffx's AD uses,
and what PyTorch and JAX use. `find` applies the rules after a forward pass;
`numeric` finds kinks with no rule at all (inside a Python function, or a
finite-difference step that straddles one) from one-sided differences.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


@dataclass(frozen=True)
class Kind:
    """One kind of kink of one input of an op (the same for every element that sits at it)."""

    input: int                      # which input of the op the kink is in
    where: Callable[..., Any]        # (y, *inputs, **params) -> bool array: the elements at the kink
    left: float | None              # one-sided derivatives along that input (None: not defined there)
    right: float | None
    subdifferential: str | None     # e.g. "[-1, 1]"; None where there is none
    convention: float               # what diffx's AD uses
    pytorch: str
    jax: str
    note: str = ""


@dataclass
class Kink:
    """A kink the evaluation hit: at which node, which input, and what is known there."""

    node: str
    op: str
    text: str
    input: int | None
    count: int                       # elements at the kink
    left: Any
    right: Any
    subdifferential: str | None
    convention: Any
    pytorch: str | None = None
    jax: str | None = None
    note: str = ""
    source: str = "op"               # "op": an op's declared rule; "numeric": one-sided differences
    variables: list = field(default_factory=list)    # the variables whose gradient passes through it
    components: list = field(default_factory=list)   # numeric: the (variable, index) pairs it was seen at

    def to_dict(self) -> dict:
        from .results import jsonable
        return {"node": self.node, "op": self.op, "text": self.text, "input": self.input, "count": self.count,
                "left": jsonable(self.left), "right": jsonable(self.right),
                "subdifferential": self.subdifferential, "convention": jsonable(self.convention),
                "pytorch": self.pytorch, "jax": self.jax, "note": self.note, "source": self.source}

    def sentence(self) -> str:
        """One line for people."""
        where = f"{self.op} at {self.node}" + (f" ({self.text})" if self.text else "")
        sides = ("no one-sided derivatives" if self.left is None and self.right is None else
                 f"one-sided derivatives {_t(self.left)} and {_t(self.right)}")
        sub = f", subdifferential {self.subdifferential}" if self.subdifferential else ""
        frameworks = f"; PyTorch uses {self.pytorch}, JAX {self.jax}" if self.pytorch else ""
        note = f" — {self.note}" if self.note else ""
        if self.source == "numeric" and self.left is None:
            return f"jump seen by finite differences along {self.text}{note}"
        if self.source == "numeric":
            return f"kink seen by finite differences along {self.text}: {sides}{sub}{note}"
        return f"kink: {where}: {sides}{sub}; diffx's AD uses {_t(self.convention)}{frameworks}{note}"


def _t(v) -> str:
    if v is None:
        return "undefined"
    if isinstance(v, str):
        return v
    a = np.asarray(v, dtype=float)
    if a.ndim == 0:
        x = float(a)
        return "+∞" if x == np.inf else "-∞" if x == -np.inf else f"{x:g}"
    return np.array2string(a, precision=4, separator=", ")


def at_zero(k: int, left, right, sub, conv, torch, jax, note="") -> tuple[Kind, ...]:
    return (Kind(k, lambda y, *xs, **p: np.asarray(xs[k]) == 0, left, right, sub, conv, torch, jax, note),)


def at_tie(left, right, sub, conv, torch, jax, note="") -> tuple[Kind, ...]:
    """Both inputs of a two-input op, where they are equal."""
    where = lambda y, a, b, **p: np.broadcast_to(np.asarray(a) == np.asarray(b), np.shape(y))  # noqa: E731
    return tuple(Kind(k, where, left, right, sub, conv, torch, jax, note) for k in (0, 1))


def reduction_tie(note: str) -> tuple[Kind, ...]:
    def where(y, x, axis=None, **p):
        x = np.asarray(x)
        yb = np.expand_dims(y, axis) if axis is not None else y
        hits = x == yb
        counts = np.sum(hits, axis=axis, keepdims=True)
        return hits & (counts > 1)
    return (Kind(0, where, 0.0, 1.0, "the convex hull of the tied elements' unit vectors", "1/k each",
                 "split evenly (amax)", "split evenly", note),)


def find(graph, values: list, wrt: list[str]) -> list[Kink]:
    """Every declared kink the forward pass sits on, in a node whose input the variables move."""
    from .ops import OPS
    reaches = graph.reaches_output()
    moved = {name: graph.influenced_by([graph.variables[name]]) for name in wrt}
    out = []
    with np.errstate(all="ignore"):
        for node in graph.nodes:
            op = OPS[node.op]
            if not op.kinks or not reaches[node.id]:
                continue
            args = [values[i] for i in node.inputs]
            for kind in op.kinks:
                names = [n for n in wrt if moved[n][node.inputs[kind.input]]]
                if not names:
                    continue
                hits = np.asarray(kind.where(values[node.id], *args, **node.params))
                same = [k for k in out if k.node == node.name and k.left == kind.left and k.right == kind.right]
                if hits.any() and same:          # a tie: both inputs of one node, reported once
                    same[0].input = None
                    same[0].variables = sorted(set(same[0].variables) | set(names))
                elif hits.any():
                    out.append(Kink(node.name, op.display, graph.text(node), kind.input, int(hits.sum()),
                                    kind.left, kind.right, kind.subdifferential, kind.convention,
                                    kind.pytorch, kind.jax, kind.note, variables=names))
    return out


def numeric_kink(name: str, node: str, idx: tuple, left, right, jump: bool = False) -> Kink:
    """A kink the finite differences ran into: one-sided differences that disagree (or a jump)."""
    label = name + (f"[{', '.join(map(str, idx))}]" if idx else "")
    if jump:
        return Kink(node, "finite differences", label, None, 1, None, None, None, None, source="numeric",
                    note=f"the function jumps along {label} within the finite-difference step: it is not continuous "
                         "there, so no derivative (and no subdifferential) exists, and finite differences across "
                         "it are meaningless", variables=[name], components=[(name, idx)])
    lo, hi = (np.minimum(left, right), np.maximum(left, right))
    sub = f"[{_t(lo)}, {_t(hi)}]" if np.ndim(left) == 0 else None
    return Kink(node, "finite differences", label, None, 1, left, right, sub, None, source="numeric",
                note=f"the one-sided differences along {label} disagree beyond their error: a kink at the point or "
                     "within the finite-difference step of it", variables=[name], components=[(name, idx)])


def gather(p, results) -> list[Kink]:
    """The declared kinks at the point, plus those the finite differences ran into elsewhere.

    Where an op sits at a kink but the one-sided differences agree, the
    function as a whole is smooth there and AD's answer is a convention
    applied inside it: relu(x) - relu(-x) at 0 is x, whose slope is 1.
    """
    found = find(p.graph, p.values, p.wrt)
    ran = [m for m in results if m.ran and m.method in ("central", "richardson")]
    seen = [entry for m in ran for entry in m.kinks]
    covered = {v for k in found for v in k.variables}
    for name, idx, left, right, jump in seen:
        if name not in covered and not any((name, idx) in k.components for k in found):
            node = p.graph.nodes[p.graph.variables[name]].name
            found.append(numeric_kink(name, node, idx, left, right, jump))
    kinked_seen = {name for name, *_ in seen}
    if ran:
        for k in found:
            smooth = [v for v in k.variables if v not in kinked_seen]
            if k.source == "op" and smooth:
                k.note = (k.note + "; " if k.note else "") + (
                    f"yet the function is differentiable here along {', '.join(smooth)} (its one-sided differences "
                    "agree): AD applied the op's convention inside an expression that is smooth as a whole")
    return found


def first_nonfinite(graph, values: list) -> dict | None:
    """The first node whose value is not finite although its inputs are: where NaN or ∞ was born."""
    from .ops import OPS
    bad = [not bool(np.all(np.isfinite(np.asarray(v, dtype=np.complex128)))) if v is not None else False
           for v in values]
    for node in graph.nodes:
        if bad[node.id] and not any(bad[i] for i in node.inputs):
            v = np.asarray(values[node.id], dtype=np.float64)
            sample = v.reshape(-1)[~np.isfinite(v.reshape(-1))][0]
            label = "NaN" if np.isnan(sample) else ("+∞" if sample > 0 else "-∞")
            text = graph.text(node) or graph.describe(node)
            spelled = "NaN" if np.isnan(sample) else ("Infinity" if sample > 0 else "-Infinity")
            return {"node": node.name, "op": OPS[node.op].display, "text": text, "value": spelled,
                    "count": int(np.sum(~np.isfinite(v))),
                    "message": f"{node.name} = {text} is the first non-finite value ({label}"
                               + (f" in {int(np.sum(~np.isfinite(v)))} of {v.size} elements" if v.size > 1 else "")
                               + ")"}
    return None


def first_nonfinite_adjoint(p) -> dict | None:
    """The first contribution of the reverse sweep that is NaN or ∞ although its adjoint was finite.

    A zero adjoint meeting an infinite local derivative (0·∞) is the classic
    case: the branch a where() did not take still passes a zero back through
    an op whose derivative is infinite there.
    """
    from .engine import backward
    from .ops import OPS
    found: list[dict] = []

    def step(node, k, g, c) -> None:
        if found or np.all(np.isfinite(np.asarray(c, dtype=np.complex128))):
            return
        if not np.all(np.isfinite(np.asarray(g, dtype=np.complex128))):
            return
        zero = bool(np.any(np.asarray(g) == 0))
        text = p.graph.text(node) or p.graph.describe(node)
        why = (" — a zero adjoint times an infinite local derivative (0·∞), as in the branch a where() did not take"
               if zero else "")
        found.append({"node": node.name, "op": OPS[node.op].display, "input": k, "text": text,
                      "message": f"the reverse sweep's first non-finite value came from the rule of "
                                 f"{OPS[node.op].display} at {node.name} ({text}), for its input {k}{why}"})
    ids = [p.graph.variables[n] for n in p.wrt]
    backward(p.graph, p.values, np.ones(np.shape(p.output)), wrt=ids, on_step=step)
    return found[0] if found else None
