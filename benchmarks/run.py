"""Speed figures for diffx, each a ratio of two timings taken in the same run.

    python benchmarks/run.py            # all figures
    python benchmarks/run.py --quick    # fewer repeats

Machines here are shared and noisy, so every figure compares two things
measured back to back (best of several repeats), never an absolute time
across runs. Peers (HIPS autograd, micrograd, torch) are used when installed
and skipped with a note otherwise: `pip install -e '.[bench]'`.

The last section is the exception: the time bounds the test suite once
asserted (a limit refused within 10 s, the symbolic budget kept to within a
second or so). Tests check only what happens, so they pass on a busy machine;
how long it takes is printed here, as "N ms" against its bound. It runs the
tests' own inputs, so it needs the test extra: `pip install -e '.[test]'`.
"""
from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import diffx  # noqa: E402
from diffx.limits import Limits  # noqa: E402

ROWS: list[tuple[str, str, str, str]] = []


def best(fn, repeats: int) -> float:
    """The best wall time of `repeats` calls (the least disturbed by other load)."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def wall(cmd: list[str], repeats: int, check: bool = True) -> float:
    """The best wall time of a whole process (start-up included) over `repeats` runs."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run(cmd, check=check, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return min(times)


def row(figure: str, value: float | str, target: str, compares: str) -> None:
    text = f"{value:.2f}" if isinstance(value, float) else value
    ROWS.append((figure, text, target, compares))
    print(f"{figure:<44} {text:>10}   target {target:<8} {compares}", flush=True)


def have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def diffx_cmd() -> list[str]:
    exe = shutil.which("diffx")
    return [exe] if exe else [sys.executable, "-m", "cli"]


# ---------------------------------------------------------------- 1. start-up
LAUNCHER = """import re
import sys
from cli.app import main
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit(main())
"""


def installed(where: Path) -> tuple[list[str], dict, str]:
    """The diffx command as `pip install .` makes it: this checkout installed (not editable, byte-compiled by
    pip) into `where`, run by a launcher that is pip's console script; else the byte-compiled checkout with
    `python -m cli`. Returns the command, the environment for it and for its baselines, and which it is."""
    for isolation in ([], ["--no-build-isolation"]):       # pip's own build environment, else this one's setuptools
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", *isolation, "--target",
                        str(where), str(ROOT)], capture_output=True, text=True)
        if (where / "cli" / "app.py").exists():
            break
    if (where / "cli" / "app.py").exists():
        launcher = where.parent / "diffx"             # beside the installed packages, not among them
        launcher.write_text(LAUNCHER)
        env = {**os.environ, "PYTHONPATH": str(where)}
        return [sys.executable, str(launcher)], env, "pip-installed (not editable)"
    return [sys.executable, "-m", "cli"], dict(os.environ), "byte-compiled checkout, python -m cli"


def paired(commands: dict[str, list[str]], repeats: int, env: dict, cwd: Path) -> dict[str, float]:
    """The best wall time of each whole process, the commands run in turn `repeats` times (a disturbance of
    the shared machine then falls on all of them alike)."""
    times = {name: float("inf") for name in commands}
    for _ in range(repeats):
        for name, cmd in commands.items():
            t = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
            times[name] = min(times[name], time.perf_counter() - t)
    return times


def startup(repeats: int) -> None:
    import tempfile
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        cmd, env, how = installed(Path(tmp) / "site")
        job = ["grad", "2*x.x", "--at", "0,1,2,3"]
        t = paired({"deps_ad": [py, "-c", "import numpy, typer, rich.console"],
                    "reverse": cmd + job + ["--method", "reverse"],
                    "numeric": cmd + job + ["--method", "numeric"],
                    "deps_all": [py, "-c", "import numpy, sympy, typer, rich.console"],
                    "main": cmd + job}, max(repeats, 15), env, Path(tmp))
        probe = subprocess.run([py, "-c", "import sys; sys.argv = ['diffx', *sys.argv[1:]]; "
                                "import atexit; atexit.register(lambda: print('sympy' in sys.modules)); "
                                "from cli.app import main; main()", *job, "--method", "reverse"],
                               capture_output=True, text=True, env=env, cwd=tmp).stdout.strip().splitlines()
    row("grad 2*x.x (all methods) / imports", t["main"] / t["deps_all"], "<= 1.10",
        f"diffx grad \"2*x.x\" --at 0,1,2,3 {t['main']*1e3:.0f} ms vs import numpy,sympy,typer,rich.console "
        f"{t['deps_all']*1e3:.0f} ms; {how}, best of {max(repeats, 15)} paired runs")
    for method in ("reverse", "numeric"):
        # one method alone is `inconclusive` (exit 1): the time is the figure, not the verdict
        row(f"grad --method {method} / imports without sympy", t[method] / t["deps_ad"], "<= 1.10",
            f"{t[method]*1e3:.0f} ms vs import numpy,typer,rich.console {t['deps_ad']*1e3:.0f} ms; {how}")
    row("sympy imported by --method reverse", "no" if probe[-1:] == ["False"] else "YES", "no",
        "checked in a fresh interpreter (tests/test_startup.py checks it too)")
    main = t["main"]
    if have("torch"):
        script = ("import torch; x = torch.arange(4.0, requires_grad=True); y = 2 * torch.dot(x, x); "
                  "y.backward(); print(x.grad)")
        t = wall([py, "-c", script], repeats)
        row("grad 2*x.x / the same in a PyTorch script", main / t, "info", f"torch {t*1e3:.0f} ms")
    else:
        row("grad 2*x.x / the same in a PyTorch script", "skipped", "info", "torch is not installed")


# ---------------------------------------------------------------- 2. the cheap-gradient principle
NET = "mean(sigmoid(W2@tanh(W1@X + b1) + b2))"


def network(repeats: int) -> None:
    rng = np.random.default_rng(0)
    n = 512
    v = {"W1": rng.standard_normal((n, n)) / np.sqrt(n), "X": rng.standard_normal((n, n)),
         "b1": rng.standard_normal((n, 1)), "W2": rng.standard_normal((n, n)) / np.sqrt(n),
         "b2": rng.standard_normal((n, 1))}

    def plain():
        h = np.tanh(v["W1"] @ v["X"] + v["b1"])
        return np.mean(1 / (1 + np.exp(-(v["W2"] @ h + v["b2"]))))

    def by_hand():
        h = np.tanh(v["W1"] @ v["X"] + v["b1"])
        s = 1 / (1 + np.exp(-(v["W2"] @ h + v["b2"])))
        gz = s * (1 - s) / s.size
        gh = (v["W2"].T @ gz) * (1 - h * h)
        return gz @ h.T, gz.sum(1, keepdims=True), gh @ v["X"].T, gh.sum(1, keepdims=True)

    graph = diffx.parse(NET)
    params = ["W1", "b1", "W2", "b2"]          # X is the data: the gradient of the parameters
    ours = best(lambda: diffx.grad(graph, wrt=params, **v), repeats)
    base = best(plain, repeats)
    hand = best(by_hand, repeats)
    row("512x512 net: diffx.grad / numpy value", ours / base, "<= 2.7",
        f"value + gradient by reverse AD of {NET} wrt W1,b1,W2,b2 ({ours*1e3:.0f} ms vs {base*1e3:.0f} ms)")
    row("512x512 net: diffx.grad / hand-written", ours / hand, "<= 1.05",
        f"the same gradient written out in numpy ({hand*1e3:.0f} ms; {hand / base:.2f}x the value)")
    forward_modes(v, params, repeats)
    if have("autograd"):
        import autograd
        import autograd.numpy as anp

        def f(W1, X, b1, W2, b2):
            return anp.mean(1 / (1 + anp.exp(-(W2 @ anp.tanh(W1 @ X + b1) + b2))))
        g = autograd.grad(f, argnum=(0, 2, 3, 4))
        theirs = best(lambda: g(v["W1"], v["X"], v["b1"], v["W2"], v["b2"]), repeats)
        row("512x512 net: diffx / HIPS autograd", ours / theirs, "<= 1.0", f"autograd {theirs*1e3:.0f} ms")
    else:
        row("512x512 net: diffx / HIPS autograd", "skipped", "<= 1.0", "autograd is not installed")


def forward_modes(v: dict, params: list[str], repeats: int) -> None:
    """Forward-mode JVP against the value, and a Hessian-vector product against the gradient."""
    from diffx.engine import evaluate, forward_tangents
    from diffx.ad import reverse_gradient
    from diffx.options import options
    from diffx.problem import evaluated
    from diffx.traced import gradient_graph

    graph = diffx.parse(NET)
    rng = np.random.default_rng(1)
    t = {name: rng.standard_normal(v[name].shape) for name in params}
    ids = {name: graph.variables[name] for name in params}

    def value():
        return evaluate(graph, v)[graph.output]

    def value_and_jvp():
        values = evaluate(graph, v)
        return forward_tangents(graph, values, {ids[n]: t[n] for n in params})[graph.output]

    def gradient():
        return reverse_gradient(evaluated(graph, v, params, options(limits=graph.limits)))

    def hvp():
        g2, grads, values = gradient_graph(graph, v, params)
        tangents = forward_tangents(g2, values, {g2.variables[n]: t[n] for n in params})
        return {n: tangents[grads[n]] for n in params}

    base = best(value, repeats)
    jvp = best(value_and_jvp, repeats)
    row("512x512 net: (value + JVP) / value", jvp / base, "<= 3",
        f"forward mode, tangent on W1,b1,W2,b2 ({jvp*1e3:.0f} ms vs {base*1e3:.0f} ms)")
    g = best(gradient, repeats)
    h = best(hvp, repeats)
    row("512x512 net: Hessian-vector product / gradient", h / g, "<= 4",
        f"forward-over-reverse ({h*1e3:.0f} ms vs {g*1e3:.0f} ms)")


def batched_matmul(repeats: int) -> None:
    """Reverse AD of a batched product (attention's shape of work): gradient / numpy value, (8, 64, 64) tensors."""
    from diffx.ad import reverse_gradient
    from diffx.engine import evaluate
    from diffx.options import options
    from diffx.problem import evaluated

    rng = np.random.default_rng(2)
    v = {"A": rng.standard_normal((8, 64, 64)), "B": rng.standard_normal((8, 64, 64))}
    graph = diffx.parse("sum(A @ B)")
    o = options(limits=graph.limits)
    ours = best(lambda: reverse_gradient(evaluated(graph, v, ["A", "B"], o)), repeats)
    base = best(lambda: evaluate(graph, v)[graph.output], repeats)
    whole = best(lambda: diffx.grad(graph, **v), repeats)
    row("batched matmul (8,64,64): gradient / forward", ours / base, "<= 3.5",
        f"reverse AD of sum(A @ B) wrt A, B, forward pass included ({ours*1e3:.2f} ms vs {base*1e3:.2f} ms)")
    row("batched matmul (8,64,64): diffx.grad / forward", whole / base, "info",
        f"the whole diffx.grad call, options and checks included ({whole*1e3:.2f} ms)")


# ---------------------------------------------------------------- 3. scalar graphs
def logistic(steps: int, r: float = 3.7) -> str:
    return "l = x\n" + f"l = {r}*l*(1 - l)\n" * steps + "l"


def micro_logistic(Value, steps: int = 1000, r: float = 3.7) -> float:
    """The logistic map's derivative in a micrograd-style `Value` (its topological sort recurses: the recursion
    limit is raised for the call and put back, so no later figure runs with a deeper stack than usual)."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 50_000))
    try:
        x = Value(0.3)
        lv = x
        for _ in range(steps):
            lv = r * lv * (1 - lv)
        lv.backward()
        return x.grad
    finally:
        sys.setrecursionlimit(old)


def scalar_graphs(repeats: int) -> None:
    limits = Limits(max_chars=10**8)
    times = {}
    for steps in (2_500, 25_000):
        g = diffx.parse(logistic(steps, 0.5) + " + 0.25", limits=limits)
        times[len(g)] = best(lambda: diffx.grad(g, x=0.3), max(1, repeats // 2))
    (n1, t1), (n2, t2) = sorted(times.items())
    row(f"reverse AD time {n2:,} / {n1:,} nodes", t2 / t1, f"~{n2 / n1:.0f}",
        f"linear growth: {t1*1e3:.0f} ms vs {t2*1e3:.0f} ms")


# ---------------------------------------------------------------- 5. the matrix form does not grow with the size
def matrix_form(repeats: int) -> None:
    """norm(X@w - y)^2's matrix gradient (derived, printed, parsed back, evaluated) at 512x512 against 3x2."""
    from diffx import symbolic_methods

    def problem(m: int, n: int):
        at = {"X": f"randn({m},{n})", "w": f"randn({n})", "y": f"randn({m})"}
        return diffx.problem("norm(X@w - y)^2", at=at, wrt=["w"])

    def form(p):
        symbolic_methods._FORMS.clear()          # derive it afresh each time
        return symbolic_methods.matrix_method("gradient")(p)
    small, large = problem(3, 2), problem(512, 512)
    t_small, t_large = best(lambda: form(small), repeats), best(lambda: form(large), repeats)
    row("matrix form 512x512 / 3x2", t_large / t_small, "<= 2",
        f"{form(large).matrix_form['w']}: {t_large*1e3:.2f} ms vs {t_small*1e3:.2f} ms")
    for m in (12, 8, 4):                         # the largest X (m x m) whose components SymPy gives within its budget
        top = problem(m, m)
        try:
            t_sympy = best(lambda: symbolic_methods.gradient(top), 1)
        except diffx.DiffxError:
            continue
        t_form = best(lambda: form(top), repeats)
        row(f"components (SymPy) / matrix form, {m}x{m}", t_sympy / t_form, "info",
            f"{t_sympy*1e3:.0f} ms vs {t_form*1e3:.2f} ms (the matrix form is derived for every size; the "
            "components stop at 400 scalar inputs or the symbolic budget)")
        break


# ---------------------------------------------------------------- 6. bounds the tests used to assert
def ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.0f} ms"


def bounds(repeats: int) -> None:
    """How long the tests' hard inputs take, each against the bound a test once asserted."""
    if not (have("pytest") and have("hypothesis")):
        row("bounds the tests check without a clock", "skipped", "info", "needs pytest and hypothesis (.[test])")
        return
    sys.path.insert(0, str(ROOT / "tests"))
    import test_fuzz
    from test_kinks import POWER_TOWERS
    from typer.testing import CliRunner

    from cli.app import app
    from diffx.plotdata import plot_data

    def refusal(call, message):
        try:
            call()
        except diffx.DiffxError:
            return
        raise AssertionError(f"a limit case was not refused: {message!r}")
    slowest = max((best(lambda: refusal(call, message), 1), message) for call, message in test_fuzz.LIMIT_CASES)
    row("limits: slowest refusal", ms(slowest[0]), "<= 10 s",
        f"{len(test_fuzz.LIMIT_CASES)} cases of tests/test_fuzz.py::test_limits, in-process; slowest: "
        f"{slowest[1][:40]!r}")

    inputs = test_fuzz.largest_inputs()
    times = [wall(diffx_cmd() + ["grad", text, "--at", "0.3"], 1, check=False) for text in inputs]
    row("largest inputs: slowest diffx grad", ms(max(times)), "<= 10 s",
        f"{len(inputs)} inputs of up to 100,000 characters (tests/test_fuzz.py), whole process, all methods "
        f"(SymPy's 5 s budget included); all: {', '.join(ms(t) for t in times)}")

    runner = CliRunner()
    slowest = max((best(lambda: runner.invoke(app, ["grad", expr, "--at", at, "--json"]), repeats), expr)
                  for expr, at in POWER_TOWERS)
    row("power towers: slowest diffx grad", ms(slowest[0]), "<= 5 s",
        f"{len(POWER_TOWERS)} cases of tests/test_kinks.py, in-process; slowest {slowest[1]}")

    long_task = logistic(16, 4)            # SymPy would take hours: the budget stops it
    t = wall(diffx_cmd() + ["grad", long_task, "--at", "0.3", "--symbolic-timeout", "1"], repeats)
    row("symbolic budget 1 s: grad logistic(16)", ms(t), "<= 2.5 s",
        "the installed command, budget on a thread; bound: the 1 s budget + 1 s + 0.5 s for the other methods")
    t = best(lambda: diffx.compare(long_task, x=0.3, limits=Limits(symbolic_seconds=1)), repeats)
    row("symbolic budget 1 s: compare logistic(16)", ms(t), "<= 2.5 s",
        "diffx.compare, budget in a forked process, every method; the same bound")
    t = best(lambda: plot_data("sin(x)", order=2, methods=["symbolic"], limits=Limits(symbolic_seconds=0.001)),
             repeats)
    row("symbolic budget 1 ms: plot_data order 2", ms(t), "<= 500 ms",
        "f' and f'' curves give up together: the budget is spent once, not per order")

    t = best(test_fuzz.test_fuzz_thirty_thousand_inputs, 1)
    row(f"fuzz: {test_fuzz.FUZZ_INPUTS:,} inputs", ms(t), "<= 90 s", "tests/test_fuzz.py's seeded campaign, "
        "in-process (the 300 s the test once allowed 100,000)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args()
    # an installed package has its bytecode compiled (pip does it); a source checkout may not
    for package in ("diffx", "cli"):
        compileall.compile_dir(ROOT / package, quiet=1)
    repeats = 3 if args.quick else 9
    print(f"diffx benchmarks (python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} cores)")
    print(f"{'figure':<44} {'ratio':>10}   {'target':<15} what it compares")
    startup(repeats)
    network(repeats)
    batched_matmul(repeats)
    scalar_graphs(repeats)
    __import__("compiled").figures(repeats)      # benchmarks/compiled.py: scalar engine, compiled sweeps
    accuracy = __import__("accuracy")              # benchmarks/accuracy.py: numeric accuracy, the verdict's power
    accuracy.numeric_accuracy()
    matrix_form(repeats)
    accuracy.verdict_power()
    bounds(repeats)
    __import__("bulk").figures(repeats, row, wall, diffx_cmd)      # benchmarks/bulk.py: --jobs 2 / --jobs 1


if __name__ == "__main__":
    main()
