"""The comparison: run the methods on one problem, pick the reference, measure, and give the verdict.

This is the product's core logic, in one place. It measures without
changing what it measures (every figure is computed from the results and
kept beside them), runs the diagnostics once (the kinks and the first
non-finite value are the problem's, computed once; where a NaN was born in
the reverse sweep is told by watching the reverse method's own sweep), and
returns one `Comparison`.
"""
from __future__ import annotations

import numpy as np

from . import registry
from .diagnostics import AdjointWatch, gather_kinks
from .errors import InputError
from .engine import quiet
from .estimate import plan as unaffordable
from .problem import Problem
from .records import dataclass, field  # dataclasses' own, made without compiling source
from .results import Comparison, Disagreement, Errors, MethodResult, key_text
from .numeric_methods import one_sided
from .second_order import jumps, mirrored, where
from .text import count, exact, label, number


def compare(p: Problem) -> Comparison:
    """Every method the options name (or the kind's defaults) on one problem, side by side, with the verdict."""
    o, kind = p.options, p.options.kind
    p.require_variables()
    if kind in ("gradient", "hessian"):
        p.require_scalar("a Hessian" if kind == "hessian" else "a gradient")
    names, extra = _plan(p)
    watch = AdjointWatch(p.graph) if kind in ("gradient", "vjp") and "reverse" in names else None
    skipped = unaffordable(p, names, kind)           # what the limits cannot afford is skipped, and says why
    results = {name: MethodResult(name, skipped=skipped[name]) if name in skipped else
               registry.run(name, kind, p, on_step=watch) for name in names}
    reference = pick_reference(results, names)
    with quiet():
        kinks = gather_kinks(p, results.values())
    if watch is not None and watch.found:
        extra["nonfinite_adjoint"] = watch.found
    if p.python is not None:
        from .pyfunc import branch_summary
        extra["path"] = branch_summary(p.python.decisions)
    r = Comparison(p.graph.source, p.point, np.asarray(p.value), list(p.wrt), results, reference, o.rtol, o.atol,
                   kind=kind, extra=extra, kinks=kinks, nonfinite=p.nonfinite, strict=o.strict,
                   notes=_notes(p, results), output_limit=p.limits.max_output_elements)
    v = judge(r, p) if results[reference].ran else None
    if v is None:
        r.verdict, r.agree = "inconclusive", False
        r.warnings.append(f"{reference} could not run ({results[reference].skipped}): nothing to compare with")
    else:
        r.errors, r.disagreements, r.warnings, r.max_abs_diff = v.errors, v.disagreements, v.warnings, v.max_abs_diff
        r.verdict, r.verdicts, r.agree = v.outcome, v.by_key, v.outcome == "agree"
    return r


def _plan(p: Problem) -> tuple[list[str], dict]:
    """The methods to run and the kind's own facts for the result (a VJP's seed, a Jacobian's mode)."""
    o, kind = p.options, p.options.kind
    extra: dict = {}
    if kind == "vjp":
        extra["seed"] = p.seed
    elif kind == "jvp":
        extra["tangent"] = p.tangent
    defaults = list(registry.DEFAULTS[kind])
    if kind == "jacobian":
        n, m = sum(int(np.size(p.point[k])) for k in p.wrt), int(np.size(p.output))
        chosen, why = choose_mode(o.mode, n, m)
        defaults = (["reverse", "forward"] if o.mode == "both" else [chosen]) + defaults
        extra.update({"output_shape": list(np.shape(p.output)), "mode": chosen, "mode_reason": why,
                      "passes": {"forward": n, "reverse": m}})
    names = registry.check(o.methods or defaults, kind)
    if o.numeric is not None:
        if "numeric" not in names:
            raise InputError(f"numeric={o.numeric!r} picks the scheme of the numeric method, which is not among the "
                             f"methods asked for ({', '.join(names)})", option="numeric")
        if kind in ("jvp", "hessian") and o.numeric != "central":
            raise InputError(f"numeric={o.numeric!r}: the finite difference of a {kind} is a central difference "
                             f"(along t, or of the gradient); numeric= chooses the scheme of gradients, VJPs and "
                             f"Jacobians", option="numeric")
    return names, extra


def _notes(p: Problem, results: dict[str, MethodResult]) -> list[str]:
    notes = []
    if p.python is not None and p.python.hint:
        notes.append(p.python.hint)
    for m in results.values():
        notes += [f"{m.name}: {text}" for text in m.extra.get("domain", [])[:1]]
        notes += [f"{m.name}: a perturbed point took another path ({m.extra['path_changes'][0]}); the function is "
                  "piecewise there, so its differences confirm nothing"] if m.extra.get("path_changes") else []
    symbolic = results.get("symbolic")
    if p.options.sizes and (symbolic is None or not symbolic.ran):
        why = "it was not asked for" if symbolic is None else f"it did not finish: {symbolic.skipped}"
        notes.append(f"derivative sizes not counted: they come from the symbolic method, and {why}")
    return notes


def choose_mode(mode: str, n: int, m: int) -> tuple[str, str]:
    """Forward mode costs one pass per input (n), reverse one sweep per output (m)."""
    if mode in ("auto", "both"):
        chosen = "reverse" if m <= n else "forward"
        if m == n:
            return chosen, (f"either mode takes {count(n, 'pass', 'passes')} (m = n = {n}); reverse chosen, as it "
                            "takes ties")
        return chosen, (f"{chosen} mode: {count(min(m, n), 'pass', 'passes')} instead of {max(m, n)} "
                        f"(reverse needs one per output, m = {m}; forward one per input, n = {n})")
    return mode, (f"{mode} mode, as asked (forward would need {count(n, 'pass', 'passes')}, "
                  f"reverse {count(m, 'sweep')})")


def pick_reference(results: dict[str, MethodResult], names: list[str]) -> str:
    """SymPy (exact) when it ran and is finite everywhere, else the first exact method that is, else the most
    finite exact method: a finite difference is never the truth (across a pole it is finite and meaningless)."""
    exact_ = [n for n in ("symbolic", "reverse", "forward") if n in results and results[n].ran]
    order = exact_ or [n for n in names if results[n].ran]
    if not order:
        return names[0]

    def finite(n: str) -> float:
        arrays = [np.asarray(v, dtype=np.float64) for v in results[n].derivative.values()]
        total = sum(a.size for a in arrays)
        return sum(int(np.isfinite(a).sum()) for a in arrays) / total if total else 1.0
    return next((n for n in order if finite(n) == 1.0), max(order, key=finite))


# ---------------------------------------------------------------- measuring and judging
@dataclass(frozen=True)
class Measure:
    """One method against a reference: its errors, and per key the elements within and beyond the tolerance."""

    errors: Errors
    within: dict = field(default_factory=dict)      # key -> bool array: finite on both sides and within tolerance
    beyond: dict = field(default_factory=dict)      # key -> bool array: finite on both sides and beyond it
    notes: dict = field(default_factory=dict)       # key -> what the first element beyond says
    lost: dict = field(default_factory=dict)        # key -> where it gives no number and the reference does


def tolerance(ref: np.ndarray, atol: float | None) -> float:
    """The absolute tolerance: as given, or 1e-8 × the largest magnitude of the reference (at least 1e-12)."""
    if atol is not None:
        return atol
    finite = np.abs(ref[np.isfinite(ref)])
    return max(1e-8 * float(finite.max(initial=0.0)), 1e-12)


def measure(m: MethodResult, ref: dict, rtol: float, atol: float | None, against: str = "the reference") -> Measure:
    """Errors of one method against the reference, where both are finite.

    A method agrees where it is within rtol/atol of the reference, or, for a
    method with its own error estimate (finite differences), within four
    times that estimate; an infinite estimate (an unresolved difference)
    confirms nothing.
    """
    stats, where, compared, within, beyond, notes, lost = np.zeros(3), {}, 0, {}, {}, {}, {}
    with np.errstate(all="ignore"):
        for key in ref:
            own = np.asarray(m.derivative[key])
            unit = np.float32 if own.dtype == np.float32 else np.float64     # ulps of the method's own precision
            a, b = own.astype(np.float64), np.asarray(ref[key], dtype=np.float64)
            both = np.isfinite(a) & np.isfinite(b)
            missing = np.isfinite(b) & ~np.isfinite(a)
            if missing.any():
                idx = tuple(int(i) for i in np.argwhere(missing)[0])
                lost[key] = (f"{m.name} gives {_word(a[idx])} where {against} gives {_word(b[idx])} at "
                             f"{label(key_text(key), idx)}")
            compared += int(both.sum())
            diff = np.where(both, np.abs(a - b), 0.0)
            rel = np.where(both, np.where(b != 0, diff / np.where(b != 0, np.abs(b), 1.0),
                                          np.where(diff > 0, np.inf, 0.0)), 0.0)
            ulps = np.where(both, diff / np.spacing(np.where(both, np.abs(b), 1.0).astype(unit)), 0.0)
            if diff.size:
                where[key] = [int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape)]
                stats = np.maximum(stats, [diff.max(), rel.max(), ulps.max()])
            allowed = tolerance(b, atol) + rtol * np.abs(b)
            settled = np.ones(np.shape(b), dtype=bool)
            if m.estimates is not None:
                estimate = np.asarray(m.estimates[key], dtype=np.float64)
                settled = np.isfinite(estimate)
                allowed = np.maximum(allowed, 4 * np.where(settled, estimate, 0.0))
            within[key], beyond[key] = both & settled & (diff <= allowed), both & (diff > allowed)
            if beyond[key].any():
                idx = tuple(int(i) for i in np.argwhere(beyond[key])[0])
                notes[key] = (f"{m.name} differs from {against} at {label(key_text(key), idx)}: {exact(a[idx])} "
                              f"vs {exact(b[idx])} ({_differ(int(beyond[key].sum()))})")
    if compared == 0 and any(np.size(ref[k]) for k in ref):
        stats = np.full(3, np.nan)            # nothing finite on both sides: no error to speak of
    errors = Errors(float(stats[0]), float(stats[1]), float(stats[2]), where, not notes, compared)
    return Measure(errors, within, beyond, notes, lost)


def _word(v: float) -> str:
    return number(v, 6)


def _differ(n: int) -> str:
    return "1 element differs" if n == 1 else f"{n} elements differ"


OUTCOMES = ("agree", "kink", "inconclusive", "undefined", "disagree")     # from best to worst
EXACT = ("reverse", "forward", "symbolic")
MOST_SIDES = 64           # elements whose one-sided derivatives are examined, per comparison


@dataclass(frozen=True)
class Verdict:
    outcome: str
    by_key: dict                     # key -> {"verdict", "elements" (the deciding ones), "reason"}
    errors: dict[str, Errors]
    disagreements: list[Disagreement]
    warnings: list[str]
    max_abs_diff: float


def worst(outcomes) -> str:
    return max(outcomes, key=OUTCOMES.index, default="agree")


def judge(r: Comparison, p: Problem) -> Verdict:
    """Measure every method against the reference and give each element of the derivative its outcome.

    An element agrees when another method confirms the reference there. Where
    a method differs, the element's one-sided derivatives decide: a jump is
    `undefined`, a kink whose one-sided derivatives bracket every method's
    answer is `kink` (the answers are conventions), anything else `disagree`.
    A non-finite derivative is `undefined`; an element no method could
    confirm (only one ran, an unresolved finite difference, a Python
    function's branch flipping under the step) is `inconclusive`.
    """
    ref = r.methods[r.reference].derivative
    ran = [m for m in r.methods.values() if m.ran]
    measures = {m.name: measure(m, ref, r.rtol, r.atol, against=r.reference) for m in ran}
    warnings, disagreements, by_key, budget = [], [], {}, [MOST_SIDES]
    value_finite = bool(np.all(np.isfinite(np.asarray(r.value, dtype=np.complex128))))
    for key, want in ref.items():
        want = np.asarray(want, dtype=np.float64)
        confirmed, bad, shaky = (np.zeros(want.shape, dtype=bool) for _ in range(3))
        for m in ran:
            if m.name == r.reference:
                continue
            mm, own = measures[m.name], np.asarray(m.derivative[key], dtype=np.float64)
            if m.extra.get("path_changes"):     # its differences crossed a branch: they settle nothing by themselves
                shaky |= mm.beyond[key] | mm.within[key]
                continue
            confirmed |= mm.within[key]
            bad |= mm.beyond[key]
            if m.name in EXACT:         # an exact method with no number where the derivative is finite is wrong
                bad |= np.isfinite(want) & ~np.isfinite(own)
        by_key[key] = _outcome(r, p, key, want, confirmed, bad, shaky, value_finite, budget)
    if p.options.kind == "hessian":
        mirrored(p, by_key, OUTCOMES)
    for m in ran:
        notes = {**(measures[m.name].lost if m.name in EXACT else {}), **measures[m.name].notes}
        for key, note in notes.items():
            outcome = by_key[key]["verdict"]
            if outcome == "kink":
                warnings.append(f"{note}: at a kink, where both answers lie between the one-sided derivatives"
                                + ("" if r.strict else " (strict=True counts it)"))
            elif outcome == "disagree":
                disagreements.append(Disagreement(m.name, key, note))
    warnings += [f"{k if isinstance(k, str) else key_text(k)}: {v['reason']}" for k, v in by_key.items()
                 if v["verdict"] in ("undefined", "inconclusive")]
    base = r.methods.get("reverse")
    base = base.derivative if base is not None and base.ran else ref
    diffs = [measure(m, base, r.rtol, r.atol).errors.max_abs_error for m in ran]
    return Verdict(worst(v["verdict"] for v in by_key.values()), by_key, {n: mm.errors for n, mm in measures.items()},
                   disagreements, warnings, max((d for d in diffs if d == d), default=0.0))


def _outcome(r: Comparison, p: Problem, key, want, confirmed, bad, shaky, value_finite: bool, budget: list) -> dict:
    """One key's outcome from its elements' (the worst element decides, and is named)."""
    name = key_text(key)
    if not value_finite:
        return _said("undefined", [], "the function's value is not finite here" + _nonfinite_origin(r))
    undefined = ~np.isfinite(want)
    if undefined.any():
        first = [tuple(int(i) for i in idx) for idx in np.argwhere(undefined)[:8]]
        return _said("undefined", first, f"no finite derivative at {label(name, first[0])} ({r.reference} gives "
                                         f"{_word(want[first[0]])}){_nonfinite_origin(r)}")
    outcome = {"disagree": [], "kink": [], "undefined": [], "inconclusive": [], "agree": []}
    reasons = {}
    # where an op of the path sits on its kink, elements that agree may agree by convention: look at them too
    variables = key if isinstance(key, tuple) else (key,)        # a Hessian element: either of its two
    on_kink = any(k.source == "op" and any(v in k.variables or v == "jvp" for v in variables) for k in r.kinks)
    suspects = bad | shaky | (np.ones(want.shape, dtype=bool) if on_kink else False)
    decided = np.zeros(want.shape, dtype=bool)          # settled by the element's one-sided derivatives
    for idx in (tuple(int(i) for i in idx) for idx in np.argwhere(suspects)):
        if budget[0] <= 0:
            if bad[idx]:
                outcome["disagree"].append(idx)
            continue
        budget[0] -= 1
        found, why = _element(r, p, key, idx, differs=bool(bad[idx]), on_kink=on_kink)
        decided[idx] = True
        outcome[found].append(idx)
        reasons.setdefault(found, why)
    unconfirmed = ~confirmed & ~bad & ~decided
    if unconfirmed.any():
        outcome["inconclusive"] += [tuple(int(i) for i in idx) for idx in np.argwhere(unconfirmed)[:8]]
        others = [m.name for m in r.methods.values() if m.ran and m.name != r.reference]
        reasons["inconclusive"] = (f"no other method confirmed {r.reference} at {label(name, outcome['inconclusive'][0])}"
                                   + (f" ({', '.join(others)} could not settle it)" if others else
                                      " (no other method ran)"))
    found = worst([o for o, items in outcome.items() if items and o != "agree"] or ["agree"])
    return _said(found, outcome.get(found, [])[:8], reasons.get(found, ""))


def _element(r: Comparison, p: Problem, key, idx: tuple, differs: bool = True, on_kink: bool = False
             ) -> tuple[str, str]:
    """An element's outcome from its one-sided derivatives (one that `differs`, or one at a kink of the path).

    A rise that does not shrink while the sides agree is a jump only where the op table says an op of the path
    sits at its switching point (`on_kink`: sign(0)); elsewhere it may as well be tanh(1e9·x), smooth but
    steeper than the steps resolve, and the element is inconclusive."""
    at = where(p, key, idx)
    try:
        with quiet():
            s = one_sided(p, key, idx)
    except Exception as exc:  # noqa: BLE001 - the function could not be re-evaluated there: say so, never crash
        return "inconclusive", f"the one-sided derivatives at {at} could not be computed ({type(exc).__name__})"
    answers = {m.name: float(np.asarray(m.derivative[key], dtype=np.float64)[idx]) for m in r.methods.values()
               if m.ran}
    exact_lost = [n for n, v in answers.items() if n in EXACT and not np.isfinite(v)]
    if not (np.isfinite(s.left) and np.isfinite(s.right)):
        if exact_lost:
            return "undefined", (f"no finite derivative at {at}: the function is not finite on both sides of it "
                                 f"(one-sided derivatives {_word(s.left)} and {_word(s.right)}) and "
                                 f"{', '.join(exact_lost)} finds none")
        return "inconclusive", f"the one-sided derivatives at {at} are not finite (near the edge of the domain?)"
    if s.jump or (s.rising and on_kink):
        return "undefined", jumps(p, key, idx)
    if s.rising:
        return "inconclusive", (f"the differences along {at} do not shrink with the step: a jump, or a slope steeper "
                                "than the steps resolve (no op of the path is at a switching point here)")
    slack = 3 * s.error + 1e-6 * max(abs(s.left), abs(s.right)) + tolerance(np.asarray(want_of(r, key)), r.atol)
    if not s.kink:
        mid = (s.left + s.right) / 2
        close = {n for n, v in answers.items() if abs(v - mid) <= slack}
        # SymPy's NaN where AD and the one-sided derivatives agree is its own evaluation (0·log 0), not a verdict
        vouching = [n for n in answers if n in EXACT and not (n == "symbolic" and not np.isfinite(answers[n]))]
        if r.reference in close and all(n in close for n in vouching):
            # the exact methods and the one-sided derivatives agree: only an approximation is off here
            return "agree", ""
        return "disagree", (f"the function is differentiable along {at} (one-sided derivatives "
                            f"{_word(s.left)} and {_word(s.right)})")
    lo, hi = min(s.left, s.right), max(s.left, s.right)
    # at a kink SymPy may find no derivative at all (NaN): that agrees with the kink, it does not refute it
    if all(lo - slack <= v <= hi + slack for n, v in answers.items() if np.isfinite(v) or n not in exact_lost):
        return "kink", (f"a kink along {at}: one-sided derivatives {_word(s.left)} and {_word(s.right)}; every "
                        "method's answer lies between them (a convention of the subdifferential)")
    return "disagree", (f"a kink along {at} with one-sided derivatives {_word(s.left)} and {_word(s.right)}, "
                        "but not every answer lies between them")


def want_of(r: Comparison, key) -> np.ndarray:
    return np.asarray(r.methods[r.reference].derivative[key], dtype=np.float64)


def _said(outcome: str, elements: list, reason: str) -> dict:
    return {"verdict": outcome, "elements": [list(e) for e in elements], "reason": reason}


def _nonfinite_origin(r: Comparison) -> str:
    """Where the first NaN or ∞ came from, forward or in the reverse sweep, if known."""
    parts = []
    if r.nonfinite:
        parts.append(r.nonfinite["message"])
    if r.extra.get("nonfinite_adjoint"):
        parts.append(r.extra["nonfinite_adjoint"]["message"])
    return f" ({'; '.join(parts)})" if parts else ""
