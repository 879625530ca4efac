"""The comparison: run the methods on one problem, pick the reference, measure, and give the verdict.

This is the product's core logic, in one place. It measures without
changing what it measures (every figure is computed from the results and
kept beside them), runs the diagnostics once (the kinks and the first
non-finite value are the problem's, computed once; where a NaN was born in
the reverse sweep is told by watching the reverse method's own sweep), and
returns one `Comparison`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import registry
from .diagnostics import AdjointWatch, gather_kinks
from .errors import InputError
from .engine import quiet
from .problem import Problem
from .results import Comparison, Disagreement, Errors, MethodResult, key_text
from .text import count, exact, label, number


def compare(p: Problem) -> Comparison:
    """Every method the options name (or the kind's defaults) on one problem, side by side, with the verdict."""
    o, kind = p.options, p.options.kind
    p.require_variables()
    if kind in ("gradient", "hessian"):
        p.require_scalar("a Hessian" if kind == "hessian" else "a gradient")
    names, extra = _plan(p)
    watch = AdjointWatch(p.graph) if kind in ("gradient", "vjp") and "reverse" in names else None
    results = {name: registry.run(name, kind, p, on_step=watch) for name in names}
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
                   notes=_notes(p, results))
    if results[reference].ran:
        v = judge(r)
        r.errors, r.disagreements, r.warnings, r.agree, r.max_abs_diff = (v.errors, v.disagreements, v.warnings,
                                                                         v.agree, v.max_abs_diff)
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
    """One method against a reference: its errors, where it differs, where only one side is finite."""

    errors: Errors
    bad: list[tuple] = field(default_factory=list)          # (key, message) beyond the tolerance
    one_sided: list[str] = field(default_factory=list)      # finite on one side only


def measure(m: MethodResult, ref: dict, rtol: float, atol: float, against: str = "the reference") -> Measure:
    """Errors of one method against the reference, where both are finite.

    A method agrees where it is within rtol/atol of the reference, or, for a
    method with its own error estimate (finite differences), within four
    times that estimate: the expected inaccuracy of a forward difference is
    not a disagreement.
    """
    stats, where, bad, one_sided, compared = np.zeros(3), {}, [], [], 0
    with np.errstate(all="ignore"):
        for key in ref:
            own = np.asarray(m.derivative[key])
            unit = np.float32 if own.dtype == np.float32 else np.float64     # ulps of the method's own precision
            a, b = own.astype(np.float64), np.asarray(ref[key], dtype=np.float64)
            both = np.isfinite(a) & np.isfinite(b)
            odd = np.isfinite(a) != np.isfinite(b)
            if odd.any():
                idx = tuple(int(i) for i in np.argwhere(odd)[0])
                one_sided.append(f"{m.name} gives {_word(a[idx])} where {against} gives {_word(b[idx])} "
                                 f"at {label(key_text(key), idx)}")
            compared += int(both.sum())
            diff = np.where(both, np.abs(a - b), 0.0)
            rel = np.where(both, np.where(b != 0, diff / np.where(b != 0, np.abs(b), 1.0),
                                          np.where(diff > 0, np.inf, 0.0)), 0.0)
            ulps = np.where(both, diff / np.spacing(np.where(both, np.abs(b), 1.0).astype(unit)), 0.0)
            if diff.size:
                where[key] = [int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape)]
                stats = np.maximum(stats, [diff.max(), rel.max(), ulps.max()])
            allowed = atol + rtol * np.abs(b)
            if m.estimates is not None:
                allowed = np.maximum(allowed, 4 * np.nan_to_num(m.estimates[key], nan=0.0, posinf=0.0))
            over = both & (diff > allowed)
            if over.any():
                idx = tuple(int(i) for i in np.argwhere(over)[0])
                bad.append((key, f"{m.name} differs from {against} at {label(key_text(key), idx)}: {exact(a[idx])} "
                                 f"vs {exact(b[idx])} ({_differ(int(over.sum()))})"))
    if compared == 0 and any(np.size(ref[k]) for k in ref):
        stats = np.full(3, np.nan)            # nothing finite on both sides: no error to speak of
    errors = Errors(float(stats[0]), float(stats[1]), float(stats[2]), where, not bad, compared)
    return Measure(errors, bad, one_sided)


def _word(v: float) -> str:
    return number(v, 6)


def _differ(n: int) -> str:
    return "1 element differs" if n == 1 else f"{n} elements differ"


@dataclass(frozen=True)
class Verdict:
    errors: dict[str, Errors]
    disagreements: list[Disagreement]
    warnings: list[str]
    agree: bool
    max_abs_diff: float


def judge(r: Comparison) -> Verdict:
    """Measure every method against the reference, and say whether they agree.

    A disagreement is explained, not counted, where a perturbed point of a
    Python function took another path, or (unless strict) where the
    derivative passes through a kink: there the methods answer different,
    legitimate things (one-sided derivatives, conventions), and the kinks
    say which.
    """
    ref = r.methods[r.reference].derivative
    kinked = {v for k in r.kinks for v in k.variables}
    errors, disagreements, warnings = {}, [], []
    for m in r.methods.values():
        if not m.ran:
            continue
        mm = measure(m, ref, r.rtol, r.atol, against=r.reference)
        errors[m.name] = mm.errors
        for note in mm.one_sided:
            warnings.append(f"{note}: compared only where both are finite{_nonfinite_origin(r)}")
        if m.name != r.reference and mm.errors.compared == 0 and not mm.one_sided:
            warnings.append(f"{m.name}: no finite value to compare with {r.reference}")
        changes, domain = m.extra.get("path_changes"), m.extra.get("domain")
        if changes or domain:
            why = (f"a perturbed point took another path ({changes[0]}); the function is piecewise there" if changes
                   else f"{domain[0]}, near the edge of the domain")
            warnings.append(f"{m.name}: {why}" + (", which explains: " + "; ".join(n for _, n in mm.bad)
                                                  if mm.bad else ""))
            continue
        for key, note in mm.bad:
            variable = key[0] if isinstance(key, tuple) else key
            if variable in kinked and not r.strict:
                warnings.append(f"{note}: explained by the kink(s) listed (strict=True counts it)")
            else:
                disagreements.append(Disagreement(m.name, key, note))
    base = r.methods.get("reverse")
    base = base.derivative if base is not None and base.ran else ref
    diffs = [measure(m, base, r.rtol, r.atol).errors.max_abs_error for m in r.methods.values() if m.ran]
    return Verdict(errors, disagreements, warnings, not disagreements,
                   max((d for d in diffs if d == d), default=0.0))


def _nonfinite_origin(r: Comparison) -> str:
    """Where the first NaN or ∞ came from, forward or in the reverse sweep, if known."""
    parts = []
    if r.nonfinite:
        parts.append(r.nonfinite["message"])
    if r.extra.get("nonfinite_adjoint"):
        parts.append(r.extra["nonfinite_adjoint"]["message"])
    return f" ({'; '.join(parts)})" if parts else ""
