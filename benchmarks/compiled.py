"""Speed figures of the scalar engine and the compiled sweeps (issue 16, items 2 and 3).

Called from `benchmarks/run.py` (`figures(repeats)`); on its own: `python benchmarks/compiled.py [--quick]`.
Each figure is a ratio of two timings taken back to back in this run. The peer is micrograd's `Value`
when installed (`pip install micrograd`); without it, the same 40-line scalar reverse-mode class written
out below stands in, and the row says so.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import diffx  # noqa: E402
from diffx.limits import Limits  # noqa: E402

from run import ROOT, best, diffx_cmd, have, logistic, micro_logistic, row, wall  # noqa: E402 - run.py's helpers (imported as a module)


class Value:
    """micrograd's scalar (Karpathy's engine.py, the parts the logistic map uses), for when it is not installed."""

    def __init__(self, data, children=(), op=""):
        self.data, self.grad = data, 0.0
        self._backward = lambda: None
        self._prev = set(children)

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def backward(self):
        topo, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)
        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


def _micrograd():
    if have("micrograd"):
        from micrograd.engine import Value as Peer
        return Peer, "micrograd"
    return Value, "micrograd's Value (written out here; micrograd is not installed)"


def paired(a, b, repeats: int) -> tuple[float, float]:
    """The best times of `a` and `b` measured alternately, so a change in the machine's load hits both alike."""
    ta, tb = [], []
    for _ in range(repeats):
        for fn, times in ((a, ta), (b, tb)):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
    return min(ta), min(tb)


def figures(repeats: int) -> None:
    peer, peer_name = _micrograd()

    def micro():
        return micro_logistic(peer)

    src = logistic(1000)
    ours, theirs = paired(lambda: diffx.grad(src, x=0.3), micro, repeats)
    parse = best(lambda: diffx.parse(src), repeats)
    row("logistic x1000: parse + gradient / micrograd", ours / theirs, "<= 0.6",
        f"diffx.grad (scalar engine) {ours*1e3:.1f} ms (parse {parse*1e3:.1f} ms) vs {peer_name} "
        f"{theirs*1e3:.1f} ms")
    start = time.perf_counter()
    f = diffx.grad_fn(src)
    f(x=0.3)
    first = time.perf_counter() - start
    per, theirs = paired(lambda: [f(x=0.3) for _ in range(10)], micro, repeats)
    per /= 10
    row("logistic x1000: compiled sweep / micrograd", f"{per / theirs:.3f}", "<= 0.03",
        f"diffx.grad_fn per call after the first {per*1e3:.2f} ms; the first (parse, general path, "
        f"compile) {first*1e3:.0f} ms")

    expr = "sin(x)*exp(-x^2/10)"
    small = wall(diffx_cmd() + ["plot", expr, "--points", "100"], repeats)
    large = wall(diffx_cmd() + ["plot", expr, "--points", "10000"], repeats)
    row("plot 10000 points / 100 points", large / small, "<= 3",
        f"diffx plot \"{expr}\" whole processes, {large*1e3:.0f} ms vs {small*1e3:.0f} ms")
    expr = "norm([x, sin(x)])"
    t = best(lambda: diffx.plot_data(expr, points=2000), repeats)
    row("plot not elementwise: per point", t / 2000 * 1e6, "info",
        f"plot_data(\"{expr}\", points=2000): f and f′ by the compiled sweep at each point, µs per point")

    limits = Limits(max_chars=10**8, max_nodes=10**7)
    big = logistic(20_000, 0.5) + " + 0.25"
    graph = diffx.parse(big, limits=limits)
    t_parse = best(lambda: diffx.parse(big, limits=limits), max(1, repeats // 3))
    t_grad = best(lambda: diffx.grad(graph, x=0.3, limits=limits), max(1, repeats // 3))
    row(f"{len(graph):,}-node scalar program: parse + gradient", f"{(t_parse + t_grad)*1e3:,.0f} ms", "<= 400 ms",
        f"parse {t_parse*1e3:,.0f} ms, gradient (scalar engine) {t_grad*1e3:,.0f} ms")

    million(repeats)
    parser_then_and_now(repeats)


MILLION = """import resource, sys, time
sys.path.insert(0, sys.argv[1])
import diffx
from diffx.limits import Limits
from run import logistic
limits = Limits(max_chars=10**9, max_nodes=10**7, max_work=10**12, max_memory=2**32)
src = logistic(200_000, 0.5) + " + 0.25"
t = time.perf_counter(); g = diffx.parse(src, limits=limits); parse = time.perf_counter() - t
t = time.perf_counter(); diffx.grad(g, x=0.3, limits=limits); grad = time.perf_counter() - t
print(len(g), parse, grad, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def million(repeats: int) -> None:
    """The 10^6-node program in a process of its own, so its peak memory is its own."""
    best_run = None
    for _ in range(max(1, repeats // 3)):
        out = subprocess.run([sys.executable, "-c", MILLION, str(ROOT)], capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parent, check=True).stdout.split()
        n, parse, grad, rss = int(out[0]), float(out[1]), float(out[2]), int(out[3])
        if best_run is None or parse + grad < best_run[1] + best_run[2]:
            best_run = (n, parse, grad, rss)
    n, parse, grad, rss = best_run
    row(f"{n:,}-node scalar program: parse + gradient", f"{parse + grad:.2f} s", "<= 4 s",
        f"parse {parse:.2f} s, gradient {grad:.2f} s, peak memory of the whole process {rss / 2**30:.2f} GiB "
        "(<= 1 GiB); limits raised with Limits(...)")


PARSE = """import sys, time
sys.path.insert(0, sys.argv[1])
import diffx
src = "l = x\\n" + "l = 3.7*l*(1 - l)\\n" * 1000 + "l"
times = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter(); diffx.parse(src); times.append(time.perf_counter() - t)
print(min(times) / len(src))
"""
BEFORE = "5c7d8b6"       # main when the speed issue was filed


def parser_then_and_now(repeats: int) -> None:
    """The parser's cost per character against the parser of the commit the speed issue measured."""
    import tempfile
    with tempfile.TemporaryDirectory() as old:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", BEFORE, "diffx"], capture_output=True)
        if archive.returncode:
            row("parser per character / at the issue", "skipped", "<= 0.33", f"git archive {BEFORE} failed")
            return
        subprocess.run(["tar", "-x", "-C", old], input=archive.stdout, check=True)
        now, then = [], []
        for _ in range(3):
            for where, times in ((str(ROOT), now), (old, then)):
                out = subprocess.run([sys.executable, "-c", PARSE, where, str(repeats)], capture_output=True,
                                     text=True, check=True).stdout
                times.append(float(out))
    row("parser per character / at the issue", min(now) / min(then), "<= 0.33",
        f"the logistic map x1000: {min(now)*1e6:.2f} µs a character now, {min(then)*1e6:.2f} at {BEFORE} "
        "(each best of its own process, alternated)")


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    subprocess.run([sys.executable, "-c", "import compileall, sys; compileall.compile_dir(sys.argv[1], quiet=1)",
                    str(Path(__file__).resolve().parents[1] / "diffx")], check=False)
    figures(3 if quick else 9)
