"""The result of `diffx plot`: f and its derivatives over a grid, by method, with their differences.

`diffx.plotdata` computes it; the terminal plot (cli) and the matplotlib
figure (`diffx.figure`) draw it; `to_dict()` is `diffx plot --json`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .results import SCHEMA_VERSION, jsonable

REFERENCE = "reverse"


@dataclass
class PlotData:
    """f and its derivatives over a grid of the plotted variable, by method.

    `derivatives[order][method]` is an array over the grid (order 1 or 2);
    `reference` (reverse AD) is the method the others are compared with.
    Non-finite values stay in the arrays: a plot leaves a gap there.
    """

    expr: str
    over: str
    at: dict[str, np.ndarray]                 # the other variables, fixed
    x: np.ndarray
    f: np.ndarray
    derivatives: dict[int, dict[str, np.ndarray]]
    notes: dict[int, dict[str, str]]          # how each curve was computed, in words
    seconds: dict[int, dict[str, float]]
    vectorised: bool                          # AD ran over the whole grid at once
    formulas: dict[int, str] = field(default_factory=dict)           # symbolic f′, f″ as text
    skipped: dict[int, dict[str, str]] = field(default_factory=dict)  # method that gave no curve, and why
    reference: str = REFERENCE

    @property
    def errors(self) -> dict[int, dict[str, np.ndarray]]:
        """|method − reference| at every point; NaN where either is not finite."""
        return {k: {m: difference(c, curves[self.reference]) for m, c in curves.items() if m != self.reference}
                for k, curves in self.derivatives.items()}

    def error_summary(self) -> dict[int, dict[str, dict[str, Any]]]:
        """Per curve: the largest difference from the reference, where, and how often it is exactly 0."""
        return {k: {m: _summary(self.x, d) for m, d in errs.items()} for k, errs in self.errors.items()}

    def drawn(self, y: np.ndarray) -> np.ndarray:
        """A curve as drawn: NaN (a gap) where it or f is not finite.

        A derivative exists only where the function does; AD and SymPy still
        give numbers where f is NaN (1/x for log at x < 0), which a picture
        would show as a curve of a function that is not there.
        """
        return np.where(np.isfinite(y) & np.isfinite(self.f), y, np.nan)

    def curves(self) -> list[tuple[int, str | None, np.ndarray]]:
        """Every curve as drawn, f first: (order, method or None, values)."""
        out: list[tuple[int, str | None, np.ndarray]] = [(0, None, self.drawn(self.f))]
        out += [(k, m, self.drawn(y)) for k, cs in self.derivatives.items() for m, y in cs.items()]
        return out

    def y_limits(self, tail: float = 0.01, spread: float = 5.0) -> tuple[float, float] | None:
        """A y range that keeps spikes (near a pole) from flattening everything else, or None.

        When the full range of the drawn values is more than `spread` times
        the range of their middle 98%, the axis shows that middle range (plus
        a margin); values beyond it run off the chart.
        """
        ys = np.concatenate([y[np.isfinite(y)] for _, _, y in self.curves()])
        if ys.size < 10:
            return None
        lo, hi = np.quantile(ys, [tail, 1.0 - tail])
        if float(ys.max() - ys.min()) <= spread * float(hi - lo) or hi <= lo:
            return None
        margin = 0.15 * float(hi - lo)
        return float(lo) - margin, float(hi) + margin

    def has_errors_to_show(self) -> bool:
        """Whether any method differs from the reference somewhere (a log scale cannot show 0)."""
        return any(bool(np.any(self.drawn(d) > 0)) for errs in self.errors.values() for d in errs.values())

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:   # Jupyter: the figure (diffx.plotview)
        from .plotview import bundle
        return bundle(self)

    def to_dict(self) -> dict:
        def by_order(d: dict) -> dict:
            return {str(k): v for k, v in d.items()}
        return {
            "schema_version": SCHEMA_VERSION,
            "expr": self.expr,
            "over": self.over,
            "at": jsonable(self.at),
            "points": int(self.x.size),
            "x": jsonable(self.x),
            "f": jsonable(self.f),
            "reference": self.reference,
            "vectorised": self.vectorised,
            "derivatives": jsonable(by_order(self.derivatives)),
            "errors": jsonable(by_order(self.errors)),
            "max_abs_error": jsonable(by_order({k: {m: s["max"] for m, s in v.items()}
                                                for k, v in self.error_summary().items()})),
            "formulas": by_order(self.formulas),
            "notes": by_order(self.notes),
            "seconds": by_order(self.seconds),
            "skipped": by_order(self.skipped),
        }


def difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        d = np.abs(a - b)
    return np.where(np.isfinite(a) & np.isfinite(b), d, np.nan)


def _summary(x: np.ndarray, d: np.ndarray) -> dict[str, Any]:
    finite = np.isfinite(d)
    if not finite.any():
        return {"max": None, "at": None, "equal": 0, "compared": 0}
    i = int(np.nanargmax(np.where(finite, d, -1.0)))
    return {"max": float(d[i]), "at": float(x[i]), "equal": int(np.sum(d[finite] == 0.0)),
            "compared": int(finite.sum())}
