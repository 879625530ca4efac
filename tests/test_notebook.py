"""examples/lesson.ipynb, the lesson as a notebook: executed top to bottom on a real ipykernel, its outputs checked
(the lesson's numbers, and the HTML and SVG that diffx's displays put in them), so the notebook cannot rot.

The copy in the repository keeps its outputs, so it reads on GitHub without running; this test runs a fresh copy
in a temporary directory (the stepping page one cell writes lands there).
"""
from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the test extra installs nbformat (pip install -e '.[test]')")
nbclient = pytest.importorskip("nbclient", reason="the test extra installs nbclient (pip install -e '.[test]')")

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "lesson.ipynb"
HANG = 180          # seconds per cell: only to stop a hung kernel from hanging the suite


def by_tag(nb) -> dict[str, dict]:
    """Each tagged code cell's outputs: the text it printed, and each MIME type it displayed."""
    out = {}
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type != "code" or not tags:
            continue
        got: dict[str, str] = {"stream": "", "error": ""}
        for o in cell.outputs:
            if o.output_type == "stream":
                got["stream"] += o.text
            elif o.output_type == "error":
                got["error"] += f"{o.ename}: {o.evalue}"
            else:
                for mime, data in o.get("data", {}).items():
                    got[mime] = got.get(mime, "") + (data if isinstance(data, str) else "".join(data))
        out[tags[0]] = got
    return out


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    where = tmp_path_factory.mktemp("notebook")
    client = nbclient.NotebookClient(nb, timeout=HANG, kernel_name="python3",
                                     resources={"metadata": {"path": str(where)}})
    client.execute()
    return by_tag(nb), where


def svg_ok(text: str) -> ET.Element:
    root = ET.fromstring(text)           # well-formed XML: every label was escaped
    assert root.tag.endswith("svg")
    return root


def test_the_stored_notebook_has_its_outputs_and_uses_the_installed_package():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs for c in code), "run the notebook and save it with its outputs"
    assert all(o.output_type != "error" for c in code for o in c.outputs)
    assert "import diffx" in code[0].source
    assert not any("sys.path" in c.source for c in code)


def test_every_cell_runs_and_prints_the_lessons_numbers(executed):
    cells, _ = executed
    assert not [t for t, c in cells.items() if c["error"]], {t: c["error"] for t, c in cells.items() if c["error"]}
    assert "tensor([0., 1., 2., 3.], requires_grad=True) None" in cells["cell1"]["stream"]
    assert cells["cell2-y"]["text/plain"] == "tensor(28., grad_fn=<MulBackward>)"
    assert cells["cell2-grad"]["text/plain"] == "(tensor([ 0.,  4.,  8., 12.]), True)"
    assert cells["cell3"]["stream"].split("\n")[:2] == ["tensor([1., 1., 1., 1.])", "tensor([2., 2., 2., 2.])"]
    assert cells["cell4"]["text/plain"] == "tensor([0., 2., 4., 6.])"
    assert cells["cell4-error"]["stream"].startswith("NotScalarError")
    assert cells["cell5"]["stream"].split("\n")[:2] == ["True tensor([0., 1., 4., 9.])", "True"]
    assert cells["cell6"]["stream"].startswith("True ")
    assert "4.5" in cells["cell7"]["stream"] and "5.5" in cells["cell7"]["stream"]
    assert cells["cell8"]["text/plain"] == "tensor([2.   , 0.2  , 0.02 , 0.002])"
    assert cells["cell9"]["stream"].strip() == "True False True" and cells["cell9"]["text/plain"] == "tensor(2.)"
    assert cells["cell10"]["text/plain"] == "(tensor([100.], requires_grad=True), tensor([2.]))"
    assert cells["cell11"]["stream"].strip() == "(4, 5) (4, 1) True"
    assert cells["ex-twice"]["stream"].split("\n")[:2] == ["tensor([ 0.,  4.,  8., 12.])", "GraphFreedError"]
    assert cells["ex-vector"]["stream"].startswith("True ")
    assert cells["ex-g"]["stream"].strip().endswith("True") and cells["ex-sin"]["stream"].strip() == "True"


def test_the_displays_are_html_and_svg(executed):
    cells, where = executed
    graph = cells["graph"]                         # y.graph() after backward(): value and adjoint in every box
    svg = svg_ok(graph["image/svg+xml"])
    texts = [t.text for t in svg.iter() if t.tag.endswith("text")]
    assert "value 28" in texts and "adjoint [0, 4, 8, 12]" in texts and "adjoint 1" in texts
    assert "<svg" in graph["text/html"] and "<table>" in graph["text/html"]
    compare = cells["compare"]["text/html"]
    for column in ("reverse", "symbolic", "numeric"):
        assert f"<th>{column}</th>" in compare
    assert "<td>12</td>" in compare and 'data-verdict="agree"' in compare and "4*x" in compare
    assert "v̄₀ = v̄₀ + v̄₁·∂v₁/∂v₀" in cells["trace"]["text/html"]
    assert "∂²f (Hessian)" in cells["hessian"]["text/html"] and "<td>12</td>" in cells["hessian"]["text/html"]
    assert "Jacobian" in cells["jacobian"]["text/html"] and "-0.9899924966" in cells["jacobian"]["text/html"]
    svg_ok(cells["parse"]["image/svg+xml"])
    for tag in ("graph-detach", "graph-mean", "graph-layer"):
        svg_ok(cells[tag]["image/svg+xml"])
    if importlib.util.find_spec("matplotlib"):
        svg_ok(cells["plot"]["image/svg+xml"])
    else:
        assert "needs matplotlib" in cells["plot"]["text/html"]
    page = (where / "lesson_graph.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'id="dx-data"' in page
