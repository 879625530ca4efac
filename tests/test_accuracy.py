"""The accuracy corpus: every numeric scheme against closed-form derivatives, with the targets."""
import numpy as np
import pytest

import diffx
from corpus import CORPUS, exact, relative_error
from diffx import numeric

SCHEMES = ("forward", "backward", "central", "richardson", "complex")


@pytest.fixture(scope="module")
def errors():
    """scheme -> relative error of each corpus case; also the default scheme's and the estimates."""
    out = {s: [] for s in SCHEMES + ("default",)}
    estimates = {s: [] for s in SCHEMES}
    for case in CORPUS:
        p = diffx.problem(case[0], values=case[1])
        want = exact(case)
        for s in SCHEMES:
            r = numeric.differentiate(p.graph, p.values, p.point, p.wrt, s)
            out[s].append(relative_error(r.gradient, want))
            estimates[s].append((r, want))
        d = diffx.compare(p.graph, case[1], methods=["numeric"]).methods["numeric"]
        out["default"].append(relative_error(d.gradient, want))
    return out, estimates


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 30
    assert any(np.ndim(v) == 2 for _, point, _ in CORPUS for v in point.values())   # matrices too


@pytest.mark.parametrize("scheme, target", [("default", 1e-12), ("complex", 1e-14), ("central", 1e-9),
                                            ("richardson", 1e-12)])
def test_median_relative_error_targets(errors, scheme, target):
    median = float(np.median(errors[0][scheme]))
    assert median <= target, f"{scheme}: median relative error {median:.3g} > {target:g}"


def test_one_sided_differences_are_what_they_are(errors):
    assert 1e-10 < float(np.median(errors[0]["forward"])) < 1e-6


def test_reverse_ad_is_exact_on_the_corpus():
    for case in CORPUS:
        got = diffx.grad(case[0], case[1])
        assert relative_error(got, exact(case)) < 1e-13, case[0]


@pytest.mark.parametrize("scheme", ["forward", "backward", "central", "richardson"])
def test_error_estimates_cover_the_true_error(errors, scheme):
    """Each scheme's own estimate bounds its actual error (within a factor of 4) on the corpus."""
    for r, want in errors[1][scheme]:
        for k in want:
            err = np.abs(np.asarray(r.gradient[k]) - want[k])
            assert np.all(err <= 4 * r.error_estimate[k] + 1e-15 * np.maximum(1, np.abs(want[k]))), (scheme, k)


def test_evaluation_counts():
    p = diffx.problem("sum(exp(x))", x=[0.1, 0.2, 0.3])
    counts = {s: numeric.differentiate(p.graph, p.values, p.point, p.wrt, s).evaluations for s in SCHEMES}
    assert counts == {"forward": 7, "backward": 7, "central": 12, "richardson": 24, "complex": 3}


def test_complex_step_refused_for_abs_with_a_reason():
    r = diffx.compare("abs(x)", x=0.5, methods=["reverse", "numeric-complex"])
    assert "complex step needs analytic ops, but abs (v1: abs(x)) is not" in r.methods["numeric-complex"].skipped
    assert diffx.compare("abs(x)", x=0.5, methods=["numeric"]).methods["numeric"].scheme == "richardson"


def test_complex_step_accepted_for_sin_times_exp():
    r = diffx.compare("sin(x)*exp(x)", x=2.0, methods=["numeric-complex"]).methods["numeric-complex"]
    assert r.ran and r.gradient["x"] == pytest.approx(np.exp(2) * (np.sin(2) + np.cos(2)), rel=1e-15)


def test_central_reports_the_theoretical_best_step():
    r = diffx.compare("exp(x)", x=3.0, methods=["numeric-central"]).methods["numeric-central"]
    assert r.optimal["step"] == pytest.approx(np.finfo(float).eps ** (1 / 3) * 3)
    assert 0 < r.optimal["error"] < 1e-9


def test_batched_and_looped_evaluation_agree():
    p = diffx.problem("sin(x) * y + exp(x*y)", x=0.3, y=[0.5, 1.5])
    assert numeric.batchable(p.graph) and not numeric.batchable(diffx.parse("sum(x)"))
    q = diffx.problem("sum(sin(x) * y + exp(x*y))", x=0.3, y=[0.5, 1.5])
    for s in SCHEMES:
        batched = numeric.differentiate(p.graph, p.values, p.point, p.wrt, s)      # a Jacobian, in batches
        looped = numeric.differentiate(q.graph, q.values, q.point, q.wrt, s)      # the summed one, in a loop
        for k in ("x", "y"):
            np.testing.assert_allclose(batched.gradient[k].sum(axis=0), looped.gradient[k], rtol=1e-6)
