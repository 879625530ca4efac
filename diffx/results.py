"""Results of the methods, and their JSON form (the `--json` output of the CLI).

`to_dict()` returns strict-JSON-ready data: arrays become nested lists and
non-finite numbers the strings "NaN", "Infinity", "-Infinity", so that
`json.dumps(r.to_dict(), allow_nan=False)` always works and
`json.loads(output) == r.to_dict()` holds.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SCHEMA_VERSION = 1


def jsonable(v: Any) -> Any:
    """Numbers and arrays as JSON data, with non-finite numbers spelled as strings."""
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, (np.ndarray, np.generic)) and np.asarray(v).dtype != object:
        a = np.asarray(v, dtype=np.float64)
        return _number(float(a)) if a.ndim == 0 else [jsonable(x) for x in a]
    if isinstance(v, np.ndarray):
        return [jsonable(x) for x in v] if v.ndim else jsonable(v.item())
    if isinstance(v, bool) or v is None or isinstance(v, (str, int)):
        return v
    if isinstance(v, float):
        return _number(v)
    return str(v)


def _number(x: float):
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


@dataclass
class MethodResult:
    """What one method gave: a gradient per variable, or why it was skipped."""

    name: str
    gradient: dict[str, np.ndarray] | None = None
    seconds: float = 0.0
    evaluations: int | None = None
    formula: dict[str, np.ndarray] | None = None   # symbolic: object arrays of SymPy expressions
    step: float | None = None                       # numeric: the step used
    method: str | None = None                       # numeric: which difference formula
    skipped: str | None = None
    note: str | None = None                         # what it cost, in words ("4 tangent passes")

    @property
    def ran(self) -> bool:
        return self.skipped is None

    def formula_text(self) -> dict[str, Any] | None:
        """Formulas as strings: one per scalar variable, a nested list for arrays."""
        if self.formula is None:
            return None
        out = {}
        for name, f in self.formula.items():
            text = np.vectorize(str, otypes=[object])(f)
            out[name] = text.item() if text.ndim == 0 else text.tolist()
        return out

    def to_dict(self, key: str = "gradient") -> dict:
        if self.skipped is not None:
            return {"skipped": self.skipped}
        arrays = self.gradient["jvp"] if key == "jvp" else self.gradient   # a JVP is one array, not per variable
        d: dict[str, Any] = {key: jsonable(arrays), "seconds": self.seconds}
        if self.method is not None:
            d["method"] = self.method
        if self.formula is not None:
            d["formula"] = self.formula_text()
        if self.step is not None:
            d["step"] = jsonable(self.step)
        if self.evaluations is not None:
            d["evaluations"] = self.evaluations
        if self.note is not None:
            d["cost"] = self.note
        return d


@dataclass
class GradResult:
    """The gradient of one expression at one point by several methods, and their verdict."""

    expr: str
    at: dict[str, np.ndarray]
    value: Any
    wrt: list[str]
    methods: dict[str, MethodResult]
    reference: str
    rtol: float
    atol: float
    agree: bool = True
    max_abs_diff: float = 0.0
    disagreements: list[str] = field(default_factory=list)
    kind: str = "gradient"                              # gradient, vjp, jvp, jacobian or hessian
    extra: dict[str, Any] = field(default_factory=dict)  # kind-specific JSON fields (seed, passes, ...)

    @property
    def gradient(self) -> dict[str, np.ndarray]:
        return self.methods[self.reference].gradient

    def to_dict(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "expr": self.expr,
            "at": jsonable(self.at),
            "value": jsonable(self.value),
            "wrt": list(self.wrt),
            "methods": {name: m.to_dict(self.kind) for name, m in self.methods.items()},
            "agree": self.agree,
            "max_abs_diff": jsonable(self.max_abs_diff),
            **{k: jsonable(v) for k, v in self.extra.items()},
        }


def judge(result: GradResult) -> None:
    """Compare every method with the reference where both are finite; fill the verdict."""
    ref = result.methods[result.reference].gradient
    worst, notes = 0.0, []
    for m in result.methods.values():
        if m.name == result.reference or not m.ran:
            continue
        for name in ref:
            a, b = np.asarray(m.gradient[name]), np.asarray(ref[name])
            both = np.isfinite(a) & np.isfinite(b)
            if not both.any():
                continue
            diff = np.where(both, np.abs(a - b), 0.0)
            worst = max(worst, float(diff.max()))
            bad = both & ~np.isclose(a, b, rtol=result.rtol, atol=result.atol)
            if bad.any():
                idx = tuple(int(i) for i in np.argwhere(bad)[0])
                where = name + (f"[{', '.join(map(str, idx))}]" if idx else "")
                notes.append(f"{m.name} differs from {result.reference} at {where}: "
                             f"{a[idx]:.17g} vs {b[idx]:.17g} ({int(bad.sum())} element(s) differ)")
    result.max_abs_diff = worst
    result.disagreements = notes
    result.agree = not notes
