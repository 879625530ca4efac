"""The verdict's power to catch a wrong derivative, measured on the op table itself.

Every op's reverse rules are replaced, in `diffx.ops.OPS`, by the rules
scaled by 1.01 and by -1 (forward values, forward-mode and SymPy rules
intact). Each is run at a random point and, for every kink rule with a
switching surface, at points 1e-2, 1e-3 and 1e-4 from the kink, with the
methods a user gets when SymPy is skipped: reverse AD and finite
differences. The verdict must say `disagree` for at least 99.5% of the
mutants that change the gradient there, and `agree` for at least 99.5% of
the same cases unmutated.
"""
from dataclasses import replace

import numpy as np
import pytest

import diffx
from diffx.comparison import compare
from diffx.graph import Graph
from diffx.options import options
from diffx.problem import evaluated
from test_ops import TABLE, sample

DISTANCES = (1e-2, 1e-3, 1e-4)
FACTORS = (1.01, -1.0)
OPTIONS = options(methods=("reverse", "numeric"))


def _cases(name: str):
    """(inputs, params, where) at a random point, then beside each kink the op declares."""
    inputs, params = sample(name)
    yield inputs, params, "random"
    seen = []
    for rule in diffx.OPS[name].kinks:
        if rule.surface is None:
            continue
        for d in DISTANCES:
            near = _beside(rule, inputs, d)
            if near is not None and not any(all(np.array_equal(a, b) for a, b in zip(near, s)) for s in seen):
                seen.append(near)
                yield near, params, f"{d:g} from its kink"


def _beside(rule, inputs, d):
    """The inputs moved so that the rule's switching surface u is d at their first element."""
    zeros = [np.zeros(np.shape(a)) for a in inputs]
    for k in range(len(inputs)):
        for other in [None] + [j for j in range(len(inputs)) if j != k]:
            near = [np.array(a, dtype=np.float64) for a in inputs]
            near[k].flat[0] = d if other is None else near[other].flat[0] + d
            u = np.asarray(rule.surface(near, zeros)[0], dtype=np.float64)
            if u.size and np.isclose(u.flat[0], d, rtol=1e-9, atol=0):
                return near
    return None


def _problem(name: str, inputs, params, cotangent):
    g = Graph(source=name)
    ids = [g.var(f"a{k}") for k in range(len(inputs))]
    y = g.add(name, tuple(ids), params)
    c = g.const(cotangent)
    g.output = g.add("sum", (g.add("mul", (c, y)),))
    point = {f"a{k}": v for k, v in enumerate(inputs)}
    return evaluated(g, point, list(point), OPTIONS)


def _scaled(op, factor: float):
    rules = tuple(None if r is None else (lambda *a, r=r, **k: factor * r(*a, **k)) for r in op.vjp)
    return replace(op, vjp=rules)


MUTABLE = [n for n in TABLE if any(r is not None for r in diffx.OPS[n].vjp)]


def _campaign(monkeypatch, factors=FACTORS, near=None):
    """Every mutable op at every case: (clean, false alarms, caught, missed); `near` collects, for the cases
    beside a kink, (relative error of the numeric column, its evaluations per input)."""
    rng = np.random.default_rng(7)
    clean, caught, missed, alarms = 0, 0, [], []
    for name in MUTABLE:
        op = diffx.OPS[name]
        for inputs, params, where in _cases(name):
            y = diffx.OPS[name].forward(*inputs, **params)
            p = _problem(name, inputs, params, rng.uniform(0.5, 1.5, size=np.shape(y)))
            r = compare(p)
            truth = r.methods["reverse"].derivative
            if near is not None and where != "random":
                n = r.methods["numeric"]
                err = max(float(np.max(np.abs(n.derivative[k] - truth[k]) / np.maximum(np.abs(truth[k]), 1e-300),
                                       initial=0.0)) for k in truth)
                near.append((err, n.evaluations / sum(np.size(v) for v in truth.values())))
            if r.verdict == "agree":
                clean += 1
            else:
                alarms.append((name, where, r.verdict, r.verdicts))
            for factor in factors:
                monkeypatch.setitem(diffx.OPS, name, _scaled(op, factor))
                wrong = compare(p)
                monkeypatch.setitem(diffx.OPS, name, op)
                got = wrong.methods["reverse"].derivative
                if all(np.allclose(got[k], truth[k], rtol=1e-9, atol=1e-12) for k in truth):
                    continue                       # a rule that is 0 here cannot be caught: not counted
                if wrong.verdict == "disagree":
                    caught += 1
                else:
                    missed.append((name, where, factor, wrong.verdict))
    return clean, alarms, caught, missed


@pytest.mark.slow
def test_mutated_reverse_rules_are_caught_and_clean_ones_pass(monkeypatch):
    clean, alarms, caught, missed = _campaign(monkeypatch)
    mutants = caught + len(missed)
    assert mutants > 100 and clean + len(alarms) > 50
    assert caught >= 0.995 * mutants, f"{len(missed)} of {mutants} wrong derivatives got past the verdict: {missed[:8]}"
    assert clean >= 0.995 * (clean + len(alarms)), f"false alarms on correct rules: {alarms[:8]}"
