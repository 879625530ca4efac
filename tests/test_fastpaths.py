"""The shortcuts the scalar programs take give what the general loops give (issue 16, item 2).

Each shortcut is compared with the plain loop it stands in for, on programs that reach both of its branches.
"""
import gc

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import diffx
from diffx import estimate
from diffx.errors import ParseError
from diffx.ops import OPS
from diffx.problem import evaluated
from diffx.options import options
from diffx.graph import Graph

from test_codegen import general, same

PROGRAMS = ["x*y + sin(x)", "l = x\nl = 3.7*l*(1 - l)\nl = 3.7*l*(1 - l)\nl", "detach(x)*y + x^2",
            "sum([x, y, x*y, detach(y)])", "stop_gradient(x*y) + y/x", "max(x, y) * abs(x - y)"]


def _reference_reached(graph, ids, passes):
    hit = [False] * len(graph.nodes)
    for i in ids:
        hit[i] = True
    for node in graph.nodes:
        if not hit[node.id] and node.inputs:
            op = OPS[node.op]
            hit[node.id] = any(hit[j] and passes(op, k) for k, j in enumerate(node.inputs))
    return hit


@pytest.mark.parametrize("src", PROGRAMS)
def test_which_nodes_depend_on_the_inputs_is_the_edge_by_edge_walk(src):
    graph = diffx.parse(src)
    for ids in ([graph.variables["x"]], list(graph.variables.values()), []):
        assert graph.depends_on(ids) == _reference_reached(graph, ids, lambda op, k: op.vjp_rule(k) is not None)
        assert graph.influenced_by(ids) == _reference_reached(graph, ids, lambda op, k: not op.frozen)


@pytest.mark.parametrize("src", PROGRAMS + ["sum(x * [1, 2, 3])", "[x, y] @ [[1, 2], [3, 4]] @ [y, x]"])
def test_the_estimate_of_a_scalar_program_is_the_node_by_node_sum(src):
    graph = diffx.parse(src)
    p = evaluated(graph, {"x": 0.3, "y": 1.7}, ["x"], options(limits=graph.limits))
    s = estimate.sizes(p)
    assert s.forward == sum(estimate.node_work(n, p.values) for n in graph.nodes)
    assert s.kept == sum(int(getattr(v, "nbytes", 8)) for v in p.values)


def test_a_node_of_more_inputs_than_a_node_visit_costs_is_counted_as_the_loop_counts_it():
    from diffx.graph import Graph
    g = Graph()
    leaves = [g.const(float(i)) for i in range(estimate.NODE_OPS + 5)]
    g.output = g.add("stack", tuple(leaves))
    g.output = g.add("sum", (g.output,))
    p = evaluated(g, {}, [], options(limits=g.limits))
    assert estimate.sizes(p).forward == sum(estimate.node_work(n, p.values) for n in g.nodes)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["+", "-", "*", "/"]), min_size=1, max_size=30),
       st.lists(st.floats(-3, 3, allow_nan=False).map(lambda v: round(v, 3)), min_size=31, max_size=31))
def test_the_scalar_sweeps_are_the_general_loops_bit_for_bit(ops, numbers):
    """The float loops run (they do not hand over to the general loops) and give the general loops' bits."""
    from diffx.engine import backward, evaluate
    from diffx.scalars import scalar_reverse, scalar_values
    src = "x" + "".join(f" {o} ({n} * x - y)" for o, n in zip(ops, numbers))
    g = diffx.parse(src)
    point = {"x": np.float64(0.7), "y": np.float64(-1.3)}
    with np.errstate(all="ignore"):
        values = scalar_values(g, point)
        assert values is not None
        general = evaluate(g, point, upto=g.output)                   # upto=: the general loop only
        assert all(same(a, b) for a, b in zip(values, general))
        ids = list(g.variables.values())
        want = backward(g, general, np.float64(1.0), wrt=ids, on_step=lambda *a: None)   # the general loop
        adj = [None] * len(g.nodes)
        adj[g.output] = np.float64(1.0)
        assert scalar_reverse(g, values, adj, g.depends_on(ids))
    for i in ids:
        assert same(adj[i], want[i])


@pytest.mark.parametrize("enabled", [True, False])
def test_the_parser_leaves_the_collector_as_it_found_it(enabled):
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        diffx.parse("x + 1")
        assert gc.isenabled() is enabled
        with pytest.raises(ParseError):
            diffx.parse("x + ")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


ATOMS = ["x", "y", "a", "b", "2", "0.5", "1e-3", "pi", "e", "sin", "randn", "x.T", "x[0]", "f(x)", "(x, y)"]
INFIX = [" + ", " - ", "*", "/", "^", "**", " % ", " @ ", " < ", " == ", ".", " = ", ", "]


def _statement(draw, last):
    """A statement of the flat loop's kind mostly, with now and then what only the descent reads or a mistake."""
    parts, depth = [], 0
    for _ in range(draw(st.integers(1, 7))):
        parts += draw(st.lists(st.sampled_from(["-", "+", "(", "- ", "(-"]), max_size=2))
        depth += sum(p.count("(") for p in parts[-2:])
        parts.append(draw(st.sampled_from(ATOMS[:9] if draw(st.integers(0, 9)) else ATOMS)))
        if depth and draw(st.booleans()):
            parts.append(")")
            depth -= 1
        parts.append(draw(st.sampled_from(INFIX[:10] if draw(st.integers(0, 9)) else INFIX)))
    parts.pop()
    parts.append(")" * depth if draw(st.integers(0, 5)) else "")
    usual = "" if last else draw(st.sampled_from(["a = ", "b = ", "x = ", "pi = "]))
    target = usual if draw(st.integers(0, 9)) else draw(st.sampled_from(["", "a = ", "sin = "]))
    return target + "".join(parts)


@st.composite
def programs(draw):
    n = draw(st.integers(1, 4))
    return draw(st.sampled_from(["\n", "; ", "\n\n"])).join(_statement(draw, k == n - 1) for k in range(n))


def _parsed(src, flat, monkeypatch):
    from diffx import parser
    monkeypatch.setattr(parser, "FLAT", flat)
    try:
        g = diffx.parse(src)
    except diffx.DiffxError as exc:
        return type(exc).__name__, exc.message, getattr(exc, "span", None)
    nodes = [(n.id, n.op, n.inputs, n.label, n.span,
              {k: (np.asarray(v).tolist() if isinstance(v, np.ndarray) else v) for k, v in n.params.items()})
             for n in g.nodes]
    return nodes, dict(g.variables), g.output


@settings(max_examples=500, deadline=None)
@given(programs())
def test_the_flat_loop_builds_what_the_descent_builds(src):
    """The same nodes in the same order (ops, inputs, labels, spans, folded constants), or the same error."""
    with pytest.MonkeyPatch.context() as mp:
        assert _parsed(src, True, mp) == _parsed(src, False, mp)


@pytest.mark.parametrize("src", ["l = x\nl = 3.7*l*(1 - l)\nl", "-2^-x^2 + --3 - -(2) + +(x)", "a = 2\nb = -a\nb*x",
                                 "x < y == (y % 2) - pi*e", "((((x))))^((y))", "x\n+ y", "(x\n + y)",
                                 "a = x + 1\na = a*a\na - 1"])
def test_the_flat_loop_on_chosen_programs(src, monkeypatch):
    flat = _parsed(src, True, monkeypatch)
    assert flat == _parsed(src, False, monkeypatch)


def test_the_flat_loop_takes_the_common_statement(monkeypatch):
    """It is used (the descent is not called) for a program of arithmetic statements."""
    from diffx import parser
    monkeypatch.setattr(parser._Parser, "expr", lambda self, *a: pytest.fail("the descent ran"))
    g = diffx.parse("l = x\nl = 3.7*l*(1 - l)\n-l^2 + (l - 1)/2")
    assert g.nodes[g.output].op == "add"


@pytest.mark.parametrize("limits", [dict(max_nodes=4), dict(max_depth=3)])
def test_a_limit_reached_in_the_flat_loop_is_the_descents_message(limits, monkeypatch):
    from diffx import parser
    from diffx.limits import Limits
    src = "a = x + 1\n-(-(-(a + 2 + 3)))"
    errors = []
    for flat in (True, False):
        monkeypatch.setattr(parser, "FLAT", flat)
        with pytest.raises(diffx.DiffxError) as exc:
            diffx.parse(src, limits=Limits(**limits))
        errors.append((exc.value.message, exc.value.span))
    assert errors[0] == errors[1] and "limit" in errors[0][0]


def _written_rules():
    from diffx.inline import expression
    out = []
    for name, op in OPS.items():
        if not op.pointwise or op.arity is None or op.variadic:
            continue
        for k, rule in enumerate(op.vjp):
            names = [f"{{{i}}}" for i in range(2 + op.arity)]
            text = expression(rule, names, lambda v: "C") if rule is not None else None
            if text is not None:
                out.append((name, k))
    return out


WRITTEN = _written_rules()


def test_arithmetic_rules_are_written_out_and_the_others_stay_calls():
    names = {n for n, _ in WRITTEN}
    assert {"add", "sub", "mul", "div", "neg"} <= names
    assert "sin" not in names and "abs" not in names          # numpy inside: a call


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted({n for n, _ in WRITTEN})),
       st.lists(st.floats(-1e3, 1e3).filter(lambda v: abs(v) > 1e-3), min_size=3, max_size=3))
def test_a_written_rule_is_the_rule_bit_for_bit(name, xs):
    """grad_fn's compiled sweep, its rules written out, against the general loop that calls them, at random
    floats."""
    g = Graph(source=name)
    ids = tuple(g.var(f"a{k}") for k in range(OPS[name].arity))
    g.output = g.add("mul", (g.const(0.75), g.add(name, ids)))
    point = {f"a{k}": np.asarray(x) for k, x in zip(range(len(ids)), xs)}
    with np.errstate(all="ignore"):
        want_value, want = general(g, point, list(point))
        f = diffx.grad_fn(g)
        for _ in range(2):          # the first call compiles; the second runs the code (or, where floats cannot
            value, grads = f(**point)   # go, as sqrt(-1), the general path again)
            assert same(value, want_value)
            assert all(same(grads[n], want[n]) for n in point), (grads, want)
