"""Accuracy figures: numeric differences against numdifftools on the test corpus, and the verdict's power to catch
a wrong derivative (tests/test_mutation.py's campaign).

Called from `benchmarks/run.py`; on its own: `python benchmarks/accuracy.py`. These are not timings: each row is
an error, an evaluation count or a catch rate, so they need the test extra (`pip install -e '.[test]'`).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import diffx  # noqa: E402

from run import ROOT, have, row  # noqa: E402 - run.py's helpers (imported as a module)


# ---------------------------------------------------------------- 4. numeric accuracy against numdifftools
def numeric_accuracy() -> None:
    """Median relative error and function evaluations per input on the test corpus."""
    sys.path.insert(0, str(ROOT / "tests"))
    from corpus import CORPUS, exact, relative_error
    from diffx import numeric

    stats: dict[str, tuple[list, list]] = {}

    def record(name, err, evals, n):
        errs, counts = stats.setdefault(name, ([], []))
        errs.append(err)
        counts.append(evals / n)

    for case in CORPUS:
        p = diffx.problem(case[0], values=case[1])
        want = exact(case)
        n = sum(int(np.size(p.point[k])) for k in p.wrt)
        for scheme in ("central", "richardson", "complex"):
            r = numeric.differentiate(p.graph, p.values, p.point, p.wrt, scheme)
            record(f"diffx {scheme}", relative_error(r.gradient, want), r.evaluations, n)
        d = diffx.compare(p.graph, case[1], methods=["numeric"]).methods["numeric"]
        record("diffx default", relative_error(d.gradient, want), d.evaluations, n)
        if have("numdifftools"):
            record("numdifftools", *_numdifftools(p, want), n)
    for name, (errs, counts) in stats.items():
        row(f"corpus: {name}", f"{np.median(errs):.1e}", "info",
            f"median relative error over {len(errs)} cases; {np.mean(counts):.1f} evaluations per input")
    if not have("numdifftools"):
        row("corpus: numdifftools", "skipped", "info", "numdifftools is not installed")


def _numdifftools(p, want) -> tuple[float, int]:
    """numdifftools' Gradient on the same function, flattened; its error and evaluation count."""
    import numdifftools as nd
    from diffx.numeric import output_function
    f = output_function(p.graph, p.values)
    shapes = [np.shape(p.point[k]) for k in p.wrt]
    calls = [0]

    def flat(v):
        calls[0] += 1
        env, at = dict(p.point), 0
        for k, shape in zip(p.wrt, shapes):
            size = int(np.prod(shape))
            env[k] = np.asarray(v[at:at + size]).reshape(shape)
            at += size
        return float(f(env))
    x0 = np.concatenate([np.ravel(p.point[k]) for k in p.wrt]).astype(float)
    g = np.atleast_1d(nd.Gradient(flat)(x0))
    got, at = {}, 0
    for k, shape in zip(p.wrt, shapes):
        size = int(np.prod(shape))
        got[k] = g[at:at + size].reshape(shape)
        at += size
    from corpus import relative_error
    return relative_error(got, want), calls[0]


# ---------------------------------------------------------------- 6. the verdict's power to catch a wrong derivative
def verdict_power() -> None:
    """Catch rates of mutated reverse rules (tests/test_mutation.py's campaign) and near-kink accuracy."""
    sys.path.insert(0, str(ROOT / "tests"))
    if not (have("pytest") and have("hypothesis")):
        row("verdict: catch rates", "skipped", "info", "needs the test extra (pytest, hypothesis)")
        return
    import test_mutation

    class Patch:
        def setitem(self, table, key, value):
            table[key] = value
    for factor in (1.001, 1.01, -1.0):
        clean, alarms, caught, missed = test_mutation._campaign(Patch(), factors=(factor,))
        mutants = caught + len(missed)
        row(f"verdict: wrong rule x{factor:g} caught", f"{caught / mutants:.1%}", ">= 99.5%",
            f"{caught} of {mutants} mutants that change the gradient, reverse + numeric only")
    row("verdict: unmutated cases that agree", f"{clean / (clean + len(alarms)):.1%}", ">= 99.5%",
        f"{clean} of {clean + len(alarms)}, at random points and 1e-2..1e-4 from kinks")
    if not have("torch"):
        row("verdict: torch.autograd.gradcheck", "skipped", "info", "torch is not installed")
    near: list = []
    test_mutation._campaign(Patch(), factors=(), near=near)
    errors, evals = zip(*near)
    row("near kinks: numeric median relative error", f"{np.median(errors):.1e}", "info",
        f"{len(near)} cases 1e-2..1e-4 from a kink, against reverse AD")
    row("near kinks: evaluations per input (median)", f"{np.median(evals):.0f}", "<= 16", "numdifftools uses ~30")
    from corpus import CORPUS, exact
    bounded = []
    for case in CORPUS:
        p = diffx.problem(case[0], values=case[1])
        n = diffx.compare(p.graph, case[1], methods=["numeric"]).methods["numeric"]
        want = exact(case)
        bounded += [bool(e) for k in want for e in np.ravel(np.abs(n.derivative[k] - want[k]) <= n.estimates[k])]
    row("corpus: own estimate bounds the real error", f"{np.mean(bounded):.1%}", ">= 95%",
        f"{len(bounded)} elements, the default numeric method")
    if not have("numdifftools"):
        row("near kinks: numdifftools", "skipped", "info", "numdifftools is not installed")


if __name__ == "__main__":
    numeric_accuracy()
    verdict_power()
