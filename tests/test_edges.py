"""Edge cases found in review: names that clash with keywords, non-finite answers, invalid complex steps."""
import json

import numpy as np
import pytest

import diffx


@pytest.mark.parametrize("call, message", [
    (lambda: diffx.grad("at*2", at=1.0), "at= takes a mapping of variable names to values, not float"),
    (lambda: diffx.grad("x", x=1, limits=1.0), "limits= takes a diffx.Limits"),
    (lambda: diffx.grad(123, x=1), "the expression must be text, a Graph or a Python function"),
    (lambda: diffx.grad("x", x=None), "value of x is not a number"),
    (lambda: diffx.grad("x", x=1, method=3), "unknown method 3"),
    (lambda: diffx.grad("2^3^2"), "the expression has no variables"),
    (lambda: diffx.evaluate("ones(2.5)"), "2.5 is not a whole number"),
])
def test_api_argument_errors(call, message):
    with pytest.raises(diffx.DiffxError) as info:
        call()
    assert message in info.value.message


def test_variables_named_like_keywords():
    assert diffx.grad("at*2", at={"at": 1.0}) == {"at": 2.0}
    assert diffx.grad("expr*3", expr=1.0) == {"expr": 3.0}            # expr is positional-only
    assert diffx.grad("seed + wrt", at={"seed": 1.0, "wrt": 2.0}) == {"seed": 1.0, "wrt": 1.0}


def test_trace_api_and_ln():
    t = diffx.trace("ln(x1) + x1*x2 - sin(x2)", x1=2, x2=5, tangent="x1")
    assert t.adjoints[-2].text == "x̄1 = v̄₋₁ = 5.5" and t.to_dict()["cost"]["adjoint_ops"] == 8
    assert diffx.evaluate("inf") == np.inf and np.isnan(diffx.evaluate("nan"))


def test_reference_is_an_exact_method_that_is_finite():
    r = diffx.compare("norm(x)", x=[0.0, 0.0, 0.0], methods=["reverse", "symbolic", "numeric"])
    assert r.reference == "reverse"                  # SymPy's derivative of the norm is 0/0 there
    r = diffx.compare("1/x", x=0.0, methods=["reverse", "symbolic", "numeric"])
    assert r.reference in ("symbolic", "reverse")    # never a finite difference across the pole
    assert r.verdict == "undefined" and not r.agree and "1/x is the first non-finite value" in r.verdicts["x"]["reason"]


def test_nan_born_in_the_reverse_sweep_is_named():
    r = diffx.compare("where(x > 0, log(x), 0)", x=0.0, methods=["reverse", "symbolic"])
    born = r.extra["nonfinite_adjoint"]
    assert born["op"] == "log" and "0·∞" in born["message"]
    # log(h) falls to -∞ as h → 0+: the function jumps at 0, so no derivative exists there
    assert r.verdict == "undefined" and "jumps" in r.verdicts["x"]["reason"]
    r = diffx.compare("where(x > 1, log(x), 2*x)", x=0.0, methods=["reverse", "symbolic"])
    assert r.extra["nonfinite_adjoint"]["op"] == "log"
    assert r.verdict == "disagree" and any("reverse gives NaN where symbolic gives 2" in w for w in r.messages)


def test_complex_step_falls_back_when_invalid():
    for expr, x, want in [("x^(3^50)", 1.0, np.inf), ("softplus(x)", 1000.0, 1.0), ("sigmoid(x)", -1000.0, 0.0)]:
        n = diffx.compare(expr, x=x, methods=["numeric"]).methods["numeric"]
        assert n.gradient["x"] == pytest.approx(want) or (np.isinf(want) and np.isinf(n.gradient["x"]))
    n = diffx.compare("x^(3^50)", x=1.0, methods=["numeric"]).methods["numeric"]
    assert n.scheme == "richardson" and "complex step is not valid" in n.extra["fallback"]
    assert diffx.compare("norm(x)", x=[0, 0, 0.0], methods=["numeric"]).methods["numeric"].scheme == "richardson"


def test_a_jump_is_not_a_kink(tmp_path, cli):
    f = tmp_path / "step.py"
    f.write_text("def step(x):\n    if x > 0.5:\n        return x * 10\n    return x\n")
    d = json.loads(cli("grad", "--python", f"{f}:step", "--at", "x=0.5", "--json").stdout)
    jumps = [k for k in d["kinks"] if k["source"] == "numeric"]
    assert jumps and jumps[0]["subdifferential"] is None and "not continuous" in jumps[0]["note"]


def test_vjp_option_and_the_seed(cli):
    d = json.loads(cli("grad", "x*x", "--at", "0,1,2,3", "--vjp", "1,1,1,1", "--json").stdout)
    assert d["methods"]["reverse"]["vjp"] == {"x": [0, 2, 4, 6]}
    r = cli("grad", "x*x", "--at", "0,1,2,3", "--vjp", "1,1,1,1", "--seed", "1,1,1,1")
    assert r.exit_code == 2 and "give the VJP seed once" in r.stderr
    d = json.loads(cli("grad", "sum(W@x)", "--at", "W=randn(2,2)", "--at", "x=1,1", "--seed", "3", "--json").stdout)
    assert d["at"]["W"] != json.loads(cli("grad", "sum(W@x)", "--at", "W=randn(2,2)", "--at", "x=1,1",
                                          "--json").stdout)["at"]["W"]


def test_negative_tolerances_are_usage_errors(cli):
    assert cli("grad", "x", "--at", "1", "--rtol", "-1").exit_code == 2
    assert cli("grad", "x", "--at", "1", "--symbolic-timeout", "-1").exit_code == 2


def test_tensor_iterates_and_shows_plain_text(capsys):
    t = diffx.tensor([1.0, 2.0, 3.0], requires_grad=True)
    parts = list(t)
    assert [p.item() for p in parts] == [1, 2, 3]
    sum(p * p for p in parts).backward()
    assert t.grad.tolist() == [2, 4, 6]
    y = (t * t).sum()
    diffx.show(y)
    out = capsys.readouterr().out
    assert "graph of the tensors recorded into <SumBackward>" in out and "adjoint" in out


def test_tree_view_is_capped(cli):
    src = "l = x\n" + "l = l*l + 1\n" * 300 + "l"
    r = cli("graph", src, "--at", "0.5", "--view", "tree")
    assert r.exit_code == 0 and "the tree stops at" in r.stdout and "--view table lists them all" in r.stdout


def test_long_formulas_are_clipped_on_screen_not_in_json(cli):
    from bounded import SYMBOLIC_ROOM
    src = "l = x\n" + "l = 4*l*(1 - l)\n" * 7 + "l"
    room = ("--symbolic-timeout", str(SYMBOLIC_ROOM))     # SymPy's formula is the subject: no budget in the way
    screen = " ".join(cli("grad", src, "--at", "0.3", "-m", "symbolic", *room).stdout.split())   # wrapping aside
    assert "characters in all; --json prints it whole" in screen
    d = json.loads(cli("grad", src, "--at", "0.3", "-m", "symbolic", *room, "--json").stdout)
    assert len(d["methods"]["symbolic"]["formula"]["x"]) > 300


def test_python_function_that_leaves_the_recording(tmp_path, cli):
    f = tmp_path / "f.py"
    f.write_text("import math\n\ndef f(a, /):\n    return math.sin(float(a))\n")
    r = cli("grad", "--python", f"{f}:f", "--at", "a=2")
    assert "leave the recording" in r.stdout
    assert r.exit_code == 1          # AD sees 0, finite differences of the real function see cos(2)


def test_steps_outside_the_domain_fall_back_to_one_side(cli):
    d = json.loads(cli("grad", "log(x)", "--at", "1e-9", "--numeric", "central", "--json").stdout)
    n = d["methods"]["numeric"]
    assert np.isfinite(n["gradient"]["x"]) and "forward difference was used" in n["domain"][0]
    assert d["agree"] is True and any("a forward difference was used instead" in w for w in d["notes"])
    # sqrt's kink rule marks 0: the steps stay below half the distance to it, inside the domain
    d = json.loads(cli("grad", "sqrt(x)", "--at", "1e-9", "--numeric", "central", "--json").stdout)
    assert d["verdict"] == "agree" and "domain" not in d["methods"]["numeric"]
    r = diffx.compare("log(x)", x=1e-8, methods=["symbolic", "numeric-central"])
    assert np.isfinite(r.methods["numeric-central"].gradient["x"])


def test_no_error_figures_where_nothing_finite_was_compared(cli):
    d = json.loads(cli("grad", "log(x)", "--at", "0", "--json").stdout)
    assert d["nonfinite"]["value"] == "-Infinity"
    others = [m for k, m in d["methods"].items() if k != d["reference"]]
    assert any(m["max_abs_error"] == "NaN" for m in others)
    assert "—" in cli("grad", "log(x)", "--at", "0").stdout


def test_relative_error_against_zero_is_infinite():
    r = diffx.compare("abs(x)", x=0.0, methods=["symbolic", "numeric-forward"], strict=True)
    assert r.errors["numeric-forward"].max_rel_error == np.inf and not r.agree


def test_echoes_drop_comments(cli):
    r = cli("grad", "a = x*2  # double\nsum(a)", "--at", "1,2")
    assert "f = a = x*2; sum(a)" in r.stdout and "#" not in r.stdout.splitlines()[0]


def test_compare_not_scalar_names_grad_options(cli):
    r = cli("compare", "x*x", "--at", "1,2")
    assert r.exit_code == 2 and "--vjp V" in r.stderr and "diffx jacobian" in r.stderr
    assert cli("compare", "x*x", "--at", "1,2", "--vjp", "1,1").exit_code == 0
