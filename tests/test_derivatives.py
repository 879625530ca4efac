"""Forward and reverse accumulation side by side: Jacobians, seeds, Hessians, traces."""
import json

import numpy as np
import pytest

import diffx
from diffx.evaltrace import trace

THREE = "[x[0]*x[1] + exp(x[2]), sin(x[0])*x[2], x[1]^2 / (1 + x[2]^2)]"


def test_jacobian_three_by_three_by_every_method():
    x = np.array([0.3, -1.2, 0.7])
    J = np.array([[x[1], x[0], np.exp(x[2])],
                  [np.cos(x[0]) * x[2], 0, np.sin(x[0])],
                  [0, 2 * x[1] / (1 + x[2] ** 2), -2 * x[1] ** 2 * x[2] / (1 + x[2] ** 2) ** 2]])
    for method in ("forward", "reverse", "symbolic", "numeric"):
        np.testing.assert_allclose(diffx.jacobian(THREE, x=x, method=method), J, rtol=1e-8, atol=1e-9)
    r = diffx.compare(THREE, x=x, kind="jacobian", mode="both")
    assert r.agree and set(r.methods) == {"reverse", "forward", "symbolic", "numeric"}
    assert r.extra["passes"] == {"forward": 3, "reverse": 3}


def test_jacobian_shapes():
    assert diffx.jacobian("A @ x", A="ones(2, 3)", x=[1, 2, 3], wrt="x").shape == (2, 3)
    assert diffx.jacobian("x * 2", x="ones(2, 2)").shape == (2, 2, 2, 2)
    both = diffx.jacobian("A @ x", A="ones(2, 3)", x=[1, 2, 3])
    assert set(both) == {"A", "x"} and both["A"].shape == (2, 2, 3)


def test_auto_mode_picks_fewer_passes():
    r = diffx.compare("sum(x*x)", x="ones(5)", kind="jacobian")
    assert r.extra["mode"] == "reverse" and r.extra["passes"] == {"forward": 5, "reverse": 1}
    assert r.methods["reverse"].evaluations == 1
    r = diffx.compare("[sin(t), cos(t), t^2, t^3]", t=0.5, kind="jacobian")
    assert r.extra["mode"] == "forward" and r.extra["passes"] == {"forward": 1, "reverse": 4}
    assert r.methods["forward"].evaluations == 1 and "forward mode: 1 pass" in r.extra["mode_reason"]


def test_seed_examples_from_the_lesson():
    v = [[1, 0.1], [0.01, 0.001]]
    np.testing.assert_allclose(diffx.grad("reshape(2*x, 2, 2)", x=[1, 2, 3, 4], seed=v)["x"],
                               [2, 0.2, 0.02, 0.002], rtol=1e-15)
    assert diffx.grad("x*x", x=[0, 1, 2, 3], seed=np.ones(4))["x"].tolist() == [0, 2, 4, 6]
    assert diffx.vjp("x*x", x=[0, 1, 2, 3], seed="ones(4)")["x"].tolist() == [0, 2, 4, 6]
    for method in ("symbolic", "numeric", "forward"):
        np.testing.assert_allclose(diffx.vjp("reshape(2*x, 2, 2)", x=[1, 2, 3, 4], seed=v, method=method)["x"],
                                   [2, 0.2, 0.02, 0.002], rtol=1e-8)


def test_seed_shape_must_match_output():
    with pytest.raises(diffx.InputError, match=r"the VJP seed has shape \(3,\), but the output has shape \(4,\)"):
        diffx.grad("x*x", x=[0, 1, 2, 3], seed=[1, 1, 1])


def test_jvp_by_every_method():
    t = {"x": [1.0, 0.0, 2.0]}
    x = np.array([0.3, -1.2, 0.7])
    expected = diffx.jacobian(THREE, x=x) @ np.array([1.0, 0, 2])
    r = diffx.compare(THREE, x=x, tangent=t)
    assert r.agree
    for m in r.methods.values():
        np.testing.assert_allclose(m.derivative["jvp"], expected, rtol=1e-7)
    assert r.methods["forward"].evaluations == 1 and r.methods["numeric"].evaluations == 2
    np.testing.assert_allclose(diffx.jvp(THREE, x=x, tangent=t), expected, rtol=1e-14)


def test_hessian_examples():
    H = {("x", "x"): 4, ("x", "y"): 2, ("y", "x"): 2, ("y", "y"): 12}
    for method in ("reverse", "forward", "symbolic", "numeric"):
        got = diffx.hessian("x^2*y + y^3", x=1, y=2, method=method)
        assert {k: float(v) for k, v in got.items()} == pytest.approx(H, rel=1e-7)
    np.testing.assert_allclose(diffx.hessian("2*x.x", x=[0, 1, 2, 3]), 4 * np.eye(4), atol=1e-12)
    r = diffx.compare("x^2*y + y^3", x=1, y=2, kind="hessian", methods=["reverse", "forward", "symbolic", "numeric"])
    assert r.agree and r.methods["reverse"].evaluations == 2 and r.methods["forward"].evaluations == 4


def test_hessian_of_a_network_layer():
    from bounded import SYMBOLIC_ROOM
    r = diffx.compare("mean(sigmoid(W@x + b))", W="randn(2,3)", x="randn(3)", b="randn(2)", kind="hessian",
                      symbolic_timeout=SYMBOLIC_ROOM)
    assert r.agree and r.methods["symbolic"].ran, (r.disagreements, r.methods["symbolic"].skipped)
    assert r.methods["reverse"].derivative["W", "x"].shape == (2, 3, 3)


def test_second_derivative_order_2(cli):
    r = cli("grad", "sin(x)", "--at", "1", "--order", "2", "--json")
    d = json.loads(r.stdout)
    assert r.exit_code == 0 and d["methods"]["reverse"]["hessian"]["x,x"] == pytest.approx(-np.sin(1), rel=1e-14)
    r = cli("grad", "x.x", "--at", "1,2", "--order", "2")
    assert r.exit_code == 2 and "ask for the Hessian (diffx hessian)" in r.stderr


def test_hessian_on_a_thousand_node_graph():
    src = "l = x\n" + "l = 0.9*l*(1 - l) + 0.05\n" * 200 + "l"
    g = diffx.parse(src)
    assert len(g) > 1000
    h = diffx.hessian(g, x=0.3)
    n = diffx.hessian(g, x=0.3, method="numeric")
    assert float(h) == pytest.approx(float(n), rel=1e-5)


def test_survey_trace():
    """Baydin et al. 2018, tables 2 and 3: f(x1, x2) = ln(x1) + x1 x2 - sin(x2) at (2, 5)."""
    t = trace(diffx.problem("log(x1) + x1*x2 - sin(x2)", x1=2, x2=5), {"x1": np.array(1.0)})
    primal = {r.node: float(r.value) for r in t.primal}
    assert primal["v-1"] == 2 and primal["v0"] == 5 and primal["v5"] == pytest.approx(11.652, abs=1e-3)
    assert [r.text for r in t.primal][2] == "v₁ = log(v₋₁) = log(2) = 0.693147"
    tangents = {r.node: float(r.value) for r in t.tangents}
    assert tangents["v1"] == 0.5 and tangents["v2"] == 5 and tangents["v5"] == 5.5
    adj = [r.text for r in t.adjoints]
    assert adj[0] == "v̄₅ = ȳ = 1"
    assert "v̄₄ = v̄₅·∂v₅/∂v₄ = 1·(-1) = -1" in adj
    assert "v̄₀ = v̄₀ + v̄₂·∂v₂/∂v₀ = -0.283662 + 1·2 = 1.71634" in adj
    assert "v̄₋₁ = v̄₋₁ + v̄₁·∂v₁/∂v₋₁ = 5 + 1·0.5 = 5.5" in adj
    assert adj[-2:] == ["x̄1 = v̄₋₁ = 5.5", "x̄2 = v̄₀ = 1.71634"]
    assert t.cost == {"forward_ops": 5, "tangent_ops": 5, "adjoint_ops": 8, "values_stored": 7, "scalars_stored": 7}


def test_trace_cli(cli):
    r = cli("trace", "log(x1) + x1*x2 - sin(x2)", "--at", "x1=2", "--at", "x2=5", "--tangent", "x1")
    assert r.exit_code == 0
    for line in ("v₁ = log(v₋₁) = log(2) = 0.693147", "v̇₅ = ∂v₅/∂v₃·v̇₃ = 1·5.5 = 5.5", "x̄1 = v̄₋₁ = 5.5",
                 "forward pass 5 ops"):
        assert line in r.stdout
    d = json.loads(cli("trace", "log(x1) + x1*x2 - sin(x2)", "--at", "x1=2", "--at", "x2=5", "--json").stdout)
    assert d["schema_version"] == 1 and d["cost"]["adjoint_ops"] == 8
    assert d["adjoint_trace"][-1] == {"node": "v0", "text": "x̄2 = v̄₀ = 1.71634", "value": pytest.approx(1.7163378)}


def test_jacobian_cli(cli):
    r = cli("jacobian", THREE, "--at", "0.3,-1.2,0.7", "--json")
    d = json.loads(r.stdout)
    assert r.exit_code == 0 and d["agree"] and d["mode"] == "reverse"
    assert np.array(d["methods"]["reverse"]["jacobian"]["x"]).shape == (3, 3)
    assert d["passes"] == {"forward": 3, "reverse": 3}
    r = cli("jacobian", THREE, "--at", "0.3,-1.2,0.7", "--mode", "both")
    assert "f[2] / x[2]" in r.stdout and "passes: forward mode 3" in r.stdout


def test_hessian_cli(cli):
    d = json.loads(cli("hessian", "x^2*y + y^3", "--at", "x=1", "--at", "y=2", "--json").stdout)
    assert d["methods"]["reverse"]["hessian"] == {"x,x": 4, "x,y": 2, "y,x": 2, "y,y": 12}
    assert d["agree"] is True


def test_seed_and_tangent_cli(cli):
    d = json.loads(cli("grad", "reshape(2*x, 2, 2)", "--at", "1,2,3,4", "--seed", "[[1, 0.1], [0.01, 0.001]]",
                       "--json").stdout)
    assert d["methods"]["reverse"]["vjp"]["x"] == pytest.approx([2, 0.2, 0.02, 0.002])
    assert d["seed"] == [[1, 0.1], [0.01, 0.001]]
    d = json.loads(cli("grad", "x*x", "--at", "0,1,2,3", "--seed", "1,1,1,1", "--json").stdout)
    assert d["methods"]["reverse"]["vjp"]["x"] == [0, 2, 4, 6]
    d = json.loads(cli("grad", "x*x", "--at", "0,1,2,3", "--tangent", "x=1,0,0,1", "--json").stdout)
    assert d["methods"]["forward"]["jvp"] == [0, 0, 0, 6] and d["tangent"] == {"x": [1, 0, 0, 1]}


def test_non_scalar_error_names_the_options(cli):
    r = cli("grad", "x*x", "--at", "0,1,2,3")
    assert r.exit_code == 2
    for word in ("sum(...)", "--vjp V", "--tangent T", "diffx jacobian"):
        assert word in r.stderr
