"""What a comparison needs to know about the point beyond the derivatives themselves.

- kinks: the op-declared non-differentiable points the forward pass sits on
  (each op's kink rules in the op table say where, and what is known there),
  plus those the finite differences ran into with no rule at all;
- where the first non-finite value was born, in the forward pass or in the
  reverse sweep (told by watching the reverse method's own sweep).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from .ops import OPS
from .records import dataclass, field  # dataclasses' own, made without compiling source
from .text import label as element_label
from .text import value_word


@dataclass(frozen=True)
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
    variables: tuple = ()            # the variables whose gradient passes through it
    components: tuple = ()           # numeric: the (variable, index) pairs it was seen at

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
                 f"one-sided derivatives {value_word(self.left)} and {value_word(self.right)}")
        sub = f", subdifferential {self.subdifferential}" if self.subdifferential else ""
        frameworks = f"; PyTorch uses {self.pytorch}, JAX {self.jax}" if self.pytorch else ""
        note = f" — {self.note}" if self.note else ""
        if self.source == "numeric" and self.left is None:
            return f"jump seen by finite differences along {self.text}{note}"
        if self.source == "numeric":
            return f"kink seen by finite differences along {self.text}: {sides}{sub}{note}"
        return f"kink: {where}: {sides}{sub}; diffx's AD uses {value_word(self.convention)}{frameworks}{note}"


def find_kinks(graph, values: list, wrt: list[str]) -> list[Kink]:
    """Every declared kink the forward pass sits on, in a node whose input the variables move."""
    reaches = graph.reaches_output()
    moved = {name: graph.influenced_by([graph.variables[name]]) for name in wrt}
    out: list[Kink] = []
    with np.errstate(all="ignore"):
        for node in graph.nodes:
            op = OPS[node.op]
            if not op.kinks or not reaches[node.id]:
                continue
            args = [values[i] for i in node.inputs]
            for rule in op.kinks:
                names = [n for n in wrt if moved[n][node.inputs[rule.input]]]
                if not names:
                    continue
                hits = np.asarray(rule.where(values[node.id], *args, **node.params))
                if not hits.any():
                    continue
                same = [i for i, k in enumerate(out) if k.node == node.name and k.left == rule.left
                        and k.right == rule.right]
                if same:                     # a tie: both inputs of one node, reported once
                    k = out[same[0]]
                    out[same[0]] = replace(k, input=None, variables=tuple(sorted(set(k.variables) | set(names))))
                else:
                    out.append(Kink(node.name, op.display, graph.text(node), rule.input, int(hits.sum()),
                                    rule.left, rule.right, rule.subdifferential, rule.convention,
                                    rule.pytorch, rule.jax, rule.note, variables=tuple(names)))
    return out


def numeric_kink(name: str, node: str, idx: tuple, left, right, jump: bool = False) -> Kink:
    """A kink the finite differences ran into: one-sided differences that disagree (or a jump)."""
    label = element_label(name, idx)
    if jump:
        return Kink(node, "finite differences", label, None, 1, None, None, None, None, source="numeric",
                    note=f"the function jumps along {label} within the finite-difference step: it is not continuous "
                         "there, so no derivative (and no subdifferential) exists, and finite differences across "
                         "it are meaningless", variables=(name,), components=((name, idx),))
    lo, hi = (np.minimum(left, right), np.maximum(left, right))
    sub = f"[{value_word(lo)}, {value_word(hi)}]" if np.ndim(left) == 0 else None
    return Kink(node, "finite differences", label, None, 1, left, right, sub, None, source="numeric",
                note=f"the one-sided differences along {label} disagree beyond their error: a kink at the point or "
                     "within the finite-difference step of it", variables=(name,), components=((name, idx),))


def gather_kinks(p, results) -> list[Kink]:
    """The declared kinks at the point, plus those the finite differences ran into elsewhere.

    Where an op sits at a kink but the one-sided differences agree, the
    function as a whole is smooth there and AD's answer is a convention
    applied inside it: relu(x) - relu(-x) at 0 is x, whose slope is 1.
    """
    found = list(p.kinks)
    ran = [m for m in results if m.ran and m.scheme in ("central", "richardson")]
    seen = [entry for m in ran for entry in m.seen_kinks]
    covered = {v for k in found for v in k.variables}
    for name, idx, left, right, jump in seen:
        if name not in covered and not any((name, idx) in k.components for k in found):
            node = p.graph.nodes[p.graph.variables[name]].name
            found.append(numeric_kink(name, node, idx, left, right, jump))
    if not ran:
        return found
    kinked_seen = {name for name, *_ in seen}
    out = []
    for k in found:
        smooth = [v for v in k.variables if v not in kinked_seen]
        if k.source == "op" and smooth:
            k = replace(k, note=(k.note + "; " if k.note else "") + (
                f"yet the function is differentiable here along {', '.join(smooth)} (its one-sided differences "
                "agree): AD applied the op's convention inside an expression that is smooth as a whole"))
        out.append(k)
    return out


def _finite(v) -> bool:
    return bool(np.all(np.isfinite(np.asarray(v, dtype=np.complex128))))


def first_nonfinite(graph, values: list) -> dict | None:
    """The first node whose value is not finite although its inputs are: where NaN or ∞ was born."""
    bad = [v is not None and not _finite(v) for v in values]
    for node in graph.nodes:
        if bad[node.id] and not any(bad[i] for i in node.inputs):
            v = np.asarray(values[node.id], dtype=np.float64)
            sample = v.reshape(-1)[~np.isfinite(v.reshape(-1))][0]
            text = graph.text(node) or graph.describe(node)
            n = int(np.sum(~np.isfinite(v)))
            return {"node": node.name, "op": OPS[node.op].display, "text": text, "value": value_word(sample, "json"),
                    "count": n,
                    "message": f"{node.name} = {text} is the first non-finite value ({value_word(sample)}"
                               + (f" in {n} of {v.size} elements" if v.size > 1 else "") + ")"}
    return None


@dataclass
class AdjointWatch:
    """Hooked into a reverse sweep: the first contribution that is NaN or ∞ although its adjoint was finite.

    A zero adjoint meeting an infinite local derivative (0·∞) is the classic
    case: the branch a where() did not take still passes a zero back through
    an op whose derivative is infinite there.
    """

    graph: Any
    found: dict | None = field(default=None)

    def __call__(self, node, k: int, g, c) -> None:
        if self.found is not None or _finite(c) or not _finite(g):
            return
        zero = bool(np.any(np.asarray(g) == 0))
        text = self.graph.text(node) or self.graph.describe(node)
        why = (" — a zero adjoint times an infinite local derivative (0·∞), as in the branch a where() did not take"
               if zero else "")
        self.found = {"node": node.name, "op": OPS[node.op].display, "input": k, "text": text,
                      "message": f"the reverse sweep's first non-finite value came from the rule of "
                                 f"{OPS[node.op].display} at {node.name} ({text}), for its input {k}{why}"}
