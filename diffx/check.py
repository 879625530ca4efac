"""`check`: is *your* derivative right? A hand-derived formula or a hand-written gradient function, checked at
the given point and at nearby points against the comparison's reference, with a diagnosis of what is wrong.

The expected formulas are diffx-language text (parsed by diffx's parser, evaluated by `evaluate`, never by
Python); a gradient function is called with numpy arrays and returns an array (one variable), a tuple in
argument order, or a dict by name. What is wrong is tried most specific first: the shape, a constant factor,
the sign, a transpose, a sum over an axis, a term (the residual is a constant or proportional to a variable),
and otherwise where the largest difference is.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

import numpy as np

from .check_diagnosis import diagnose, shape_text, short_number
from .comparison import OUTCOMES, compare as _compare, tolerance
from .errors import DiffxError, InputError
from .problem import build
from .results import SCHEMA_VERSION, jsonable
from .text import label

RETRIES = 4          # draws of a nearby point before accepting one where the reference is not `agree`


@dataclass
class CheckResult:
    """The expected derivative against the reference at every point, per variable, with the diagnosis."""

    expr: str
    expected: dict[str, str]                       # name -> the formula text, or the gradient function's name
    points: list[dict[str, np.ndarray]]            # point 0 is the one given
    variables: dict[str, dict] = field(default_factory=dict)
    verdict: str = "agree"
    rtol: float = 1e-6
    atol: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """The expected derivative agrees with the reference at every point, for every variable."""
        return self.verdict == "agree"

    ok = passed

    @property
    def diagnosis(self) -> list[str]:
        return [f"{name}: {d['text']}" for name, v in self.variables.items() for d in v["diagnosis"]]

    def to_dict(self) -> dict:
        return {"schema_version": SCHEMA_VERSION, "expr": self.expr, "expected": dict(self.expected),
                "points": len(self.points), "at": jsonable(self.points), "ok": self.passed,
                "verdict": self.verdict, "rtol": jsonable(self.rtol), "atol": jsonable(self.atol),
                "variables": jsonable(self.variables), "notes": list(self.notes)}


def check(expr: Any, at: Mapping[str, Any] | None = None, *, expect: Mapping[str, str] | None = None,
          expect_python: Callable | None = None, points: int = 5, options=None, **kw) -> CheckResult:
    """Check an expected gradient (`expect={name: formula}` or `expect_python=fn`) at `points` points."""
    from .api import _split
    if (expect is None) == (expect_python is None):
        raise InputError("give the expected derivative as expect={name: formula} or as expect_python=a "
                         "gradient function (one of the two)", option="expect")
    if isinstance(points, bool) or not isinstance(points, int) or points < 1:
        raise InputError(f"points={points!r}: the number of points must be an integer ≥ 1", option="points")
    o, values = _split(at, kw, options)
    first = build(expr, values, o)
    first.require_variables()
    first.require_scalar("a gradient check")
    variables = list(first.graph.variables)
    if isinstance(expect, str):            # one formula: the gradient of the one variable differentiated
        if len(first.wrt) != 1:
            raise InputError(f"expect= without a name needs one variable to differentiate, not {len(first.wrt)} "
                             f"({', '.join(first.wrt)}): write NAME=FORMULA", option="expect")
        expect = {first.wrt[0]: expect}
    if expect is not None:
        formulas = _formulas(expect, variables, o, _bindings(first))
        wanted = list(formulas)
        source = {name: str(expect[name]).strip() for name in formulas}
    else:
        formulas, wanted = None, list(first.wrt)
        source = {name: _name(expect_python) for name in wanted}
    if o.wrt is not None and not set(wanted) <= set(o.wrt):
        missing = [n for n in wanted if n not in o.wrt]
        raise InputError(f"expect= gives {', '.join(missing)}, which wrt= leaves out", option="expect")
    o = replace(o, wrt=tuple(wanted))
    rng = np.random.default_rng([int(o.random_seed), 15])
    base = {k: np.asarray(v, dtype=np.float64) for k, v in first.point.items()}
    runs, result = [], CheckResult(_text(expr, first), source, [], rtol=o.rtol, atol=o.atol)
    for i in range(points):
        for attempt in range(RETRIES if i else 1):
            point = base if i == 0 else _nearby(base, rng)
            try:
                c = _compare(build(expr, point, o))
            except DiffxError:
                if i == 0 or attempt == RETRIES - 1:
                    raise
                continue
            if i == 0 or all(c.verdicts.get(n, {}).get("verdict") == "agree" for n in wanted):
                break
        result.points.append(point)
        expected = _evaluate(formulas, point, o) if formulas else _call(expect_python, point, variables, wanted)
        runs.append((c, expected))
    for name in wanted:
        result.variables[name] = _judge(name, runs, result.points, o.rtol, o.atol)
    result.verdict = max((v["verdict"] for v in result.variables.values()), key=OUTCOMES.index, default="agree")
    return result


# ---------------------------------------------------------------- what is expected
def _bindings(p) -> str:
    """A program's statements before its output ('u = X@w - y'), which an expected formula may use."""
    from .text import one_line
    src = p.graph.source if p.python is None and isinstance(p.graph.source, str) else ""
    return one_line(src).rpartition("; ")[0] if src else ""


def _formulas(expect: Mapping[str, str], variables: list[str], o, bindings: str = "") -> dict:
    """{name: the formula's graph}; a formula may use the program's bound names (its statements come first)."""
    from .parser import parse
    if not isinstance(expect, Mapping) or not expect:
        raise InputError("expect= takes {variable name: formula text}, e.g. {'w': '2*X.T@(X@w - y)'}",
                         option="expect")
    out = {}
    for name, text in expect.items():
        if name not in variables:
            raise InputError(f"expect= names {name!r}, which is not a variable of the expression (its variables: "
                             f"{', '.join(variables)})", option="expect")
        if not isinstance(text, str) or not text.strip():
            raise InputError(f"expect= for {name}: give the derivative as formula text in diffx's language",
                             option="expect")
        try:
            g = parse(text, limits=o.limits, seed=o.random_seed)
        except DiffxError as exc:          # the caret points into the formula's own text
            raise type(exc)(f"expect= for {name}: {exc.message}", option="expect", source=exc.source or text,
                            span=exc.span) from None
        stray = [v for v in g.variables if v not in variables]
        if stray and bindings:
            bound = parse(f"{bindings}; {text}", limits=o.limits, seed=o.random_seed)
            if all(v in variables for v in bound.variables):
                g, stray = bound, []
        if stray:
            raise InputError(f"expect= for {name} uses {', '.join(stray)}, which the expression does not have "
                             f"(its variables: {', '.join(variables)})", option="expect",
                             source=text, span=g.nodes[g.variables[stray[0]]].span)
        out[name] = g
    return out


def _evaluate(formulas: dict, point: dict, o) -> dict[str, np.ndarray]:
    from .api import evaluate
    out = {}
    for name, g in formulas.items():
        try:
            out[name] = np.asarray(evaluate(g, at={v: point[v] for v in g.variables}, limits=o.limits,
                                            random_seed=o.random_seed), dtype=np.float64)
        except DiffxError as exc:        # the formula itself cannot be evaluated: bad input, shown in its text
            raise type(exc)(f"expect= for {name} cannot be evaluated: {exc.message}", option="expect",
                            source=exc.source if exc.span is not None else g.source, span=exc.span) from None
    return out


def _call(fn: Callable, point: dict, variables: list[str], wanted: list[str]) -> dict[str, np.ndarray]:
    """The user's gradient function at the point: numpy arrays in, an array / tuple / dict out."""
    from .pyfunc import PythonFunction, UserCodeError, wrap
    if not callable(fn):
        raise InputError(f"expect_python= takes a function, not {type(fn).__name__}", option="expect_python")
    pf = fn if isinstance(fn, PythonFunction) else wrap(fn)
    params = pf.parameters
    order = params if params and set(params) <= set(point) else variables
    args = {n: np.array(point[n]) for n in order}
    try:
        if params and set(params) <= set(point):
            out = pf._call(args)
        else:
            out = pf.fn(*args.values())
    except DiffxError:
        raise
    except Exception as exc:  # noqa: BLE001 - the user's gradient function raised: their error, shown as theirs
        raise UserCodeError(pf._describe(exc)) from None
    name = pf.name
    if isinstance(out, Mapping):
        unknown = [k for k in out if k not in point]
        if unknown:
            raise InputError(f"expect_python= {name} returned a gradient for {unknown[0]!r}, which is not a variable "
                             f"(the variables: {', '.join(variables)})", option="expect_python")
        absent = [n for n in wanted if n not in out]
        if absent:
            raise InputError(f"expect_python= {name} returned no gradient for {', '.join(absent)}",
                             option="expect_python")
        got = dict(out)
    elif isinstance(out, (tuple, list)) and not _numeric_list(out):
        names = list(order) if len(out) == len(order) else wanted if len(out) == len(wanted) else None
        if names is None:
            raise InputError(f"expect_python= {name} returned {len(out)} gradients, but there are {len(order)} "
                             f"arguments ({', '.join(order)}): return one per argument, in order, or a dict by "
                             "name", option="expect_python")
        got = dict(zip(names, out))
    else:
        if len(wanted) != 1:
            raise InputError(f"expect_python= {name} returned one array, but {len(wanted)} variables are checked "
                             f"({', '.join(wanted)}): return a tuple in argument order or a dict by name",
                             option="expect_python")
        got = {wanted[0]: out}
    try:
        return {n: np.asarray(got[n], dtype=np.float64) for n in wanted}
    except (TypeError, ValueError) as exc:
        raise InputError(f"expect_python= {name} returned something that is not an array: {exc}",
                         option="expect_python") from None


def _numeric_list(out) -> bool:
    return all(isinstance(v, (int, float)) for v in out)


def _name(fn) -> str:
    file = getattr(fn, "file", None)
    name = getattr(fn, "name", None) or getattr(fn, "__name__", "gradient function")
    return f"{file}:{name}" if file else f"{name}()"


def _text(expr, p) -> str:
    return p.graph.source if isinstance(p.graph.source, str) and p.graph.source else str(expr)


def _nearby(base: dict[str, np.ndarray], rng) -> dict[str, np.ndarray]:
    """A point of the same shapes near `base`: each element scaled by e^(0.2·n) (its sign, so most domains, kept)
    and zeros moved by 0.1·n (off the kinks most ops have there)."""
    out = {}
    for k, v in base.items():
        scale = np.exp(0.2 * rng.standard_normal(np.shape(v)))
        shift = np.where(v == 0, 0.1 * rng.standard_normal(np.shape(v)), 0.0)
        out[k] = np.asarray(v * scale + shift, dtype=np.float64)
    return out


# ---------------------------------------------------------------- judging and diagnosing
def _judge(name: str, runs: list, points: list, rtol: float, atol: float | None) -> dict:
    rows, pairs = [], []
    for i, (c, expected) in enumerate(runs):
        truth = np.asarray(c.methods[c.reference].derivative[name], dtype=np.float64)
        mine = expected[name]
        ref_verdict = c.verdicts.get(name, {}).get("verdict", c.verdict)
        row: dict[str, Any] = {"point": i, "reference": c.reference, "reference_verdict": ref_verdict,
                               "expected": mine, "true": truth}
        if mine.shape != truth.shape:
            row.update(verdict="disagree", max_abs_error=float("nan"),
                       note=f"shape {shape_text(mine)}, the variable's gradient has shape {shape_text(truth)}")
        else:
            diff = np.abs(mine - truth)
            bad = ~(diff <= tolerance(truth, atol) + rtol * np.abs(truth))       # NaN is never agreement
            row["max_abs_error"] = float(np.nanmax(diff, initial=0.0)) if diff.size else 0.0
            if np.isnan(diff).any():
                row["max_abs_error"] = float("nan")
            if ref_verdict != "agree":
                reason = c.verdicts.get(name, {}).get("reason", "")
                row.update(verdict=ref_verdict, note=f"the reference itself is {ref_verdict} here, so the expected "
                           f"derivative cannot be confirmed" + (f" ({reason})" if reason else ""))
            elif bad.any():
                idx = tuple(int(j) for j in np.argwhere(bad)[0])
                row.update(verdict="disagree", note=f"{label(name, idx)}: {short_number(mine[idx])} expected, true "
                           f"{short_number(truth[idx])} ({int(bad.sum())} of {bad.size} elements differ)")
            else:
                row.update(verdict="agree", note="")
        rows.append(row)
        if ref_verdict == "agree" or row["verdict"] == "disagree":
            pairs.append((i, mine, truth, points[i]))
    verdict = max((r["verdict"] for r in rows), key=OUTCOMES.index)
    errors = [r["max_abs_error"] for r in rows]
    finite = [e for e in errors if np.isfinite(e)]
    worst = int(np.nanargmax(errors)) if finite else 0
    wrong = [r["point"] for r in rows if r["verdict"] == "disagree"]
    diagnosis = diagnose(name, pairs, rtol, atol) if wrong else []
    right = [r["point"] for r in rows if r["verdict"] == "agree"]
    if wrong and right:
        diagnosis.append({"kind": "where", "text": f"it agrees at point{_s(right)} {_list(right)} but not at "
                          f"point{_s(wrong)} {_list(wrong)}: right {'at the given point only' if right == [0] else 'in places'}, "
                          "wrong elsewhere", "agree_points": right, "disagree_points": wrong})
    return {"ok": verdict == "agree", "verdict": verdict,
            "max_abs_error": max(finite) if len(finite) == len(errors) else float("nan"),
            "worst_point": worst, "diagnosis": diagnosis, "points": rows}


def _list(ix: list[int]) -> str:
    return ", ".join(map(str, ix))


def _s(ix: list) -> str:
    return "" if len(ix) == 1 else "s"
