"""Matrix calculus: the symbolic derivative in matrix notation, printed in diffx's language and checked.

Each corpus case is an expression, its values (constant expressions, drawn with three random seeds), the
variable, and the textbook form written here in diffx's language. The printed matrix form must evaluate
(by diffx's own parser) to the reverse-AD gradient at three random points, and its operation count (ops
of its parsed graph: operators and function applications, constants and variables not counted) must be at
most 1.5x the textbook form's.
"""
import json

import numpy as np
import pytest

import diffx

V3, V4, M43, M34 = "randn(3)", "randn(4)", "randn(4,3)", "randn(3,4)"
POS3 = "rand(3) + 0.5"

CORPUS = [
    # the lesson
    ("(x.w - y)^2", {"x": V3, "w": V3, "y": "0.7"}, "w", "2*(x.w - y)*x"),
    ("norm(X@w - y)^2", {"X": M43, "w": V3, "y": V4}, "w", "2*X.T@(X@w - y)"),
    ("2*x.x", {"x": V4}, "x", "4*x"),
    ("mean(3*(x+2)^2)", {"x": V4}, "x", "1.5*(x + 2)"),
    # MatrixCalculus.org's examples
    ("0.5*x.(A@x)", {"x": V3, "A": "randn(3,3)"}, "x", "0.5*(A + A.T)@x"),
    ("sum(log(1 + exp(-y*(X@w))))", {"X": M43, "w": V3, "y": "sign(randn(4))"}, "w",
     "-X.T@(y*sigmoid(-y*(X@w)))"),
    ("trace(A@X.T@B@X@C)", {"A": "randn(2,2)", "X": "randn(3,2)", "B": "randn(3,3)", "C": "randn(2,2)"}, "X",
     "B.T@X@A.T@C.T + B@X@C@A"),
    ("norm(A@x - y)^2", {"A": M43, "x": V3, "y": V4}, "x", "2*A.T@(A@x - y)"),
    # the Matrix Cookbook
    ("trace(A@X)", {"A": M34, "X": M43}, "X", "A.T"),
    ("trace(X.T@A@X)", {"A": "randn(4,4)", "X": M43}, "X", "(A + A.T)@X"),
    ("a.(X@b)", {"a": V4, "X": M43, "b": V3}, "X", "outer(a, b)"),
    ("norm(X)^2", {"X": M43}, "X", "2*X"),
    ("x.(A@y)", {"x": V4, "A": M43, "y": V3}, "x", "A@y"),
    ("x.(A@y)", {"x": V4, "A": M43, "y": V3}, "y", "A.T@x"),
    ("x.T@A@x", {"x": V3, "A": "randn(3,3)"}, "x", "(A + A.T)@x"),
    ("trace(outer(a, b))", {"a": V3, "b": V3}, "a", "b"),
    ("sum(outer(a, b)*C)", {"a": V4, "b": V3, "C": M43}, "a", "C@b"),
    ("norm(X@w - y)", {"X": M43, "w": V3, "y": V4}, "w", "X.T@(X@w - y)/norm(X@w - y)"),
    ("sum(A@x)", {"A": M43, "x": V3}, "x", "sum(A, axis=0)"),
    ("sum(W@X)", {"W": M43, "X": M34}, "W", "ones(4, 4)@X.T"),
    # neural-network pieces
    ("mean(sigmoid(W@X + b))", {"W": "randn(4,5)", "X": "randn(5,3)", "b": "randn(4,1)"}, "W",
     "s = sigmoid(W@X + b); (s*(1 - s)/12)@X.T"),
    ("mean(sigmoid(W@X + b))", {"W": "randn(4,5)", "X": "randn(5,3)", "b": "randn(4,1)"}, "b",
     "s = sigmoid(W@X + b); reshape(sum(s*(1 - s), axis=1), 4, 1)/12"),
    ("sum(softmax(z)*t)", {"z": V3, "t": "rand(3)"}, "z", "s = softmax(z); s*(t - sum(t*s))"),
    ("-sum(t*log(softmax(z)))", {"z": V3, "t": "rand(3)"}, "z", "softmax(z)*sum(t) - t"),
    ("mean(sigmoid(W2@tanh(W1@X + b1) + b2))",
     {"W1": "randn(4,3)", "X": "randn(3,5)", "b1": "randn(4,1)", "W2": "randn(2,4)", "b2": "randn(2,1)"}, "W1",
     "h = tanh(W1@X + b1); s = sigmoid(W2@h + b2); ((W2.T@(s*(1 - s)))*(1 - h^2))@X.T/10"),
    ("sum(tanh(W@x + b))", {"W": M43, "x": V3, "b": V4}, "W", "outer(1 - tanh(W@x + b)^2, x)"),
    ("logsumexp(x)", {"x": V4}, "x", "softmax(x)"),
    ("sum(logsumexp(X, axis=1))", {"X": M43}, "X", "softmax(X, axis=1)"),
    ("sum(exp(X), axis=0).y", {"X": M43, "y": V3}, "X", "exp(X)*y"),
    ("sum((W@X + b)^2)", {"W": M43, "X": M34, "b": "randn(4,1)"}, "b", "2*reshape(sum(W@X + b, axis=1), 4, 1)"),
    # elementwise functions and reductions
    ("sum(x)", {"x": V4}, "x", "ones(4)"),
    ("mean(x)", {"x": V4}, "x", "ones(4)/4"),
    ("sum(x*x)", {"x": V4}, "x", "2*x"),
    ("sum(sin(x))", {"x": V4}, "x", "cos(x)"),
    ("sum(exp(x))", {"x": V4}, "x", "exp(x)"),
    ("norm(x)", {"x": V4}, "x", "x/norm(x)"),
    ("x.x + sum(x)", {"x": V4}, "x", "2*x + 1"),
    ("prod(x)", {"x": POS3}, "x", "prod(x)/x"),
    ("sum(sqrt(x))", {"x": POS3}, "x", "0.5/sqrt(x)"),
    ("sum(x/y)", {"x": V3, "y": POS3}, "y", "-x/y^2"),
    ("mean(log(sigmoid(y*(X@w))))", {"X": M43, "w": V3, "y": "sign(randn(4))"}, "w",
     "X.T@(y*(1 - sigmoid(y*(X@w))))/4"),
    # kinks, selections, gradient control, indexing
    ("sum(relu(x))", {"x": V4}, "x", "x > 0"),
    ("sum(abs(x))", {"x": V4}, "x", "sign(x)"),
    ("sum(max(x, y))", {"x": V4, "y": V4}, "x", "(x > y) + 0.5*(x == y)"),
    ("sum(detach(x*x)*x)", {"x": V4}, "x", "detach(x*x)"),
    ("softmax(z)[0]", {"z": V3}, "z", "s = softmax(z); s[0]*((arange(3) == 0) - s)"),
    ("sum(where(x > 0, x^2, -x))", {"x": V4}, "x", "where(x > 0, 2*x, -1)"),
]

IDS = [f"{e} d/d{v}" for e, _, v, _ in CORPUS]


def ops(program: str) -> int:
    """Operators and function applications of a program (its parsed graph, constants and variables aside)."""
    return sum(n.op not in ("var", "const") for n in diffx.parse(program).nodes)


def point(values: dict, seed: int) -> dict:
    return diffx.problem("+".join(f"sum({k})" for k in values), at=values, random_seed=seed).point


@pytest.mark.parametrize("expr, values, wrt, textbook", CORPUS, ids=IDS)
def test_corpus(expr, values, wrt, textbook):
    for seed in (0, 1, 2):
        at = point(values, seed)
        r = diffx.compare(expr, at=at, wrt=[wrt], methods=["reverse", "symbolic-matrix"])
        m = r.methods["symbolic-matrix"]
        assert m.ran, m.skipped
        form = m.matrix_form[wrt]
        want = r.methods["reverse"].derivative[wrt]
        used = {k: v for k, v in at.items() if k in diffx.parse(form).variables}
        got = np.broadcast_to(diffx.evaluate(form, at=used), want.shape)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=form)
        used = {k: v for k, v in at.items() if k in diffx.parse(textbook).variables}
        np.testing.assert_allclose(np.broadcast_to(diffx.evaluate(textbook, at=used), want.shape), want, rtol=1e-9,
                                   atol=1e-12, err_msg=f"the test's textbook form {textbook}")
    assert ops(form) <= 1.5 * ops(textbook), f"{form} ({ops(form)} ops) vs {textbook} ({ops(textbook)})"


def test_corpus_size():
    assert len(CORPUS) >= 40


def test_the_lessons_formulas_are_printed(cli):
    r = cli("grad", "(x.w - y)^2", "--at", "x=1,2,3", "--at", "w=0.5,-1,2", "--at", "y=1", "--wrt", "w")
    assert "symbolic ∂f/∂w = 2*(x.w - y)*x   (matrix form" in r.stdout, r.stdout
    r = cli("grad", "norm(X@w - y)^2", "--at", "X=[[1,2],[3,4],[5,6]]", "--at", "w=1,2", "--at", "y=1,2,3",
            "--wrt", "w", "--json")
    d = json.loads(r.stdout)
    assert d["methods"]["symbolic"]["matrix_form"] == {"w": "2*X.T@(X@w - y)"}
    np.testing.assert_allclose(d["methods"]["symbolic-matrix"]["gradient"]["w"], d["methods"]["reverse"]["gradient"]["w"],
                               rtol=1e-12)


def test_python_result_and_bindings():
    r = diffx.compare("sum(log(1 + exp(-y*(X@w))))", at={"X": "randn(4,3)", "w": "randn(3)", "y": "sign(randn(4))"},
                      wrt=["w"])
    form = r.methods["symbolic"].matrix_form["w"]
    assert form.startswith("u = exp(-y*(X@w)); ") and "X.T@" in form
    assert "symbolic-matrix" in r.methods and r.methods["symbolic-matrix"].ran


def test_large_inputs_in_matrix_form():
    at = {"X": "randn(512,512)", "w": "randn(512)", "y": "randn(512)"}
    r = diffx.compare("norm(X@w - y)^2", at=at, wrt=["w"], methods=["reverse", "symbolic", "symbolic-matrix"])
    s = r.methods["symbolic"]
    assert s.ran and s.matrix_form == {"w": "2*X.T@(X@w - y)"} and s.formula is None
    np.testing.assert_allclose(s.derivative["w"], r.methods["reverse"].derivative["w"], rtol=1e-9)


def test_jacobians_and_hessians_in_matrix_form():
    cases = [("A@x", {"A": M43, "x": V3}, "jacobian", "A"), ("A@exp(x)", {"A": M43, "x": V3}, "jacobian", "A*exp(x)"),
             ("sin(x)", {"x": V3}, "jacobian", "eye(3)*cos(x)"),
             ("x.(A@x)", {"x": V3, "A": "randn(3,3)"}, "hessian", "A + A.T"),
             ("norm(X@w - y)^2", {"X": M43, "w": V3, "y": V4}, "hessian", "2*X.T@X")]
    for expr, at, kind, want in cases:
        wrt = "w" if "w" in at else "x"
        r = diffx.compare(expr, at=at, wrt=[wrt], kind=kind, methods=["reverse", "symbolic-matrix"])
        m = r.methods["symbolic-matrix"]
        key = wrt if kind == "jacobian" else f"{wrt},{wrt}"
        assert m.ran and m.matrix_form[key] == want, (expr, m.matrix_form)
        ref = r.methods["reverse"].derivative
        k = wrt if kind == "jacobian" else (wrt, wrt)
        np.testing.assert_allclose(m.derivative[k], ref[k], rtol=1e-9, atol=1e-12)


def test_no_matrix_form_says_why():
    r = diffx.compare("A@x", at={"A": M43, "x": V3}, wrt=["A"], kind="jacobian", methods=["reverse", "symbolic-matrix"])
    assert "tensor of order 3" in r.methods["symbolic-matrix"].skipped


def test_latex_is_whole_and_substitute_gives_numbers(cli):
    r = cli("grad", "norm(X@w - y)^2", "--at", "X=[[1,2],[3,4],[5,6]]", "--at", "w=1,2", "--at", "y=1,2,3",
            "--wrt", "w", "--substitute")
    assert "2*X.T@(X@w - y)" not in r.stdout and "70*w_0" in r.stdout
    r = cli("grad", "sum(x^7*sin(x)^5*cos(x)^3)", "--at", "arange(9) + 1", "-m", "symbolic", "--latex")
    assert "characters in all" not in r.stdout and "…" not in r.stdout
