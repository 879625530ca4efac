"""Judging an expected derivative against the reference, point by point, with the verdict's outcomes.

At a point where the reference itself is `agree`, every element must match it. Where it is `kink`, the elements
on the kink accept any value between the one-sided derivatives (the subdifferential: every subgradient is a right
answer there) and say so — or, with `strict`, only AD's own convention; the other elements must match as usual.
`undefined` and `inconclusive` points cannot confirm anything, and say why.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .check_diagnosis import diagnose, shape_text, short_number
from .check_expected import show
from .comparison import OUTCOMES, tolerance
from .errors import DiffxError
from .text import label


def judge(key, runs: list, o, formula=None) -> dict:
    """One variable's (or Hessian block's) rows, verdict, worst point and diagnosis over every point; with the
    expected formula's graph, the residual true − expected as a formula where SymPy can simplify it."""
    rows, pairs = [], []
    for i, (c, p, expected) in enumerate(runs):
        row = _row(key, i, c, p, expected[key], o)
        rows.append(row)
        if row["reference_verdict"] == "agree" or row["verdict"] == "disagree":
            pairs.append((i, expected[key], row["true"], p.point, p))
    verdict = max((r["verdict"] for r in rows), key=OUTCOMES.index)
    errors = [r["max_abs_error"] for r in rows]
    finite = [e for e in errors if np.isfinite(e)]
    wrong = [r["point"] for r in rows if r["verdict"] == "disagree"]
    diagnosis = diagnose(show(key), key, pairs, o.rtol, o.atol) if wrong else []
    if diagnosis and diagnosis[0]["kind"] in ("missing_term", "extra_term", "other") and pairs:
        from .check_residual import residual
        text = residual(pairs[0][4], key, formula, o)
        if text is not None and text != "0":
            diagnosis[0] = {**diagnosis[0], "residual": text, "text": f"{diagnosis[0]['text']} (true − expected "
                            f"= {text})"}
    right = [r["point"] for r in rows if r["verdict"] in ("agree", "kink")]
    if wrong and right:
        only = "at the given point only" if right == [0] else "in places"
        diagnosis.append({"kind": "other", "pattern": "where", "text": f"it agrees at point{_s(right)} "
                          f"{_list(right)} but not at point{_s(wrong)} {_list(wrong)}: right {only}, wrong elsewhere",
                          "agree_points": right, "disagree_points": wrong})
    return {"ok": verdict in ("agree", "kink"), "verdict": verdict,
            "max_abs_error": max(finite) if finite and len(finite) == len(errors) else float("nan"),
            "worst_point": int(np.nanargmax(errors)) if finite else 0, "diagnosis": diagnosis, "points": rows}


def _row(key, i: int, c, p, mine: np.ndarray, o) -> dict:
    name = show(key)
    truth = np.asarray(c.methods[c.reference].derivative[key], dtype=np.float64)
    decided = c.verdicts.get(key, {})
    ref_verdict = decided.get("verdict", c.verdict)
    row: dict[str, Any] = {"point": i, "reference": c.reference, "reference_verdict": ref_verdict,
                           "expected": mine, "true": truth}
    if mine.shape != truth.shape:
        return {**row, "verdict": "disagree", "max_abs_error": float("nan"),
                "note": f"shape {shape_text(mine)}, the derivative has shape {shape_text(truth)}"}
    diff = np.abs(mine - truth)
    bad = np.array(~(diff <= tolerance(truth, o.atol) + o.rtol * np.abs(truth)))    # NaN is never agreement
    row["max_abs_error"] = float("nan") if np.isnan(diff).any() else float(np.max(diff, initial=0.0))
    if ref_verdict == "kink":
        return {**row, **_at_kink(name, key, c, p, mine, truth, bad, decided, o)}
    if ref_verdict != "agree":
        reason = decided.get("reason", "")
        # the methods disagreeing among themselves say nothing about the user's derivative: not confirmed
        verdict = "inconclusive" if ref_verdict == "disagree" else ref_verdict
        return {**row, "verdict": verdict, "note": f"the reference itself is {ref_verdict} here, so the expected "
                f"derivative cannot be confirmed" + (f" ({reason})" if reason else "")}
    if bad.any():
        return {**row, "verdict": "disagree", "note": _differs(name, mine, truth, bad)}
    return {**row, "verdict": "agree", "note": ""}


def _at_kink(name: str, key, c, p, mine, truth, bad, decided: dict, o) -> dict:
    """On a kink: the elements on it accept the subdifferential (or, strict, AD's convention); the rest match."""
    from .numeric_methods import one_sided
    on = {tuple(int(j) for j in idx) for idx in decided.get("elements", [])}
    ad = c.methods.get("reverse") or c.methods.get("forward")
    convention = None if ad is None or ad.derivative is None else np.asarray(ad.derivative[key], dtype=np.float64)
    said = []
    for idx in sorted(on):
        bad[idx] = False
        value = mine[idx]
        if o.strict:
            want = truth[idx] if convention is None else convention[idx]
            if not abs(value - want) <= tolerance(truth, o.atol) + o.rtol * abs(want):
                return {"verdict": "disagree", "note": f"{label(name, idx)} is on a kink: {short_number(value)} "
                        f"expected, AD's convention (strict) is {short_number(want)}",
                        **({} if convention is None else {"true": convention})}
            continue
        try:
            sides = one_sided(p, key, idx)
        except (DiffxError, ValueError, IndexError, TypeError):
            return {"verdict": "inconclusive", "note": f"{label(name, idx)} is on a kink whose one-sided "
                    "derivatives could not be measured"}
        lo, hi = sorted((sides.left, sides.right))
        slack = tolerance(truth, o.atol) + o.rtol * max(abs(lo), abs(hi)) + (sides.error if np.isfinite(sides.error) else 0)
        if not lo - slack <= value <= hi + slack:
            return {"verdict": "disagree", "note": f"{label(name, idx)} is on a kink: {short_number(value)} expected "
                    f"lies outside its subdifferential [{short_number(lo)}, {short_number(hi)}]"}
        said.append(f"{label(name, idx)} = {short_number(value)} lies in [{short_number(lo)}, {short_number(hi)}]")
    if bad.any():
        return {"verdict": "disagree", "note": _differs(name, mine, truth, bad)}
    if o.strict:
        return {"verdict": "agree", "note": "on a kink it matches AD's convention, as --strict asks",
                **({} if convention is None else {"true": convention})}
    shown = "; ".join(said[:3]) + (f"; … ({len(said)} elements)" if len(said) > 3 else "")
    return {"verdict": "kink", "note": f"on a kink any subgradient is accepted: {shown}"}


def _differs(name: str, mine, truth, bad) -> str:
    idx = tuple(int(j) for j in np.argwhere(bad)[0])
    return (f"{label(name, idx)}: {short_number(mine[idx])} expected, true {short_number(truth[idx])} "
            f"({int(bad.sum())} of {bad.size} elements differ)")


def _list(ix: list[int]) -> str:
    return ", ".join(map(str, ix))


def _s(ix: list) -> str:
    return "" if len(ix) == 1 else "s"
