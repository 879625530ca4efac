"""What is wrong with an expected derivative, most specific first: the shape, a constant factor, the sign, a
transpose, a sum over an axis, a missing or extra term (one path of the graph, a constant, or c × a variable),
else the largest difference.

Each finding is {"kind", "text", ...evidence}, the kind one of KINDS; `diffx.check` calls `diagnose` with every
point it is sure of.
"""
from __future__ import annotations

import numpy as np

from .comparison import tolerance
from .text import label, number

KINDS = ("factor", "sign", "transpose", "missing_term", "extra_term", "axis", "shape", "other")


def diagnose(name: str, key, pairs: list, rtol: float, atol: float | None) -> list[dict]:
    """What is wrong with the expected derivative, most specific first: [{"kind", "text", ...evidence}].

    `pairs` is (point index, expected, true, point values, problem) for every point the reference is sure of;
    `key` is the derivative's key (a variable's name; a pair of names for a Hessian block).
    """
    if not pairs:
        return []
    slack = max(10 * rtol, 1e-9)
    shapes = {(e.shape, t.shape) for _, e, t, *_ in pairs}
    if any(es != ts for es, ts in shapes):
        return _shape_diagnosis(name, pairs, slack, atol)
    es, ts = [p[1] for p in pairs], [p[2] for p in pairs]
    if not all(np.isfinite(e).all() for e in es):
        i, e, t, *_ = next(p for p in pairs if not np.isfinite(p[1]).all())
        idx = tuple(int(j) for j in np.argwhere(~np.isfinite(e))[0])
        return [{"kind": "other", "pattern": "nonfinite", "text": f"it gives {number(e[idx], 6)} at {label(name, idx)} (point {i}) "
                 f"where the true derivative is {short_number(t[idx])}", "point": i, "index": list(idx)}]
    k = _factor(es, ts)
    if k is not None and _close([k * t for t in ts], es, ts, slack, atol) and not np.isclose(k, 1.0):
        if np.isclose(k, -1.0):
            return [{"kind": "sign", "text": "the sign is wrong: it is −1 × the true derivative at every point",
                     "factor": -1.0}]
        extra = ", and the sign is wrong" if k < 0 else ""
        by = _k(abs(k)) if abs(k) >= 1 else _k(1 / abs(k))
        size = "too large" if abs(k) > 1 else "too small"
        return [{"kind": "factor", "text": f"off by a factor of {by}{extra}: it is {_k(k)} × the true derivative "
                 f"at every point ({size})", "factor": k}]
    if all(t.ndim == 2 and t.shape[0] == t.shape[1] > 1 for t in ts) and _close([t.T for t in ts], es, ts, slack, atol):
        return [{"kind": "transpose", "text": "it is the transpose of the true derivative (a layout mistake: "
                 "write its .T, or swap the factors of the product)"}]
    for axis in range(ts[0].ndim):
        if ts[0].shape[axis] > 1 and _close([np.broadcast_to(t.sum(axis, keepdims=True), t.shape) for t in ts],
                                            es, ts, slack, atol):
            return [{"kind": "axis", "text": f"it equals the true derivative summed over axis {axis} and broadcast "
                     f"back: a sum over the wrong axis", "axis": axis}]
    term = _path(key, pairs, slack, atol) or _operand(key, pairs, slack, atol) or _term(pairs, slack, atol)
    if term:
        return [term]
    return [_other(name, pairs)]


def _path(key, pairs: list, slack: float, atol) -> dict | None:
    """The residual true − expected is one path's term of the chain rule at every point: a term left out (or,
    with the opposite sign, one counted twice)."""
    if isinstance(key, tuple):           # a Hessian block: the paths are those of a gradient graph, not shown
        return None
    from .check_paths import terms
    found = None
    for n, (i, e, t, _, p) in enumerate(pairs):
        r = t - e
        shares = terms(p, key)
        matches = {}
        for s in shares:
            for sign in (1, -1):
                if _close([sign * s.value], [r], [t], slack, atol) and np.any(np.abs(s.value) > tolerance(t, atol)):
                    matches.setdefault((s.node, s.input, sign), s)
        found = matches if found is None else {k: v for k, v in found.items() if k in matches}
        if not found:
            return None
    (node, _, sign), s = min(found.items(), key=lambda kv: kv[0][0])
    if sign > 0:
        return {"kind": "missing_term", "text": f"the term through {s.shown} is missing: adding that path's "
                "share of the chain rule gives the true derivative at every point", "through": s.text, "via": s.via,
                "node": f"v{node}", "difference": pairs[0][2] - pairs[0][1]}
    return {"kind": "extra_term", "text": f"the term through {s.shown} is counted twice: without one copy of "
            "that path's share of the chain rule it is the true derivative at every point", "through": s.text,
            "via": s.via,
            "node": f"v{node}", "difference": pairs[0][1] - pairs[0][2]}


def _operand(key, pairs: list, slack: float, atol) -> dict | None:
    """The expected derivative is what the chain rule gives with one square matrix transposed in one step: a
    backward pass that multiplied by W where Wᵀ belongs."""
    if isinstance(key, tuple):
        return None
    from .check_paths import transposed
    found = None
    for i, e, t, _, p in pairs:
        hits = {(s.node, s.input): s for s in transposed(p, key) if _close([s.value], [e], [t], slack, atol)}
        found = hits if found is None else {k: v for k, v in found.items() if k in hits}
        if not found:
            return None
    (node, _), s = min(found.items(), key=lambda kv: kv[0])
    return {"kind": "transpose", "text": f"a transposed weight: the step through v{node} used `{s.text}` where its "
            f"transpose belongs (in a backward pass, `{s.text}.T @ …` rather than `{s.text} @ …`)",
            "operand": s.text, "node": f"v{node}"}


def _shape_diagnosis(name: str, pairs: list, slack: float, atol) -> list[dict]:
    _, e0, t0, _, p = pairs[0]
    found = {"kind": "shape", "text": f"wrong shape: {shape_text(e0)}, but {_whose(name, t0, p)}",
             "shape": list(e0.shape), "expected_shape": list(t0.shape)}
    es, ts = [p[1] for p in pairs], [p[2] for p in pairs]
    if all(e.shape == t.T.shape for e, t in zip(es, ts)) and t0.ndim == 2 and _close([t.T for t in ts], es, ts, slack, atol):
        return [{"kind": "transpose", "text": f"it is the transpose of the true derivative ({shape_text(e0)} instead of "
                 f"{shape_text(t0)}): numerator layout, or a missing .T"}, found]
    if all(e.size == t.size for e, t in zip(es, ts)) and _close([t.reshape(e.shape) for e, t in zip(es, ts)],
                                                                 es, ts, slack, atol):
        return [found, {"kind": "shape", "text": f"its values are right: reshape it to {shape_text(t0)}"}]
    wrong_axis = _broadcast_axis(name, pairs, slack, atol)
    if wrong_axis:
        return [wrong_axis, found]
    for axis in range(t0.ndim):
        for keep in (True, False):
            sums = [t.sum(axis, keepdims=keep) for t in ts]
            if all(s.shape == e.shape for s, e in zip(sums, es)) and _close(sums, es, sums, slack, atol):
                return [{"kind": "axis", "text": f"it is the true derivative summed over axis {axis} "
                         f"({shape_text(e0)} instead of {shape_text(t0)}): a sum too many, or over the wrong axis",
                         "axis": axis}, found]
    for axis in range(e0.ndim):
        for keep in (True, False):
            sums = [e.sum(axis, keepdims=keep) for e in es]
            if all(s.shape == t.shape for s, t in zip(sums, ts)) and _close(ts, sums, ts, slack, atol):
                return [{"kind": "axis", "text": f"summed over axis {axis} it is the true derivative: the gradient "
                         f"of a broadcast variable sums over the axis it was broadcast along (a missing "
                         f"sum(…, axis={axis}))", "axis": axis}, found]
    return [found]


def _whose(name: str, t0, p) -> str:
    """What shape the derivative has, and why: a gradient has its variable's; a Jacobian the output's, then it."""
    kind = p.options.kind
    if kind == "jacobian":
        return (f"the Jacobian in {name} has shape {shape_text(t0)}: the output's shape "
                f"{shape_text(np.asarray(p.output))} followed by {name}'s {shape_text(np.asarray(p.point[name]))}")
    if kind == "hessian":
        return f"the Hessian block {name} has shape {shape_text(t0)}: the two variables' shapes one after the other"
    return f"the gradient of {name} has the shape of {name}, {shape_text(t0)}"


def _broadcast_axis(name: str, pairs: list, slack: float, atol) -> dict | None:
    """The expected gradient of a broadcast variable is the adjoint where it is broadcast, summed over other axes."""
    from .check_paths import broadcast
    if pairs[0][4].options.kind != "gradient":      # a Jacobian's or Hessian's adjoints are not a gradient's
        return None
    found = None
    for i, e, t, _, p in pairs:
        hits = {}
        for s in broadcast(p, name):
            for axes in _axis_sets(s.value.ndim):
                for keep in (True, False):
                    total = s.value.sum(axis=axes, keepdims=keep)
                    if total.shape == e.shape and _close([total], [e], [total], slack, atol):
                        hits.setdefault((s.node, axes), s)
        found = hits if found is None else {k: v for k, v in found.items() if k in hits}
        if not found:
            return None
    (node, axes), s = min(found.items(), key=lambda kv: kv[0])
    right = _broadcast_axes(s.value.shape, pairs[0][2].shape)
    should = f"; {name} was broadcast along axis {_axes(right)}, so sum over that" if right else ""
    return {"kind": "axis", "text": f"it sums the adjoint arriving at `{s.text}` over axis {_axes(axes)}{should}",
            "axis": list(axes), "through": s.text}


def _broadcast_axes(big: tuple, small: tuple) -> tuple:
    """The axes along which an array of shape `small` was broadcast to `big` (numpy's rules: aligned at the end)."""
    lead = len(big) - len(small)
    return tuple(a for a in range(len(big)) if a < lead or (small[a - lead] == 1 and big[a] != 1))


def _axis_sets(ndim: int) -> list[tuple]:
    from itertools import combinations
    return [c for r in range(1, ndim + 1) for c in combinations(range(ndim), r)]


def _axes(axes) -> str:
    return ", ".join(map(str, axes))


def _factor(es: list, ts: list) -> float | None:
    den = sum(float(np.sum(t * t)) for t in ts)
    return sum(float(np.sum(e * t)) for e, t in zip(es, ts)) / den if den > 0 else None


def _close(candidates: list, es: list, ts: list, slack: float, atol) -> bool:
    ts = [t if np.shape(t) == np.shape(c) else c for c, t in zip(candidates, ts)]
    return all(np.all(np.abs(c - e) <= tolerance(t, atol) * 10 + slack * np.abs(t)) for c, e, t in zip(candidates, es, ts))


def _term(pairs: list, slack: float, atol) -> dict | None:
    """The residual true − expected: the same at every point (a constant term), or c × one variable."""
    ds = [t - e for _, e, t, *_ in pairs]
    ts = [t for _, _, t, *_ in pairs]
    i0 = pairs[0][0]
    shown = f"expected − true = {_array(-ds[0])} at point {i0}"
    how = "an extra term, or a missing one with the opposite sign"
    if len(pairs) > 1 and _close([ds[0]] * len(ds), ds, ts, slack, atol):
        return {"kind": "extra_term", "text": f"it differs by a constant term ({how}): {shown}, the same at every "
                "point", "difference": -ds[0]}
    for v in pairs[0][3]:
        vs = [np.asarray(p[3][v]) for p in pairs]
        if vs[0].shape == ds[0].shape and vs[0].size:
            k = _factor(ds, vs)
            if k is not None and not np.isclose(k, 0) and _close([k * x for x in vs], ds, ts, slack, atol):
                return {"kind": "extra_term", "text": f"it differs by a term: expected = true + {_times(-k, v)} ({how}); "
                        f"{shown}", "difference": -ds[0], "variable": v, "factor": -k}
        elif vs[0].ndim == 0 and len(pairs) > 1 and np.all(vs[0] != 0):
            unit = [d / x for d, x in zip(ds, vs)]
            if _close([unit[0]] * len(unit), unit, [u + 1e-300 for u in unit], slack, atol):
                return {"kind": "extra_term", "text": f"it differs by a term proportional to {v} ({how}): {shown}",
                        "difference": -ds[0], "variable": v}
    return None


def _other(name: str, pairs: list) -> dict:
    worst, where = -1.0, None
    for i, e, t, *_ in pairs:
        d = np.abs(e - t)
        j = tuple(int(x) for x in np.unravel_index(int(np.argmax(d)), d.shape)) if d.size else ()
        if d.size and d[j] > worst:
            worst, where = float(d[j]), (i, j, e[j], t[j])
    if where is None:
        return {"kind": "other", "text": "it differs from the true derivative"}
    i, j, e, t = where
    return {"kind": "other", "text": f"it differs from the true derivative; the largest difference is at "
            f"{label(name, j)} at point {i}: {short_number(e)} expected, true {short_number(t)}", "point": i, "index": list(j),
            "max_abs_error": worst}


def _k(k: float) -> str:
    for den in (1, 2, 3, 4):
        if abs(k * den - round(k * den)) < 1e-6 * max(1, abs(k * den)):
            n = round(k * den)
            return str(n) if den == 1 else f"{n}/{den}"
    return number(k, 4)


def shape_text(a: np.ndarray) -> str:
    return "a scalar" if a.ndim == 0 else "(" + ", ".join(map(str, a.shape)) + (",)" if a.ndim == 1 else ")")


def _array(a: np.ndarray) -> str:
    return short_number(a) if a.ndim == 0 else np.array2string(a, precision=6, threshold=12, separator=", ")



def short_number(x) -> str:
    return number(x, 8)


def _times(k: float, v: str) -> str:
    return v if np.isclose(k, 1) else f"-{v}" if np.isclose(k, -1) else f"{_k(k)}*{v}"
