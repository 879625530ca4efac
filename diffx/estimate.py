"""What a command will cost, estimated from the graph's shapes before the work starts.

The element limit bounds one array, but a command's time and memory come
from how many arrays it makes and how many passes it runs over them: a
reverse sweep keeps every value and its adjoint, a Jacobian is n passes, a
Hessian n passes over a recorded gradient, finite differences a few
evaluations per input element, a plot one sweep per point. Those counts are
known once the forward pass has run (every node's shape is then known), so
each method's work (element-operations) and memory (bytes) is estimated
here and held against `max_work` and `max_memory`; a method past either is
refused with both figures and the limit to raise, instead of running for
minutes or exhausting the machine.

The figures are estimates, not measurements: `RATE` is what one core of the
2-core machine this was tuned on does (a forward pass of elementwise ops,
benchmarks/run.py has the timings), and `NODE_OPS` prices the fixed cost
of visiting one node (about 1-3 µs of Python) in element-operations.
"""
from __future__ import annotations

import math
from operator import attrgetter

import numpy as np

from .errors import LimitError
from .limits import how_to_raise
from .ops import OPS
from .records import dataclass  # dataclasses' own, made without compiling source
from .scalars import all_floats

_INPUTS = attrgetter("inputs")

RATE = 3e8                # element-operations per second, one core, forward pass of elementwise ops
NODE_OPS = 1_000          # the fixed cost of one node visit, in element-operations
CALL_OPS = 30_000         # the fixed cost of one method's call (about 100 µs), or of one plotted point's problem
EVAL_OPS = 12_000         # the fixed cost of one perturbed evaluation of finite differences (about 40 µs)
RECORD_OPS = 3_000        # recording one node of a gradient as a graph (a traced value per node)
SWEEP = 2                 # a reverse sweep or a tangent pass, in forward passes (a rule per input)
RECORDED = 3              # a gradient recorded as a graph (forward and reverse nodes), in forward passes
MEASURES = 10             # temporaries of one derivative's size the comparison makes while measuring it
MEASURE_OPS = 40          # element-operations per derivative element to measure it (fresh temporaries, twice)
# evaluations per input element of each finite-difference scheme (tests/corpus.py's medians, rounded up)
STEPS = {"forward": 2, "backward": 2, "central": 4, "complex": 1, "richardson": 8}


@dataclass(frozen=True)
class Sizes:
    """The facts of one evaluated problem every estimate is made of."""

    forward: int          # element-operations of one forward pass (node visits priced at NODE_OPS at least)
    kept: int             # bytes of every node's value
    inputs: int           # n: elements of the differentiated variables
    outputs: int          # m: elements of the output
    nodes: int


@dataclass(frozen=True)
class Estimate:
    work: int             # element-operations
    memory: int           # bytes held at once
    what: str             # what was counted, in words


def node_work(node, values) -> int:
    """One node's forward cost: its output and inputs touched, a matrix product the product of its sizes."""
    out = _size(values[node.id])
    ins = [_size(values[i]) for i in node.inputs]
    work = out + sum(ins)
    if OPS[node.op].kind == "linalg" and ins:
        # (n,k)@(k,m): sqrt(nk·km·nm) = nkm; a vector dot n; an outer product nm; one input (inv, det) size^1.5
        work = max(work, int(math.sqrt(math.prod(ins) * max(out, 1))) if len(ins) > 1 else int(ins[0] ** 1.5))
    return max(work, NODE_OPS)


def sizes(p) -> Sizes:
    """The problem's counts (a loop over its nodes: linear in the program)."""
    values = p.values
    forward = _scalar_forward(p.graph.nodes, values)
    if forward is None:
        forward = sum(node_work(n, values) for n in p.graph.nodes)
    return Sizes(forward, kept_bytes(values), sum(int(np.size(p.point[k])) for k in p.wrt),
                 int(np.size(p.output)), len(p.graph.nodes))


def kept_bytes(values) -> int:
    if all_floats(values):
        return 8 * len(values)
    return sum(int(getattr(v, "nbytes", 8)) for v in values)


def _scalar_forward(nodes, values) -> int | None:
    """`node_work` summed for a program of 0-d values without visiting each node in Python: every node of fewer
    than NODE_OPS inputs costs NODE_OPS (its sizes are all 1), or None when the values are not all 0-d."""
    if not all_floats(values) or max(map(len, map(_INPUTS, nodes)), default=0) + 1 > NODE_OPS:
        return None
    return NODE_OPS * len(nodes)


def _size(v) -> int:
    return int(getattr(v, "size", 1))


def result_elements(kind: str, s: Sizes) -> int:
    """Elements of one method's derivative: a gradient n, a JVP m, a Jacobian m·n, a Hessian n²."""
    return {"gradient": s.inputs, "vjp": s.inputs, "jvp": s.outputs, "jacobian": s.outputs * s.inputs,
            "hessian": s.inputs * s.inputs}[kind]


def method(p, name: str, kind: str, s: Sizes | None = None) -> Estimate:
    """One method's work and memory for one kind of derivative (its forward pass is already done)."""
    e = _method(p, name, kind, s or sizes(p))
    return Estimate(e.work + CALL_OPS, e.memory, e.what)


def _method(p, name: str, kind: str, s: Sizes) -> Estimate:
    F, n, m, V = s.forward, s.inputs, s.outputs, s.kept
    result = 8 * result_elements(kind, s)
    sweep = SWEEP * F
    if name == "reverse":
        passes = {"gradient": 1, "vjp": 1, "jvp": m, "jacobian": m}.get(kind)
        if passes is not None:
            return Estimate(passes * sweep, V + result, f"{_n(passes, 'reverse sweep')} of {_ops(sweep)}")
        return Estimate(RECORDED * F + RECORD_OPS * s.nodes + n * SWEEP * RECORDED * F, RECORDED * V + result,
                        f"a recorded gradient, then {_n(n, 'tangent pass', 'tangent passes')} over it "
                        f"of {_ops(SWEEP * RECORDED * F)}")
    if name == "forward":
        passes = {"gradient": n, "vjp": n, "jvp": 1, "jacobian": n}.get(kind)
        if passes is not None:
            return Estimate(passes * sweep, V + result, f"{_n(passes, 'tangent pass', 'tangent passes')} of "
                                                        f"{_ops(sweep)}")
        recorded = n * (RECORDED * F + RECORD_OPS * s.nodes)
        return Estimate(recorded + n * n * SWEEP * RECORDED * F, RECORDED * V + result,
                        f"{_n(n * n, 'tangent pass', 'tangent passes')} over "
                        f"{_n(n, 'recorded tangent pass', 'recorded tangent passes')}")
    if name.startswith("numeric"):
        if kind == "jvp":
            return Estimate(2 * F, 2 * V + result, "2 evaluations")
        if kind == "hessian":
            return Estimate(2 * n * (F + sweep), 2 * V + result, f"{_n(2 * n, 'gradient')} of {_ops(F + sweep)}")
        steps = STEPS.get(scheme_of(p, name), max(STEPS.values()))
        caps = n * sweep if any(rule.surface for nd in p.graph.nodes for rule in OPS[nd.op].kinks) else 0
        return Estimate(n * steps * (F + EVAL_OPS) + caps, steps * V + result,
                        f"{_n(n, 'input element')} × {_n(steps, 'evaluation')} of {_ops(F)}")
    # SymPy is held to its own time budget; its matrix form is evaluated once at the point
    return Estimate(F, result, "one evaluation of the derivative")


def scheme_of(p, name: str) -> str:
    """The finite-difference scheme a numeric method will run (the default one is chosen from the ops)."""
    if name != "numeric":
        return name.removeprefix("numeric-")
    if p.options.numeric or p.python is not None:
        return p.options.numeric or "central"
    from .numeric import default_scheme     # what diffx.numeric_methods.chosen_scheme picks
    return default_scheme(p.graph, p.wrt, irregular=bool(p.kinks or p.nonfinite))


def measuring(kind: str, s: Sizes) -> int:
    """Bytes the comparison holds while measuring one method's derivative against the reference."""
    return MEASURES * 8 * result_elements(kind, s)


def refusal(e: Estimate, limits, subject: str) -> LimitError | None:
    """A LimitError naming the limit an estimate passes, both figures and how to raise it (None: within)."""
    if e.work > limits.max_work:
        return LimitError(f"{subject} would take about {_big(e.work)} element-operations ({e.what}; about "
                          f"{e.work / RATE:,.0f} s at {RATE / 1e6:,.0f} million a second), more than "
                          f"max_work={_big(limits.max_work)} "
                          f"({how_to_raise('max_work')})", option="limit")
    if e.memory > limits.max_memory:
        return LimitError(f"{subject} would hold about {_bytes(e.memory)} ({e.what}), more than "
                          f"max_memory={_bytes(limits.max_memory)} ({how_to_raise('max_memory')})")
    return None


def plan(p, names, kind: str) -> dict[str, str]:
    """{method: why it is skipped} for the methods a comparison cannot afford, in order, the total in view.

    The comparison holds every method's derivative and measures each against
    the reference, so the memory is counted over all of them; the work too
    (the methods run one after another). A method that would pass a limit is
    skipped and says why; the others still run. When none is left, the first
    refusal is raised: the whole command is refused.
    """
    s = sizes(p)
    work, held, skipped, first = 0, s.kept + measuring(kind, s), {}, None
    measured = MEASURE_OPS * result_elements(kind, s)
    for name in names:
        e = method(p, name, kind, s)
        e = Estimate(e.work + measured, e.memory, f"{e.what}, then measured against the reference")
        refused = refusal(Estimate(e.work, held + e.memory, e.what), p.limits, f"the {name} {kind}") or \
            refusal(Estimate(work + e.work, held + e.memory, e.what), p.limits,
                    f"the {name} {kind} after the methods before it")
        if refused is not None:
            skipped[name], first = refused.message, first or refused
            continue
        work, held = work + e.work, held + 8 * result_elements(kind, s)
    if first is not None and len(skipped) == len(list(names)):
        raise first
    return skipped


def check(p, name: str, kind: str) -> None:
    """Raise the LimitError of a method whose estimate passes a limit."""
    refused = refusal(method(p, name, kind), p.limits, f"the {name} {kind}")
    if refused is not None:
        raise refused


def check_sweep(p, what: str = "the reverse sweep") -> None:
    """Every value and its adjoint must fit in max_memory (what the graph view, a trace and reverse AD keep)."""
    kept = kept_bytes(p.values)
    e = Estimate(0, 2 * kept, f"{_bytes(kept)} of values and as much of adjoints over {len(p.graph.nodes):,} "
                              "nodes")
    refused = refusal(e, p.limits, what)
    if refused is not None:
        raise refused


def _n(k: int, word: str, plural: str | None = None) -> str:
    return f"{k:,} {word if k == 1 else plural or word + 's'}"


def _ops(work: int) -> str:
    return f"{_big(work)} element-operations each"


def _big(x: float) -> str:
    return f"{x:,.0f}" if x < 1e6 else f"{x:.2g}".replace("e+0", "e").replace("e+", "e")


def _bytes(b: float) -> str:
    for unit, size in (("GiB", 1024 ** 3), ("MiB", 1024 ** 2), ("KiB", 1024)):
        if b >= size:
            return f"{b / size:.3g} {unit}"
    return f"{int(b)} bytes"
