"""The compiled sweeps (diffx.codegen, diffx.grad_fn) and the scalar engine against the general path.

Both fast paths do the same arithmetic as the general loop (the op table's own
rules; on floats only the operations IEEE 754 rounds alike), so they are
compared bit for bit: on every op of the table at its sample point (arrays,
broadcasting included) and at a 0-d point (the scalar path), and on the
accuracy corpus. The general loop is asked for explicitly: `upto=` and
`on_step=` are options only it serves.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import diffx
from diffx.codegen import program
from diffx.engine import backward, evaluate
from diffx.errors import InputError, NotScalarError
from diffx.graph import Graph
from diffx.options import options
from diffx.problem import evaluated

from corpus import CORPUS
from test_ops import TABLE, one_op_problem, sample


def general(graph: Graph, point: dict, wrt: list[str]):
    """The general numpy loop's value and gradient (no scalar engine, no compiled code)."""
    values = evaluate(graph, point, upto=graph.output)          # upto=: the general loop only
    seed = np.ones(np.shape(values[graph.output]))
    ids = [graph.variables[n] for n in wrt]
    adj = backward(graph, values, seed, wrt=ids, on_step=lambda *a: None)   # on_step=: the general loop only
    return values[graph.output], {n: adj[i] for n, i in zip(wrt, ids)}


def compiled(graph: Graph, point: dict, wrt: list[str]):
    prog = program(graph, wrt, point)
    args = [point[n] for n in graph.variables]
    with np.errstate(all="ignore"):
        value, adjoints = prog.gradient(*args, 1.0 if prog.scalar else np.ones(()))
        assert same(prog.forward(*args), value)
    return value, dict(zip(wrt, adjoints))


def same(a, b) -> bool:
    """Bit for bit: the same shape and the same float64 values (NaN equal to NaN)."""
    if a is None or b is None:
        return a is None and b is None
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


def check(graph, point, wrt):
    want_value, want = general(graph, point, wrt)
    got_value, got = compiled(graph, point, wrt)
    assert same(got_value, want_value)
    for n in wrt:
        assert same(got[n], want[n]), (n, got[n], want[n])
    return want


def zero_d(name):
    """The op's sample inputs cut down to their first elements, as 0-d arrays (the scalar path)."""
    inputs, params = sample(name)
    return [np.asarray(np.asarray(a).flat[0]) for a in inputs], params


@pytest.mark.parametrize("name", TABLE)
def test_compiled_sweep_is_the_general_sweep_on_every_op(name):
    with np.errstate(all="ignore"):
        p, _, _ = one_op_problem(name)
        want = check(p.graph, p.point, p.wrt)
    assert any(w is not None for w in want.values()) or all(r is None for r in diffx.OPS[name].vjp)


POINTWISE = [n for n in TABLE if diffx.OPS[n].pointwise]


@pytest.mark.parametrize("name", POINTWISE)
def test_scalar_paths_are_the_general_sweep_on_every_pointwise_op(name):
    inputs, params = zero_d(name)
    g = Graph(source=name)
    ids = tuple(g.var(f"a{k}") for k in range(len(inputs)))
    g.output = g.add("mul", (g.const(0.75), g.add(name, ids, params)))
    point = {f"a{k}": v for k, v in enumerate(inputs)}
    with np.errstate(all="ignore"):
        check(g, point, list(point))
        want_value, want = general(g, point, list(point))
        p = evaluated(g, point, list(point), options())                  # the engine's scalar loops
        assert same(p.value, want_value)
        adj = backward(g, p.values, np.ones(()), wrt=list(ids))
    for k, i in enumerate(ids):
        assert same(adj[i], want[f"a{k}"])


@pytest.mark.parametrize("expr, at, exact", CORPUS, ids=[c[0] for c in CORPUS])
def test_grad_fn_is_the_general_sweep_on_the_corpus(expr, at, exact):
    graph = diffx.parse(expr)
    point = {k: np.asarray(v, dtype=np.float64) for k, v in at.items()}
    want_value, want = general(graph, point, list(graph.variables))
    f = diffx.grad_fn(graph)
    for _ in range(2):                      # the first call runs the general path and compiles; the second not
        value, grads = f(**at)
        assert same(value, want_value)
        for name, g in grads.items():
            assert same(g, want[name]), name
            np.testing.assert_allclose(g, exact(**point)[name], rtol=1e-9, atol=1e-12)
    assert same(diffx.grad(graph, at)[next(iter(want))], want[next(iter(want))])


def test_a_replaced_op_entry_reaches_the_compiled_and_scalar_paths(monkeypatch):
    from dataclasses import replace
    f = diffx.grad_fn("x*y + sin(x)")
    before = f(x=2.0, y=3.0)[1]
    assert before["x"] == pytest.approx(3.0 + np.cos(2.0)) and before["y"] == 2.0
    mul = diffx.OPS["mul"]
    doubled = tuple(lambda *a, r=r, **k: 2.0 * r(*a, **k) for r in mul.vjp)
    monkeypatch.setitem(diffx.OPS, "mul", replace(mul, vjp=doubled))
    after = f(x=2.0, y=3.0)[1]
    assert after["x"] == pytest.approx(6.0 + np.cos(2.0)) and after["y"] == 4.0
    assert f(x=2.0, y=3.0)[1]["y"] == 4.0                       # compiled afresh for the new entry, then reused
    assert diffx.grad("x*y + sin(x)", x=2.0, y=3.0)["y"] == 4.0    # the scalar engine reads the table too
    monkeypatch.setitem(diffx.OPS, "mul", mul)
    assert f(x=2.0, y=3.0)[1]["y"] == 2.0


def test_grad_fn_mixed_shapes_wrt_and_errors():
    f = diffx.grad_fn("sum(w*x)*b + b^2", wrt="w,b")
    x = np.array([1.0, 2.0, 3.0])
    for _ in range(2):
        value, grads = f(w=[0.5, -1.0, 2.0], x=x, b=1.5)
        assert value == pytest.approx((0.5 - 2.0 + 6.0) * 1.5 + 2.25)
        np.testing.assert_array_equal(grads["w"], 1.5 * x)
        assert grads["b"] == pytest.approx(4.5 + 3.0) and set(grads) == {"w", "b"}
    value, grads = f(w=[1.0, 1.0], x=[1.0, 2.0], b=0.0)            # new shapes: compiled again
    np.testing.assert_array_equal(grads["w"], [0.0, 0.0])
    assert diffx.grad_fn("1/x")(x=0.0) == (np.inf, {"x": -np.inf})   # floats cannot: the general path answers
    with pytest.raises(InputError, match="no value for b"):
        f(w=1.0, x=1.0)
    with pytest.raises(NotScalarError):
        diffx.grad_fn("x*2")(x=[1.0, 2.0])
    with pytest.raises(InputError, match="when it is called"):
        diffx.grad_fn("x", x=1.0)


def test_the_scalar_engine_is_the_general_loop_on_a_long_program():
    src = "l = x\n" + "l = 3.7*l*(1 - l)\n" * 200 + "l"
    graph = diffx.parse(src)
    want_value, want = general(graph, {"x": np.asarray(0.3)}, ["x"])
    assert same(diffx.evaluate(graph, x=0.3), want_value)
    assert same(diffx.grad(graph, x=0.3)["x"], want["x"])
    check(graph, {"x": np.asarray(0.3)}, ["x"])


def test_the_code_view_shows_the_sweeps_and_no_control_characters(cli):
    r = cli("graph", "sin(x)*y  # \x1b[2J a comment", "--at", "x=1", "--at", "y=2", "--view", "code")
    assert r.exit_code == 0, r.output
    assert "def gradient(x0, x1, seed):" in r.output and "r_sin_0(" in r.output
    assert "# v1 = sin(v0:x)" in r.output and "g0 = r_sin_0(g1, v1, v0)" in r.output
    assert not any(ord(ch) < 32 and ch != "\n" for ch in r.output)
    g = Graph(source="x")
    g.output = g.add("sin", (g.var("x\x1b[31m\nimport os"),))
    prog = program(g, list(g.variables), {"x\x1b[31m\nimport os": np.asarray(1.0)})
    assert "x\\x1b[31m\\nimport os" in prog.text and not any(ord(ch) < 32 and ch != "\n" for ch in prog.text)
    compiled_source = "\n".join(src for src, _ in prog.sources["gradient"])
    assert "import" not in compiled_source and "x\x1b" not in compiled_source
    r = cli("graph", "x^2", "--at", "1", "--view", "code", "--format", "json")
    assert r.exit_code == 2 and "different outputs" in r.output


def test_a_plot_that_is_not_elementwise_runs_the_compiled_sweep_point_by_point():
    expr = "norm([x, sin(x)]) + 1/x"            # not elementwise in x; 1/0 at a grid point sends it back
    for start in (0.5, -1.0):
        data = diffx.plot_data(expr, start=start, stop=2.0, points=31)
        assert not data.vectorised and "31 reverse sweeps" in data.notes[1]["reverse"]
        with np.errstate(all="ignore"):
            want = [general(diffx.parse(expr), {"x": np.asarray(v)}, ["x"]) for v in data.x]
        assert same(data.f, [w[0] for w in want])
        assert same(data.derivatives[1]["reverse"], [w[1]["x"] for w in want])


def test_the_compiled_cache_lets_its_graph_go():
    import gc
    import weakref
    f = diffx.grad_fn("x*y + sin(x)")
    f(x=1.0, y=2.0), f(x=1.0, y=2.0)
    assert "r_sin_0" in program(f.graph, ["x", "y"], {"x": np.asarray(1.0), "y": np.asarray(2.0)}).text
    alive = weakref.ref(f.graph)
    del f
    gc.collect()
    assert alive() is None


PIECES = ["x", "y1", "_a", "2", "3.5", ".5", "1e-3", "2.", "e", "E", " ", "\t", "\n", "+", "-", "*", "/", "**",
          "^", "%", "@", ".", "...", "<", "<=", "==", "!=", "=", "!", "(", ")", "[", "]", ",", ";", ":", "2x",
          "1e5x", "2.x", "x.T", "~", "é"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14))
def test_the_one_pass_tokenizer_is_the_loop(pieces):
    """Plain text takes the one-pass path; the same text with a comment after it takes the loop (a comment is
    not plain): the tokens, or the message and caret, are the same."""
    from diffx.errors import ParseError
    from diffx.lexer import tokenize
    text = "".join(pieces)

    def tokens(source):
        try:
            return tokenize(source)[:-1]
        except ParseError as exc:
            return exc.message, exc.span
    assert tokens(text) == tokens(text + "#")
