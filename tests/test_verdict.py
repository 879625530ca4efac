"""The verdict tells the truth: agree, kink, undefined, inconclusive or disagree, element by element.

Every case of the verdict issue is here: singular points are `undefined`,
a kink is `kink` only where the one-sided derivatives bracket every answer,
a jump is `undefined`, a wrong derivative is `disagree` even a hair from a
kink, and an element no second method confirmed is `inconclusive`.
"""
import json

import numpy as np
import pytest

import diffx


@pytest.mark.parametrize("expr, at, node", [
    ("1/x", "0", "v2 = 1/x"),
    ("log(x)", "-1", "v1 = log(x)"),
    ("sqrt(x)", "0", "sqrt"),
    ("x^x", "0", "symbolic finds none"),
])
def test_singular_points_are_undefined(cli, expr, at, node):
    r = cli("grad", expr, "--at", at, "--json")
    d = json.loads(r.stdout)
    assert r.exit_code == 1 and d["verdict"] == "undefined" and d["agree"] is False
    assert node in d["verdicts"]["x"]["reason"]
    text = cli("grad", expr, "--at", at)
    assert text.exit_code == 1 and "✗ undefined: no finite derivative exists here" in text.stdout


def test_a_smooth_product_with_abs_at_zero_agrees():
    r = diffx.compare("abs(x)*x", x=0.0)
    assert r.verdict == "agree" and abs(float(r.methods["numeric"].derivative["x"])) < 1e-9


def test_relu_at_zero_is_a_kink(cli):
    r = diffx.compare("relu(x)", x=0.0)
    assert r.verdict == "kink" and not r.agree and r.passed
    assert "one-sided derivatives 0 and 1" in r.verdicts["x"]["reason"]
    assert cli("grad", "relu(x)", "--at", "0").exit_code == 0
    assert cli("grad", "relu(x)", "--at", "0", "--strict").exit_code == 1
    assert json.loads(cli("grad", "relu(x)", "--at", "0", "--json").stdout)["verdict"] == "kink"


def test_max_at_a_tie_is_a_kink():
    r = diffx.compare("max(x, y)", x=1.0, y=1.0)
    assert r.verdict == "kink" and r.passed


def test_a_kink_excuses_only_its_own_elements():
    # x[0] sits on relu's kink; x[1] is smooth, and there a wrong answer must still be caught
    r = diffx.compare("sum(relu(x))", x=[0.0, 1.0])
    assert r.verdict == "kink" and r.verdicts["x"]["elements"] == [[0]]
    r = diffx.compare("sum(relu(x)) + x[1]*3", x=[0.0, 1.0], methods=["reverse", "numeric"])
    assert r.verdict == "kink"


def test_a_mutated_rule_beside_a_kink_disagrees(monkeypatch):
    expr, at = "abs(x[0] - 0.5) + sum(sin(x))", [0.49, 1.2, -0.7, 2.0]
    assert diffx.compare(expr, x=at).verdict == "agree"
    wrong = _scaled("sin", 1.1)
    monkeypatch.setitem(diffx.OPS, "sin", wrong)
    r = diffx.compare(expr, x=at)
    assert r.verdict == "disagree" and not r.passed
    r = diffx.compare(expr, x=at, methods=["reverse", "numeric"])
    assert r.verdict == "disagree"


def test_power_of_zero_is_zero_everywhere():
    for method in ("reverse", "forward", "symbolic", "numeric"):
        assert float(diffx.grad("x^0", x=0.0, method=method)["x"]) == 0.0, method
    assert diffx.compare("x^0", x=0.0).verdict == "agree"
    h = diffx.compare("x^0", x=0.0, kind="hessian")
    assert h.verdict == "agree" and all(float(m.derivative["x", "x"]) == 0 for m in h.methods.values())


def test_integer_powers_of_negative_bases_are_exact():
    for method in ("reverse", "forward", "symbolic", "numeric"):
        assert float(diffx.grad("x^3", x=-2.0, method=method)["x"]) == pytest.approx(12.0, rel=1e-12), method


def test_a_fractional_power_of_a_negative_base_is_undefined():
    r = diffx.compare("x^y", x=-2.0, y=1.5)
    assert r.verdict == "undefined" and not r.passed


def test_beside_a_jump_the_derivative_agrees_and_at_it_is_undefined():
    r = diffx.compare("where(x > 0, 1, 0) + x", x=1e-3)
    assert r.verdict == "agree" and float(r.methods["reverse"].derivative["x"]) == 1.0
    r = diffx.compare("where(x > 0, 1, 0) + x", x=0.0)
    assert r.verdict == "undefined" and "jumps" in r.verdicts["x"]["reason"]


@pytest.mark.parametrize("expr", ["sign(x)", "x + sign(x)", "2*sign(x - 1) + x^2"])
def test_a_jump_whose_value_sits_between_its_sides_is_undefined(expr):
    """sign(0) = 0 lies halfway: the one-sided differences agree, both growing like 1/h; the jump is found by its
    rise not shrinking with the step, not by the sides differing."""
    at = 1.0 if "x - 1" in expr else 0.0
    r = diffx.compare(expr, x=at)
    assert r.verdict == "undefined" and "jumps along x" in r.verdicts["x"]["reason"]
    assert diffx.compare(expr, x=at + 0.25).verdict == "agree"


@pytest.mark.parametrize("expr, outcome", [("tanh(1e9*x) + relu(x - 5)", "inconclusive"),
                                            ("x/sqrt(x*x + 1e-24) + relu(x - 5)", "inconclusive"),
                                            ("tanh(1e7*x) + relu(x - 5)", "agree")])
def test_a_smooth_slope_steeper_than_the_steps_is_never_called_a_jump(expr, outcome):
    """Without an op of the path at its switching point, a rise that does not shrink with the step may be a
    smooth slope of 1e9: not a jump (undefined), not differentiable-and-wrong (disagree); the smallest step
    resolving it (1e7) leaves the methods to agree."""
    r = diffx.compare(expr, x=0.0)
    assert r.verdict == outcome, r.verdicts
    if outcome == "inconclusive":
        assert "steeper than the steps resolve" in r.verdicts["x"]["reason"]


def test_a_hessian_at_a_kink_of_the_gradient_names_what_jumps_and_what_kinks():
    """abs(x)*y at (0, 1): ∂f/∂x = y·sign(x) jumps along x (no second derivative), ∂f/∂y = |x| has a kink along x,
    and so has the mixed derivative taken the other way."""
    r = diffx.compare("abs(x)*y", x=0.0, y=1.0, kind="hessian")
    v = r.verdicts
    assert r.verdict == "undefined"
    assert v["x", "x"]["verdict"] == "undefined" and v["x", "x"]["reason"].startswith("∂f/∂x jumps along x")
    assert v["y", "x"]["verdict"] == "kink" and "along x, of ∂f/∂y" in v["y", "x"]["reason"]
    # ∂f/∂x's convention (y·sign(0) = 0) is smooth in y, but the mixed derivative exists only if both orders do
    assert v["x", "y"]["verdict"] == "kink" and v["x", "y"]["reason"].startswith("as its mirror y,x")
    assert v["y", "y"]["verdict"] == "agree"
    w = diffx.compare("sum(abs(x))*y", x=[0.0, 1.0], y=1.0, kind="hessian").verdicts
    assert w["x", "y"]["verdict"] == "kink" and w["x", "y"]["elements"] == [[0]] == w["y", "x"]["elements"]
    assert diffx.compare("abs(x)*y", x=0.5, y=1.0, kind="hessian").verdict == "agree"


def test_one_method_alone_is_inconclusive(cli):
    r = diffx.compare("sin(x)", x=1.0, methods=["reverse"])
    assert r.verdict == "inconclusive" and not r.passed
    assert cli("grad", "sin(x)", "--at", "1", "-m", "reverse").exit_code == 1


def test_a_symbolic_timeout_with_nothing_else_is_inconclusive():
    chain = "l = x\n" + "l = 4*l*(1 - l)\n" * 14 + "l"
    r = diffx.compare(chain, x=0.3, methods=["symbolic", "numeric"], symbolic_timeout=0.05)
    assert r.verdict == "inconclusive"


def test_nan_in_a_method_is_never_agreement():
    # reverse AD's 0·∞ in the branch where() did not take, beside a finite symbolic answer
    r = diffx.compare("where(x > 1, log(x), 2*x)", x=0.0, methods=["reverse", "symbolic"])
    assert r.verdict == "disagree" and any("reverse gives NaN" in m for m in r.messages)


def test_default_atol_scales_with_the_reference(monkeypatch):
    expr = "1e-6*sin(x)"
    monkeypatch.setitem(diffx.OPS, "sin", _scaled("sin", 1.01))
    r = diffx.compare(expr, x=1.0, methods=["reverse", "symbolic"])
    assert r.verdict == "disagree"                               # 1% of 5.4e-7 is caught
    assert diffx.compare(expr, x=1.0, methods=["reverse", "symbolic"], atol=1e-8).verdict == "agree"
    from diffx.comparison import tolerance
    assert tolerance(np.zeros(3), None) == 1e-12 and tolerance(np.array([2.0, -5.0]), None) == 5e-8


@pytest.mark.parametrize("kind, extra, expr, at, want", [
    ("vjp", {"vjp": [1.0, 1.0]}, "relu(x)", [0.0, 1.0], "kink"),
    ("jacobian", {"kind": "jacobian"}, "relu(x)", [0.0, 1.0], "kink"),
    ("jvp", {"tangent": {"x": [1.0, 0.0]}}, "1/x", [0.0, 1.0], "undefined"),
    ("hessian", {"kind": "hessian"}, "sum(x^3)", [-2.0, 1.0], "agree"),
    ("jacobian", {"kind": "jacobian"}, "log(x)", [-1.0, 1.0], "undefined"),
])
def test_every_kind_has_the_outcomes(kind, extra, expr, at, want):
    r = diffx.compare(expr, x=at, **extra)
    assert r.kind == kind and r.verdict == want, (r.verdicts, r.messages)


def test_verdict_in_json_batch_and_csv(cli, tmp_path):
    d = json.loads(cli("grad", "sum(relu(x))", "--at", "0,1", "--json").stdout)
    assert d["verdict"] == "kink" and d["verdicts"]["x"]["verdict"] == "kink" and d["agree"] is False
    f = tmp_path / "c.json"
    f.write_text(json.dumps([{"expr": "relu(x)", "at": {"x": 0.0}}, {"expr": "1/x", "at": {"x": 0.0}},
                             {"expr": "sin(x)", "at": {"x": 1.0}}]))
    out = tmp_path / "r.csv"
    r = cli("compare", "--file", str(f), "--output", str(out), "-m", "reverse", "-m", "numeric-central")
    assert r.exit_code == 1 and "verdict" in r.stdout
    rows = out.read_text().splitlines()
    column = rows[0].split(",").index("verdict")
    assert [row.split(",")[column] for row in rows[1:]] == ["kink", "undefined", "agree"]


def test_python_vjp_reruns_the_function(tmp_path, cli):
    f = tmp_path / "f.py"
    f.write_text("def f(x):\n    if x[0] > 0:\n        return x * 2\n    return x * 3\n")
    r = diffx.compare(diffx.load_function(f"{f}:f"), x=[1e-9, 1.0], vjp=[1.0, 1.0])
    assert r.kind == "vjp" and any("another path" in n for n in r.notes)   # the branch flips within the step
    assert r.methods["numeric"].extra["path_changes"]


def _scaled(name: str, factor: float):
    """The op with its reverse rules scaled: a wrong derivative the verdict must catch."""
    from dataclasses import replace
    op = diffx.OPS[name]
    rules = tuple(None if rule is None else (lambda *a, rule=rule, **k: factor * rule(*a, **k)) for rule in op.vjp)
    return replace(op, vjp=rules)


def test_own_error_estimates_are_honest():
    """On the accuracy corpus every scheme's own estimate bounds its real error in at least 95% of elements."""
    from corpus import CORPUS, exact
    from diffx import numeric
    bounded = {}
    for case in CORPUS:
        p = diffx.problem(case[0], values=case[1])
        want = exact(case)
        for scheme in ("forward", "backward", "central", "richardson"):
            r = numeric.differentiate(p.graph, p.values, p.point, p.wrt, scheme)
            for k in want:
                err = np.abs(np.asarray(r.gradient[k]) - np.asarray(want[k]))
                bounded.setdefault(scheme, []).extend(np.ravel(err <= r.error_estimate[k]).tolist())
    for scheme, ok in bounded.items():
        assert np.mean(ok) >= 0.95, (scheme, np.mean(ok))


def test_component_symbols_never_collide_with_variables():
    r = diffx.compare("x[0] + x_0", x=[1.0, 2.0], x_0=3.0)
    assert r.verdict == "agree" and r.methods["symbolic"].derivative["x"].tolist() == [1, 0]
    r = diffx.compare("sum(A) + A_0_1", A="ones(2, 2)", A_0_1=3.0)
    assert r.verdict == "agree" and float(r.methods["symbolic"].derivative["A_0_1"]) == 1
    assert diffx.compare("x.x", x=[1.0, 2.0]).methods["symbolic"].formula_text()["x"] == ["2*x_0", "2*x_1"]


def test_a_power_of_a_zero_base_has_a_finite_symbolic_derivative():
    r = diffx.compare("0^y", y=1.5)
    assert r.verdict == "agree" and float(r.methods["symbolic"].derivative["y"]) == 0.0
    assert diffx.compare("x^y", x=0.0, y=2.0).verdict == "agree"     # SymPy's 0·log 0 is not a disagreement


def test_the_agree_line_counts_only_the_methods_that_confirmed_it(cli):
    """tanh(1e6·x) at 0: the exact methods agree (the verdict is theirs), but the finite differences cannot resolve
    a slope of 1e6 (their own estimate is infinite): the line does not count them among those that agree."""
    r = diffx.compare("tanh(1e6*x) + relu(x - 5)", x=0.0)
    assert r.verdict == "agree"
    out = cli("grad", "tanh(1e6*x) + relu(x - 5)", "--at", "0").stdout
    assert "3 methods agree with symbolic" in out and "numeric could not confirm it" in out
    assert "all 4 methods agree" in cli("grad", "2*x.x", "--at", "0,1,2,3").stdout
    assert "numeric could not confirm it" in r._repr_html_()
