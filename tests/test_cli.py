"""The CLI through typer's CliRunner: output, --json, errors and exit status."""
import json

import pytest


def test_main_job(cli):
    r = cli("grad", "2*x.x", "--at", "0,1,2,3")
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    for word in ("reverse", "symbolic", "numeric", "value 28", "4*x_0", "✓ agree: all", "methods agree with symbolic"):
        assert word in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith("x[")}
    assert rows["x[2]"][:2] == ["8", "8"] and float(rows["x[2]"][2]) == pytest.approx(8, rel=1e-8)
    assert r.stderr == ""


def test_main_job_json(cli):
    r = cli("grad", "2*x.x", "--at", "0,1,2,3", "--json")
    assert r.exit_code == 0
    d = json.loads(r.stdout)
    assert d["schema_version"] == 1 and d["expr"] == "2*x.x" and d["value"] == 28
    assert d["at"] == {"x": [0, 1, 2, 3]} and d["wrt"] == ["x"] and d["agree"] is True
    assert d["methods"]["reverse"]["gradient"] == {"x": [0, 4, 8, 12]}
    assert d["methods"]["reverse"]["evaluations"] == 1
    assert d["methods"]["symbolic"]["formula"] == {"x": ["4*x_0", "4*x_1", "4*x_2", "4*x_3"]}
    num = d["methods"]["numeric"]     # the default numeric scheme: complex step, one evaluation per input
    assert num["method"] == "complex" and num["evaluations"] == 4 and num["step"] == 1e-20 * 3
    assert num["gradient"]["x"] == pytest.approx([0, 4, 8, 12], rel=1e-15)
    assert d["reference"] == "symbolic" and num["agrees"] is True and num["ulps"] <= 1
    assert 0 <= d["max_abs_diff"] < 1e-8
    assert all(m["seconds"] >= 0 for m in d["methods"].values())


def test_json_equals_api_to_dict(cli):
    import diffx
    r = cli("grad", "sum(x*x)", "--at", "x=1,2", "--json", "-m", "reverse", "-m", "numeric")
    api = diffx.compare("sum(x*x)", x=[1, 2], methods=["reverse", "numeric"]).to_dict()
    d = json.loads(r.stdout)
    for m in d["methods"].values():
        m.pop("seconds")
    for m in api["methods"].values():
        m.pop("seconds")
    assert d == api


def test_method_filter_and_named_values(cli):
    r = cli("grad", "x*y", "--at", "x=2", "--at", "y=3", "--method", "reverse", "--json")
    d = json.loads(r.stdout)
    assert list(d["methods"]) == ["reverse"]
    assert d["methods"]["reverse"]["gradient"] == {"x": 3, "y": 2}


def test_wrt_option(cli):
    d = json.loads(cli("grad", "x*y", "--at", "x=2", "--at", "y=3", "--wrt", "y", "--json").stdout)
    assert d["wrt"] == ["y"] and d["methods"]["reverse"]["gradient"] == {"y": 2}


def test_value_expressions_and_seed(cli):
    a = json.loads(cli("grad", "sum(W@x)", "--at", "W=randn(2,3)", "--at", "x=arange(3)", "--json").stdout)
    b = json.loads(cli("grad", "sum(W@x)", "--at", "W=randn(2,3)", "--at", "x=arange(3)", "--json").stdout)
    c = json.loads(cli("grad", "sum(W@x)", "--at", "W=randn(2,3)", "--at", "x=arange(3)", "--seed", "1",
                       "--json").stdout)
    assert a["at"] == b["at"] and a["at"] != c["at"]
    assert a["methods"]["reverse"]["gradient"]["x"] == pytest.approx(list(map(sum, zip(*a["at"]["W"]))))


def test_matrix_value(cli):
    d = json.loads(cli("grad", "sum(W*W)", "--at", "W=[[1,2],[3,4]]", "--json").stdout)
    assert d["methods"]["reverse"]["gradient"]["W"] == [[2, 4], [6, 8]]


def test_program_from_stdin_and_file(cli, tmp_path):
    prog = "h = 2*x\nsum(h*h)\n"
    r = cli("grad", "-", "--at", "1,2", "--json", input=prog)
    assert json.loads(r.stdout)["methods"]["reverse"]["gradient"]["x"] == [8, 16]
    f = tmp_path / "prog.dx"
    f.write_text(prog)
    r = cli("grad", f"@{f}", "--at", "1,2", "--json")
    assert json.loads(r.stdout)["methods"]["reverse"]["gradient"]["x"] == [8, 16]


def test_disagreement_exits_1(cli):
    # relu at its kink: AD uses 0, SymPy's Heaviside(0) is 1/2 and a central difference sees 1/2
    r = cli("grad", "relu(x)", "--at", "0", "--strict")
    assert r.exit_code == 1
    assert "✗ kink: the point is on a kink" in r.stdout and "reverse differs from symbolic" in r.stdout
    assert "--strict counts it as a failure" in " ".join(r.stdout.split())
    assert cli("grad", "relu(x)", "--at", "0").exit_code == 0
    r = cli("grad", "relu(x) + x", "--at", "1", "--python", "x")   # bad input, not a verdict
    assert r.exit_code == 2


def test_nonfinite_json_is_strict(cli):
    r = cli("grad", "log(x)", "--at", "0", "--json", "-m", "reverse")
    d = json.loads(r.stdout)  # json.loads accepts NaN, so check the text too
    assert "NaN" not in r.stdout.replace('"NaN"', "") and "Infinity" in r.stdout
    assert d["value"] == "-Infinity" and d["methods"]["reverse"]["gradient"]["x"] == "Infinity"


def test_user_text_is_not_markup(cli):
    # [bold] is an array literal here; rich must print it, not read it as a style
    r = cli("grad", "sum([bold]*x)", "--at", "bold=1", "--at", "x=2")
    assert r.exit_code == 0 and "f = sum([bold]*x)" in r.stdout
    r = cli("graph", "sum([red, 2] * x)", "--at", "red=1", "--at", "x=3")
    assert "graph of sum([red, 2] * x)" in r.stdout and "red" in r.stdout


@pytest.mark.parametrize("args, message, caret", [
    (["grad", "2*x."], "error: expected an expression after '.', found end of input", "  2*x.\n      ^"),
    (["grad", "sin(x"], "error: expected ',' or ')' to close '(' at column 4", "  sin(x\n       ^"),
    (["grad", "x +* y"], "error: expected an expression after '+', found '*'", "  x +* y\n     ^"),
    (["grad", "2x"], "error: a number cannot be followed directly by a name: write 2*x", "  2x\n  ^^"),
    (["grad", "foo(x)", "--at", "1"], "error: unknown function 'foo'", "  foo(x)\n  ^^^"),
    (["grad", "sinn(x)", "--at", "1"], "did you mean 'sin'", None),
    (["grad", "sin(x, y)"], "error: sin takes 1 argument, got 2", None),
    (["grad", "[1, 2] + [1, 2, 3]"], "error: cannot apply '+' to shapes (2,) and (3,)", None),
    (["grad", ""], "error: empty expression", None),
    (["grad", "sum(x)", "--at", "1,a"], "error: value of x: unknown name 'a'", None),
    (["grad", "x*y", "--at", "x=1"], "error: no value for y: give --at y=...", None),
    (["grad", "x", "--at", "x=1", "--at", "z=2"], "error: z is not a variable of the expression", None),
    (["grad", "x*y", "--at", "1"], "has no name, but the expression has 2 variables (x, y)", None),
    (["grad", "__import__('os').system('echo hacked')"], "error: unknown function '__import__'", None),
    (["grad", "x+" * 50_001 + "x"], "limit is 100,000", None),
    (["grad", "(" * 10_000 + "x" + ")" * 10_000], "nesting deeper than 100 levels", None),
    (["grad", "sin(x)", "--at", "1,2"], "error: the output has shape (2,), but a gradient needs a scalar", None),
    (["grad", "x", "--at", "1", "--wrt", "y"], "error: --wrt y: not a variable", None),
    (["grad", "@/nonexistent/file.dx"], "error: cannot read /nonexistent/file.dx", None),
    (["graph", "x[9]", "--at", "1,2"], "index 9 is out of bounds", None),
    (["grad", "x", "--at", "randn(100000, 100000)"], "the limit is 10,000,000", None),
])
def test_bad_input(cli, args, message, caret):
    r = cli(*args)
    assert r.exit_code == 2, (r.stdout, r.stderr)
    assert message in r.stderr
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    if caret:
        assert caret in r.stderr
    assert len(r.stderr.strip().splitlines()) <= 3


def test_nothing_executes_from_the_command_line(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cli("grad", "__import__('os').system('touch hacked')")
    assert not (tmp_path / "hacked").exists()


def test_bad_json_input_still_prints_only_to_stderr(cli):
    r = cli("grad", "2*x.", "--json")
    assert r.exit_code == 2 and r.stdout == "" and "error:" in r.stderr


def test_usage_error_exit_2(cli):
    assert cli("grad", "x", "--method", "magic").exit_code == 2
    assert cli("grad").exit_code == 2


def test_debug_shows_traceback(cli):
    r = cli("grad", "2*x.", "--debug")
    assert r.exit_code == 2 and "Traceback" in r.stderr


def test_graph_table(cli):
    r = cli("graph", "2*x.x", "--at", "0,1,2,3")
    assert r.exit_code == 0
    lines = {line.split()[0]: line for line in r.stdout.splitlines() if line.startswith("v")}
    assert "var" in lines["v1"] and "[0, 1, 2, 3]" in lines["v1"] and "[0, 4, 8, 12]" in lines["v1"]
    assert "dot" in lines["v2"] and lines["v2"].rstrip().endswith("2")
    assert "←out" in lines["v3"] and lines["v3"].split()[-2:] == ["28", "1"]


def test_graph_json(cli):
    d = json.loads(cli("graph", "2*x.x", "--at", "0,1,2,3", "--json").stdout)
    assert d["schema_version"] == 1 and d["output"] == "v3"
    x = [n for n in d["nodes"] if n["op"] == "var"]
    assert len(x) == 1 and x[0]["label"] == "x" and x[0]["adjoint"] == [0, 4, 8, 12]
    dot = next(n for n in d["nodes"] if n["op"] == "dot")
    assert dot["inputs"] == ["v1", "v1"] and dot["adjoint"] == 2 and dot["value"] == 14
    out = next(n for n in d["nodes"] if n["id"] == d["output"])
    assert out["adjoint"] == 1 and out["value"] == 28 and out["shape"] == []


def test_graph_tree_shows_shared_node_once(cli):
    r = cli("graph", "2*x.x", "--at", "0,1,2,3", "--view", "tree")
    assert r.exit_code == 0
    assert r.stdout.count("v1:x var") == 1 and "↑ v1" in r.stdout


def test_graph_marks_unused_and_detached(cli):
    r = cli("graph", "a = x*3; sum(detach(x*x)*x)", "--at", "0,1,2,3")
    assert "no path to the output" in r.stdout and "behind detach" in r.stdout
    d = json.loads(cli("graph", "a = x*3; sum(detach(x*x)*x)", "--at", "0,1,2,3", "--json").stdout)
    a = next(n for n in d["nodes"] if n["label"] == "a")
    assert a["adjoint"] is None
    sq = next(n for n in d["nodes"] if n["op"] == "mul" and n["inputs"] == ["v0", "v0"])
    assert sq["adjoint"] is None
    x = next(n for n in d["nodes"] if n["op"] == "var")
    assert x["adjoint"] == [0, 1, 4, 9]


def test_large_arrays_are_summarised(cli):
    r = cli("grad", "sum(x*x)", "--at", "x=arange(100)", "-m", "reverse", "-m", "forward")
    assert r.exit_code == 0 and "shape (100,)" in r.stdout and "max 198" in r.stdout


def test_help(cli):
    r = cli("--help")
    assert r.exit_code == 0 and "grad" in r.stdout and "graph" in r.stdout


def test_control_characters_in_user_text_are_escaped(cli, tmp_path):
    r = cli("grad", "x +\x1b[31m", "--at", "1")
    assert r.exit_code == 2 and "\x1b" not in r.stderr and "\\x1b[31m" in r.stderr
    lines = r.stderr.splitlines()
    assert lines[0].startswith("error:") and lines[2].index("^") == lines[1].index("\\x1b")
    f = tmp_path / "c.json"
    f.write_text(json.dumps([{"expr": "sin(x) +\x1b]0;pwned\x07", "at": {"x": 1.0}}]))
    r = cli("compare", "--file", str(f), "-m", "reverse")
    assert "\x1b" not in r.stdout + r.stderr and "\x07" not in r.stdout + r.stderr


def test_inputs_are_read_with_a_cap(cli, tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("x + " * 30_000 + "x")
    r = cli("grad", f"@{big}", "--at", "1")
    assert r.exit_code == 2 and "more than 100,000 characters, the limit max_chars" in r.stderr
    r = cli("grad", "-", "--at", "1", input="x*" * 60_000 + "x")
    assert r.exit_code == 2 and "standard input has more than 100,000 characters" in r.stderr
    assert cli("grad", "x", "--at", "1", "--limit", "max_chars=1e400").exit_code == 2


def test_batch_output_is_checked_before_the_run(cli, tmp_path):
    f = tmp_path / "c.csv.json"
    f.write_text(json.dumps([{"expr": "=HYPERLINK(1)", "at": {}}, {"expr": "sin(x)", "at": {"x": 1.0}}]))
    r = cli("compare", "--file", str(f), "--output", str(f))
    assert r.exit_code == 2 and "is the batch file itself" in r.stderr
    r = cli("compare", "--file", str(f), "--output", str(tmp_path / "nowhere" / "r.csv"))
    assert r.exit_code == 2 and "does not exist or cannot be written" in r.stderr
    out = tmp_path / "r.csv"
    cli("compare", "--file", str(f), "--output", str(out), "-m", "reverse", "-m", "forward")
    assert "'=HYPERLINK(1)" in out.read_text()
