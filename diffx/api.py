"""The Python API: `parse`, `problem`, `evaluate`, `grad`, `compare`, `jacobian`, `hessian`, `jvp`, `vjp`, ...

Values come by keyword (`x=[0, 1, 2, 3]`) or as `at={"x": ...}`; a value may
be a number, a nested list, an array, or a constant expression string. Run
options come by keyword too, with the names the command line's flags have
(`wrt=`, `dtype=`, `numeric=`, `sizes=`, `strict=`, `random_seed=`, `vjp=`,
`tangent=`, `order=`, `rtol=`, `atol=`, `limits=`, `symbolic_timeout=`), or
whole as `options=diffx.options(...)`. A variable that shares an option's
name takes its value through `at=`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Mapping

import numpy as np

from . import registry
from .comparison import choose_mode, compare as _compare
from .errors import InputError
from .graph import Graph
from .limits import DEFAULT_LIMITS, Limits
from .options import Options, options as make_options, split
from .problem import Problem, build
from .results import Comparison

if TYPE_CHECKING:                     # diffx.graphview is loaded by inspect_graph, not by `import diffx`
    from .graphview import GraphReport


def parse(expr: str, *, limits: Limits = DEFAULT_LIMITS, random_seed: int = 0, seed: int | None = None) -> Graph:
    """The computation graph of an expression or program (printable, see `str(graph)`)."""
    from .parser import parse as _parse
    o = make_options(limits=limits, random_seed=random_seed, seed=seed)
    return _parse(expr, limits=o.limits, seed=o.random_seed)


def _split(at: Mapping[str, Any] | Iterable[str] | None, kw: dict[str, Any], base: Options | None,
           **fixed: Any) -> tuple[Options, Any]:
    """Options and values from one call's keywords (values may also come as at= or values=).

    `at` is a mapping of names to values, or a list of 'name=value' texts (as the command line's --at).
    """
    settings, values = split(kw)
    values = {**(values.pop("values", None) or {}), **values}
    o = make_options(base, **settings, **fixed)
    if at is None or isinstance(at, Mapping):
        return o, {**(at or {}), **values}
    if not isinstance(at, (list, tuple)) or not all(isinstance(t, str) for t in at):
        raise InputError(f"at= takes a mapping of variable names to values, not {type(at).__name__}; a variable "
                         "that shares a keyword's name takes its value through at=, e.g. at={'at': 1.0}")
    if values:
        raise InputError("give values either as at= texts or by keyword, not both", option="at")
    return o, list(at)


def problem(expr: Any, /, at: Mapping[str, Any] | None = None, *, options: Options | None = None,
            **kw: Any) -> Problem:
    """Parse (or record a Python function), bind the point and run the forward pass once."""
    o, values = _split(at, kw, options)
    return build(expr, values, o)


def evaluate(expr: str | Graph, /, at: Mapping[str, Any] | None = None, **kw) -> np.ndarray:
    """The value of the output at the point."""
    return np.asarray(problem(expr, at, **kw).value)


def compare(expr: Any, /, at: Mapping[str, Any] | None = None, *, options: Options | None = None,
            **kw) -> Comparison:
    """The derivative by several methods side by side, with their agreement verdict.

    A gradient by default; `vjp=V`, `tangent=t`, `order=2` or `kind="jacobian"`/`"hessian"` ask for others.
    """
    o, values = _split(at, kw, options)
    return _compare(build(expr, values, o))


def _one(expr, at, kw, kind: str, method: str | None) -> tuple[Problem, dict]:
    """The derivative of one kind by one method (for a Jacobian, None: the mode's), raised when it cannot run."""
    o, values = _split(at, kw, kw.pop("options", None), kind=kind if kind in ("jacobian", "hessian") else None)
    p = build(expr, values, o, lean=method == "reverse" and o.kind in ("gradient", "vjp"))   # its one use
    p.require_variables()
    if method is None:
        n, m = sum(int(np.size(p.point[k])) for k in p.wrt), int(np.size(p.output))
        method = choose_mode(o.mode, n, m)[0]
    registry.check([method], o.kind)
    result = registry.run(method, o.kind, p)
    if not result.ran:
        raise InputError(f"the {method} method cannot run here: {result.skipped}")
    return p, result.derivative


def grad(expr: Any, /, at: Mapping[str, Any] | None = None, *, method: str = "reverse", **kw) -> dict[str, np.ndarray]:
    """The gradient {name: array} of a scalar output, by one method (default reverse AD).

    With `vjp=V` (or `seed=` an array, as earlier releases spelled it) the
    result is the vector-Jacobian product Vᵀ·J, what PyTorch's
    `y.backward(V)` gives for a non-scalar output.
    """
    return _one(expr, at, kw, "gradient", method)[1]


def grad_fn(expr: Any, /, *, wrt: Iterable[str] | str | None = None, options: Options | None = None, **kw):
    """A gradient function for repeated calls: `f = grad_fn("x^2*y", wrt="x")`, then `f(x=..., y=...)` gives
    (value, {name: gradient}).

    The expression is parsed once; the first call at each set of shapes runs
    the general path and compiles the forward pass and the reverse sweep into
    straight-line Python (`diffx graph EXPR --view code` shows it), which later
    calls run. Run options come by keyword (`limits=`, `random_seed=`, `dtype=`).
    """
    from .codegen import GradFn
    settings, values = split(kw)
    if values:
        raise InputError(f"grad_fn takes the values when it is called: f({', '.join(f'{k}=...' for k in values)})")
    o = make_options(options, **settings, wrt=wrt)
    graph = expr if isinstance(expr, Graph) else parse(expr, limits=o.limits, random_seed=o.random_seed)
    return GradFn(graph, o)


def jacobian(expr: Any, /, at: Mapping[str, Any] | None = None, *, method: str | None = None, mode: str = "auto",
             **kw):
    """The Jacobian: shape output + variable with one variable, else a dict by variable name.

    `method` None (or "ad") is AD in the mode with fewer passes, or the `mode` asked for.
    """
    p, out = _one(expr, at, {**kw, "mode": mode}, "jacobian", None if method == "ad" else method)
    return out[p.wrt[0]] if len(p.wrt) == 1 else out


def hessian(expr: Any, /, at: Mapping[str, Any] | None = None, *, method: str = "reverse", **kw):
    """Second derivatives of a scalar output: shape var + var with one variable, else a dict keyed by pairs."""
    p, blocks = _one(expr, at, kw, "hessian", method)
    return blocks[p.wrt[0], p.wrt[0]] if len(p.wrt) == 1 else blocks


def jvp(expr: Any, /, at: Mapping[str, Any] | None = None, *, tangent: Any, method: str = "forward",
        **kw) -> np.ndarray:
    """The Jacobian-vector product J·t (shape of the output); `tangent` maps variables to directions."""
    return _one(expr, at, {**kw, "tangent": tangent}, "jvp", method)[1]["jvp"]


def vjp(expr: Any, /, at: Mapping[str, Any] | None = None, *, seed: Any = None, method: str = "reverse",
        **kw) -> dict[str, np.ndarray]:
    """The vector-Jacobian product Vᵀ·J per variable (PyTorch's y.backward(V)): V as `vjp=` or `seed=`."""
    if seed is not None:
        if kw.get("vjp") is not None:
            raise InputError("give the VJP seed once: vjp= or seed=", option="vjp")
        kw["vjp"] = seed
    if kw.get("vjp") is None:
        raise InputError("vjp() needs the seed V: vjp=V", option="vjp")
    return _one(expr, at, kw, "vjp", method)[1]


def inspect_graph(expr: Any, /, at: Mapping[str, Any] | None = None, **kw) -> GraphReport:
    """Every node of the graph with its value and adjoint."""
    p = problem(expr, at, **kw)
    from .graphview import report
    return report(p.graph, p.values)


def compare_file(path, /, *, methods: Iterable[str] | None = None, options: Options | None = None, jobs: int = 1,
                 executor: str = "local", scheduler: str | None = None, **kw):
    """Every case of a .toml / .json / .jsonl file compared; `to_dict()` is `diffx compare --file --json`.

    `jobs=N` runs the cases in N worker processes (None: one per core), `executor="dask"` on a Dask cluster
    (`scheduler=` its address, else DASK_SCHEDULER_ADDRESS, else a LocalCluster): the results and their order
    are those of one process."""
    from .batch import read_cases, run_batch
    from .batch_jobs import runner, start
    o = make_options(options, methods=tuple(methods or registry.EVERY), **kw)
    chosen = runner(executor, jobs, scheduler)
    cases = read_cases(path)
    if chosen[0] == "local" and chosen[1] == 1:
        return run_batch(cases, o)
    pool = start(chosen, len(cases))
    try:
        return run_batch(cases, o, executor=pool)
    finally:
        if pool is not None:
            pool.close()


def trace(expr: Any, /, at: Mapping[str, Any] | None = None, *, tangent: Any = None, **kw):
    """The evaluation trace (primal, tangent along `tangent`, adjoint) with its costs; `.to_dict()` is --json.

    `tangent` is a variable name (a direction of ones in it) or {name: direction}; default the first variable.
    """
    from .evaltrace import trace as make_trace
    from .problem import directions
    from .rng import Seeded
    p = problem(expr, at, **kw)
    p.require_variables()
    p.require_scalar("an evaluation trace")
    if tangent is None:
        tangent = next(iter(p.graph.variables))
    return make_trace(p, directions(p, tangent, Seeded(p.options.random_seed), fill=False))
