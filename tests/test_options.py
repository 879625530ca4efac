"""Every run option on every path: it takes effect where it means something, and is refused clearly where not.

Paths: a gradient, a VJP, a JVP, a second derivative (order 2), a Jacobian,
a Hessian, a Python function, and a case of a batch file. The options reach
each through the one `diffx.options(...)` builder; a path that dropped one
would show here as an option without its effect.
"""
import json

import numpy as np
import pytest

import diffx
from diffx.batch import run_case

X = [0.3, 1.2]


def _f(x):
    return (x.sin() * x).sum()


def _kinked(x):
    return x.relu().sum()


# path -> (what to differentiate, values, the options that make the path), smooth and at a kink
PATHS = {
    "gradient": ("sum(sin(x)*x)", {"x": X}, {}),
    "vjp": ("sin(x)*x", {"x": X}, {"vjp": [1.0, 2.0]}),
    "jvp": ("sin(x)*x", {"x": X}, {"tangent": {"x": [1.0, 0.5]}}),
    "order2": ("sin(x)*x", {"x": 0.7}, {"order": 2}),
    "jacobian": ("sin(x)*x", {"x": X}, {"kind": "jacobian"}),
    "hessian": ("sum(sin(x)*x)", {"x": X}, {"kind": "hessian"}),
    "python": (_f, {"x": X}, {}),
    "batch": ("sum(sin(x)*x)", {"x": X}, {}),
}
KINKED = {
    "gradient": ("sum(relu(x))", {"x": [0.0, 1.0]}, {}),
    "vjp": ("relu(x)", {"x": [0.0, 1.0]}, {"vjp": [1.0, 1.0]}),
    "jacobian": ("relu(x)", {"x": [0.0, 1.0]}, {"kind": "jacobian"}),
    "python": (_kinked, {"x": [0.0, 1.0]}, {}),
    "batch": ("sum(relu(x))", {"x": [0.0, 1.0]}, {}),
}
ALL = list(PATHS)


def run(path: str, spec=None, **opts) -> diffx.Comparison:
    expr, at, made = spec or PATHS[path]
    if path == "batch":
        limits = opts.pop("limits", diffx.Limits())
        c = run_case({"expr": expr, "at": at, **made, **opts}, diffx.options(limits=limits))
        if c.status == "error":
            raise diffx.InputError(c.error)
        return c.result
    return diffx.compare(expr, at, **made, **opts)


def first(r: diffx.Comparison, method: str = "reverse") -> np.ndarray:
    return np.asarray(next(iter(r.methods[method].derivative.values())))


@pytest.mark.parametrize("path", ALL)
def test_the_path_is_what_its_options_ask_for(path):
    r = run(path)
    kind = {"order2": "hessian", "python": "gradient", "batch": "gradient"}.get(path, path)
    assert r.kind == kind and r.agree, r.messages


@pytest.mark.parametrize("path", ALL)
def test_dtype(path):
    if path == "python":
        with pytest.raises(diffx.InputError, match="works on expressions; a Python function runs in float64"):
            run(path, dtype="float32")
        return
    r = run(path, dtype="float32")
    assert first(r).dtype == np.float32 and first(run(path)).dtype == np.float64
    assert all(np.asarray(v).dtype == np.float32 for v in r.at.values())


@pytest.mark.parametrize("path", ALL)
def test_numeric_scheme(path):
    if path in ("jvp", "order2", "hessian"):
        with pytest.raises(diffx.InputError, match="is a central difference"):
            run(path, numeric="forward")
        assert run(path, numeric="central").methods["numeric"].scheme == "central"
        return
    r = run(path, numeric="forward")
    assert r.methods["numeric"].scheme == "forward" and "one-sided" in r.methods["numeric"].cost
    assert run(path).methods["numeric"].scheme != "forward"


def test_numeric_scheme_needs_the_numeric_method():
    with pytest.raises(diffx.InputError, match="not among the methods"):
        diffx.compare("sin(x)", x=1.0, numeric="central", methods=["reverse"])
    with pytest.raises(diffx.InputError, match="choose a finite-difference scheme"):
        diffx.options(numeric="sideways")


@pytest.mark.parametrize("path", ALL)
def test_sizes(path):
    r = run(path, sizes=True)
    sizes = r.methods["symbolic"].extra["sizes"]
    assert sizes["naive_ops"] > 0 and sizes["cse_ops"] > 0 and sizes["ad_ops"] > 0
    assert "sizes" not in run(path).methods["symbolic"].extra


@pytest.mark.parametrize("path", ALL)
def test_sizes_without_the_symbolic_method_say_so(path):
    r = run(path, sizes=True, methods=["reverse"])
    assert any("derivative sizes not counted" in n for n in r.notes)


@pytest.mark.parametrize("path", list(KINKED))
def test_strict(path):
    loose = run(path, KINKED[path])
    strict = run(path, KINKED[path], strict=True)
    assert loose.verdict == "kink" and loose.passed and loose.kinks
    assert any("at a kink" in w for w in loose.warnings)
    assert strict.verdict == "kink" and not strict.passed and strict.strict


@pytest.mark.parametrize("path", ["jvp", "order2", "hessian"])
def test_strict_is_carried(path):
    assert run(path, strict=True).strict and not run(path).strict


def _random(path):
    expr, at, made = PATHS[path]
    at = {"x": "randn(1)[0]" if path == "order2" else "randn(2)"}
    made = dict(made)
    if path == "vjp":
        made["vjp"] = "randn(2)"
    if path == "jvp":
        made["tangent"] = {"x": "randn(2)"}
    return expr, at, made


@pytest.mark.parametrize("path", ALL)
def test_random_seed(path):
    a, b = run(path, _random(path), random_seed=5), run(path, _random(path), random_seed=6)
    want = np.random.default_rng(5).standard_normal(1 if path == "order2" else 2)
    np.testing.assert_array_equal(np.ravel(a.at["x"]), want)
    assert not np.array_equal(a.at["x"], b.at["x"])
    if path == "vjp":        # the seed vector is drawn from the same generator
        assert not np.array_equal(a.extra["seed"], run(path, _random(path), random_seed=0).extra["seed"])
    if path == "jvp":
        assert not np.array_equal(a.extra["tangent"]["x"], b.extra["tangent"]["x"])


def test_seed_is_a_spelling_of_random_seed_or_vjp():
    assert diffx.options(seed=3).random_seed == 3 and diffx.options(seed=[1, 2]).vjp == [1, 2]
    assert diffx.options(seed="4").random_seed == 4 and diffx.options(seed="1,1").kind == "vjp"
    with pytest.raises(diffx.InputError, match="give the VJP seed once"):
        diffx.options(seed=[1, 1], vjp=[1, 1])
    a = diffx.vjp("x*1", x=[0.0, 0.0, 0.0], seed="randn(3)", random_seed=7)["x"]
    b = diffx.vjp("x*1", x=[0.0, 0.0, 0.0], seed="randn(3)", random_seed=0)["x"]
    np.testing.assert_array_equal(a, np.random.default_rng(7).standard_normal(3))
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("path", ALL)
def test_order(path):
    if path in ("vjp", "jvp"):
        with pytest.raises(diffx.InputError, match="ask for different derivatives"):
            run(path, order=2)
    elif path in ("jacobian",):
        with pytest.raises(diffx.InputError, match="order=2 goes with a gradient, not a jacobian"):
            run(path, order=2)
    elif path in ("order2",):
        assert run(path).kind == "hessian"
    else:                   # two scalar inputs: order 2 is for a function of one
        with pytest.raises(diffx.InputError, match="order=2 takes a function of one scalar"):
            run(path, order=2)
    with pytest.raises(diffx.InputError, match="first and second derivatives"):
        diffx.options(order=3)


def test_order_2_of_one_scalar_on_every_front_end():
    want = 2 * np.cos(0.7) - 0.7 * np.sin(0.7)
    for path, expr in (("gradient", "sin(x)*x"), ("python", _f), ("batch", "sin(x)*x")):
        r = run(path, (expr, {"x": 0.7}, {}), order=2)
        assert r.kind == "hessian" and float(first(r)) == pytest.approx(want, rel=1e-12), path


@pytest.mark.parametrize("path", ALL)
def test_tolerances(path):
    r = run(path, rtol=0.25, atol=0.5)
    assert (r.rtol, r.atol) == (0.25, 0.5)
    with pytest.raises(diffx.InputError, match="rtol= must be at least 0"):
        run(path, rtol=-1.0)


def test_tolerances_decide_the_verdict():
    slack = diffx.compare("exp(x)", x=1.0, methods=["reverse", "numeric-forward"], rtol=1e-3)
    tight = diffx.compare("exp(x)", x=1.0, methods=["reverse", "numeric-forward"], rtol=0.0, atol=0.0)
    assert slack.agree and slack.rtol == 1e-3 and tight.atol == 0.0


@pytest.mark.parametrize("path", ALL)
def test_methods(path):
    assert set(run(path, methods=["reverse", "symbolic"]).methods) == {"reverse", "symbolic"}
    if path in ("jvp", "order2", "hessian"):
        with pytest.raises(diffx.InputError, match="does not compute a"):
            run(path, methods=["numeric-central"])
    else:
        assert run(path, methods=["numeric-central"]).methods["numeric-central"].scheme == "central"
    with pytest.raises(diffx.InputError, match="unknown method 'magic'"):
        run(path, methods=["magic"])


@pytest.mark.parametrize("path", ALL)
def test_limits_reach_the_symbolic_method(path):
    r = run(path, limits=diffx.Limits(max_symbolic_components=0))
    sym = r.methods["symbolic"]          # past the limit: no components; the matrix form where it reaches
    assert "more than the symbolic method takes" in (sym.skipped or sym.extra.get("components", ""))


@pytest.mark.parametrize("path", ["gradient", "jacobian", "hessian", "batch"])
def test_symbolic_timeout(path):
    chain = "l = x\n" + "l = 4*l*(1 - l)\n" * 14 + "sum(l)"
    spec = (chain if path != "jacobian" else chain.replace("sum(l)", "l"), {"x": [0.3, 0.4]}, PATHS[path][2])
    r = run(path, spec, symbolic_timeout=0.05)
    assert "gave up after 0.05 s" in r.methods["symbolic"].skipped and r.methods["reverse"].ran


@pytest.mark.parametrize("path", ALL)
def test_mode(path):
    if path == "jacobian":
        r = run(path, mode="forward")
        assert r.extra["mode"] == "forward" and "forward" in r.methods
        assert set(run(path, mode="both").methods) >= {"forward", "reverse"}
    else:
        with pytest.raises(diffx.InputError, match="chooses the AD mode of a Jacobian"):
            run(path, mode="forward")


@pytest.mark.parametrize("kind, extra", [("gradient", {}), ("jacobian", {"kind": "jacobian"}),
                                         ("hessian", {"kind": "hessian"}), ("vjp", {"vjp": 2.0}),
                                         ("jvp", {"tangent": {"x": 1.0}})])
def test_wrt(kind, extra):
    expr = "x*y" if kind in ("gradient", "hessian", "vjp", "jvp") else "[x*y, x]"
    r = diffx.compare(expr, x=2.0, y=3.0, wrt="x", **extra)
    assert r.wrt == ["x"] and r.agree
    if kind != "jvp":
        assert all(k == "x" or k == ("x", "x") for k in r.gradient)
    with pytest.raises(diffx.InputError, match="wrt=q: not a variable"):
        diffx.compare(expr, x=2.0, y=3.0, wrt="q", **extra)


def test_options_are_frozen_and_copied():
    o = diffx.options(dtype="float32", strict=True)
    with pytest.raises(AttributeError):
        o.strict = False
    p = diffx.problem("sum(x*x)", x=[1.0, 2.0], options=o)
    assert p.options == o and p.dtype == np.float32
    q = diffx.options(o, numeric="central")
    assert (q.dtype, q.strict, q.numeric, o.numeric) == ("float32", True, "central", None)
    with pytest.raises(diffx.InputError, match="unknown option bogus="):
        diffx.options(bogus=1)


# ---------------------------------------------------------------- the command line maps its flags to the same options
def test_cli_seed_vector_with_numeric_scheme(cli):
    r = cli("grad", "x*x", "--at", "0.5,1", "--seed", "1,1", "--numeric", "central", "--json")
    d = json.loads(r.stdout)
    assert r.exit_code == 0 and d["kind"] == "vjp" and d["methods"]["numeric"]["method"] == "central"
    assert "--seed was taken as the VJP seed vector (--vjp)" in r.stderr


def test_cli_seed_vector_with_strict(cli):
    assert cli("grad", "relu(x)", "--at", "0,1", "--seed", "1,1").exit_code == 0
    assert cli("grad", "relu(x)", "--at", "0,1", "--seed", "1,1", "--strict").exit_code == 1
    assert cli("grad", "relu(x)", "--at", "0,1", "--vjp", "1,1", "--strict").exit_code == 1
    assert cli("grad", "sum(relu(x))", "--at", "0,1", "--strict").exit_code == 1


def test_cli_order_2_in_float32(cli):
    d = json.loads(cli("grad", "x^3", "--at", "0.1", "--order", "2", "--dtype", "float32", "--json").stdout)
    x = np.float32(0.1)
    want = float(np.float32(6.0) * x)                       # pure float32, not float64 on the rounded point
    assert d["methods"]["reverse"]["hessian"]["x,x"] == want and want != 6 * float(x)


def test_cli_tangent_with_sizes(cli):
    r = cli("grad", "sin(x)*x", "--at", "0.3,1.2", "--tangent", "x=1,0", "--sizes")
    assert r.exit_code == 0 and "derivative size:" in r.stdout
    d = json.loads(cli("grad", "sin(x)*x", "--at", "0.3,1.2", "--tangent", "x=1,0", "--sizes", "--json").stdout)
    assert d["methods"]["symbolic"]["sizes"]["naive_ops"] > 0


def test_cli_every_method_name_of_the_registry(cli):
    r = cli("grad", "sin(x)", "--at", "1", "-m", "numeric-central", "-m", "reverse", "--json")
    d = json.loads(r.stdout)
    assert r.exit_code == 0 and d["methods"]["numeric-central"]["method"] == "central"
    r = cli("grad", "sin(x)", "--at", "1", "-m", "magic")
    assert r.exit_code == 2 and "unknown method 'magic'" in r.stderr


def test_cli_random_seed_and_seed_integer(cli):
    a = json.loads(cli("grad", "sum(x)", "--at", "randn(3)", "--random-seed", "7", "--json").stdout)["at"]["x"]
    r = cli("grad", "sum(x)", "--at", "randn(3)", "--seed", "7", "--json")
    assert json.loads(r.stdout)["at"]["x"] == a == np.random.default_rng(7).standard_normal(3).tolist()
    assert "--seed was taken as the random seed (--random-seed)" in r.stderr


def test_cli_messages_name_flags(cli):
    r = cli("grad", "x", "--at", "1", "--wrt", "q")
    assert r.exit_code == 2 and "error: --wrt q: not a variable" in r.stderr
    r = cli("jacobian", "x*2", "--at", "1,2", "--numeric", "sideways")
    assert r.exit_code == 2
    r = cli("grad", "x*x", "--at", "1,2", "--tangent", "x=1,0", "--numeric", "richardson")
    assert r.exit_code == 2 and "error: --numeric 'richardson': the finite difference of a jvp" in r.stderr


def test_the_python_api_reaches_every_grad_flag():
    import inspect
    from cli.grad import grad
    # display choices (latex, pretty, substitute) and input/output flags are the command line's own
    flags = set(inspect.signature(grad).parameters) - {"expr", "json_", "debug", "latex", "pretty", "substitute",
                                                       "python", "at", "limit", "method"}
    assert flags <= set(diffx.options.__globals__["NAMES"]), flags - set(diffx.options.__globals__["NAMES"])


def test_the_budget_is_a_thread_only_where_the_process_ends_with_the_run(monkeypatch, cli, tmp_path):
    """The installed command may abandon a SymPy thread (its process ends); in a process that goes on (a test
    runner, a batch) the budget is a child that is stopped, so no abandoned work piles up."""
    import diffx.budget as budget
    seen, within = [], budget.within
    monkeypatch.setattr(budget, "within", lambda *a, **k: (seen.append(k.get("isolation")), within(*a, **k))[1])
    cli("grad", "x", "--at", "1", "-m", "reverse", "-m", "symbolic")
    f = tmp_path / "c.json"
    f.write_text(json.dumps([{"expr": "x*x", "at": {"x": 1.0}}]))
    # in one process (--jobs 1); with workers each runs its budget on a thread and is replaced when one is
    # abandoned (tests/test_jobs.py)
    cli("compare", "--file", str(f), "-m", "reverse", "-m", "symbolic", "--jobs", "1")
    from cli.params import ONE_RUN
    token = ONE_RUN.set(True)
    try:
        cli("grad", "x", "--at", "1", "-m", "reverse", "-m", "symbolic")
        cli("compare", "--file", str(f), "-m", "reverse", "-m", "symbolic", "--jobs", "1")
    finally:
        ONE_RUN.reset(token)
    assert seen == ["process", "process", "thread", "process"]
