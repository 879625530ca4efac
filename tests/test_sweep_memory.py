"""The lean gradient path keeps the arithmetic: releasing values, dropping adjoints and writing in place change
nothing.

A gradient's own forward pass releases the values no reverse rule reads (the entries' `vjp_reads`), the
reverse sweep drops adjoints and values once it has passed them, makes a broadcast cotangent dense once for the
ops that want it (`cotangent`) and adds contributions in place into adjoints it alone holds. Every op with a reverse rule is checked here
against a straightforward sweep (every value kept, every sum a fresh array), bit for bit, with the size below
which values are kept set to 0 so that every value is a candidate. A released value is a NaN stand-in, so an
entry whose `vjp_reads` leaves out something its rules read fails here. No timing is asserted.
"""
from __future__ import annotations

import numpy as np
import pytest

import diffx
from diffx import engine
from diffx.ad import reverse_gradient
from diffx.engine import backward, evaluate, released, reverse_reads
from diffx.graph import Graph
from diffx.limits import DEFAULT_LIMITS
from diffx.ops import OPS, P
from diffx.options import options
from diffx.problem import evaluated
from test_ops import TABLE, sample

WITH_RULES = [name for name in TABLE if any(r is not None for r in OPS[name].vjp)]


@pytest.fixture(autouse=True)
def release_everything(monkeypatch):
    monkeypatch.setattr(engine, "RELEASE_BYTES", 0)


def reference_sweep(graph: Graph, values: list, seed, wrt: list[int]) -> list:
    """The reverse sweep as it was written before the lean path: every value read from the full forward pass,
    every accumulation a fresh sum."""
    needs = graph.depends_on(wrt)
    adj: list = [None] * len(graph.nodes)
    adj[graph.output] = seed
    with np.errstate(all="ignore"):
        for node in reversed(graph.nodes[:graph.output + 1]):
            g = adj[node.id]
            if g is None or not node.inputs:
                continue
            op = OPS[node.op]
            args = [values[i] for i in node.inputs]
            for k, j in enumerate(node.inputs):
                rule = op.vjp_rule(k)
                if rule is None or not needs[j]:
                    continue
                c = engine._apply(graph, node, op, rule, k, g, values[node.id], args, np.shape(args[k]),
                                  P.sum_to, "reverse")
                adj[j] = c if adj[j] is None else adj[j] + c
    return adj


def op_graph(name):
    """out = stack([-y, -(-y)]) with y = op(-a0, -a1, ...): every input of the op and its value are computed
    nodes read by consumers whose rules read nothing (so each is released unless the op's rules read it), and
    y's adjoint is a sum of two fresh contributions (the second added in place)."""
    inputs, params = sample(name)
    g = Graph(source=name)
    leaves = [g.var(f"a{k}") for k in range(len(inputs))]
    xs = tuple(g.add("neg", (i,)) for i in leaves)
    y = g.add(name, xs, params)
    g.output = g.add("stack", (g.add("neg", (y,)), g.add("neg", (g.add("neg", (y,)),))), {"axis": 0})
    point = {f"a{k}": -np.asarray(v, dtype=np.float64) for k, v in enumerate(inputs)}
    return g, point, leaves


def same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize("name", WITH_RULES)
def test_the_lean_sweep_matches_the_reference_bit_for_bit(name):
    g, point, leaves = op_graph(name)
    full = evaluate(g, point)
    seed = np.random.default_rng(7).uniform(-2.0, 2.0, size=np.shape(full[g.output]))
    for wrt in [leaves] + [[i] for i in leaves] * (len(leaves) > 1):
        want = reference_sweep(g, full, seed, wrt)
        lean = evaluate(g, point, keep=reverse_reads(g, g.depends_on(wrt)))
        assert same(lean[g.output], full[g.output]), name
        got = backward(g, lean, seed, wrt=wrt, only=wrt, release=True)
        for i in wrt:
            assert same(got[i], want[i]), f"{name}: the adjoint of {g.nodes[i].label} differs"
        assert all(got[i] is None for i in range(len(g.nodes)) if i not in wrt and i != g.output)


@pytest.mark.parametrize("name", WITH_RULES)
def test_the_lean_problem_gives_the_gradient_of_the_full_one(name):
    g, point, leaves = op_graph(name)
    g.output = g.add("sum", (g.add("mul", (g.const(np.float64(0.75)), g.output)),))
    wrt = list(point)
    o = options(limits=DEFAULT_LIMITS)
    want = reverse_gradient(evaluated(g, point, wrt, o))
    got = reverse_gradient(evaluated(g, point, wrt, o, lean=True))
    for k in wrt:
        assert same(got[k], want[k]), f"{name}: {k}"


def test_a_released_value_keeps_its_shape_and_dtype_and_reads_as_nan():
    v = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    r = released(v)
    assert r.shape == v.shape and r.dtype == v.dtype and np.isnan(r).all() and not r.flags.writeable
    assert released(np.arange(3)) is not None and released(np.arange(3)).dtype.kind == "i"   # ints are kept


NET = "mean(sigmoid(W2@tanh(W1@X + b1) + b2))"


def net_point(n=6):
    rng = np.random.default_rng(0)
    return {"W1": rng.standard_normal((n, n)), "X": rng.standard_normal((n, n)), "b1": rng.standard_normal((n, 1)),
            "W2": rng.standard_normal((n, n)), "b2": rng.standard_normal((n, 1))}


@pytest.mark.parametrize("expr, wrt", [
    (NET, ["W1", "b1", "W2", "b2"]),
    ("sum(x*x + sin(x)*x + exp(x) + x)", ["x"]),         # x feeds four consumers: adjoints added in place
    ("sum(detach(x) + x) + sum(x @ y) + sum(tanh(y + x))", ["x", "y"]),
    ("sum((x + y) * (x - y)) + sum(exp(-x))", None),
])
def test_grad_through_the_api_matches_the_reference(expr, wrt):
    point = net_point() if expr == NET else {"x": np.linspace(-1.0, 1.0, 9).reshape(3, 3),
                                             "y": np.linspace(0.5, 2.0, 9).reshape(3, 3)}
    g = diffx.parse(expr)
    point = {k: v for k, v in point.items() if k in g.variables}
    names = wrt or list(g.variables)
    full = evaluate(g, point)
    ids = [g.variables[k] for k in names]
    want = reference_sweep(g, full, np.ones(np.shape(full[g.output])), ids)
    got = diffx.grad(g, at=point, wrt=names)
    for k, i in zip(names, ids):
        assert same(got[k], np.zeros(point[k].shape) if want[i] is None else want[i]), k


def copies(point):
    return {k: (np.array(v, copy=True), v.flags.writeable) for k, v in point.items()}


@pytest.mark.parametrize("name", WITH_RULES)
def test_no_user_input_is_written_over(name):
    g, point, leaves = op_graph(name)
    g.output = g.add("sum", (g.output,))
    before = copies(point)
    diffx.grad(g, at=point)
    diffx.compare(g, at=point, methods=["reverse"])
    for k, (v, writeable) in before.items():
        assert same(point[k], v) and point[k].flags.writeable == writeable, f"{name}: {k} was changed"


@pytest.mark.parametrize("expr", ["sum(detach(x) + y)", "sum(x + y)", "sum(tanh(detach(x)) * y)",
                                  "sum(exp(x) + exp(x))", "sum(reshape(x, 9) + 1)", "sum(x) + sum(x * y)"])
def test_arrays_written_in_place_are_never_the_users(expr):
    """An adjoint takes a sum in place only when nothing else refers to it: never a user's array (a detach passes
    the user's own array through), a view or a forward value."""
    point = {"x": np.linspace(-1.0, 1.0, 9).reshape(3, 3), "y": np.linspace(0.5, 2.0, 9).reshape(3, 3)}
    g = diffx.parse(expr)
    point = {k: v for k, v in point.items() if k in g.variables}
    before = copies(point)
    full = evaluate(g, point)
    ids = list(g.variables.values())
    want = reference_sweep(g, full, np.ones(()), ids)
    got = diffx.grad(g, at=point)
    for k, (v, _) in before.items():
        assert same(point[k], v), f"{k} was changed"
        w = want[g.variables[k]]
        assert same(got[k], np.zeros(point[k].shape) if w is None else w), k


def test_values_of_a_full_problem_are_left_alone():
    """Only a lean problem's values are released by its sweep: a problem other methods share keeps them all."""
    point = net_point()
    p = evaluated(diffx.parse(NET), point, ["W1", "b1"], options(limits=DEFAULT_LIMITS))
    kept = list(p.values)
    reverse_gradient(p)
    assert all(a is b for a, b in zip(p.values, kept))


def test_an_adjoint_aliased_elsewhere_is_not_added_to_in_place():
    """add's rule returns g itself: its two inputs' adjoints are one array, so neither may take a sum in place."""
    x = np.linspace(-1.0, 1.0, 4)
    g = diffx.parse("sum(a + b) + sum(a * 3) + sum(b * 5)")
    got = diffx.grad(g, at={"a": x, "b": x.copy()})
    assert same(got["a"], np.full(4, 4.0)) and same(got["b"], np.full(4, 6.0))
