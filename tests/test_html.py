"""Jupyter displays: every result the API returns shows as HTML or SVG, with the numbers the command line prints,
user text escaped, SVG well-formed, and the graph laid out in Python (no Graphviz)."""
from __future__ import annotations

import importlib.util
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import diffx
from diffx import htmlview, svg
from diffx.layout import Box, layout


def texts(svg_text: str) -> list[str]:
    root = ET.fromstring(svg_text)
    return [t.text or "" for t in root.iter() if t.tag.endswith("text")]


def cells(html: str) -> list[str]:
    return re.findall(r"<td[^>]*>(.*?)</td>", html)


def test_comparison_shows_the_table_formulas_and_verdict():
    r = diffx.compare("2*x.x", x=[0, 1, 2, 3])
    bundle = r._repr_mimebundle_()
    html = bundle["text/html"]
    assert html == r._repr_html_()
    assert cells(html)[:4] == ["x[0]", "0", "0", "0"] and "x[3]" in cells(html)
    assert "<td>12</td>" in html and "∂f/∂x" in html and "4*x" in html
    assert 'data-verdict="agree"' in html and "methods agree with symbolic" in html
    assert bundle["text/plain"].startswith("<diffx gradient of 2*x.x: ✓ agree")


def test_the_verdict_field_is_shown_where_the_result_has_one():
    r = diffx.compare("relu(x) - relu(-x)", x=0.0)
    assert "kink: relu" in r._repr_html_()
    r.verdict = "kink"                  # the field another issue adds; until then, agree/disagree from .agree
    assert 'data-verdict="kink"' in r._repr_html_() and "⚠ kink" in r._repr_html_()
    bad = diffx.compare("x^2", x=1.0)
    bad.agree, bad.verdict = False, None
    assert 'data-verdict="disagree"' in bad._repr_html_()


def test_user_text_is_escaped():
    r = diffx.compare("a_b = x*x  # <script>alert(1)</script> & co\na_b + 1", x=2.0)
    html = r._repr_html_()
    assert "<script>" not in html
    t = diffx.tensor(2.0, requires_grad=True)
    t.name = "<script>&"
    y = t * t
    rep = y.graph()
    bundle = rep._repr_mimebundle_()
    for mime in ("text/html", "image/svg+xml"):
        assert "<script>" not in bundle[mime] and "&lt;script&gt;&amp;" in bundle[mime]
    assert "v0:<script>& = input" in texts(bundle["image/svg+xml"])     # as typed, once parsed
    g = diffx.Graph(source="x # <b>")
    g.output = g.add("sin", (g.var("x"),), label="</svg><b>&")
    assert "v1:</svg><b>& = sin(v0:x)   (output)" in texts(g._repr_mimebundle_()["image/svg+xml"])


def test_jacobian_and_hessian_are_matrices():
    j = diffx.compare("[x[0]*x[1], sin(x[2])]", x=[1, 2, 3], kind="jacobian")._repr_html_()
    assert all(f"<caption>{m}</caption>" in j for m in ("reverse", "symbolic", "numeric"))   # a matrix per method
    assert "<th>x[0]</th><th>x[1]</th><th>x[2]</th>" in j.replace("\n", "")
    assert "<td>f[1]</td><td>0</td><td>0</td><td>-0.9899924966</td>" in j.replace("\n", "").replace(' class="l"', "")
    h = diffx.compare("x^2*y + y^3", x=1, y=2, kind="hessian")._repr_html_().replace("\n", "").replace(' class="l"', "")
    assert "<td>x</td><td>4</td><td>2</td>" in h and "<td>y</td><td>2</td><td>12</td>" in h
    big = diffx.compare("sum(x*x)", x=list(range(14)), kind="hessian")._repr_html_()
    assert "shape (14, 14)" in big                               # summarised, not a 14×14 wall


def test_graph_report_picture_has_value_and_adjoint_per_node():
    rep = diffx.inspect_graph("2*x.x", x=[0, 1, 2, 3])
    bundle = rep._repr_mimebundle_()
    words = texts(bundle["image/svg+xml"])
    assert "v2 = v1:x . v1:x" in words and "value 28" in words and "adjoint [0, 4, 8, 12]" in words
    assert bundle["text/plain"] == rep.text()
    assert "<table>" in bundle["text/html"] and "<svg" in bundle["text/html"]


def test_tensor_graph_after_backward():
    x = diffx.arange(4.0, requires_grad=True)
    y = 2 * diffx.dot(x, x)
    y.backward()
    words = texts(y.graph()._repr_mimebundle_()["image/svg+xml"])
    assert "adjoint [0, 4, 8, 12]" in words and np.array_equal(x.grad.numpy(), [0, 4, 8, 12])


def test_detached_and_unused_nodes_are_drawn_as_such():
    words = " ".join(texts(svg.report_svg(diffx.inspect_graph("w = x + 1; detach(x*x)*x", x=2.0))))
    assert "dashed: no gradient flows back" in words and "dotted: no path to the output" in words


def test_parsed_graph_and_trace():
    g = diffx.parse("log(x1) + x1*x2 - sin(x2)")
    words = texts(g._repr_mimebundle_()["image/svg+xml"])
    assert "v6 = v4 - v5   (output)" in words and g._repr_mimebundle_()["text/plain"] == str(g)
    t = diffx.trace("log(x1) + x1*x2 - sin(x2)", x1=2, x2=5)
    html = t._repr_mimebundle_()["text/html"]
    for row in t.primal + t.tangents + t.adjoints:
        assert htmlview.e(row.text) in html


def test_plot_is_an_inline_figure_or_a_note(monkeypatch):
    data = diffx.plot_data("sin(x)", start=-3, stop=3, points=41)
    bundle = data._repr_mimebundle_()
    if importlib.util.find_spec("matplotlib"):
        assert ET.fromstring(bundle["image/svg+xml"]).tag.endswith("svg")
    import builtins
    real = builtins.__import__

    def no_matplotlib(name, *args, **kw):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real(name, *args, **kw)
    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    note = data._repr_mimebundle_()
    assert "image/svg+xml" not in note and "needs matplotlib" in note["text/html"]


def test_large_graphs_are_listed_not_drawn():
    rep = diffx.inspect_graph("sum(" + "+".join(["x"] * 450) + ")", x=1.0)
    html = rep._repr_html_()
    assert "too many to draw" in html and "<svg" not in html and "more nodes" in html
    assert "image/svg+xml" not in rep._repr_mimebundle_()


def test_layout_keeps_columns_in_order_and_boxes_apart():
    # a diamond with a long edge: 0 -> 1 -> 2 -> 3, 0 -> 3, a leaf 4 used by 3
    boxes = [Box((), 50, 20), Box((0,), 60, 20), Box((1,), 40, 20), Box((2, 0, 4), 30, 40, 20), Box((), 10, 20)]
    lay = layout(boxes)
    for i, b in enumerate(boxes):
        for j in b.inputs:
            assert lay.boxes[j].x + lay.boxes[j].width < lay.boxes[i].x        # inputs are to the left
    assert lay.boxes[4].column == lay.boxes[3].column - 1                       # a leaf next to its consumer
    for a in lay.boxes:
        for b in lay.boxes:
            if a is not b and a.column == b.column:
                assert a.y + a.height <= b.y or b.y + b.height <= a.y          # no overlap in a column
    assert all(p.x >= 0 and p.y >= 0 and p.x + p.width <= lay.width and p.y + p.height <= lay.height
               for p in lay.boxes)


@pytest.mark.parametrize("n", [1, 2000])
def test_layout_of_a_long_chain_needs_no_recursion(n):
    boxes = [Box((), 10, 10)] + [Box((i,), 10, 10) for i in range(n)]
    assert layout(boxes).boxes[-1].column == n
