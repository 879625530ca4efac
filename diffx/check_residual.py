"""The difference true − expected as a formula, where SymPy can simplify it: `cos(b)` for `a*b + sin(b)` checked
against `a`. Only for gradients of small variables (a few components) given as formulas, within the symbolic time
budget; anything else (a gradient function, a large variable, an overrun) simply has no residual formula.
"""
from __future__ import annotations

import numpy as np

from .errors import DiffxError

MAX_COMPONENTS = 4       # a residual shown per component reads as a formula only for a few of them
MAX_TEXT = 160


def residual(p, name: str, formula, o) -> str | None:
    """true − expected at the problem's graph, simplified, as diffx-like text (`^` for powers), or None."""
    if o.kind != "gradient" or formula is None or isinstance(formula, np.ndarray) or np.size(p.point[name]) > MAX_COMPONENTS:
        return None
    from .budget import within
    try:
        text = within(min(o.limits.symbolic_seconds or 5.0, 5.0), _residual, p.graph, p.values, p.point, name,
                      formula, isolation=o.isolation)
    except (DiffxError, ArithmeticError, ValueError, TypeError, RecursionError):
        return None
    return text if text and len(text) <= MAX_TEXT else None


def _residual(graph, values, point, name: str, formula) -> str | None:
    from .engine import evaluate
    from .symbolic import sympy, translate
    sp = sympy()
    wrt = list(graph.variables)
    f, syms = translate(graph, values, point, wrt)
    used = list(formula.variables)
    e, _ = translate(formula, evaluate(formula, {v: point[v] for v in used}), point, used)
    if np.shape(e) != np.shape(point[name]):
        return None
    parts = [sp.simplify(sp.diff(f.item(), s) - ei) for s, ei in zip(np.ravel(syms[name]), np.ravel(e))]
    shown = [sp.sstr(r).replace("**", "^") for r in parts]
    return shown[0] if np.ndim(point[name]) == 0 else "[" + ", ".join(shown) + "]"
