"""Kinks, non-finite values and float32: say the truth at non-differentiable points."""
import json

import numpy as np
import pytest

import diffx

ALL = ["reverse", "symbolic", "numeric"]


def kinks_of(expr, **values):
    r = diffx.compare(expr, methods=ALL, **values)
    return r, r.to_dict()["kinks"]


def test_abs_at_zero():
    r, kinks = kinks_of("abs(x)", x=0)
    assert len(kinks) == 1
    k = kinks[0]
    assert (k["node"], k["op"], k["left"], k["right"], k["subdifferential"], k["convention"]) == \
        ("v1", "abs", -1.0, 1.0, "[-1, 1]", 0.0)
    assert (k["pytorch"], k["jax"]) == ("0", "1") and r.verdict == "kink" and r.passed


def test_relu_at_zero_is_explained_not_failed(cli):
    r, kinks = kinks_of("relu(x)", x=0)
    assert kinks[0]["subdifferential"] == "[0, 1]" and kinks[0]["convention"] == 0
    assert r.verdict == "kink" and r.passed and not r.agree
    assert r.methods["reverse"].gradient["x"] == 0 and r.methods["symbolic"].gradient["x"] == 0.5
    assert any("at a kink, where both answers lie between the one-sided derivatives" in w for w in r.warnings)
    out = cli("grad", "relu(x)", "--at", "0")
    assert out.exit_code == 0 and "kink: relu at v1" in out.stdout and "✓ kink: the point is on a kink" in out.stdout
    assert cli("grad", "relu(x)", "--at", "0", "--strict").exit_code == 1


def test_max_at_a_tie_reported_once():
    r, kinks = kinks_of("max(x, y)", x=1, y=1)
    assert len(kinks) == 1 and kinks[0]["input"] is None and kinks[0]["convention"] == 0.5
    assert r.gradient == {"x": 0.5, "y": 0.5}


def test_norm_at_the_zero_vector_has_no_nan():
    r, kinks = kinks_of("norm(x)", x=[0, 0, 0])
    assert r.methods["reverse"].gradient["x"].tolist() == [0, 0, 0]          # no NaN from diffx's rules
    assert "unit ball" in kinks[0]["subdifferential"] and kinks[0]["convention"] == 0 and kinks[0]["jax"] == "NaN"
    h = diffx.hessian("norm(x)", x=[0.0, 0.0])
    assert np.all(np.isfinite(h))


def test_sqrt_at_zero_says_infinity(cli):
    r, kinks = kinks_of("sqrt(x)", x=0)
    assert kinks[0]["right"] == "Infinity" and kinks[0]["convention"] == "Infinity"
    assert r.methods["reverse"].gradient["x"] == np.inf
    assert "the derivative is +∞" in cli("grad", "sqrt(x)", "--at", "0").stdout


def test_relu_minus_relu_trap():
    r, kinks = kinks_of("relu(x) - relu(-x)", x=0)
    assert len(kinks) == 2 and all("differentiable here" in k["note"] for k in kinks)
    assert r.methods["reverse"].gradient["x"] == 0
    assert r.methods["symbolic"].gradient["x"] == 1 and r.methods["numeric"].gradient["x"] == pytest.approx(1)
    # the function is smooth there (slope 1): AD's conventions inside it give a wrong answer, which is said
    assert r.verdict == "disagree" and "differentiable along x" in r.verdicts["x"]["reason"]


def test_steps_stay_below_a_kink_near_the_point(cli):
    # the kink of abs is 1e-12 away: the steps stay below half of that, so no stencil straddles it
    r, kinks = kinks_of("abs(x)", x=1e-12)
    assert kinks == [] and r.verdict == "agree"
    assert r.methods["reverse"].gradient["x"] == 1 and r.methods["numeric"].gradient["x"] == pytest.approx(1, rel=1e-6)
    assert r.methods["numeric"].step <= 0.5e-12
    d = json.loads(cli("grad", "abs(x)", "--at", "1e-12", "--json").stdout)
    assert d["verdict"] == "agree"


def test_no_kinks_on_smooth_functions():
    for expr, v in [("sin(x)*exp(x)", {"x": 0.3}), ("sum(x*x)", {"x": [0.0, 0.0]}), ("abs(x)", {"x": 0.5})]:
        assert kinks_of(expr, **v)[1] == []


def test_kinks_from_comparisons_and_python():
    r, kinks = kinks_of("where(x > 0, x, -x)", x=0)
    assert kinks and kinks[0]["op"] == ">"

    def f(x):
        if x > 0:
            return x * 2
        return x * 0.5
    r = diffx.compare(f, x=0.0, methods=["reverse", "numeric"])
    seen = [k for k in r.kinks if k.source == "numeric"]
    assert len(seen) == 1 and (seen[0].left, seen[0].right) == pytest.approx((0.5, 2.0))   # no op flag to see
    assert any("took another path" in n for n in r.notes) and r.verdict == "kink" and r.passed


def test_graph_reports_kinks(cli):
    d = json.loads(cli("graph", "abs(x) + relu(y)", "--at", "x=0", "--at", "y=1", "--json").stdout)
    assert [k["op"] for k in d["kinks"]] == ["abs"]
    assert "kink: abs at v1" in cli("graph", "abs(x)", "--at", "0").stdout


@pytest.mark.parametrize("expr, at, first", [
    ("log(x)", "0", "v1 = log(x) is the first non-finite value (-∞)"),
    ("sum(1/x)", "1,0", "v2 = 1/x is the first non-finite value (∞ in 1 of 2 elements)"),
    ("sqrt(x) + 1", "-1", "v1 = sqrt(x) is the first non-finite value (NaN)"),
    ("exp(x) * 0 + x", "1000", "v1 = exp(x) is the first non-finite value (∞)"),
])
def test_non_finite_values_are_traced_to_their_birth(cli, expr, at, first):
    r = cli("grad", expr, "--at", at)
    assert first in r.stdout and "RuntimeWarning" not in r.stdout + r.stderr
    d = json.loads(cli("grad", expr, "--at", at, "--json").stdout)
    assert d["nonfinite"]["message"] == first


def test_non_finite_json_strict(cli):
    out = cli("grad", "log(x)", "--at", "0", "--json").stdout
    json.loads(out, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))


def test_float32_shows_larger_errors(cli):
    d64 = json.loads(cli("compare", "exp(x)/sqrt(sin(x)^3+cos(x)^3)", "--at", "1.5", "--json").stdout)
    d32 = json.loads(cli("compare", "exp(x)/sqrt(sin(x)^3+cos(x)^3)", "--at", "1.5", "--json", "--dtype",
                         "float32").stdout)
    for m in ("reverse", "numeric-central", "numeric-forward"):
        assert d32["methods"][m]["max_rel_error"] > 100 * max(d64["methods"][m]["max_rel_error"], 1e-16)
    assert 1e-8 < d32["methods"]["reverse"]["max_rel_error"] < 1e-6          # float32 rounding, not more
    assert d32["methods"]["numeric-central"]["max_rel_error"] > 1e-6
    assert d32["methods"]["reverse"]["ulps"] < 8                             # in float32 ulps


POWER_TOWERS = [("9^9^9^9 * x", "1"), ("x^(10^10)", "1.0000001"), ("x^9^9^9", "1"), ("(x+1)^1000", "0.1")]


def test_power_towers_are_answered(cli):
    """Exact powers like 9^9^9^9 must never be computed: each answers in a tenth of a second (against a
    5 s bound in benchmarks/run.py, "power towers"); the bound here only catches a hang."""
    from bounded import finishes
    for expr, at in POWER_TOWERS:
        r = finishes(cli, "grad", expr, "--at", at, "--json", bound=60, what=f"diffx grad {expr}")
        assert r.exit_code in (0, 1) and json.loads(r.stdout)["schema_version"] == 1, (expr, r.stderr)


def test_no_false_kinks_on_the_smooth_corpus():
    from corpus import CORPUS
    for expr, point, _ in CORPUS:
        r = diffx.compare(expr, point, methods=["reverse", "numeric-central", "numeric-richardson"])
        assert r.kinks == [], (expr, [k.sentence() for k in r.kinks])
