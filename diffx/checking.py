"""`check`: is *your* derivative right? A hand-derived formula or a hand-written gradient function, checked at
the given point and at nearby points against the comparison's reference, with a diagnosis of what is wrong.

The expected formulas are diffx-language text (parsed by diffx's parser, evaluated by `evaluate`, never by
Python); a gradient function is called with numpy arrays and returns an array (one variable), a tuple in
argument order, or a dict by name (`check_expected`). Each point is judged with the verdict's outcomes
(`check_judge`) and what is wrong is tried most specific first (`check_diagnosis`): the shape, a constant factor,
the sign, a transpose, a sum over an axis, a missing or extra term (one path of the graph: `check_paths`), and
otherwise where the largest difference is.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

import numpy as np

from . import check_expected as expected
from .check_judge import judge
from .comparison import OUTCOMES, compare as _compare
from .errors import DiffxError, InputError
from .problem import build
from .results import SCHEMA_VERSION, jsonable

MAX_POINTS = 1000    # points a check takes: each is a comparison by every method, so more is minutes of work
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
    kind: str = "gradient"

    @property
    def passed(self) -> bool:
        """Right at every point, for every variable: agreeing with the reference, or a subgradient on a kink."""
        return self.verdict in ("agree", "kink")

    ok = passed

    @property
    def diagnosis(self) -> list[str]:
        """What is wrong, one sentence a finding, most specific first ('w: off by a factor of 2: …')."""
        return [f"{name}: {d['text']}" for name, v in self.variables.items() for d in v["diagnosis"]]

    @property
    def table(self) -> list[dict]:
        """The per-point table: one row per variable and point (verdict, max |error|, reference, note)."""
        return [{"variable": name, **{k: row[k] for k in ("point", "verdict", "max_abs_error", "reference", "note")}}
                for name, v in self.variables.items() for row in v["points"]]

    def _repr_html_(self) -> str:                  # Jupyter: the tables and the diagnosis (diffx.checkview)
        from .checkview import check_html
        return check_html(self)

    def to_dict(self) -> dict:
        return {"schema_version": SCHEMA_VERSION, "expr": self.expr, "expected": dict(self.expected),
                "points": len(self.points), "at": jsonable(self.points), "ok": self.passed,
                "verdict": self.verdict, "rtol": jsonable(self.rtol), "atol": jsonable(self.atol),
                "kind": self.kind, "variables": jsonable(self.variables), "notes": list(self.notes)}


def check(expr: Any, at: Mapping[str, Any] | None = None, *, expect: Mapping[str, str] | str | None = None,
          expect_python: Callable | None = None, points: int = 5, at_kinks: bool = False, options=None,
          **kw) -> CheckResult:
    """Check an expected derivative (`expect={name: formula}` or `expect_python=fn`) at `points` points.

    `kind="jacobian"` or `kind="hessian"` checks a Jacobian or a Hessian block (`{"x": …}` is the block (x, x),
    `{"x,y": …}` the block (x, y)); `rtol=`, `atol=`, `strict=`, `random_seed=` and the other run options apply.
    """
    from .api import _split
    if (expect is None) == (expect_python is None):
        raise InputError("give the expected derivative as expect={name: formula} or as expect_python=a "
                         "gradient function (one of the two)", option="expect")
    if isinstance(points, bool) or not isinstance(points, int) or not 1 <= points <= MAX_POINTS:
        raise InputError(f"points={points!r}: the number of points must be an integer from 1 to {MAX_POINTS:,} "
                         "(each point is a whole comparison)", option="points")
    o, values = _split(at, kw, options)
    first = build(expr, values, o)
    first.require_variables()
    if o.kind not in ("jacobian",):
        first.require_scalar("a gradient check" if o.kind != "hessian" else "a Hessian check")
    variables = list(first.graph.variables)
    if isinstance(expect, str):            # one formula: the derivative in the one variable differentiated
        if len(first.wrt) != 1:
            raise InputError(f"expect= without a name needs one variable to differentiate, not {len(first.wrt)} "
                             f"({', '.join(first.wrt)}): write NAME=FORMULA", option="expect")
        expect = {first.wrt[0]: expect}
    if expect is not None:
        found = expected.formulas(expect, variables, o, expected.bindings(first))
        wanted = list(found)
        source = {expected.show(k): str(t).strip() if isinstance(t, str) else str(np.asarray(t).tolist())
                  for k, t in zip(found, expect.values())}
    else:
        found = None
        wanted = [(n, n) for n in first.wrt] if o.kind == "hessian" else list(first.wrt)
        source = {expected.show(k): expected.described(expect_python) for k in wanted}
    names = sorted({n for k in wanted for n in (k if isinstance(k, tuple) else (k,))}, key=variables.index)
    if o.wrt is not None and not set(names) <= set(o.wrt):
        missing = [n for n in names if n not in o.wrt]
        raise InputError(f"expect= gives {', '.join(missing)}, which wrt= leaves out", option="expect")
    o = replace(o, wrt=tuple(names))
    rng = np.random.default_rng([int(o.random_seed), 15])
    base = {k: np.asarray(v, dtype=np.float64) for k, v in first.point.items()}
    runs, result = [], CheckResult(_text(expr, first), source, [], rtol=o.rtol, atol=o.atol, kind=o.kind)
    for i in range(points):
        for attempt in range(1 if i == 0 or at_kinks else RETRIES):
            point = base if i == 0 else _nearby(base, rng, at_kinks)
            try:
                p = build(expr, point, o)
                c = _compare(p)
            except DiffxError:
                if i == 0 or attempt == RETRIES - 1:
                    raise
                continue
            if i == 0 or all(c.verdicts.get(k, {}).get("verdict") == "agree" for k in wanted):
                break
        result.points.append(point)
        got = expected.evaluate(found, point, o) if found is not None else \
            expected.call(expect_python, point, variables, wanted, o.kind)
        runs.append((c, p, got))
    for key in wanted:
        result.variables[expected.show(key)] = judge(key, runs, o, found.get(key) if found else None)
    result.verdict = max((v["verdict"] for v in result.variables.values()), key=OUTCOMES.index, default="agree")
    if result.verdict == "kink":
        result.notes.append("on a kink every subgradient is a right answer: yours was accepted where it lies "
                            "between the one-sided derivatives (strict=True asks for AD's convention)")
    return result


def _text(expr, p) -> str:
    return p.graph.source if isinstance(p.graph.source, str) and p.graph.source else str(expr)


def _nearby(base: dict[str, np.ndarray], rng, at_kinks: bool = False) -> dict[str, np.ndarray]:
    """A point of the same shapes near `base`: each element scaled by e^(0.2·n) (its sign, so most domains, kept)
    and zeros moved by 0.1·n (off the kinks most ops have there), unless the check is asked to stay on kinks."""
    out = {}
    for k, v in base.items():
        scale = np.exp(0.2 * rng.standard_normal(np.shape(v)))
        shift = np.where(v == 0, 0.1 * rng.standard_normal(np.shape(v)), 0.0) if not at_kinks else 0.0
        out[k] = np.asarray(v * scale + shift, dtype=np.float64)
    return out
