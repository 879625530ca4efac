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
def test_the_scalar_sweeps_are_the_array_sweeps_bit_for_bit(ops, numbers):
    """The float loops against the general loops on the same graph run with 0-d arrays (which the float
    path does not take)."""
    src = "sum(x" + "".join(f" {o} ({n} * x - y)" for o, n in zip(ops, numbers)) + ")"
    floats = diffx.grad(src, x=0.7, y=-1.3)
    arrays = diffx.grad(src, x=np.full(1, 0.7), y=np.full(1, -1.3))
    for name in ("x", "y"):
        assert np.array_equal(np.ravel(floats[name]), arrays[name], equal_nan=True)


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
