"""What the verdict says of a Hessian's elements: which first derivative jumps or kinks along which variable,
and that a mixed second derivative exists only where both of its orders do.

Kept apart from `comparison` (which judges every kind) because only second derivatives have two variables
per element: ∂²f/∂a∂b is ∂f/∂a differentiated along b, and its mirror ∂²f/∂b∂a the same derivative the other way.
"""
from __future__ import annotations

import numpy as np

from .problem import Problem
from .results import key_text
from .text import label

BAD_MIRRORS = ("kink", "undefined")       # a mirror's outcome that an element cannot be better than


def _parts(p: Problem, key, idx: tuple) -> tuple[str, str]:
    """A Hessian element's first derivative's variable element and the one it is differentiated along."""
    a, b = key
    k = np.ndim(p.point[a])
    return label(a, idx[:k]), label(b, idx[k:])


def jumps(p: Problem, key, idx: tuple) -> str:
    """Why a jump leaves no derivative: for a Hessian element, the first derivative is what jumps."""
    if p.options.kind == "hessian":
        of, along = _parts(p, key, idx)
        return (f"∂f/∂{of} jumps along {along}: it is not continuous there, so no second derivative exists (its "
                "differences across the point do not shrink with the step)")
    return (f"the function jumps along {label(key_text(key), idx)}: it is not continuous there, so no derivative "
            "exists (its differences across the point do not shrink with the step)")


def where(p: Problem, key, idx: tuple) -> str:
    """The element's direction as the messages say it: 'x[0]', or for a Hessian element 'x, of ∂f/∂y'."""
    if p.options.kind == "hessian":
        of, along = _parts(p, key, idx)
        return f"{along}, of ∂f/∂{of}"
    return label(key_text(key), idx)


def mirrored(p: Problem, by_key: dict, order: tuple) -> None:
    """An element no better than its mirror's kink or undefined (`order`: the outcomes, best first): where
    ∂f/∂y = |x| has a kink along x, the mixed derivative ∂²f/∂x∂y does not exist either, though ∂f/∂x's
    convention (y·sign(0) = 0) is smooth in y."""
    before = dict(by_key)
    for (a, b), v in before.items():
        m = before.get((b, a))
        if a == b or m is None or m["verdict"] not in BAD_MIRRORS or order.index(m["verdict"]) <= order.index(v["verdict"]):
            continue
        k = np.ndim(p.point[b])
        elements = [list(e[k:]) + list(e[:k]) for e in m["elements"]]
        by_key[(a, b)] = {"verdict": m["verdict"], "elements": elements,
                          "reason": f"as its mirror {b},{a} (a mixed derivative exists only where both orders do): "
                                    f"{m['reason']}"}
