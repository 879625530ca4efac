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
class Errors:
    """How far one method is from the reference."""

    max_abs_error: float
    max_rel_error: float
    ulps: float
    worst_index: dict[str, list[int]]
    agrees: bool

    def to_dict(self) -> dict:
        return {"max_abs_error": jsonable(self.max_abs_error), "max_rel_error": jsonable(self.max_rel_error),
                "ulps": jsonable(self.ulps), "worst_index": self.worst_index, "agrees": self.agrees}


@dataclass
class MethodResult:
    """What one method gave: a derivative per variable, or why it was skipped."""

    name: str
    gradient: dict[str, np.ndarray] | None = None
    seconds: float = 0.0
    evaluations: int | None = None
    formula: dict[str, np.ndarray] | None = None   # symbolic: object arrays of SymPy expressions
    step: float | None = None                       # numeric: the (largest, or base) step used
    method: str | None = None                       # numeric: which difference scheme
    skipped: str | None = None
    note: str | None = None                         # what it cost, in words ("4 tangent passes")
    estimates: dict[str, np.ndarray] | None = None  # numeric: its own error estimate per element
    optimal: dict[str, float] | None = None         # numeric central: the best step and its error
    errors: Errors | None = None                    # filled in by `judge`
    extra: dict[str, Any] = field(default_factory=dict)
    kinks: list = field(default_factory=list)       # numeric: (variable, index, left, right) where sides disagree
    nonfinite_notes: list = field(default_factory=list)   # where it is finite and the reference is not, or back
    compared: int = 0                               # elements compared with the reference (both finite)

    @property
    def ran(self) -> bool:
        return self.skipped is None

    @property
    def error_estimate(self) -> float | None:
        if self.estimates is None:
            return None
        return max((float(np.max(np.where(np.isfinite(e), e, np.inf), initial=0.0))
                    for e in self.estimates.values()), default=0.0)

    def formula_text(self, style: str = "str") -> dict[str, Any] | None:
        """Formulas as text (str, latex or SymPy's unicode pretty print), nested lists for arrays."""
        if self.formula is None:
            return None
        show = str
        if style != "str":
            import sympy
            show = {"latex": sympy.latex, "pretty": lambda e: sympy.pretty(e, use_unicode=True)}[style]
        out = {}
        for name, f in self.formula.items():
            text = np.vectorize(show, otypes=[object])(f)
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
        d["evaluations"] = self.evaluations
        d["error_estimate"] = jsonable(self.error_estimate)
        if self.optimal is not None:
            d["optimal"] = jsonable(self.optimal)
        if self.errors is not None:
            d.update(self.errors.to_dict())
        if self.note is not None:
            d["cost"] = self.note
        d.update(jsonable(self.extra))
        return d


@dataclass
class GradResult:
    """A derivative of one expression at one point by several methods, and their verdict."""

    expr: str
    at: dict[str, np.ndarray]
    value: Any
    wrt: list[str]
    methods: dict[str, MethodResult]
    reference: str                                      # what the errors are measured against
    rtol: float
    atol: float
    agree: bool = True
    max_abs_diff: float = 0.0                           # largest difference from reverse AD (or the reference)
    disagreements: list[str] = field(default_factory=list)
    kind: str = "gradient"                              # gradient, vjp, jvp, jacobian or hessian
    extra: dict[str, Any] = field(default_factory=dict)  # kind-specific JSON fields (seed, passes, ...)
    warnings: list[str] = field(default_factory=list)    # differences explained rather than counted
    notes: list[str] = field(default_factory=list)       # things worth knowing that are not differences
    kinks: list = field(default_factory=list)            # diffx.kinks.Kink: non-differentiable points hit
    nonfinite: dict | None = None                        # the first node whose value is not finite
    strict: bool = False                                 # count disagreements at kinks as failures

    @property
    def gradient(self) -> dict[str, np.ndarray]:
        """The derivative by the first AD method that ran (the reference when none did)."""
        for name in ("reverse", "forward"):
            if name in self.methods and self.methods[name].ran:
                return self.methods[name].gradient
        return self.methods[self.reference].gradient

    def to_dict(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "expr": self.expr,
            "at": jsonable(self.at),
            "value": jsonable(self.value),
            "wrt": list(self.wrt),
            "reference": self.reference,
            "methods": {name: m.to_dict(self.kind) for name, m in self.methods.items()},
            "agree": self.agree,
            "max_abs_diff": jsonable(self.max_abs_diff),
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "kinks": [k.to_dict() for k in self.kinks],
            "nonfinite": self.nonfinite,
            **{k: jsonable(v) for k, v in self.extra.items()},
        }


def _errors(m: MethodResult, ref: dict[str, np.ndarray], rtol: float,
            atol: float) -> tuple[Errors, list[tuple[str, str]]]:
    """Errors of one method against the reference, where both are finite.

    A method agrees where it is within rtol/atol of the reference, or, for a
    method with its own error estimate (finite differences), within four
    times that estimate: the expected inaccuracy of a forward difference is
    not a disagreement.
    """
    stats, where, notes, compared = np.zeros(3), {}, [], 0
    m.nonfinite_notes = []
    with np.errstate(all="ignore"):
        for name in ref:
            own = np.asarray(m.gradient[name])
            unit = np.float32 if own.dtype == np.float32 else np.float64     # ulps of the method's own precision
            a, b = own.astype(np.float64), np.asarray(ref[name], dtype=np.float64)
            both = np.isfinite(a) & np.isfinite(b)
            odd = np.isfinite(a) != np.isfinite(b)
            if odd.any():
                idx = tuple(int(i) for i in np.argwhere(odd)[0])
                label = name + (f"[{', '.join(map(str, idx))}]" if idx else "")
                m.nonfinite_notes.append(f"{m.name} gives {_word(a[idx])} where the reference gives {_word(b[idx])} "
                                         f"at {label}")
            compared += int(both.sum())
            diff = np.where(both, np.abs(a - b), 0.0)
            rel = np.where(both, np.where(b != 0, diff / np.where(b != 0, np.abs(b), 1.0),
                                          np.where(diff > 0, np.inf, 0.0)), 0.0)
            ulps = np.where(both, diff / np.spacing(np.where(both, np.abs(b), 1.0).astype(unit)), 0.0)
            if diff.size:
                where[name] = [int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape)]
                stats = np.maximum(stats, [diff.max(), rel.max(), ulps.max()])
            allowed = atol + rtol * np.abs(b)
            if m.estimates is not None:
                allowed = np.maximum(allowed, 4 * np.nan_to_num(m.estimates[name], nan=0.0, posinf=0.0))
            bad = both & (diff > allowed)
            if bad.any():
                idx = tuple(int(i) for i in np.argwhere(bad)[0])
                label = name + (f"[{', '.join(map(str, idx))}]" if idx else "")
                notes.append((name, f"{m.name} differs from the reference at {label}: {a[idx]:.17g} vs "
                                    f"{b[idx]:.17g} ({int(bad.sum())} element(s) differ)"))
    m.compared = compared
    if compared == 0 and any(np.size(ref[k]) for k in ref):
        stats = np.full(3, np.nan)            # nothing finite on both sides: no error to speak of
    return Errors(float(stats[0]), float(stats[1]), float(stats[2]), where, not notes), notes


def _word(v: float) -> str:
    v = float(v)
    return "NaN" if v != v else "∞" if v == np.inf else "-∞" if v == -np.inf else f"{v:.6g}"


def judge(result: GradResult) -> None:
    """Measure every method against the reference; fill in each one's errors and the verdict.

    A disagreement is explained, not counted, where a perturbed point of a
    Python function took another path, or (unless strict) where the gradient
    passes through a kink: there the methods answer different, legitimate
    things (one-sided derivatives, conventions), and the kinks say which.
    """
    ref = result.methods[result.reference].gradient
    kinked = {v for k in result.kinks for v in k.variables}
    notes: list[str] = []
    for m in result.methods.values():
        if not m.ran:
            continue
        m.errors, bad = _errors(m, ref, result.rtol, result.atol)
        bad = [(name, n.replace("the reference", result.reference)) for name, n in bad]
        for note in m.nonfinite_notes:
            where = _nonfinite_origin(result)
            result.warnings.append(note.replace("the reference", result.reference) +
                                   f": compared only where both are finite{where}")
        if m.name != result.reference and m.compared == 0 and not m.nonfinite_notes:
            result.warnings.append(f"{m.name}: no finite value to compare with {result.reference}")
        changes, domain = m.extra.get("path_changes"), m.extra.get("domain")
        if changes or domain:
            why = (f"a perturbed point took another path ({changes[0]}); the function is piecewise there" if changes
                   else f"{domain[0]}, near the edge of the domain")
            result.warnings.append(f"{m.name}: {why}" + (", which explains: " + "; ".join(n for _, n in bad)
                                                          if bad else ""))
            continue
        for name, note in bad:
            key = name.split(",")[0]
            if key in kinked and not result.strict:
                result.warnings.append(f"{note}: explained by the kink(s) listed (use --strict to count it)")
            else:
                notes.append(note)
    base = result.methods.get("reverse")
    base = base.gradient if base is not None and base.ran else ref
    compared = {m.name: m.compared for m in result.methods.values() if m.ran}
    diffs = [_errors(m, base, result.rtol, result.atol)[0].max_abs_error for m in result.methods.values() if m.ran]
    for m in result.methods.values():
        if m.ran:
            m.compared = compared[m.name]
    result.max_abs_diff = max((d for d in diffs if d == d), default=0.0)
    result.disagreements = notes
    result.agree = not notes


def _nonfinite_origin(result: GradResult) -> str:
    """Where the first NaN or ∞ came from, forward or in the reverse sweep, if known."""
    parts = []
    if result.nonfinite:
        parts.append(result.nonfinite["message"])
    if result.extra.get("nonfinite_adjoint"):
        parts.append(result.extra["nonfinite_adjoint"]["message"])
    return f" ({'; '.join(parts)})" if parts else ""
