"""A problem: one graph at one point, evaluated once, with the options of the run.

`build` is the one function every front end uses to get from what a user
gave (expression text, a `Graph` or a Python function; values as a mapping
or as `--at` texts; an `Options`) to what every method starts from. The
problem is frozen; a derived one (the graph of a VJP) is made with
`dataclasses.replace`.
"""
from __future__ import annotations

from dataclasses import replace
from functools import cached_property
from typing import Any, Iterable, Mapping

import numpy as np

from . import engine
from .engine import evaluate, quiet, reverse_reads
from .estimate import check_sweep
from .errors import InputError, NotScalarError
from .graph import Graph
from .options import Options
from .point import bind, choose_wrt, read_at, read_directions, value_of
from .records import dataclass  # dataclasses' own, made without compiling source
from .rng import Seeded


@dataclass(frozen=True)
class Problem:
    graph: Graph
    point: dict[str, np.ndarray]
    wrt: list[str]
    values: list
    options: Options
    value: Any = None                    # the expression's output (for a VJP: not the seeded sum)
    python: Any = None                   # diffx.pyfunc.PythonRun when recorded from a Python function
    tangent: dict[str, np.ndarray] | None = None   # a JVP's directions, checked against the variables
    seed: np.ndarray | None = None       # a VJP's seed V; the graph is then that of sum(V * output)
    lean: bool = False                   # values keeps only what a reverse sweep reads (the rest are NaN
    #                                      stand-ins of their shape, `diffx.engine.released`): the problem of one
    #                                      reverse gradient, whose sweep releases the values as it passes them

    @property
    def output(self):
        return self.values[self.graph.output]

    @property
    def dtype(self):
        return self.options.float_type

    @property
    def limits(self):
        return self.options.limits

    def zeros(self, name: str) -> np.ndarray:
        return np.zeros(np.shape(self.point[name]))

    def require_scalar(self, what: str = "a gradient") -> None:
        shape = np.shape(self.output)
        if shape != ():
            raise NotScalarError(f"the output has shape {tuple(shape)}, but {what} needs a scalar output: wrap it "
                                 "in sum(...), or ask for the vector-Jacobian product (vjp=V), the "
                                 "Jacobian-vector product (tangent=T) or the whole Jacobian (kind='jacobian')",
                                 source=self.graph.source, span=self.graph.nodes[self.graph.output].span,
                                 option="vjp")

    def require_variables(self) -> None:
        if not self.graph.variables:
            raise InputError(f"the expression has no variables, so nothing to differentiate (its value is "
                             f"{np.asarray(self.output).tolist()})")

    @cached_property
    def kinks(self) -> list:
        """The declared kinks the forward pass sits on (computed once, read by every method and the verdict)."""
        from .diagnostics import find_kinks
        with quiet():
            return find_kinks(self.graph, self.values, self.wrt)

    @cached_property
    def nonfinite(self) -> dict | None:
        """The first node whose value is not finite although its inputs are."""
        from .diagnostics import first_nonfinite
        with quiet():
            return first_nonfinite(self.graph, self.values)


def build(expr: Any, at: Mapping[str, Any] | Iterable[str] | None = None, opts: Options = Options(),
          lean: bool = False) -> Problem:
    """Parse (or record), bind the point and run the forward pass once; then shape it to the options' kind.

    `lean`: the problem will serve one reverse gradient (or VJP) and nothing else (see `Problem.lean`)."""
    rng = Seeded(opts.random_seed)
    if isinstance(expr, Graph) or isinstance(expr, str):
        p = _from_graph(expr, at, opts, rng, lean)
    elif callable(expr):
        p = _from_function(expr, at, opts, rng)
    else:
        raise InputError(f"the expression must be text, a Graph or a Python function, not {type(expr).__name__}")
    return _shaped(p, rng)


def _from_graph(expr: str | Graph, at, opts: Options, rng: Seeded, lean: bool = False) -> Problem:
    from .parser import parse
    graph = expr if isinstance(expr, Graph) else parse(expr, limits=opts.limits, rng=rng)
    point = _point(at, graph.variables, rng, opts)
    point = bind(graph, point, rng=rng, limits=opts.limits)
    return evaluated(graph, point, choose_wrt(graph, opts.wrt), opts, lean=lean)


def _from_function(fn, at, opts: Options, rng: Seeded) -> Problem:
    from . import pyfunc
    if opts.dtype != "float64":
        raise InputError("dtype='float32' works on expressions; a Python function runs in float64")
    fn = fn if isinstance(fn, pyfunc.PythonFunction) else pyfunc.wrap(fn)
    run = pyfunc.record_function(fn, _point(at, fn.parameters, rng, opts))
    return Problem(run.graph, run.point, choose_wrt(run.graph, opts.wrt), run.values, opts,
                   value=run.values[run.graph.output], python=run)


def _point(at, names, rng: Seeded, opts: Options) -> dict[str, np.ndarray]:
    """Values from a mapping (numbers, arrays, constant expressions) or from `--at` texts."""
    if at is None:
        return {}
    if isinstance(at, Mapping):
        return {k: value_of(v, name=k, rng=rng, limits=opts.limits) for k, v in at.items()}
    if isinstance(at, str) or not all(isinstance(t, str) for t in at):
        raise InputError("at= takes a mapping of variable names to values (or a list of 'name=value' texts)")
    return read_at(at, list(names), rng=rng, limits=opts.limits)


def evaluated(graph: Graph, point: dict[str, np.ndarray], wrt: list[str], opts: Options, lean: bool = False,
              **more) -> Problem:
    """The problem with every node's value at the point (in float32 when the options say so); `lean`: only the
    values a reverse sweep towards `wrt` reads (`Problem.lean`)."""
    dtype = opts.float_type
    keep = None
    if lean and any(getattr(v, "nbytes", 0) >= engine.RELEASE_BYTES for v in point.values()):
        keep = reverse_reads(graph, graph.depends_on([graph.variables[name] for name in wrt]))
    with quiet():
        if dtype is not None:             # 1e308 in float32 is inf, said by the diagnostics, not by a warning
            point = {k: np.asarray(v).astype(dtype) for k, v in point.items()}
        values = evaluate(graph, point, dtype=dtype, keep=keep)
    more.setdefault("value", values[graph.output])
    p = Problem(graph, point, list(wrt), values, opts, lean=lean, **more)
    check_sweep(p)                # every value and its adjoint must fit: what a reverse sweep or a view keeps
    return p


def _shaped(p: Problem, rng: Seeded) -> Problem:
    """A VJP problem differentiates sum(V * output); a JVP problem carries its checked directions."""
    o = p.options
    if o.kind == "vjp":
        return vjp_problem(p, value_of(o.vjp, name="the VJP seed", rng=rng, limits=o.limits))
    if o.kind == "jvp":
        return replace(p, tangent=directions(p, o.tangent, rng))
    if o.kind == "hessian" and o.order == 2 and sum(int(np.size(p.point[k])) for k in p.wrt) != 1:
        raise InputError("order=2 takes a function of one scalar; for more inputs ask for the Hessian "
                         "(kind='hessian')", option="order")
    return p


def vjp_problem(p: Problem, v: np.ndarray) -> Problem:
    """The problem whose gradient is vᵀJ: the same point and options, output sum(v * output)."""
    if v.shape != np.shape(p.output):
        raise InputError(f"the VJP seed has shape {v.shape}, but the output has shape {np.shape(p.output)}")
    g = seeded(p.graph, v)
    q = evaluated(g, p.point, p.wrt, p.options, lean=p.lean, value=p.output, python=p.python, seed=v)
    return q


def seeded(graph: Graph, seed: np.ndarray) -> Graph:
    """The graph of sum(seed * output): its gradient is the vector-Jacobian product seedᵀJ."""
    g = Graph(source=graph.source, nodes=list(graph.nodes), variables=dict(graph.variables), limits=graph.limits)
    span = g.nodes[graph.output].span
    v = g.const(seed, span=span, label="seed")
    g.output = g.add("sum", (g.add("mul", (v, graph.output), span=span),), span=span)
    return g


def directions(p: Problem, tangent: Any, rng: Seeded, fill: bool = True) -> dict[str, np.ndarray]:
    """JVP directions from a name (ones), {name: direction}, `tangent` texts, or a direction of the one variable.

    With `fill`, every differentiated variable gets one (zeros where none was given).
    """
    if isinstance(tangent, str):
        tangent = [tangent]
    if isinstance(tangent, (list, tuple)) and all(isinstance(t, str) for t in tangent):
        given = read_directions(tangent, p.graph, p.point, rng=rng, limits=p.limits)
    elif isinstance(tangent, Mapping):
        given = {}
        for k, v in tangent.items():
            if k not in p.graph.variables:
                raise InputError(f"tangent of {k}: not a variable of the expression "
                                 f"(its variables: {', '.join(p.graph.variables)})")
            given[k] = value_of(v, name=f"the tangent of {k}", rng=rng, limits=p.limits)
    elif len(p.wrt) == 1:
        given = {p.wrt[0]: value_of(tangent, name=f"the tangent of {p.wrt[0]}", rng=rng, limits=p.limits)}
    else:
        raise InputError("tangent= takes {name: direction} when there are several variables")
    extra = [k for k in given if k not in p.wrt]
    if extra:
        raise InputError(f"tangent of {', '.join(extra)}: not a differentiated variable ({', '.join(p.wrt)})")
    out = {}
    for name in (p.wrt if fill else [k for k in p.wrt if k in given]):
        t = np.asarray(given.get(name, np.zeros(np.shape(p.point[name]))), dtype=np.float64)
        if t.shape != np.shape(p.point[name]):
            raise InputError(f"the tangent of {name} has shape {t.shape}, but {name} has shape "
                             f"{np.shape(p.point[name])}")
        out[name] = t if p.dtype is None else t.astype(p.dtype)
    return out
