"""Pictures: the arrays behind `diffx plot`, the terminal plot and the image (graph export: test_export.py).

Matplotlib and Graphviz are optional: tests that need them skip when they are
missing, and their absence is itself tested by hiding them (monkeypatch), so
the suite passes either way.
"""
import json
import re
import subprocess
import sys

import numpy as np
import pytest

import diffx
from diffx.errors import InputError
from diffx.plotdata import plot_data

GRID = np.linspace(-20, 20, 400)


# ---------------------------------------------------------------- the arrays behind the plot

def test_sin_derivative_is_cos_by_one_reverse_sweep(monkeypatch):
    """The reference lesson's exercise: sin's derivative, without writing cos, in one vectorised sweep."""
    from diffx import plotdata
    calls = []
    real = plotdata.backward
    monkeypatch.setattr(plotdata, "backward", lambda *a, **k: calls.append(1) or real(*a, **k))
    d = plot_data("sin(x)", start=-20, stop=20)
    assert len(calls) == 1 and d.vectorised
    np.testing.assert_array_equal(d.x, GRID)
    np.testing.assert_allclose(d.f, np.sin(GRID), rtol=0, atol=1e-15)
    np.testing.assert_allclose(d.derivatives[1]["reverse"], np.cos(GRID), rtol=0, atol=1e-12)
    assert list(d.derivatives) == [1] and list(d.derivatives[1]) == ["reverse"]
    assert "all 400 points at once" in d.notes[1]["reverse"]


def test_second_derivative_forward_over_reverse_and_forward_mode():
    d = plot_data("sin(x)", start=-20, stop=20, order=2, methods=["forward"])
    np.testing.assert_allclose(d.derivatives[1]["forward"], np.cos(GRID), rtol=0, atol=1e-12)
    np.testing.assert_allclose(d.derivatives[2]["reverse"], -np.sin(GRID), rtol=0, atol=1e-12)
    np.testing.assert_allclose(d.derivatives[2]["forward"], -np.sin(GRID), rtol=0, atol=1e-12)
    assert d.notes[2]["reverse"].startswith("forward-over-reverse")


def test_numeric_curve_shows_finite_difference_error():
    d = plot_data("sin(x)", start=-20, stop=20, order=2, methods=["numeric"])
    err1, err2 = d.errors[1]["numeric"], d.errors[2]["numeric"]
    np.testing.assert_allclose(err1, np.abs(d.derivatives[1]["numeric"] - np.cos(GRID)), atol=1e-15)
    assert 1e-13 < err1.max() < 1e-7 and 1e-13 < err2.max() < 1e-6   # central differences: ~eps^(2/3)
    s = d.error_summary()[1]["numeric"]
    assert s["max"] == err1.max() and s["at"] == GRID[np.argmax(err1)] and s["compared"] == 400
    assert "evaluations" in d.notes[1]["numeric"] and "per point" in d.notes[1]["numeric"]


def test_symbolic_curve_and_formula():
    d = plot_data("sin(x)*x", start=-3, stop=3, points=21, order=2, methods=["symbolic"])
    x = np.linspace(-3, 3, 21)
    assert d.formulas == {1: "x*cos(x) + sin(x)", 2: "-x*sin(x) + 2*cos(x)"}
    np.testing.assert_allclose(d.derivatives[1]["symbolic"], x * np.cos(x) + np.sin(x), rtol=0, atol=1e-14)
    np.testing.assert_allclose(d.derivatives[2]["symbolic"], -x * np.sin(x) + 2 * np.cos(x), rtol=0, atol=1e-14)
    assert np.nanmax(d.errors[1]["symbolic"]) < 1e-14


def test_function_of_several_variables_over_one():
    d = plot_data("sin(x*y) + y", over="x", start=-1, stop=1, points=11, y=2.0)
    x = np.linspace(-1, 1, 11)
    assert d.at == {"y": 2.0} and d.over == "x"
    np.testing.assert_allclose(d.derivatives[1]["reverse"], 2 * np.cos(2 * x), atol=1e-14)


def test_not_elementwise_runs_point_by_point():
    """A reduction would mix grid points, so each point gets its own sweep; the numbers must not change."""
    d = plot_data("sum([x, x^2])", start=-2, stop=2, points=9, order=2, methods=["forward", "numeric"])
    x = np.linspace(-2, 2, 9)
    assert not d.vectorised and "one per point" in d.notes[1]["reverse"]
    np.testing.assert_allclose(d.f, x + x * x, atol=1e-15)
    for m in ("reverse", "forward"):
        np.testing.assert_allclose(d.derivatives[1][m], 1 + 2 * x, atol=1e-14)
        np.testing.assert_allclose(d.derivatives[2][m], 2.0, atol=1e-14)
    np.testing.assert_allclose(d.derivatives[1]["numeric"], 1 + 2 * x, atol=1e-8)
    d = plot_data("sum(w*x)", over="x", start=0, stop=1, points=3, w=[1, 2, 3])
    assert not d.vectorised and np.allclose(d.derivatives[1]["reverse"], 6.0)


def test_vectorised_and_point_by_point_agree():
    from diffx.plotdata import _Sweep, is_pointwise
    p = diffx.problem("tanh(x)^2 * exp(-x) + where(x > 0, x, 0)", x=0.0)
    assert is_pointwise(p, p.graph.variables["x"])
    sweep = _Sweep(p, "x", np.linspace(-2, 2, 17), order=2)
    for k in (1, 2):
        for m in ("reverse", "forward"):
            a, _ = sweep.vectorised(k, m)
            b, _ = sweep.point_by_point(k, m)
            np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-14)


@pytest.mark.filterwarnings("error")
def test_non_finite_values_leave_gaps_and_no_warnings():
    d = plot_data("log(x) + 1/x", start=-1, stop=1, points=5, methods=["numeric", "symbolic"])
    assert np.isnan(d.f[:2]).all() and np.isnan(d.f[2])          # log of a negative, and 0 + inf - inf
    assert np.isfinite(d.derivatives[1]["reverse"][0])            # AD gives 1/x - 1/x² even where f is NaN ...
    assert np.isnan(d.drawn(d.derivatives[1]["reverse"])[:3]).all()   # ... which is not drawn
    text = json.dumps(d.to_dict(), allow_nan=False)
    assert json.loads(text)["f"][:3] == ["NaN", "NaN", "NaN"]
    assert d.y_limits() is None


def test_spike_near_a_pole_clips_the_y_axis():
    d = plot_data("1/x", start=-1, stop=1, points=401)
    assert np.isinf(d.f[200]) and np.isnan(d.drawn(d.f)[200])
    lo, hi = d.y_limits()
    biggest = np.nanmax(np.abs(d.derivatives[1]["reverse"][np.isfinite(d.f)]))
    assert biggest == pytest.approx(1 / 0.005 ** 2) and -biggest / 10 < lo < 0 < hi < biggest / 10
    assert plot_data("sin(x)", points=50).y_limits() is None


def test_detach_freezes_per_point_and_symbolic_says_why():
    d = plot_data("detach(x)*x", start=-1, stop=1, points=5, methods=["symbolic", "numeric"])
    x = np.linspace(-1, 1, 5)
    np.testing.assert_allclose(d.derivatives[1]["reverse"], x, atol=1e-15)
    np.testing.assert_allclose(d.derivatives[1]["numeric"], x, atol=1e-9)
    assert "symbolic" not in d.derivatives[1] and "detach" in d.skipped[1]["symbolic"]


def test_symbolic_time_budget_skips_the_curves_once(cli, monkeypatch):
    from diffx import Limits, budget
    spent = []
    real = budget.within

    def counted(seconds, *args, **kwargs):
        spent.append(seconds)
        return real(seconds, *args, **kwargs)
    monkeypatch.setattr(budget, "within", counted)
    d = plot_data("sin(x)", order=2, methods=["symbolic"], limits=Limits(symbolic_seconds=0.001))
    assert spent == [0.001], spent          # the budget is spent once for both orders, not once per order
    assert "symbolic" not in d.derivatives[1] and "symbolic" not in d.derivatives[2]
    assert "gave up after 0.001 s" in d.skipped[1]["symbolic"] and d.skipped[2]["symbolic"] == d.skipped[1]["symbolic"]
    r = cli("plot", "sin(x)", "-m", "symbolic", "--symbolic-timeout", "0.001", "--width", "60")
    assert r.exit_code == 0 and "f′ symbolic (SymPy): skipped, gave up after 0.001 s" in " ".join(r.stdout.split())


def test_to_dict_is_strict_json_with_the_arrays():
    d = plot_data("x^2", start=0, stop=1, points=3, methods=["numeric"])
    out = json.loads(json.dumps(d.to_dict(), allow_nan=False))
    assert out["x"] == [0.0, 0.5, 1.0] and out["f"] == [0.0, 0.25, 1.0] and out["points"] == 3
    assert out["derivatives"]["1"]["reverse"] == [0.0, 1.0, 2.0]
    assert out["derivatives"]["1"]["numeric"] == pytest.approx([0.0, 1.0, 2.0], abs=1e-9)
    assert set(out["errors"]["1"]) == {"numeric"} and out["max_abs_error"]["1"]["numeric"] < 1e-9
    assert out["reference"] == "reverse" and out["vectorised"] is True and out["schema_version"] == 1


@pytest.mark.parametrize("kwargs, message", [
    ({"expr": "sin(x)", "order": 3}, "order=3"),
    ({"expr": "sin(x)", "points": 1}, "points=1"),
    ({"expr": "sin(x)", "points": 10**6}, "points=1000000"),
    ({"expr": "sin(x)", "start": 1, "stop": 1}, "must be less than"),
    ({"expr": "sin(x)", "start": float("nan")}, "finite"),
    ({"expr": "sin(x)", "methods": ["magic"]}, "unknown method 'magic'"),
    ({"expr": "sin(x*y)"}, "name the one to plot with over=x and fix the others with at=y=..."),
    ({"expr": "sin(x*y)", "over": "z"}, "over=z: not a variable"),
    ({"expr": "sin(x*y)", "over": "x"}, "no value for y"),
    ({"expr": "sin(x)", "x": 1}, "x is the plotted variable"),
    ({"expr": "sin(x) + [1, 2]"}, "draws a scalar function of x, but the output has shape (2,)"),
    ({"expr": "sin(2)"}, "no variable to plot over"),
])
def test_plot_data_refuses_bad_input(kwargs, message):
    expr = kwargs.pop("expr")
    with pytest.raises(InputError) as info:
        plot_data(expr, **kwargs)
    assert message in str(info.value)


# ---------------------------------------------------------------- diffx plot in the terminal

def test_plot_in_the_terminal_at_a_pinned_width(cli):
    r = cli("plot", "sin(x)", "--from", "-20", "--to", "20", "--width", "80", "--height", "15")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    assert "f(x) = sin(x)" in lines[0] and "\x1b[" not in r.stdout          # no colour into a pipe
    assert len(lines) >= 15 and len([line for line in lines if "│" in line]) >= 9    # the canvas
    assert any(line.startswith("⠤⠤ f(x): 400 points from -20 to 20") for line in lines)
    assert any(line.startswith(" • f′(x) reverse AD: one forward pass and one reverse sweep") for line in lines)
    assert r.stderr == ""


def test_plot_methods_errors_and_second_derivative(cli):
    r = cli("plot", "sin(x)", "--from", "-20", "--to", "20", "--points", "100", "--order", "2", "--error",
            "-m", "numeric", "--width", "90")
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    assert "|method − reverse AD|, log scale" in out and "1e-" in out        # the log-scale error panel
    assert "f′(x) central differences" in out and "f″(x) reverse AD: forward-over-reverse" in out
    words = " ".join(out.split())                          # the caption wraps at the width
    assert re.search(r"f′\(x\) central differences: .*max \|Δ\| from reverse AD \d\.\de-\d\d", words)
    assert all(len(line) <= 90 for line in out.splitlines())


def test_plot_error_without_methods_compares_symbolic_and_numeric(cli):
    r = cli("plot", "x^3", "--from", "-1", "--to", "1", "--points", "11", "--error", "--json")
    d = json.loads(r.stdout)
    assert set(d["derivatives"]["1"]) == {"reverse", "symbolic", "numeric"}
    assert d["formulas"] == {"1": "3*x**2"} and d["max_abs_error"]["1"]["symbolic"] < 1e-15


def test_plot_gaps_in_the_terminal(cli):
    r = cli("plot", "1/x", "--from", "-1", "--to", "1", "--points", "401", "--width", "70", "--height", "12")
    assert r.exit_code == 0, r.stderr
    assert "gaps where f is not finite: 1 point of 401" in r.stdout
    assert "y axis clipped to [" in r.stdout and r.stderr == ""


def test_plot_over_one_of_several_variables(cli):
    r = cli("plot", "sin(x*y)", "--over", "x", "--at", "y=2", "--points", "5", "--from", "0", "--to", "1",
            "--json")
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["over"] == "x" and d["at"] == {"y": 2.0}
    assert d["derivatives"]["1"]["reverse"] == pytest.approx(list(2 * np.cos(2 * np.linspace(0, 1, 5))), abs=1e-14)


def test_plot_json_is_the_library_dict(cli):
    r = cli("plot", "log(x)", "--from", "-1", "--to", "1", "--points", "5", "--json", "-m", "numeric")
    d = json.loads(r.stdout)
    api = json.loads(json.dumps(plot_data("log(x)", start=-1, stop=1, points=5, methods=["numeric"]).to_dict()))
    d.pop("seconds"), api.pop("seconds")
    assert d == api and r.stdout.count("\n") == 1 and d["f"][0] == "NaN"


@pytest.mark.parametrize("args, message", [
    (["sin(x*y)"], "the expression has 2 variables (x, y): name the one to plot with --over x"),
    (["sin(x)", "--out", "plot.txt"], "--out plot.txt: diffx plot writes .png, .svg or .pdf images"),
    (["sin(x)", "--error", "-m", "reverse"], "--error compares methods with reverse AD"),
    (["sin(x)", "--order", "3"], "--order 3"),
    (["sin(x)", "--from", "2", "--to", "1"], "--from 2 must be less than --to 1"),
    (["sin(x)", "--width", "10"], "at least 30 columns"),
    (["sin(x)", "-m", "magic"], "unknown method 'magic'"),
    (["sin(x)", "--at", "1"], "x is the plotted variable"),
    (["sin(x"], "expected ',' or ')'"),
])
def test_plot_bad_input(cli, args, message):
    r = cli("plot", *args)
    assert r.exit_code == 2, (r.stdout, r.stderr)
    assert message in r.stderr and r.stdout == "" and "Traceback" not in r.stderr


def test_plot_without_plotext_says_what_to_do(cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "plotext", None)
    r = cli("plot", "sin(x)")
    assert r.exit_code == 2 and "needs plotext" in r.stderr and "--out plot.png" in r.stderr


# ---------------------------------------------------------------- diffx plot --out (matplotlib)

def test_plot_without_matplotlib_says_how_to_install_it(cli, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    r = cli("plot", "sin(x)", "--out", str(tmp_path / "plot.png"))
    assert r.exit_code == 2 and r.stdout == ""
    assert "needs matplotlib" in r.stderr and "pip install 'diffx-explorer[plot]'" in r.stderr
    assert not (tmp_path / "plot.png").exists()


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_plot_writes_a_png_and_an_svg(cli, tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "plot.png"
    r = cli("plot", "sin(x)", "--from", "-20", "--to", "20", "--out", str(png), "--error", "--order", "2",
            "-m", "numeric")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == "" and f"wrote {png}" in r.stderr
    data = png.read_bytes()
    width, height = _png_size(data)
    assert width >= 1200 and height >= 700 and len(data) > 50_000     # slide-sized, and not blank
    svg = tmp_path / "plot.svg"
    assert cli("plot", "log(x)", "--from", "-1", "--to", "3", "--out", str(svg)).exit_code == 0
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text and "</svg>" in text


def test_figure_has_title_labels_and_legend():
    pytest.importorskip("matplotlib")
    from diffx.figure import figure
    d = plot_data("x^2 + y", over="x", start=-1, stop=1, points=20, methods=["numeric"], y=3.0)
    fig = figure(d, errors=True)
    top, bottom = fig.axes
    assert fig.get_suptitle() == "f(x) = x^2 + y   (y = 3)"
    assert bottom.get_xlabel() == "x" and top.get_ylabel() == "value" and bottom.get_yscale() == "log"
    labels = [t.get_text() for t in top.get_legend().get_texts()]
    assert labels == ["f(x)", "f′(x) reverse AD", "f′(x) central differences"]
    assert top.get_xlim() == (-1.0, 1.0)


# ---------------------------------------------------------------- start-up stays light

def test_grad_does_not_import_plotting_or_sympy():
    code = ("import sys, cli.app; print(sorted(m for m in ('plotext', 'matplotlib', 'sympy', 'diffx.plotdata', "
            "'diffx.export') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_library_never_imports_the_cli_stack():
    code = ("import sys, diffx, diffx.plotdata, diffx.export; "
            "print(sorted(m for m in ('typer', 'rich', 'plotext', 'matplotlib') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr
