"""Costs linear in the program's size, counted (not timed): constant arguments look only at their own
expression, and an array literal of many elements is never one node of many inputs (each variadic rule call gets
all of a node's inputs, so one node of n inputs costs n² in the reverse sweep)."""
import numpy as np

import diffx
from diffx.engine import evaluate_constant
from diffx.graph import Graph
from diffx.parser import WIDE


class Counting(list):
    """A node list that counts how many nodes are read from it."""

    reads = 0

    def __getitem__(self, key):
        got = super().__getitem__(key)
        Counting.reads += len(got) if isinstance(key, slice) else 1
        return got

    def __iter__(self):
        Counting.reads += len(self)
        return super().__iter__()


def test_a_constant_reads_only_its_own_expression():
    g = Graph(limits=diffx.Limits(max_nodes=100_000))
    x = g.var("x")
    for _ in range(20_000):                      # a long program built so far
        x = g.add("sin", (x,))
    two = g.const(2.0)
    k = g.add("mul", (two, g.const(3.0)))
    g.nodes = Counting(g.nodes)
    Counting.reads = 0
    assert evaluate_constant(g, k) == 6.0
    assert Counting.reads <= 10, Counting.reads


def test_many_constant_indices_parse_to_the_right_gradient():
    n = 12_000
    src = "sum(" + " + ".join(f"x[{i % 5}]" for i in range(n)) + ")"
    g = diffx.grad(src, x=[1.0, 2, 3, 4, 5], method="reverse", limits=diffx.Limits(max_chars=200_000))
    np.testing.assert_array_equal(g["x"], [n / 5] * 5)


def test_a_wide_literal_is_stacks_of_at_most_wide_inputs_and_still_right():
    n = 20_000
    src = "sum([" + ", ".join(["x"] * n) + "])"
    graph = diffx.parse(src, limits=diffx.Limits(max_chars=200_000))
    assert max(len(node.inputs) for node in graph.nodes) <= min(WIDE, 1024)
    assert diffx.grad(graph, x=1.5, method="reverse")["x"] == n
    mixed = "[" + ", ".join(f"[x, {i}*x]" for i in range(3 * WIDE + 5)) + "]"
    jac = diffx.jacobian(mixed, x=1.5, mode="forward")
    np.testing.assert_array_equal(np.asarray(jac).reshape(-1, 2), [[1, i] for i in range(3 * WIDE + 5)])
    assert diffx.evaluate(mixed, x=2.0).shape == (3 * WIDE + 5, 2)


LONG_PROGRAM = "a = x\n" + "a = a*1.0001 + sin(a)\n" * 600 + "a"


def test_a_long_programs_graph_and_trace_print_every_row_without_rich_tables(cli, monkeypatch):
    import rich.table
    from cli.tables import LONG
    added = []
    monkeypatch.setattr(rich.table.Table, "add_row", lambda self, *cells, **kw: added.append(cells))
    r = cli("graph", LONG_PROGRAM, "--at", "0.5")
    assert r.exit_code == 0, r.stderr
    rows = [line for line in r.stdout.splitlines() if line.startswith("v")]
    assert len(rows) == 4 * 600 + 1 > LONG and rows[-1].startswith("v2400 ←out add")
    assert added == []                           # rich measures every cell: n rows cost n² in its line splitting
    t = cli("trace", LONG_PROGRAM, "--at", "0.5")
    assert t.exit_code == 0 and "v₁₈₀₀ = v₁₇₉₈ + v₁₇₉₉" in t.stdout and added == []


def test_a_short_table_is_still_richs():
    from cli.tables import table
    import rich.table
    assert isinstance(table("t", ["a"], [["1"]]), rich.table.Table)


def test_a_pole_is_clipped_before_plotext_fills_it(cli):
    from cli.terminal_plot import curves_panel
    data = diffx.plot_data("1/x^3", order=2)
    panel = curves_panel(data)
    lo, hi = panel.ylim
    h = hi - lo
    for series in panel.series:
        for xs, ys in series.runs:
            assert all(lo - h <= y <= hi + h for y in ys)      # plotext fills each segment pixel by pixel
    f = panel.series[0]
    assert len(f.runs) >= 2 and max(f.runs[0][0]) < 0 < min(f.runs[-1][0])   # broken at the pole, not joined
    r = cli("plot", "1/(x-0.01)^5", "--order", "2")            # once 48 s and 23 GiB
    assert r.exit_code == 0 and "y axis clipped" in r.stdout
