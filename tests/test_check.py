"""`diffx check` and `diffx.check`: your derivative at several points, and what is wrong with it."""
import json
import textwrap

import numpy as np
import pytest

from diffx import check
from diffx.errors import DiffxError

LSQ = "norm(X@w - y)^2"
AT = {"X": "[[1,2],[3,4],[5,6]]", "w": [1, 2], "y": [1, 2, 3]}
CLI_AT = ("--at", "X=[[1,2],[3,4],[5,6]]", "--at", "w=1,2", "--at", "y=1,2,3")


def kinds(r, name):
    return [d["kind"] for d in r.variables[name]["diagnosis"]]


def test_the_lessons_chain_rule_example_agrees():
    r = check("(x.w - y)^2", {"x": [1, 2, 3], "w": [0.5, -1, 2], "y": 1}, expect={"w": "2*(x.w - y)*x"}, points=3)
    assert r.passed and r.verdict == "agree" and len(r.points) == 3
    assert all(row["verdict"] == "agree" for row in r.variables["w"]["points"])


def test_least_squares_right():
    r = check(LSQ, AT, expect={"w": "2*X.T@(X@w - y)"}, points=3)
    assert r.passed and r.variables["w"]["diagnosis"] == []


@pytest.mark.parametrize("formula, kind, words", [
    ("X.T@(X@w - y)", "factor", "off by a factor of 2"),
    ("4*X.T@(X@w - y)", "factor", "off by a factor of 2"),
    ("-2*X.T@(X@w - y)", "sign", "sign is wrong"),
    ("2*X.T@(X@w - y) + 3", "extra_term", "constant term"),
    ("2*X.T@(X@w - y) - 0.5*w", "extra_term", "expected = true + -1/2*w"),
    ("2*X.T@X@w", "other", "largest difference"),
])
def test_least_squares_wrong_is_diagnosed(formula, kind, words):
    r = check(LSQ, AT, expect={"w": formula}, points=3)
    assert not r.passed and r.verdict == "disagree"
    first = r.variables["w"]["diagnosis"][0]
    assert first["kind"] == kind and words in first["text"], first


def test_factor_evidence():
    r = check(LSQ, AT, expect={"w": "X.T@(X@w - y)"}, points=2)
    assert r.variables["w"]["diagnosis"][0]["factor"] == pytest.approx(0.5)


def test_transpose_of_a_matrix_gradient():
    at = {"W": "[[1, 2], [3, -1]]", "x": [1, -2], "y": [0.5, 1]}
    right = check("norm(W@x - y)^2", at, expect={"W": "2*outer(W@x - y, x)"}, points=3)
    assert right.passed
    wrong = check("norm(W@x - y)^2", at, expect={"W": "2*outer(x, W@x - y)"}, points=3)
    assert kinds(wrong, "W")[0] == "transpose"


def test_wrong_shape_is_a_verdict_with_both_shapes():
    at = {"W": "randn(3, 4)", "x": [1, 2, 3, 4]}
    r = check("sum(W@x)", at, expect={"W": "x"}, points=2)
    assert r.verdict == "disagree" and "shape" in kinds(r, "W")
    text = " ".join(d["text"] for d in r.variables["W"]["diagnosis"])
    assert "(4,)" in text and "(3, 4)" in text
    t = check("sum(W@x)", at, expect={"W": "x[:, None]*ones(3)[None, :]"}, points=2)
    assert kinds(t, "W")[0] == "transpose"


def test_missing_sum_over_a_broadcast_axis():
    at = {"W": "randn(3,4)", "X": "randn(4,5)", "b": "[[1],[2],[3]]"}
    r = check("sum(W@X + b)", at, expect={"b": "ones(3, 5)"}, points=2)
    d = r.variables["b"]["diagnosis"][0]
    assert d["kind"] == "axis" and d["axis"] == 1


def test_right_at_the_given_point_only_is_caught_elsewhere():
    r = check("x^2 + 1", {"x": 1}, expect="x^2 + 1", points=3)
    assert not r.passed and r.variables["x"]["points"][0]["verdict"] == "agree"
    last = r.variables["x"]["diagnosis"][-1]
    assert last["kind"] == "other" and last["pattern"] == "where" and "given point only" in last["text"]


def test_points_are_reproducible_from_the_seed():
    a = check(LSQ, AT, expect={"w": "2*X.T@(X@w - y)"}, points=2, random_seed=3)
    b = check(LSQ, AT, expect={"w": "2*X.T@(X@w - y)"}, points=2, random_seed=3)
    c = check(LSQ, AT, expect={"w": "2*X.T@(X@w - y)"}, points=2, random_seed=4)
    assert all(np.array_equal(p["w"], q["w"]) for p, q in zip(a.points, b.points))
    assert not np.array_equal(a.points[1]["w"], c.points[1]["w"])
    np.testing.assert_array_equal(a.points[0]["w"], [1, 2])


@pytest.mark.parametrize("value", ["0", "0.25", "1"])
def test_on_a_kink_any_subgradient_is_accepted_and_said(value):
    r = check("relu(x)", {"x": 0}, expect={"x": value}, points=3, at_kinks=True)
    assert r.verdict == "kink" and r.passed
    assert all(row["verdict"] == "kink" and "lies in [0, 1]" in row["note"] for row in r.variables["x"]["points"])
    assert "subgradient" in r.notes[0]


def test_outside_the_subdifferential_is_wrong():
    r = check("relu(x)", {"x": 0}, expect={"x": "1.5"}, points=1)
    assert r.verdict == "disagree" and "outside its subdifferential [0, 1]" in r.variables["x"]["points"][0]["note"]


def test_strict_asks_for_ads_convention_on_a_kink():
    assert check("relu(x)", {"x": 0}, expect={"x": "0"}, points=1, strict=True).verdict == "agree"
    r = check("relu(x)", {"x": 0}, expect={"x": "1"}, points=1, strict=True)
    assert r.verdict == "disagree" and "AD's convention (strict) is 0" in r.variables["x"]["points"][0]["note"]


def test_a_point_with_no_derivative_is_never_ok():
    r = check("sqrt(x)", {"x": 0}, expect={"x": "0.5/sqrt(x)"}, points=1)
    assert r.verdict == "undefined" and not r.passed
    assert "cannot be confirmed" in r.variables["x"]["points"][0]["note"]


def test_python_gradient_function_right_and_wrong():
    def loss(X, w, y):
        r = X @ w - y
        return (r * r).sum()

    def grad_tuple(X, w, y):
        r = X @ w - y
        return 2 * np.outer(r, w), 2 * X.T @ r, -2 * r

    def grad_w_wrong(X, w, y):
        return -X.T @ (X @ w - y)

    ok = check(loss, AT, expect_python=grad_tuple, points=2)
    assert ok.passed and set(ok.variables) == {"X", "w", "y"}
    bad = check(loss, AT, expect_python=grad_w_wrong, points=3, wrt=["w"])
    d = bad.variables["w"]["diagnosis"][0]
    assert d["kind"] == "factor" and d["factor"] == pytest.approx(-0.5)


def test_bad_library_input():
    with pytest.raises(DiffxError, match="not a variable"):
        check(LSQ, AT, expect={"z": "1"})
    with pytest.raises(DiffxError, match="expect="):
        check(LSQ, AT)
    with pytest.raises(DiffxError) as e:
        check(LSQ, AT, expect={"w": "2*X.T@(X@w - "})
    assert e.value.source == "2*X.T@(X@w - " and e.value.option == "expect"


def test_to_dict_is_strict_json():
    r = check("log(x)", {"x": 1}, expect={"x": "1/x + 1"}, points=2)
    d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    assert d["schema_version"] == 1 and d["ok"] is False and d["points"] == 2
    assert d["variables"]["x"]["diagnosis"][0]["kind"] == "extra_term"


# ---------------------------------------------------------------- the command
def test_cli_agrees(cli):
    r = cli("check", LSQ, "--expect", "w=2*X.T@(X@w - y)", *CLI_AT, "--points", "3")
    assert r.exit_code == 0, r.stderr
    assert "✓ agree" in r.stdout and "expected ∂f/∂w = 2*X.T@(X@w - y)" in r.stdout


def test_cli_factor_of_two_exit_1(cli):
    r = cli("check", LSQ, "--expect", "w=X.T@(X@w - y)", *CLI_AT, "--points", "2")
    assert r.exit_code == 1 and "off by a factor of 2" in r.stdout


def test_cli_json(cli):
    r = cli("check", LSQ, "--expect", "w=-2*X.T@(X@w - y)", *CLI_AT, "--points", "2", "--json")
    assert r.exit_code == 1
    d = json.loads(r.stdout)
    assert d["schema_version"] == 1 and d["verdict"] == "disagree"
    assert d["variables"]["w"]["diagnosis"][0]["kind"] == "sign"


def test_cli_bare_formula_for_one_variable(cli):
    r = cli("check", "sin(x)", "--expect", "cos(x)", "--at", "0.3", "--points", "2")
    assert r.exit_code == 0, r.stderr


@pytest.mark.parametrize("args, words", [
    (("--expect", "w=2*X.T@(X@w - "), "--expect for w: expected an expression"),
    (("--expect", "z=1"), "--expect names 'z', which is not a variable"),
    (("--expect", "w=2*X.T@(X@w - q)"), "uses q, which the expression does not have"),
    ((), "give your derivative"),
])
def test_cli_bad_input_exit_2(cli, args, words):
    r = cli("check", LSQ, *args, *CLI_AT)
    assert r.exit_code == 2 and words in r.stderr and r.stdout == ""


def test_cli_caret_points_into_the_formula(cli):
    r = cli("check", LSQ, "--expect", "w=2*X.T@(X@w - q)", *CLI_AT)
    lines = r.stderr.splitlines()
    assert lines[1].strip() == "2*X.T@(X@w - q)" and lines[2].index("^") == lines[1].index("q")


MODEL = '''
import numpy as np

def loss(X, w, y):
    r = X @ w - y
    return (r * r).sum()

def grad(X, w, y):
    return {"w": 2 * X.T @ (X @ w - y)}

def grad_transposed_shape(X, w, y):
    return {"w": (2 * X.T @ (X @ w - y))[None, :]}

def grad_raises(X, w, y):
    return X.T @ w
'''


@pytest.mark.parametrize("func, code, words", [
    ("grad", 0, "✓ agree"), ("grad_transposed_shape", 1, "wrong shape: (1, 2)"),
])
def test_cli_expect_python(cli, tmp_path, func, code, words):
    model = tmp_path / "model.py"
    model.write_text(textwrap.dedent(MODEL))
    r = cli("check", "--python", f"{model}:loss", "--expect-python", f"{model}:{func}", *CLI_AT, "--wrt", "w",
            "--points", "2")
    assert r.exit_code == code, r.stderr
    assert words in r.stdout


def test_cli_expect_python_that_raises_is_bad_input(cli, tmp_path):
    model = tmp_path / "model.py"
    model.write_text(textwrap.dedent(MODEL))
    r = cli("check", "--python", f"{model}:loss", "--expect-python", f"{model}:grad_raises", *CLI_AT,
            "--wrt", "w", "--points", "1")
    assert r.exit_code == 2 and "grad_raises" in r.stderr and "ValueError" in r.stderr


def test_a_formula_may_use_the_programs_bound_names():
    r = check("u = X@w - y\nu.u", AT, expect={"w": "2*X.T@u"}, points=2)
    assert r.passed and r.expected == {"w": "2*X.T@u"}


def test_a_nan_where_the_derivative_is_finite_is_wrong():
    r = check("sum(x^2)", {"x": [1, 2]}, expect={"x": "2*x + log(x - 1.5)"}, points=2)
    first = r.variables["x"]["diagnosis"][0]
    assert r.verdict == "disagree" and first["kind"] == "other" and first["pattern"] == "nonfinite"
