"""Results of the methods and of a comparison, and their JSON form (the `--json` output of the CLI).

`to_dict()` returns strict-JSON-ready data: arrays become nested lists and
non-finite numbers the strings "NaN", "Infinity", "-Infinity", so that
`json.dumps(r.to_dict(), allow_nan=False)` always works and
`json.loads(output) == r.to_dict()` holds.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator

import numpy as np

from .limits import DEFAULT_LIMITS
from .records import dataclass, field  # dataclasses' own, made without compiling source
from .text import nonfinite

SCHEMA_VERSION = 1
FIRST = 5                 # elements a summarised array shows
# the size beyond which arrays are summarised in JSON: the run's max_output_elements (None: the default limit)
OUTPUT_LIMIT: ContextVar[int | None] = ContextVar("diffx_output_limit", default=None)


@contextmanager
def output_limit(n: int | None) -> Iterator[None]:
    """JSON written inside summarises arrays of more than `n` elements (None: leave the current limit)."""
    token = OUTPUT_LIMIT.set(n if n is not None else OUTPUT_LIMIT.get())
    try:
        yield
    finally:
        OUTPUT_LIMIT.reset(token)


def jsonable(v: Any) -> Any:
    """Numbers and arrays as JSON data, with non-finite numbers spelled as strings.

    An array of more than max_output_elements elements (`OUTPUT_LIMIT`) is
    written as a summary, `{"summarised": true, "shape", "min", "max",
    "mean", "first"}`, so no output grows to gigabytes unasked; `summary_note`
    says at the top which were summarised and how to get them whole.
    """
    if isinstance(v, dict):
        return {key_text(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, (np.ndarray, np.generic)) and np.asarray(v).dtype != object:
        a = np.asarray(v, dtype=np.float64)
        if a.ndim == 0:
            return _number(float(a))
        limit = OUTPUT_LIMIT.get()
        if a.size > (DEFAULT_LIMITS.max_output_elements if limit is None else limit):
            return summary(a)
        return a.tolist() if np.isfinite(a).all() else _spelled(a.tolist())
    if isinstance(v, np.ndarray):
        return [jsonable(x) for x in v] if v.ndim else jsonable(v.item())
    if isinstance(v, bool) or v is None or isinstance(v, (str, int)):
        return v
    if isinstance(v, float):
        return _number(v)
    return str(v)


def _spelled(items):
    return [_spelled(x) for x in items] if isinstance(items, list) else _number(items)


def summary(a: np.ndarray) -> dict:
    """A large array in a few numbers: its shape, its finite elements' min, max and mean, and its first elements."""
    finite = a[np.isfinite(a)]
    stats = [float(f(finite)) if finite.size else math.nan for f in (np.min, np.max, np.mean)]
    return {"summarised": True, "shape": list(a.shape), "size": int(a.size), "finite": int(finite.size),
            **{k: _number(x) for k, x in zip(("min", "max", "mean"), stats)},
            "first": [_number(float(x)) for x in a.ravel()[:FIRST]]}


def summary_note(data: dict) -> dict:
    """`data` with, when some of its arrays were summarised, a top-level "summarised" naming them and how to get
    them whole; unchanged otherwise."""
    found: list[str] = []
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, v = stack.pop()
        if isinstance(v, dict):
            if v.get("summarised") is True and "shape" in v:
                found.append(path or "(top)")
                continue
            stack += [(f"{path}.{k}" if path else str(k), x) for k, x in v.items()]
        elif isinstance(v, list) and v and isinstance(v[0], (dict, list)):
            stack += [(f"{path}[{i}]", x) for i, x in enumerate(v)]
    if not found:
        return data
    limit = OUTPUT_LIMIT.get()
    limit = DEFAULT_LIMITS.max_output_elements if limit is None else limit
    return {**data, "summarised": {
        "arrays": sorted(found), "limit": limit,
        "how": f"arrays of more than {limit:,} elements, the limit max_output_elements, are summarised; to get "
               "them whole raise it: --limit max_output_elements=N (limits=Limits(max_output_elements=N))"}}


def key_text(k: Any) -> str:
    """A dict key for JSON: a Hessian block's pair of variables ("a", "b") is "a,b"."""
    return ",".join(map(str, k)) if isinstance(k, tuple) else str(k)


def _number(x: float):
    return x if math.isfinite(x) else nonfinite(x, json=True)


@dataclass(frozen=True)
class Errors:
    """How far one method is from the reference."""

    max_abs_error: float
    max_rel_error: float
    ulps: float
    worst_index: dict[str, list[int]]
    agrees: bool
    compared: int = 0                 # elements compared (finite on both sides)

    def to_dict(self) -> dict:
        return {"max_abs_error": jsonable(self.max_abs_error), "max_rel_error": jsonable(self.max_rel_error),
                "ulps": jsonable(self.ulps), "worst_index": {key_text(k): v for k, v in self.worst_index.items()},
                "agrees": self.agrees}


@dataclass(frozen=True)
class Disagreement:
    """One method differing from the reference beyond the tolerance, on one variable (or Hessian block)."""

    method: str
    key: Any                          # variable name, or a (a, b) pair for a Hessian block
    message: str


@dataclass
class MethodResult:
    """What one method gave: a derivative per variable (or per pair of variables), or why it was skipped."""

    name: str
    derivative: dict[Any, np.ndarray] | None = None
    seconds: float = 0.0
    evaluations: int | None = None
    formula: dict[str, np.ndarray] | None = None   # symbolic: object arrays of SymPy expressions
    step: float | None = None                       # numeric: the (largest, or base) step used
    scheme: str | None = None                       # numeric: which difference scheme
    skipped: str | None = None
    cost: str | None = None                         # what it cost, in words ("4 tangent passes")
    estimates: dict[str, np.ndarray] | None = None  # numeric: its own error estimate per element
    optimal: dict[str, float] | None = None         # numeric central: the best step and its error
    extra: dict[str, Any] = field(default_factory=dict)
    matrix_form: dict[str, str] | None = None       # symbolic: {name: diffx program}, the derivative in matrix form
    seen_kinks: list = field(default_factory=list)  # numeric: (variable, index, left, right, jump) where sides disagree

    @property
    def ran(self) -> bool:
        return self.skipped is None

    @property
    def gradient(self) -> dict[Any, np.ndarray] | None:
        """The derivative under the name most results have (a gradient)."""
        return self.derivative

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
        arrays = self.derivative["jvp"] if key == "jvp" else self.derivative   # a JVP is one array
        d: dict[str, Any] = {key: jsonable(arrays), "seconds": self.seconds}
        if self.scheme is not None:
            d["method"] = self.scheme
        if self.formula is not None:
            d["formula"] = self.formula_text()
        if self.matrix_form is not None:
            d["matrix_form"] = dict(self.matrix_form)
        if self.step is not None:
            d["step"] = jsonable(self.step)
        d["evaluations"] = self.evaluations
        d["error_estimate"] = jsonable(self.error_estimate)
        if self.optimal is not None:
            d["optimal"] = jsonable(self.optimal)
        if self.cost is not None:
            d["cost"] = self.cost
        d.update(jsonable(self.extra))
        return d


@dataclass
class Comparison:
    """A derivative of one expression at one point by several methods, and their verdict."""

    expr: str
    at: dict[str, np.ndarray]
    value: Any
    wrt: list[str]
    methods: dict[str, MethodResult]
    reference: str                                      # what the errors are measured against
    rtol: float
    atol: float
    kind: str = "gradient"                              # gradient, vjp, jvp, jacobian or hessian
    errors: dict[str, Errors] = field(default_factory=dict)     # per method that ran, against the reference
    verdict: str = "agree"                              # agree, kink, inconclusive, undefined or disagree
    verdicts: dict[Any, dict] = field(default_factory=dict)     # per variable: verdict, deciding elements, reason
    agree: bool = True                                  # the verdict is "agree"
    max_abs_diff: float = 0.0                           # largest difference from reverse AD (or the reference)
    disagreements: list[Disagreement] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # kind-specific JSON fields (seed, passes, ...)
    warnings: list[str] = field(default_factory=list)    # differences explained rather than counted
    notes: list[str] = field(default_factory=list)       # things worth knowing that are not differences
    kinks: list = field(default_factory=list)            # diffx.diagnostics.Kink: non-differentiable points hit
    nonfinite: dict | None = None                        # the first node whose value is not finite
    strict: bool = False                                 # count disagreements at kinks as failures
    output_limit: int | None = None                      # max_output_elements of the run (None: the current one)

    @property
    def gradient(self) -> dict[str, np.ndarray]:
        """The derivative by the first AD method that ran (the reference when none did)."""
        for name in ("reverse", "forward"):
            if name in self.methods and self.methods[name].ran:
                return self.methods[name].derivative
        return self.methods[self.reference].derivative

    @property
    def passed(self) -> bool:
        """What the exit status says: the methods agree, or the point is a kink (unless strict)."""
        return self.verdict == "agree" or (self.verdict == "kink" and not self.strict)

    @property
    def messages(self) -> list[str]:
        return [d.message for d in self.disagreements]

    def _repr_html_(self) -> str:                 # Jupyter: the table and verdict (diffx.htmlview)
        from .htmlview import comparison_html
        return comparison_html(self)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        from .htmlview import comparison_bundle
        return comparison_bundle(self)

    def to_dict(self) -> dict:
        with output_limit(self.output_limit):
            return summary_note(self._dict())

    def _dict(self) -> dict:
        methods = {}
        for name, m in self.methods.items():
            methods[name] = m.to_dict(self.kind)
            if name in self.errors:
                methods[name].update(self.errors[name].to_dict())
        return {
            "schema_version": SCHEMA_VERSION,
            "expr": self.expr,
            "at": jsonable(self.at),
            "value": jsonable(self.value),
            "wrt": list(self.wrt),
            "kind": self.kind,
            "reference": self.reference,
            "methods": methods,
            "verdict": self.verdict,
            "verdicts": {key_text(k): v for k, v in self.verdicts.items()},
            "agree": self.agree,
            "max_abs_diff": jsonable(self.max_abs_diff),
            "disagreements": self.messages,
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "kinks": [k.to_dict() for k in self.kinks],
            "nonfinite": self.nonfinite,
            **{k: jsonable(v) for k, v in self.extra.items()},
        }


GradResult = Comparison     # the name of earlier releases
