"""`diffx check --jacobian / --hessian / --at-kinks / --strict`, and batch cases with `expect`."""
import json
import textwrap

import pytest


def test_jacobian_right_and_transposed(cli):
    at = ("--at", "W=[[1,2,0],[3,4,1]]", "--at", "x=0.1,0.2,0.3")
    right = cli("check", "tanh(W@x)", "--jacobian", "--expect", "x=diag(1 - tanh(W@x)^2)@W", *at, "--points", "2")
    assert right.exit_code == 0, right.stdout + right.stderr
    assert "✓ agree" in right.stdout and "expected ∂f/∂x = diag(1 - tanh(W@x)^2)@W" in right.stdout
    wrong = cli("check", "tanh(W@x)", "--jacobian", "--expect", "x=W.T@diag(1 - tanh(W@x)^2)", *at, "--points", "2",
                "--json")
    assert wrong.exit_code == 1
    d = json.loads(wrong.stdout)
    assert d["kind"] == "jacobian" and d["variables"]["x"]["diagnosis"][0]["kind"] == "transpose"


def test_jacobian_of_the_wrong_shape_says_what_a_jacobian_is(cli):
    r = cli("check", "tanh(W@x)", "--jacobian", "--expect", "W=outer(1-tanh(W@x)^2, x)", "--at", "W=[[1,2],[3,4]]",
            "--at", "x=0.1,0.2", "--points", "2")
    assert r.exit_code == 1
    assert "the output's shape (2,) followed by W's (2, 2)" in r.stdout


def test_hessian_blocks(cli):
    at = ("--at", "x=1,2", "--at", "y=3")
    r = cli("check", "sum(sin(x))*y", "--hessian", "--expect", "x=-diag(sin(x))*y", "--expect", "x,y=cos(x)",
            *at, "--points", "2")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "∂²f/∂x² = -diag(sin(x))*y" in r.stdout and "∂²f/∂x∂y = cos(x)" in r.stdout
    bad = cli("check", "sum(sin(x))*y", "--hessian", "--expect", "x=diag(sin(x))*y", *at, "--points", "2", "--json")
    assert bad.exit_code == 1 and json.loads(bad.stdout)["variables"]["x"]["diagnosis"][0]["kind"] == "sign"


def test_jacobian_and_hessian_together_is_bad_input(cli):
    r = cli("check", "x^2", "--jacobian", "--hessian", "--expect", "2", "--at", "1")
    assert r.exit_code == 2 and r.stderr.startswith("error:") and "not both" in r.stderr


def test_a_kink_accepts_any_subgradient_and_says_so(cli):
    r = cli("check", "relu(x)", "--expect", "0.5", "--at", "0", "--at-kinks", "--points", "2")
    assert r.exit_code == 0, r.stdout
    assert "✓ kink" in r.stdout and "lies in [0, 1]" in r.stdout
    d = json.loads(cli("check", "relu(x)", "--expect", "0.5", "--at", "0", "--at-kinks", "--points", "2",
                       "--json").stdout)
    assert d["ok"] is True and d["verdict"] == "kink"


def test_strict_asks_for_ads_convention(cli):
    assert cli("check", "relu(x)", "--expect", "0", "--at", "0", "--points", "1", "--strict").exit_code == 0
    r = cli("check", "relu(x)", "--expect", "0.5", "--at", "0", "--points", "1", "--strict")
    assert r.exit_code == 1 and "AD's convention (strict) is 0" in r.stdout


def test_undefined_is_exit_1(cli):
    r = cli("check", "sqrt(x)", "--expect", "0.5/sqrt(x)", "--at", "0", "--points", "1")
    assert r.exit_code == 1 and "undefined" in r.stdout


def test_json_has_the_documented_keys(cli):
    r = cli("check", "a*b + sin(b)", "--expect", "b=a", "--at", "a=2", "--at", "b=0.5", "--points", "2", "--json")
    d = json.loads(r.stdout, parse_constant=lambda c: pytest.fail(f"non-strict JSON {c}"))
    assert {"schema_version", "expr", "points", "ok", "verdict", "variables"} <= set(d)
    v = d["variables"]["b"]
    assert {"ok", "verdict", "max_abs_error", "worst_point", "diagnosis"} <= set(v)
    assert v["diagnosis"][0]["kind"] == "missing_term" and v["diagnosis"][0]["through"] == "sin(b)"


# ---------------------------------------------------------------- batch cases with `expect`
CASES = '''
[[case]]
name = "least squares"
expr = "norm(X@w - y)^2"
at = {X = "[[1,2],[3,4],[5,6]]", w = "1,2", y = [1, 2, 3]}
wrt = ["w"]
expect = {w = "2*X.T@(X@w - y)"}

[[case]]
name = "half the gradient"
expr = "sum(x^2)"
at = "0,1,2,3"
expect = {x = "x"}

[[case]]
expr = "sum(x^2)"
at = [1, 2]
expected = {x = [2, 4]}
methods = ["reverse", "numeric"]

[[case]]
name = "bad formula"
expr = "sum(x^2)"
at = "1,2"
expect = {x = "2*x +"}
'''


def test_batch_expect_formulas_numbers_names_and_text_values(cli, tmp_path):
    f = tmp_path / "cases.toml"
    f.write_text(textwrap.dedent(CASES))
    out = tmp_path / "out.csv"
    r = cli("compare", "--file", str(f), "--output", str(out), "--json")
    d = json.loads(r.stdout)
    status = [c["status"] for c in d["cases"]]
    assert status == ["ok", "disagree", "ok", "error"], d
    assert [c["name"] for c in d["cases"]] == ["least squares", "half the gradient", None, "bad formula"]
    assert "expected x = [0.0, 1.0, 2.0, 3.0]" in d["cases"][1]["error"]
    assert "expect= for x" in d["cases"][3]["error"]
    assert r.exit_code == 2                       # a case with bad input
    rows = out.read_text().splitlines()
    assert rows[0].startswith("case,name,expr") and rows[1].startswith("1,least squares,")
    table = cli("compare", "--file", str(f))
    assert "half the gradient" in table.stdout and "name" in table.stdout


def test_a_notebook_shows_the_tables_and_the_diagnosis_escaped():
    import diffx
    r = diffx.check("a*b + sin(b)", {"a": 2, "b": 0.5}, expect={"b": "a"}, points=2)
    html = r._repr_html_()
    assert "the term through `sin(b)` is missing" in html and "<table>" in html and "disagree" in html
    evil = diffx.check("x*x # <script>\x1b[31m", {"x": 1.0}, expect={"x": "2*x"}, points=1)._repr_html_()
    assert "<script>" not in evil


def test_a_users_loss_may_call_tensor_methods_in_a_fresh_process(tmp_path):
    """The methods (t.sum(), …) are attached on first use, not at start-up: a fresh command must still find them."""
    import subprocess
    import sys
    model = tmp_path / "model.py"
    model.write_text("def loss(X, w, y):\n    r = X @ w - y\n    return (r * r).sum()\n\n"
                     "def grad(X, w, y):\n    return {'w': 2 * X.T @ (X @ w - y)}\n")
    r = subprocess.run([sys.executable, "-m", "cli", "check", "--python", f"{model}:loss", "--expect-python",
                        f"{model}:grad", "--at", "X=[[1,2],[3,4],[5,6]]", "--at", "w=1,2", "--at", "y=1,2,3",
                        "--wrt", "w", "--points", "2"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "✓ agree" in r.stdout


def test_user_text_reaches_the_terminal_escaped(cli):
    r = cli("check", "x*x", "--expect", "x=2*x # \x1b[32m", "--at", "1", "--points", "1")
    assert r.exit_code == 0 and "\x1b" not in r.stdout and "\\x1b[32m" in r.stdout


def test_methods_disagreeing_among_themselves_leave_a_right_derivative_unconfirmed_not_wrong(cli):
    # the Hessian of abs(x)*y at x = 0: the reference itself is not sure there, so a right 0 is not "wrong"
    r = cli("check", "abs(x)*y", "--expect", "x=0", "--at", "x=0", "--at", "y=1", "--hessian", "--points", "2",
            "--json")
    d = json.loads(r.stdout)
    assert r.exit_code == 1 and d["verdict"] in ("inconclusive", "undefined", "kink"), d["verdict"]
    assert d["verdict"] != "disagree" and d["variables"]["x"]["diagnosis"] == []


def test_too_many_points_are_refused_naming_the_limit(cli):
    r = cli("check", "x^2", "--expect", "x=2*x", "--at", "1", "--points", "100000000")
    assert r.exit_code == 2 and r.stderr.startswith("error:") and "from 1 to 1,000" in r.stderr
