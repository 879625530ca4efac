"""The lesson's examples through the Python API, with every method cross-checked."""
import numpy as np
import pytest

import diffx

ALL = ["reverse", "forward", "symbolic", "numeric"]


def all_methods(expr, **values):
    from bounded import SYMBOLIC_ROOM     # SymPy is one of the methods compared: no budget in the way
    r = diffx.compare(expr, methods=ALL, limits=diffx.Limits(symbolic_seconds=SYMBOLIC_ROOM), **values)
    assert r.agree, r.disagreements
    return r


def test_main_job_two_x_dot_x():
    r = all_methods("2*x.x", x=[0, 1, 2, 3])
    assert float(r.value) == 28
    for m in r.methods.values():
        np.testing.assert_allclose(m.gradient["x"], [0, 4, 8, 12], rtol=1e-9, atol=1e-9)
    assert r.methods["reverse"].gradient["x"].tolist() == [0, 4, 8, 12]   # exact, not approximately


def test_symbolic_formula_is_four_x():
    import sympy as sp
    r = diffx.compare("2*x.x", x=[0, 1, 2, 3], methods=["symbolic"])
    f = r.methods["symbolic"].formula["x"]
    for i in range(4):
        assert sp.simplify(f[i] - 4 * sp.Symbol(f"x_{i}", real=True)) == 0


def test_sum_and_sum_of_squares():
    assert all_methods("sum(x)", x=[0, 1, 2, 3]).gradient["x"].tolist() == [1, 1, 1, 1]
    assert all_methods("sum(x*x)", x=[0, 1, 2, 3]).gradient["x"].tolist() == [0, 2, 4, 6]


def test_detach_is_frozen_in_every_method():
    r = all_methods("sum(detach(x*x)*x)", x=[0, 1, 2, 3])
    for m in r.methods.values():
        np.testing.assert_allclose(m.gradient["x"], [0, 1, 4, 9], atol=1e-8)
    # nothing carried over between calls
    assert all_methods("sum(x*x)", x=[0, 1, 2, 3]).gradient["x"].tolist() == [0, 2, 4, 6]


def test_mean_of_square_at_ones():
    r = all_methods("mean(3*(x+2)^2)", x="ones(2,2)")
    assert float(r.value) == 27
    assert r.gradient["x"].tolist() == [[4.5, 4.5], [4.5, 4.5]]


def test_detach_of_cube_at_one():
    r = all_methods("x^2 + detach(x^3)", x=1)
    assert float(r.gradient["x"]) == 2


def test_sigmoid_layer_with_broadcast_bias():
    r = all_methods("mean(sigmoid(W@X + b))", W="randn(4,5)", X="randn(5,3)", b="randn(4,1)")
    assert {k: v.shape for k, v in r.gradient.items()} == {"W": (4, 5), "X": (5, 3), "b": (4, 1)}
    # hand-written check: dL/db is the row mean of s(1-s), divided by the number of entries
    W, X, b = r.at["W"], r.at["X"], r.at["b"]
    s = 1 / (1 + np.exp(-(W @ X + b)))
    np.testing.assert_allclose(r.gradient["b"], (s * (1 - s)).sum(axis=1, keepdims=True) / s.size, rtol=1e-12)
    np.testing.assert_allclose(r.gradient["W"], (s * (1 - s)) @ X.T / s.size, rtol=1e-12)


def test_sin_gradient_is_cos():
    r = all_methods("sum(sin(x))", x="linspace(-3,3,7)")
    np.testing.assert_allclose(r.gradient["x"], np.cos(np.linspace(-3, 3, 7)), rtol=1e-14)


def test_non_scalar_output_is_an_error_naming_the_shape():
    with pytest.raises(diffx.NotScalarError, match=r"shape \(7,\).*sum\(\.\.\.\)"):
        diffx.grad("sin(x)", x="linspace(-3,3,7)")


def test_api_forms():
    assert diffx.grad("2*x.x", x=[0, 1, 2, 3])["x"].tolist() == [0, 4, 8, 12]
    np.testing.assert_allclose(diffx.grad("2*x.x", x=[0, 1, 2, 3], method="symbolic")["x"], [0, 4, 8, 12])
    assert diffx.grad("x*y", at={"x": 2.0, "y": 3.0}, wrt=["x"]) == {"x": 3.0}
    r = diffx.compare("2*x.x", x=[0, 1, 2, 3])
    assert r.agree and set(r.to_dict()) == {"schema_version", "expr", "at", "value", "wrt", "methods", "agree",
                                           "max_abs_diff", "reference", "warnings", "kinks",
                                           "nonfinite", "notes", "kind", "disagreements", "verdict", "verdicts"}
    g = diffx.parse("2*x.x")
    assert "dot" not in str(g) and " . " in str(g)  # printed with the infix symbol
    assert diffx.grad(g, x=[1, 2])["x"].tolist() == [4, 8]


def test_wrt_limits_the_variables():
    r = diffx.compare("x*y + y", x=2, y=3, wrt="y")
    assert list(r.gradient) == ["y"] and float(r.gradient["y"]) == 3


def test_variable_not_reaching_the_output_has_zero_gradient():
    assert float(diffx.grad("x + 0*detach(y)", x=1, y=2)["y"]) == 0


def test_integers_become_floats():
    assert diffx.grad("x^3", x=2)["x"] == 12.0
    assert diffx.evaluate("x / 2", x=3) == 1.5


@pytest.mark.parametrize("call, message", [
    (lambda: diffx.grad("x*y", x=1), "no value for y"),
    (lambda: diffx.grad("x", x=1, z=2), "z is not a variable of the expression (its variables: x)"),
    (lambda: diffx.grad("[1, 2] + [1, 2, 3]"), "cannot apply '+' to shapes (2,) and (3,)"),
    (lambda: diffx.grad("sum(x)", x="1,a"), "value of x: unknown name 'a'"),
    (lambda: diffx.grad("x", x=1, method="magic"), "unknown method 'magic'"),
    (lambda: diffx.grad("x", x=1, wrt="q"), "wrt=q: not a variable"),
    (lambda: diffx.grad("x[5]", x=[1, 2]), "index 5 is out of bounds"),
    (lambda: diffx.grad("sum(A @ B)", A="ones(2,3)", B="ones(2,3)"), "cannot apply '@' to shapes (2, 3) and (2, 3)"),
    (lambda: diffx.grad("x", x=[[1, 2], [3]]), "value of x is not a number or an array"),
])
def test_bad_input_raises_one_family(call, message):
    with pytest.raises(diffx.DiffxError) as info:
        call()
    assert message in str(info.value)


def test_shape_errors_point_at_the_node():
    with pytest.raises(diffx.ShapeError) as info:
        diffx.evaluate("sum(x) + [1, 2] * [1, 2, 3]", x=[1])
    src = info.value.source
    assert src[info.value.span[0]:info.value.span[1]] == "[1, 2] * [1, 2, 3]"


def test_symbolic_past_the_component_limit_answers_in_matrix_form():
    r = diffx.compare("sum(x*x)", x="ones(30, 30)")
    sym = r.methods["symbolic"]
    assert "900 scalar inputs" in sym.extra["components"] and sym.matrix_form == {"x": "2*x"}
    assert r.agree and r.methods["reverse"].ran and r.methods["numeric"].ran


def test_program_gradient():
    r = all_methods("h = W@x + b\nl = sum(tanh(h))\nl * l", W="randn(3,2)", x="randn(2)", b="randn(3)")
    assert r.gradient["W"].shape == (3, 2)


def test_same_input_twice_accumulates():
    assert diffx.grad("x*x", x=3.0)["x"] == 6.0
    assert diffx.grad("x*x*x", x=2.0)["x"] == 12.0


def test_large_graph_needs_no_recursion():
    n = 25_000  # 100,000 nodes: x, then four nodes per step
    src = "l = x\n" + "l = 0.5*l*(1 - l) + 0.25\n" * n + "l"
    g = diffx.parse(src, limits=diffx.Limits(max_chars=10**7))
    assert len(g.nodes) > 100_000
    r = diffx.compare(g, x=0.3, methods=["reverse", "forward"])
    assert r.agree and np.isfinite(r.gradient["x"])


def test_logistic_map_matches_hand_derivative():
    src = "l = x\n" + "l = 3.7*l*(1 - l)\n" * 20 + "l"
    x, d = 0.3, 1.0
    for _ in range(20):
        d *= 3.7 * (1 - 2 * x)
        x = 3.7 * x * (1 - x)
    assert diffx.grad(src, x=0.3)["x"] == pytest.approx(d, rel=1e-12)
