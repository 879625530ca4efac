"""`diffx.check` on twelve classic functions: the right derivative passes; each wrong one that applies (a transpose
or an axis needs a matrix variable) gets the right diagnosis, first, in one sentence.

The wrong derivatives are the mistakes people make by hand: ×2, the sign, a transpose, a missing term, a sum over
the wrong axis, the wrong shape.
"""
import numpy as np
import pytest

import diffx
from diffx.check_diagnosis import KINDS

SIG = "sigmoid(W@X + b)"
DSIG = f"{SIG}*(1 - {SIG})/8"            # the derivative of mean(...) over its 8 elements, at each element
LN = "(x - mean(x))/std(x)"              # a layer norm (without its own scale), weighted by w and summed

CLASSICS = {
    # name: (expression, values, variable, the right derivative, {kind: a wrong derivative of that kind})
    "x^x": ("x^x", {"x": 1.5}, "x", "x^x*(log(x) + 1)",
            {"factor": "2*x^x*(log(x) + 1)", "sign": "-x^x*(log(x) + 1)", "missing_term": "x^x*log(x)"}),
    "squared error": ("(x.w - y)^2", {"x": [1, 2, 3], "w": [0.5, -1, 2], "y": 1}, "w", "2*(x.w - y)*x",
                      {"factor": "(x.w - y)*x", "sign": "2*(y - x.w)*x", "shape": "2*(x.w - y)"}),
    "least squares in w": ("norm(X@w - y)^2", {"X": "[[1,2],[3,4],[5,6]]", "w": [1, 2], "y": [1, 2, 3]}, "w",
                           "2*X.T@(X@w - y)", {"factor": "X.T@(X@w - y)", "sign": "2*X.T@(y - X@w)",
                                               "shape": "2*(X@w - y)"}),
    "least squares in X": ("norm(X@w - y)^2", {"X": "[[1,2],[3,4],[5,6]]", "w": [1, 2], "y": [1, 2, 3]}, "X",
                           "2*outer(X@w - y, w)", {"transpose": "2*outer(w, X@w - y)",
                                                   "factor": "4*outer(X@w - y, w)"}),
    "logistic layer in W": (f"mean({SIG})", {"W": "[[0.1,0.2,-0.3],[0.4,-0.5,0.6]]", "X": "[[1,2,0,1],[0,1,1,2],"
                            "[2,0,1,1]]", "b": "[[0.1],[-0.2]]"}, "W", f"({DSIG})@X.T",
                            {"transpose": f"X@({DSIG}).T", "sign": f"-({DSIG})@X.T"}),
    "logistic layer in b": (f"mean({SIG})", {"W": "[[0.1,0.2,-0.3],[0.4,-0.5,0.6]]", "X": "[[1,2,0,1],[0,1,1,2],"
                            "[2,0,1,1]]", "b": "[[0.1],[-0.2]]"}, "b", f"sum({DSIG}, axis=1, keepdims=True)",
                            {"axis": f"sum({DSIG}, axis=0, keepdims=True)", "factor": f"2*sum({DSIG}, axis=1, keepdims=True)"}),
    "softmax cross-entropy": ("-sum(y*log_softmax(z))", {"z": [0.5, -1, 2], "y": [0, 1, 0]}, "z",
                              "softmax(z)*sum(y) - y", {"sign": "y - softmax(z)*sum(y)",
                                                        "factor": "2*softmax(z)*sum(y) - 2*y"}),
    "logsumexp": ("logsumexp(x)", {"x": [0.5, -1, 2]}, "x", "softmax(x)", {"factor": "2*softmax(x)"}),
    "quadratic form": ("x.(A@x)", {"x": [1, -2], "A": "[[2, 1], [0.5, 3]]"}, "x", "(A + A.T)@x",
                       {"missing_term": "A.T@x", "factor": "2*(A + A.T)@x"}),
    "layer norm": (f"sum(w*{LN})", {"x": [1, 2, 4, 7], "w": [0.5, -1, 2, 1]}, "x",
                   f"(w - mean(w) - {LN}*mean(w*{LN}))/std(x)",
                   {"missing_term": f"(w - {LN}*mean(w*{LN}))/std(x)", "sign": f"-(w - mean(w) - {LN}*mean(w*{LN}))/std(x)"}),
    "two tanh layers": ("sum(tanh(W2@tanh(W1@x)))", {"W1": "[[0.1,0.2,-0.3],[0.4,-0.5,0.6]]",
                        "W2": "[[0.3,-0.2],[0.1,0.5],[0.2,0.2]]", "x": [1, -1, 2]}, "W1",
                        "outer((W2.T@(1 - tanh(W2@tanh(W1@x))^2))*(1 - tanh(W1@x)^2), x)",
                        {"transpose": "outer(x, (W2.T@(1 - tanh(W2@tanh(W1@x))^2))*(1 - tanh(W1@x)^2))",
                         "factor": "0.5*outer((W2.T@(1 - tanh(W2@tanh(W1@x))^2))*(1 - tanh(W1@x)^2), x)"}),
    "x log x": ("sum(x*log(x))", {"x": [0.5, 1, 2]}, "x", "log(x) + 1", {"missing_term": "log(x)",
                                                                         "sign": "-log(x) - 1"}),
    "Gaussian log-likelihood in S": ("-0.5*logdet(S) - 0.5*x.(inv(S)@x)", {"S": "[[2, 0.5], [0.3, 1]]", "x": [1, -1]},
                                     "S", "-0.5*inv(S).T + 0.5*outer(inv(S).T@x, inv(S)@x)",
                                     {"transpose": "-0.5*inv(S) + 0.5*outer(inv(S)@x, inv(S).T@x)",
                                      "sign": "0.5*inv(S).T - 0.5*outer(inv(S).T@x, inv(S)@x)"}),
    "prod": ("prod(x)", {"x": [1.5, -2, 3]}, "x", "prod(x)/x", {"factor": "2*prod(x)/x", "sign": "-prod(x)/x"}),
}
WRONG = [(name, kind, formula) for name, (*_, wrong) in CLASSICS.items() for kind, formula in wrong.items()]


@pytest.mark.parametrize("name", list(CLASSICS))
def test_the_right_derivative_passes(name):
    expr, at, var, right, _ = CLASSICS[name]
    r = diffx.check(expr, at, expect={var: right}, points=2, wrt=[var])
    assert r.ok and r.verdict == "agree", r.diagnosis or r.table


@pytest.mark.parametrize("name, kind, formula", WRONG, ids=[f"{n}-{k}" for n, k, _ in WRONG])
def test_each_wrong_derivative_gets_its_diagnosis_first(name, kind, formula):
    expr, at, var, _, _ = CLASSICS[name]
    r = diffx.check(expr, at, expect={var: formula}, points=2, wrt=[var])
    assert not r.ok and r.verdict == "disagree"
    found = r.variables[var]["diagnosis"]
    assert found and found[0]["kind"] == kind, found
    assert all(d["kind"] in KINDS for d in found)
    assert "\n" not in found[0]["text"] and len(found[0]["text"]) < 300


def test_every_kind_is_exercised():
    assert {kind for _, kind, _ in WRONG} == set(KINDS) - {"extra_term", "other"}


def test_the_missing_term_is_named_by_its_sub_expression():
    r = diffx.check("a*b + sin(b)", {"a": 2, "b": 0.5}, expect={"b": "a"}, points=3)
    d = r.variables["b"]["diagnosis"][0]
    assert d["kind"] == "missing_term" and d["through"] == "sin(b)"
    assert "the term through `sin(b)` is missing" in d["text"]
    twice = diffx.check("a*b + sin(b)", {"a": 2, "b": 0.5}, expect={"b": "a + 2*cos(b)"}, points=3)
    assert twice.variables["b"]["diagnosis"][0]["kind"] == "extra_term"
    assert "counted twice" in twice.variables["b"]["diagnosis"][0]["text"]


def test_an_extra_constant_term():
    r = diffx.check("sum(x^2)", {"x": [1, 2]}, expect={"x": "2*x + 1"}, points=3)
    d = r.variables["x"]["diagnosis"][0]
    assert d["kind"] == "extra_term" and "constant term" in d["text"]


# ---------------------------------------------------------------- a user's numpy backward in their own test suite
NET = "sum(tanh(W2@tanh(W1@x)))"


def backward(W1, W2, x, transpose=True):
    """A hand-written backward pass of the two-layer network, as a user writes it in numpy."""
    h = np.tanh(W1 @ x)
    o = np.tanh(W2 @ h)
    do = 1 - o ** 2
    dh = (W2.T if transpose else W2) @ do
    dz = dh * (1 - h ** 2)
    return np.outer(dz, x), np.outer(do, h), W1.T @ dz


def net_point():
    rng = np.random.default_rng(0)
    return {"W1": rng.standard_normal((3, 4)), "W2": rng.standard_normal((3, 3)), "x": rng.standard_normal(4)}


def test_assert_derivative_passes_a_right_backward():
    diffx.testing.assert_derivative(NET, backward, at=net_point(), points=3)


def test_assert_derivative_names_the_missing_weight_transpose():
    with pytest.raises(AssertionError) as e:
        diffx.testing.assert_derivative(NET, lambda W1, W2, x: backward(W1, W2, x, transpose=False), at=net_point(),
                                        points=3)
    text = str(e.value)
    assert "W1: a transposed weight" in text and "`W2`" in text and "W2.T @" in text
    assert "W2:" not in text                      # the last layer's gradient is right, and not blamed


def test_assert_derivative_with_formulas():
    diffx.testing.assert_derivative("x^x", "x^x*(log(x) + 1)", at={"x": 1.5})
    with pytest.raises(AssertionError, match="off by a factor of 2"):
        diffx.testing.assert_derivative("x^x", "2*x^x*(log(x) + 1)", at={"x": 1.5})


def test_the_lessons_chain_rule_with_a_wrong_hand_result_is_told_in_one_sentence():
    # the lesson's chain rule through u = x*x: a learner who differentiates only sin(x) in u*sin(x)
    r = diffx.check("u = x*x\nsum(u*sin(x))", {"x": [0.5, 1, 2, 3]}, expect={"x": "u*cos(x)"}, points=3)
    d = r.variables["x"]["diagnosis"]
    assert len(d) == 1 and d[0]["kind"] == "missing_term"
    assert d[0]["text"].startswith("the term through `u` in `u*sin(x)` is missing"), d


def test_the_residual_is_shown_as_a_formula_where_sympy_simplifies_it():
    r = diffx.check("a*b + sin(b)", {"a": 2, "b": 0.5}, expect={"b": "a"}, points=2)
    d = r.variables["b"]["diagnosis"][0]
    assert d["residual"] == "cos(b)" and d["text"].endswith("(true − expected = cos(b))")
    x = diffx.check("x^x", {"x": 1.5}, expect={"x": "x^x*log(x)"}, points=2).variables["x"]["diagnosis"][0]
    assert x["text"].startswith("the term through `x^x` (its argument 1) is missing") and x["residual"] == "x^x"
