"""Graph export: DOT and Mermaid text, and `diffx graph --format / --out` (through Graphviz's dot where it is
installed, a stand-in program where it is not)."""
import json
import re
import shutil
import stat
import subprocess
import sys
import textwrap

import pytest

import diffx
from diffx import export


# ---------------------------------------------------------------- graph export: DOT

def _dot_structure(text: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Node statements (id -> attribute text) and edges, checked to be the only statements."""
    assert text.startswith("digraph diffx {\n") and text.rstrip().endswith("}")
    body = text.strip().splitlines()[1:-1]
    nodes, edges = {}, []
    for line in body:
        line = line.strip()
        if line.startswith(("graph [", "node [", "edge [")):
            continue
        if m := re.fullmatch(r"(\w+) -> (\w+)(?: \[.*\])?;", line):
            edges.append(m.groups())
            continue
        m = re.fullmatch(r"(\w+) \[(.*)\];", line)
        assert m, f"not a DOT statement: {line}"
        assert m.group(1) not in nodes, f"{m.group(1)} drawn twice"
        nodes[m.group(1)] = m.group(2)
    assert all(a in nodes and b in nodes for a, b in edges)
    return nodes, edges


def _label(attrs: str) -> list[str]:
    """The rows of a record label (fields split at unescaped bars)."""
    label = re.search(r'label="((?:[^"\\]|\\.)*)"', attrs).group(1)
    return [f.replace("\\", "") for f in re.split(r"(?<!\\)\|", label)]


def test_dot_of_2x_dot_x():
    text = export.to_dot(diffx.inspect_graph("2*x.x", x=[0, 1, 2, 3]))
    nodes, edges = _dot_structure(text)
    assert len(nodes) == 6                       # four values (2, x, x.x, 2*x.x) and two op circles
    assert len(edges) == 6                       # x twice into ·, · out, 2 and x.x into *, * out
    assert _label(nodes["v1"]) == ["v1:x = input", "shape 4", "value [0, 1, 2, 3]", "adjoint [0, 4, 8, 12]"]
    assert _label(nodes["v3"]) == ["v3 = v0 * v2   (output)", "scalar", "value 28", "adjoint 1"]
    assert 'label="·"' in nodes["v2_op"] and 'label="*"' in nodes["v3_op"]
    assert edges == [("v1", "v2_op"), ("v1", "v2_op"), ("v2_op", "v2"),
                     ("v0", "v3_op"), ("v2", "v3_op"), ("v3_op", "v3")]    # inputs in argument order
    assert "shape=record" in nodes["v1"] and "shape=circle" in nodes["v2_op"]


def test_dot_marks_detached_and_unused_nodes():
    rep = diffx.inspect_graph("a = x*3; sum(detach(x*x)*x)", x=[0, 1, 2, 3])
    nodes, edges = _dot_structure(export.to_dot(rep))
    status = {n.id: n.status for n in rep.nodes}
    assert status["v2"] == "unused" and status["v3"] == "detached"
    assert 'style="filled,dotted"' in nodes["v2"] and 'style="filled,dashed"' in nodes["v3"]
    assert 'style="filled"' in nodes["v5"]
    assert _label(nodes["v2"])[-1] == "adjoint — (no path to the output)"
    assert _label(nodes["v3"])[-1] == "adjoint — (no gradient flows back)"
    assert "dotted: no path to the output" in export.to_dot(rep)


def test_dot_escapes_and_summarises():
    rep = diffx.inspect_graph("sum(where(x < 50, x, 0))", x="arange(100)")
    text = export.to_dot(rep)
    nodes, _ = _dot_structure(text)
    lt = next(k for k, v in nodes.items() if "\\<" in v)              # '<' is record syntax: escaped
    assert _label(nodes[lt])[0].endswith("< v1")
    x = _label(nodes["v0"])
    assert x[1] == "shape 100" and x[2] == "value [0, 1, 2, …] min 0, max 99"


def test_dot_parses_with_graphviz_when_installed():
    if shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed")
    text = export.to_dot(diffx.inspect_graph("a = x*3; sum(detach(x*x)*x) + (x[0] < 2)", x=[0, 1, 2, 3]))
    done = subprocess.run(["dot", "-Tsvg"], input=text.encode(), capture_output=True, timeout=60)
    assert done.returncode == 0 and done.stderr == b"", done.stderr
    assert b"adjoint [0, 1, 4, 9]" in done.stdout


# ---------------------------------------------------------------- graph export: Mermaid

def test_mermaid_is_well_formed():
    rep = diffx.inspect_graph('a = x*3; sum(detach(x*x)*x) + (x[0] < 2)', x=[0, 1, 2, 3])
    text = export.to_mermaid(rep)
    lines = text.splitlines()
    assert lines[:4] == ["---", 'title: "a = x*3; sum(detach(x*x)*x) + (x[0] < 2)"', "---", "flowchart LR"]
    defined, edges, classes = {}, [], {}
    for line in lines[4:]:
        line = line.strip()
        if m := re.fullmatch(r'(\w+)\["([^"]*)"\]', line) or re.fullmatch(r'(\w+)\(\("([^"]*)"\)\)', line):
            assert m.group(1) not in defined
            defined[m.group(1)] = m.group(2)
        elif m := re.fullmatch(r"(\w+) --> (\w+)", line):
            edges.append(m.groups())
        elif m := re.fullmatch(r"classDef (\w+) \S.*", line):
            classes[m.group(1)] = []
        elif m := re.fullmatch(r"class ([\w,]+) (\w+)", line):
            classes[m.group(2)] += m.group(1).split(",")
        else:
            assert re.fullmatch(r"linkStyle [\d,]+ [\w:#., -]+", line), line
    assert len(defined) == len(rep.nodes) + sum(1 for n in rep.nodes if n.inputs)
    assert all(a in defined and b in defined for a, b in edges)
    assert all(i in defined for ids in classes.values() for i in ids)
    assert "v2" in classes["unused"] and "v3" in classes["detached"] and "v0" in classes["var"]
    for label in defined.values():                   # entities, not raw syntax, inside labels
        assert "<" not in label.replace("<br>", "") and ">" not in label.replace("<br>", "")
    assert any("#lt;" in label for label in defined.values())
    assert defined["v0"] == "v0:x = input<br>shape 4<br>value [0, 1, 2, 3]<br>adjoint [0, 1, 4, 9]"


def test_markdown_wraps_mermaid_in_a_fence():
    rep = diffx.inspect_graph("2*x.x", x=[0, 1])
    md = export.to_mermaid(rep, fenced=True)
    assert md.startswith("```mermaid\n---\n") and md.endswith("```\n")
    assert md[len("```mermaid\n"):-len("```\n")] == export.to_mermaid(rep)


# ---------------------------------------------------------------- diffx graph --format / --out

def test_graph_formats_to_stdout(cli):
    dot = cli("graph", "2*x.x", "--at", "0,1,2,3", "--format", "dot")
    assert dot.exit_code == 0 and dot.stdout == export.to_dot(diffx.inspect_graph("2*x.x", x=[0, 1, 2, 3]))
    mmd = cli("graph", "2*x.x", "--at", "0,1,2,3", "-f", "mermaid")
    assert mmd.exit_code == 0 and "flowchart LR" in mmd.stdout
    js = cli("graph", "2*x.x", "--at", "0,1,2,3", "--format", "json")
    assert json.loads(js.stdout) == json.loads(cli("graph", "2*x.x", "--at", "0,1,2,3", "--json").stdout)
    tree = cli("graph", "2*x.x", "--at", "0,1,2,3", "--format", "tree")
    assert tree.stdout == cli("graph", "2*x.x", "--at", "0,1,2,3", "--view", "tree").stdout


@pytest.mark.parametrize("name, check", [
    ("g.dot", lambda t: t.startswith("digraph diffx {")),
    ("g.gv", lambda t: t.startswith("digraph diffx {")),
    ("g.mmd", lambda t: "flowchart LR" in t and "```" not in t),
    ("g.md", lambda t: t.startswith("```mermaid")),
    ("g.json", lambda t: json.loads(t)["output"] == "v3"),
])
def test_graph_out_picks_the_format_from_the_extension(cli, tmp_path, name, check):
    path = tmp_path / name
    r = cli("graph", "2*x.x", "--at", "0,1,2,3", "--out", str(path))
    assert r.exit_code == 0 and r.stdout == "" and f"wrote {path}" in r.stderr
    assert check(path.read_text(encoding="utf-8"))


def test_graph_view_to_a_file(cli, tmp_path):
    path = tmp_path / "g.txt"
    r = cli("graph", "2*x.x", "--at", "0,1,2,3", "--format", "table", "--out", str(path))
    assert r.exit_code == 0 and "[0, 4, 8, 12]" in path.read_text()


def _fake_dot(tmp_path, body: str):
    """A stand-in for Graphviz's `dot`: a script that reads DOT on stdin."""
    script = tmp_path / "dot"
    script.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_graph_svg_through_the_dot_program(cli, tmp_path, monkeypatch):
    fake = _fake_dot(tmp_path, """
        import sys
        text = sys.stdin.read()
        sys.stdout.write("<svg>" + sys.argv[1] + " " + str(text.count("->")) + " edges</svg>")
    """)
    monkeypatch.setattr(export.shutil, "which", lambda name: fake if name == "dot" else None)
    out = tmp_path / "g.svg"
    r = cli("graph", "2*x.x", "--at", "0,1,2,3", "--out", str(out))
    assert r.exit_code == 0, r.stderr
    assert out.read_text() == "<svg>-Tsvg 6 edges</svg>"
    r = cli("graph", "2*x.x", "--at", "0,1,2,3", "--format", "svg")        # SVG is text: stdout
    assert r.stdout == "<svg>-Tsvg 6 edges</svg>"


def test_graph_reports_a_failing_dot_program(cli, tmp_path, monkeypatch):
    fake = _fake_dot(tmp_path, """
        import sys
        sys.stderr.write("Error: syntax error in line 3\\n")
        sys.exit(1)
    """)
    monkeypatch.setattr(export.shutil, "which", lambda name: fake)
    r = cli("graph", "2*x.x", "--at", "0,1,2,3", "--out", str(tmp_path / "g.png"))
    assert r.exit_code == 2 and "Graphviz dot failed: Error: syntax error in line 3" in r.stderr


def test_graph_without_dot_says_so_and_writes_the_dot_file(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(export.shutil, "which", lambda name: None)
    out = tmp_path / "g.svg"
    r = cli("graph", "2*x.x", "--at", "0,1,2,3", "--out", str(out))
    assert r.exit_code == 2 and r.stdout == ""
    assert "the Graphviz program 'dot', which is not installed" in r.stderr and "apt-get install graphviz" in r.stderr
    assert f"wrote {tmp_path / 'g.dot'} instead" in r.stderr and "dot -Tsvg" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not out.exists()
    assert (tmp_path / "g.dot").read_text() == export.to_dot(diffx.inspect_graph("2*x.x", x=[0, 1, 2, 3]))
    r = cli("graph", "2*x.x", "--at", "0,1,2,3", "--format", "svg")
    assert r.exit_code == 2 and "--format dot" in r.stderr


def test_graph_svg_with_graphviz_when_installed(cli, tmp_path):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed")
    out = tmp_path / "g.svg"
    assert cli("graph", "2*x.x", "--at", "0,1,2,3", "--out", str(out)).exit_code == 0
    svg = out.read_text()
    assert "<svg" in svg and "adjoint [0, 4, 8, 12]" in svg and "value 28" in svg


@pytest.mark.parametrize("args, message", [
    (["--out", "g.txt"], "cannot tell the format from the extension"),
    (["--format", "gif"], "--format gif: choose from table, tree, json, dot, mermaid, markdown, svg, png"),
    (["--json", "--format", "dot"], "these options ask for different outputs: --format dot, --json"),
    (["--out", "g.svg", "--format", "dot"], "--format dot, --out svg"),
    (["--view", "tree", "--json"], "--json, --view tree"),
    (["--format", "png"], "PNG is binary: give a file with --out graph.png"),
    (["--out", "/nonexistent/dir/g.dot"], "cannot write /nonexistent/dir/g.dot"),
])
def test_graph_export_bad_input(cli, args, message):
    r = cli("graph", "2*x.x", "--at", "0,1,2,3", *args)
    assert r.exit_code == 2, (r.stdout, r.stderr)
    assert message in r.stderr and r.stdout == "" and "Traceback" not in r.stderr
