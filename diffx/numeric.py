"""Numeric differentiation by finite differences of the forward pass.

The function evaluated is the graph itself with every `detach` node pinned
to its value at the point, so finite differences see the same function the
other methods differentiate. Five schemes, each with an error estimate:

- forward / backward: one-sided, step √ε·s, estimate |D(h) − D(2h)|;
- central: step ε^(1/3)·s, estimate |D(h) − D(2h)|/3 plus rounding;
- complex: Im f(x + ih)/h with h = 1e-20·s, exact to rounding for analytic
  functions (refused when an op on the path is not analytic);
- richardson: central differences at steps h₀/2ᵏ combined by Richardson
  extrapolation, the estimate from the extrapolation table.

(s = max(1, |x|).) Where every op between the inputs and the output is
elementwise, all perturbed points of a component go through numpy as one
batch instead of one Python pass each.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np

from .engine import evaluate
from .errors import RuleError
from .graph import Graph
from .ops import OPS
from .records import dataclass, field  # dataclasses' own, made without compiling source

EPS = float(np.finfo(np.float64).eps)
COMPLEX_STEP = 1e-20
RICHARDSON_BASE, RICHARDSON_LEVELS = 0.0625, 4   # tuned on the accuracy corpus (tests/corpus.py)


@dataclass
class NumericResult:
    gradient: dict[str, np.ndarray]
    step: float                       # the largest (base) step used
    evaluations: int
    method: str = "central"
    error_estimate: dict[str, np.ndarray] = field(default_factory=dict)   # per element, absolute
    optimal: dict[str, float] | None = None                               # central: best step and its error
    path_changes: list[str] = field(default_factory=list)                 # Python functions: branches that flipped
    kinks: list = field(default_factory=list)                             # (name, idx, left, right) seen
    domain: list[str] = field(default_factory=list)                       # where one-sided steps stood in


def frozen_nodes(graph: Graph, values: list) -> dict[int, np.ndarray]:
    """The value of each frozen (detached) sub-expression at the point."""
    return {n.id: values[n.id] for n in graph.nodes if OPS[n.op].frozen}


def output_function(graph: Graph, values: list, dtype=None) -> Callable[[dict], np.ndarray]:
    """The output as a function of the variables, detached nodes frozen at the point."""
    frozen = frozen_nodes(graph, values)
    return lambda env: np.asarray(evaluate(graph, env, overrides=frozen, upto=graph.output,
                                           dtype=dtype)[graph.output])


def central(f: Callable[[dict], Any], point: dict, name: str, idx: tuple, dtype=None) -> tuple[Any, float]:
    """Central difference of f (an array, or a dict of arrays) along one component of `name`.

    The step is h = eps^(1/3) * max(1, |x|), eps of the precision computed in;
    the divisor is the step actually taken after rounding, (x + h) - (x - h).
    """
    x = np.asarray(point[name], dtype=dtype or np.float64)
    h = float(np.finfo(x.dtype).eps) ** (1 / 3) * max(1.0, abs(float(x[idx])))
    up, down = x.copy(), x.copy()
    up[idx] += h
    down[idx] -= h
    width = up[idx] - down[idx]
    fu, fd = f({**point, name: up}), f({**point, name: down})
    if isinstance(fu, dict):
        return {k: (fu[k] - fd[k]) / width for k in fu}, h
    return (fu - fd) / width, h


# ---------------------------------------------------------------- where the batch can go through numpy at once
def batchable(graph: Graph) -> bool:
    """True when every op that sees a variable is elementwise, so a leading batch axis rides along."""
    live = graph.influenced_by(graph.variables.values())
    return all(OPS[n.op].pointwise for n in graph.nodes if live[n.id])


def not_analytic(graph: Graph, wrt: list[str]) -> str | None:
    """Why complex step cannot be used, or None when every op on the path is analytic."""
    dep = graph.influenced_by([graph.variables[n] for n in wrt])
    for node in graph.nodes:
        op = OPS[node.op]
        if dep[node.id] and node.inputs and not op.analytic:
            what = graph.text(node) or node.name
            return f"complex step needs analytic ops, but {op.display} ({node.name}: {what}) is not"
    return None


def _component(graph: Graph, frozen: dict, point: dict, name: str, idx: tuple, batch: bool, out_ndim: int,
               dtype=None):
    """f as a function of one component of one variable, taking an array of values for it.

    Batched, the values ride on a leading axis, with axes of length 1 between
    it and x's own so that they broadcast against the other operands.
    """
    x = np.asarray(point[name])
    pad = (1,) * max(out_ndim - x.ndim, 0)

    def f(ts: np.ndarray) -> np.ndarray:
        kind = np.result_type(x, ts)
        if batch:
            rows = np.array(np.broadcast_to(x.astype(kind), (len(ts),) + x.shape))
            rows[(np.arange(len(ts)),) + idx] = ts
            rows = rows.reshape((len(ts),) + pad + x.shape)
            out = np.asarray(evaluate(graph, {**point, name: rows}, overrides=frozen, upto=graph.output,
                                      dtype=dtype)[graph.output])
            return out if out.shape[:1] == (len(ts),) else np.broadcast_to(out, (len(ts),) + out.shape)
        outs = []
        for t in ts:
            row = x.astype(kind)
            row[idx] = t
            outs.append(np.asarray(evaluate(graph, {**point, name: row}, overrides=frozen,
                                            upto=graph.output, dtype=dtype)[graph.output]))
        return np.stack(outs)
    return f


def _sides(f0, pairs, eps=EPS):
    """One-sided differences at x, and whether they disagree beyond what smoothness explains.

    `pairs` are (f(x+kh), f(x-kh), kh) for k = 1, 2 (and 4). The symmetric
    second difference Δ(kh) = D+(kh) - D-(kh) is kh·f'' + O(h³) for a smooth
    f, so r = |2Δ(h) - Δ(2h)| is rounding plus O(h³), while a kink within ±h
    leaves r of the order of its change of slope. With a third level, a
    smooth f's r grows about 8-fold from h to 2h and a kink's does not.
    """
    (p1, m1, h1), (p2, m2, h2) = pairs[:2]
    dplus, dminus = (p1 - f0) / h1, (f0 - m1) / h1
    delta = lambda p, m, h: (p - 2 * f0 + m) / h  # noqa: E731
    r1 = np.abs(2 * delta(p1, m1, h1) - delta(p2, m2, h2))
    scale = np.maximum.reduce([np.abs(f0)] + [np.abs(v) for p, m, _ in pairs for v in (p, m)])
    allowed = 64 * eps * scale / h1 + 1e-7 * np.maximum(np.abs(dplus), np.abs(dminus)) + 1e-300
    kink = r1 > allowed
    if len(pairs) > 2:
        p4, m4, h4 = pairs[2]
        r2 = np.abs(2 * delta(p2, m2, h2) - delta(p4, m4, h4))
        kink &= r2 < 4 * r1
    # a jump: f(x+h) - f(x-h) does not shrink with h (a kink's does, like h)
    rise1, rise2 = np.abs(p1 - m1), np.abs(p2 - m2)
    jump = kink & (rise1 > 0.75 * rise2) & (rise1 > 1e3 * allowed * h1)
    return dminus, dplus, bool(np.any(kink)), bool(np.any(jump))


# ---------------------------------------------------------------- the schemes
# (f, x, f0, eps, cap) -> (D, estimate, evaluations, step, sides); `cap` is the largest step the function's
# structure allows (half the distance to the nearest switching surface of a non-smooth op)
def _one_sided(sign: float):
    def scheme(f, x, f0, eps=EPS, cap=np.inf):
        h = min(eps ** 0.5 * max(1.0, abs(x)), cap) * sign
        h1, h2 = (x + h) - x, (x + 2 * h) - x
        fs = f(np.array([x + h, x + 2 * h]))
        d1, d2 = (fs[0] - f0) / h1, (fs[1] - f0) / h2
        # d1 - d2 is about h·f''/2, d1's own truncation error: twice it (plus rounding) bounds the error
        return d1, 2 * np.abs(d1 - d2) + 4 * eps * np.abs(f0) / abs(h1), 2, abs(h), None
    return scheme


def _central(f, x, f0, eps=EPS, cap=np.inf):
    h = min(eps ** (1 / 3) * max(1.0, abs(x)), cap)
    fs = f(np.array([x + h, x - h, x + 2 * h, x - 2 * h]))
    d1 = (fs[0] - fs[1]) / ((x + h) - (x - h))
    d2 = (fs[2] - fs[3]) / ((x + 2 * h) - (x - 2 * h))
    sides = _sides(f0, [(fs[0], fs[1], (x + h) - x), (fs[2], fs[3], ((x + 2 * h) - (x - 2 * h)) / 2)], eps)
    return d1, np.abs(d2 - d1) / 3 + eps * np.abs(f0) / h, 4, h, sides


def _complex(f, x, f0, eps=EPS, cap=np.inf):
    h = COMPLEX_STEP * max(1.0, abs(x))
    fz = f(np.array([x + 1j * h]))[0]
    d = np.imag(fz) / h
    finite = np.isfinite(f0)
    # for an analytic f, Re f(x + ih) = f(x) - h²f''/2: anything else means the step is not valid here
    drift = np.abs(np.real(fz) - f0)
    if np.any(finite & (~np.isfinite(fz) | (drift > 1e-8 * np.abs(f0) + 1e-300))):
        raise RuleError(f"complex step is not valid at {x:.17g}: Re f(x+ih) = {np.real(fz).ravel()[0]:.6g} "
                        f"is not f(x) = {np.asarray(f0).ravel()[0]:.6g} (an overflow, or a function that is not "
                        "analytic there)")
    d = np.where(finite, d, np.nan)
    return d, 4 * eps * np.abs(d), 1, h, None


RICHARDSON_RETRIES = 3          # each retry starts 16 times smaller


def _richardson(f, x, f0, eps=EPS, cap=np.inf):
    """Central differences at h₀, h₀/2, … extrapolated at the order the table shows.

    Successive differences of a smooth function shrink 4-fold as h halves
    (order 2), and the table is extrapolated as usual; where they shrink
    2-fold (order 1, as x|x| at 0 does), it is extrapolated at order 1;
    where they do neither, the steps shrink and it tries again, and what
    still does not settle is unresolved: an infinite estimate.
    """
    s, evaluations, base = max(1.0, abs(x)), 0, min(RICHARDSON_BASE * max(1.0, abs(x)), cap)
    for _ in range(RICHARDSON_RETRIES + 1):
        hs = base / 2.0 ** np.arange(RICHARDSON_LEVELS)
        fs = f(np.concatenate([x + hs, x - hs]))
        n = len(hs)
        evaluations += 2 * n
        central = [(fs[k] - fs[n + k]) / ((x + hs[k]) - (x - hs[k])) for k in range(n)]
        noise = 64 * eps * np.maximum(np.abs(f0), 1e-300) / hs[-1]
        order = _observed_order(central, noise)
        if order is not None:
            best, err = _extrapolate(central, order)
            sides = _sides(f0, [(fs[k], fs[n + k], ((x + hs[k]) - (x - hs[k])) / 2) for k in (n - 1, n - 2, n - 3)],
                           eps)
            return best, err + 4 * noise, evaluations, hs[0], sides
        base /= 16.0
        if base < 1e-8 * s:
            break
    return central[-1], np.full(np.shape(f0), np.inf), evaluations, hs[0], None


def _observed_order(central: list, noise) -> float | None:
    """2 or 1 when the last differences of the table shrink at that order (or are rounding), else None."""
    d1, d2 = np.abs(central[-2] - central[-3]), np.abs(central[-1] - central[-2])
    settled = (d1 <= noise) & (d2 <= noise)
    with np.errstate(all="ignore"):
        ratio = np.where(settled, 4.0, d1 / np.where(d2 > 0, d2, np.inf))
    if np.all(settled | ((ratio > 2.8) & (ratio < 6.0)) | (d2 <= noise)):
        return 2.0
    if np.all(settled | ((ratio > 1.5) & (ratio <= 2.8))):
        return 1.0
    return None


def _extrapolate(central: list, order: float):
    """The Richardson table at that order; the best entry by its own estimate."""
    n, table = len(central), [[c] for c in central]
    best, best_err = table[-1][0], np.full(np.shape(central[0]), np.inf)
    for k in range(1, n):
        for j in range(1, k + 1):
            factor = 2.0 ** (order * j if order == 1 else 2 * j) - 1.0
            table[k].append(table[k][j - 1] + (table[k][j - 1] - table[k - 1][j - 1]) / factor)
            err = np.maximum(np.abs(table[k][j] - table[k][j - 1]), np.abs(table[k][j] - table[k - 1][j - 1]))
            better = err < best_err
            best, best_err = np.where(better, table[k][j], best), np.where(better, err, best_err)
    return best, best_err


class Scheme(NamedTuple):
    run: Callable          # (f, x, f0, eps, cap) -> (D, estimate, evaluations, step, sides)
    label: str             # its name in legends and tables
    about: str             # what it computes, for the cost column


# one row per scheme, in the order `diffx compare` shows them: a new scheme is a function and a row
SCHEMES = {
    "forward": Scheme(_one_sided(1.0), "forward differences", "one-sided differences (f(x+h) - f(x))/h"),
    "backward": Scheme(_one_sided(-1.0), "backward differences", "one-sided differences (f(x) - f(x-h))/h"),
    "central": Scheme(_central, "central differences", "central differences (f(x+h) - f(x-h))/2h"),
    "richardson": Scheme(_richardson, "Richardson extrapolation", "Richardson-extrapolated central differences"),
    "complex": Scheme(_complex, "complex step", "complex step Im f(x+ih)/h"),
}


def _one_side_inside(f, x: float, f0, eps: float, d, est, n: int, sides):
    """When steps on both sides leave the domain (log, sqrt near 0), a one-sided difference on the side
    where f is finite: less accurate, but a number, and said so."""
    for side, scheme in (("forward", SCHEMES["forward"].run), ("backward", SCHEMES["backward"].run)):
        d1, est1, n1, _, _ = scheme(f, x, f0, eps)
        n += n1
        if np.all(np.isfinite(d1)):
            return d1, est1, n, None, side
    return d, est, n, sides, None


def default_scheme(graph: Graph, wrt: list[str], irregular: bool = False) -> str:
    """The most accurate safe scheme: complex step where allowed, else Richardson.

    Allowed means every op on the path is analytic and the point is not
    `irregular` (no op sits at a kink there and every value is finite).
    """
    return "richardson" if irregular or not_analytic(graph, wrt) is not None else "complex"


def _python_component(evaluator, base_path, point: dict, name: str, idx: tuple, changes: list):
    """f of one component through a Python function, noting any perturbation that changed its path."""
    x = np.asarray(point[name], dtype=np.float64)

    def f(ts: np.ndarray) -> np.ndarray:
        outs = []
        for t in ts:
            row = x.copy()
            row[idx] = t
            out, path = evaluator({**point, name: row})
            if [d.value for d in path] != [d.value for d in base_path] and len(changes) < 20:
                flipped = _first_flip(base_path, path)
                changes.append(f"at {name}{list(idx) if idx else ''} = {t:.17g}: {flipped}")
            outs.append(out)
        return np.stack(outs)
    return f


def _first_flip(base, path) -> str:
    for a, b in zip(base, path):
        if a.value != b.value:
            return f"the branch at line {b.line} ({b.source}) went {b.value} instead of {a.value}"
    return f"the loops ran {len(path)} tests instead of {len(base)}"


def differentiate(graph: Graph, values: list, point: dict[str, np.ndarray], wrt: list[str],
                  scheme: str = "central", evaluator=None, base_path=(), dtype=None,
                  caps: dict | None = None) -> NumericResult:
    """The derivative of the output w.r.t. every component of `wrt`, with error estimates.

    The output may be an array: each component's result then has its shape
    (a column of the Jacobian). With `evaluator` (env -> (output, branch
    decisions)), the function differenced is a Python function, re-run at
    each perturbed point, and a change of its path is reported. `caps`
    ({(name, idx): step}) bounds each component's steps (below a kink).
    """
    caps = caps or {}
    if scheme == "complex":
        why = not_analytic(graph, wrt) if evaluator is None else \
            "complex step cannot run a Python function: its branches compare real numbers"
        if why:
            raise RuleError(why)
    frozen = frozen_nodes(graph, values)
    f0 = np.asarray(values[graph.output], dtype=dtype or np.float64)
    eps = float(np.finfo(dtype or np.float64).eps)
    batch = batchable(graph)
    changes: list[str] = []
    kinks: list = []
    domain: list[str] = []
    run = SCHEMES[scheme].run
    grads, estimates = {}, {}
    evaluations, largest, scale = (1 if scheme in ("forward", "backward") else 0), 0.0, 1.0
    with np.errstate(all="ignore"):
        for name in wrt:
            x = np.asarray(point[name], dtype=dtype or np.float64)
            g = np.zeros(f0.shape + x.shape, dtype=dtype or np.float64)
            e = np.zeros(f0.shape + x.shape)
            for idx in np.ndindex(*x.shape):
                f = (_component(graph, frozen, point, name, idx, batch, f0.ndim, dtype) if evaluator is None else
                     _python_component(evaluator, base_path, point, name, idx, changes))
                d, est, n, h, sides = run(f, float(x[idx]), f0, eps, caps.get((name, idx), np.inf))
                if scheme != "complex" and np.all(np.isfinite(f0)) and np.any(np.isnan(d)):
                    d, est, n, sides, side = _one_side_inside(f, float(x[idx]), f0, eps, d, est, n, sides)
                    if side:
                        label = name + (f"[{', '.join(map(str, idx))}]" if idx else "")
                        domain.append(f"at {label} the {scheme} steps left the function's domain (f is NaN there); "
                                      f"a {side} difference was used instead")
                g[(...,) + idx], e[(...,) + idx] = np.real(d), est
                if sides is not None and sides[2]:
                    kinks.append((name, idx, sides[0], sides[1], sides[3]))
                evaluations, largest = evaluations + n, max(largest, h)
                scale = max(scale, abs(float(x[idx])))
            grads[name], estimates[name] = g, e
    optimal = None
    if scheme == "central":
        optimal = {"step": eps ** (1 / 3) * scale,
                   "error": float(eps ** (2 / 3) * max(1.0, float(np.max(np.abs(f0), initial=0.0))))}
    return NumericResult(grads, largest, evaluations, scheme, estimates, optimal, changes, kinks, domain)

