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

from run import best, diffx_cmd, have, logistic, micro_logistic, row, wall  # noqa: E402 - run.py's helpers (imported as a module)


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


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    subprocess.run([sys.executable, "-c", "import compileall, sys; compileall.compile_dir(sys.argv[1], quiet=1)",
                    str(Path(__file__).resolve().parents[1] / "diffx")], check=False)
    figures(3 if quick else 9)
