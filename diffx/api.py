"""The Python API: `parse`, `evaluate`, `grad`, `compare`, `jacobian`, `hessian`, `jvp`, `vjp`.

Values come by keyword (`x=[0, 1, 2, 3]`) or as `at={"x": ...}`; a value may
be a number, a nested list, an array, or a constant expression string.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np

from . import kinks as _kinks
from . import methods as _methods
from .functions import Seeded
from .graph import Graph
from .inspect import GraphReport, report
from .limits import DEFAULT_LIMITS, Limits
from .methods import DEFAULT_METHODS, METHODS, Problem
from .parser import parse as _parse
from .results import GradResult, judge
from .errors import InputError
from . import derivatives as _derivatives
from .derivatives import seeded
from .text import count
from .values import bind, choose_wrt, value_of


def parse(expr: str, *, limits: Limits = DEFAULT_LIMITS, seed: int = 0) -> Graph:
    """The computation graph of an expression or program (printable, see `str(graph)`)."""
    return _parse(expr, limits=limits, seed=seed)


def problem(expr: str | Graph, /, at: Mapping[str, Any] | None = None, *, wrt: Iterable[str] | str | None = None,
            seed: int = 0, limits: Limits = DEFAULT_LIMITS, values: Mapping[str, Any] | None = None,
            **more: Any) -> Problem:
    """Parse, bind the point and run the forward pass once: what every method starts from."""
    _check_arguments(expr, at, seed, limits, wrt)
    rng = Seeded(seed)
    merged = {**(at or {}), **(values or {}), **more}
    if callable(expr) and not isinstance(expr, Graph):
        from . import pyfunc
        fn = expr if isinstance(expr, pyfunc.PythonFunction) else pyfunc.wrap(expr)
        point = {k: value_of(v, name=k, rng=rng, limits=limits) for k, v in merged.items()}
        return pyfunc.trace(fn, point, wrt, limits)
    graph = expr if isinstance(expr, Graph) else _parse(expr, limits=limits, rng=rng)
    point = bind(graph, merged, rng=rng, limits=limits)
    return Problem.build(graph, point, choose_wrt(graph, wrt), limits)


def _check_arguments(expr, at, seed, limits, wrt) -> None:
    """Clear errors for arguments of the wrong kind, notably a variable that shares a keyword's name."""
    hint = ("; a variable with that name takes its value through at=, e.g. at={'at': 1.0}")
    if not (isinstance(expr, (str, Graph)) or callable(expr)):
        raise InputError(f"the expression must be text, a Graph or a Python function, not {type(expr).__name__}")
    if at is not None and not isinstance(at, Mapping):
        raise InputError(f"at= takes a mapping of variable names to values, not {type(at).__name__}" + hint)
    if not isinstance(limits, Limits):
        raise InputError(f"limits= takes a diffx.Limits, not {type(limits).__name__}" + hint)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InputError(f"seed= is the random seed, an integer, not {type(seed).__name__}" + hint)
    if wrt is not None and not isinstance(wrt, (str, list, tuple)):
        raise InputError(f"wrt= takes variable names, not {type(wrt).__name__}" + hint)


def evaluate(expr: str | Graph, /, at: Mapping[str, Any] | None = None, *, seed: int = 0, **values) -> np.ndarray:
    """The value of the output at the point."""
    return np.asarray(problem(expr, at, seed=seed, values=values).output)


def grad(expr: str | Graph, /, at: Mapping[str, Any] | None = None, *, wrt: Iterable[str] | str | None = None,
         method: str = "reverse", seed: Any = 0, limits: Limits = DEFAULT_LIMITS, **values) -> dict[str, np.ndarray]:
    """The gradient {name: array} of a scalar output, by one method (default reverse AD).

    `seed` is the random seed for randn/rand when it is an integer; an array
    (or array text) is a VJP seed V, and the result is Vᵀ·J, as PyTorch's
    `y.backward(V)` gives for a non-scalar output.
    """
    _check_methods([method])
    random_seed, v = _split_seed(seed)
    p = problem(expr, at, wrt=wrt, seed=random_seed, limits=limits, values=values)
    if v is not None:
        p = vjp_problem(p, v)
    p.require_scalar()
    return _run_one(p, METHODS, method)


def compare(expr: str | Graph, /, at: Mapping[str, Any] | None = None, *, wrt: Iterable[str] | str | None = None,
            methods: Iterable[str] | None = None, rtol: float = 1e-6, atol: float = 1e-8, seed: int = 0,
            limits: Limits = DEFAULT_LIMITS, strict: bool = False, **values) -> GradResult:
    """The gradient by several methods side by side, with their agreement verdict."""
    p = problem(expr, at, wrt=wrt, seed=seed, limits=limits, values=values)
    return compare_problem(p, methods, rtol=rtol, atol=atol, strict=strict)


def compare_problem(p: Problem, methods: Iterable[str] | None = None, *, rtol: float = 1e-6,
                    atol: float = 1e-8, strict: bool = False) -> GradResult:
    """`compare` on a prepared problem (the CLI's entry, which reads values itself)."""
    p.require_variables()
    p.require_scalar()
    result = _side_by_side(p, "gradient", METHODS, methods or DEFAULT_METHODS, rtol, atol, strict=strict)
    symbolic = result.methods.get("symbolic")
    if p.want_sizes and (symbolic is None or not symbolic.ran):
        why = "it was not asked for" if symbolic is None else f"it did not finish: {symbolic.skipped}"
        result.notes.append(f"derivative sizes not counted: they come from the symbolic method, and {why}")
    return result


def _side_by_side(p: Problem, kind: str, table: dict, names: Iterable[str], rtol: float, atol: float,
                  extra: dict | None = None, strict: bool = False, **options) -> GradResult:
    """Run methods from `table` on one problem and judge them against the first that ran."""
    names = list(dict.fromkeys(names))
    _check_methods(names, table)
    results = {name: _methods.run(name, p, table, **options) for name in names}
    reference = _reference(results, names)
    extra = dict(extra or {})
    if getattr(p, "decisions", None) is not None and getattr(p, "function", None) is not None:
        from .pyfunc import branch_summary
        extra["path"] = branch_summary(p.decisions)
    result = GradResult(p.graph.source, p.point, np.asarray(p.output), p.wrt, results, reference, rtol, atol,
                        kind=kind, extra=extra, strict=strict)
    with _methods.quiet():
        result.kinks = _kinks.gather(p, results.values())
        result.nonfinite = _kinks.first_nonfinite(p.graph, p.values)
        born = (_kinks.first_nonfinite_adjoint(p) if kind in ("gradient", "vjp") and "reverse" in results
                and results["reverse"].ran else None)
    if born:
        result.extra["nonfinite_adjoint"] = born
    if getattr(p, "hint", None):
        result.notes.append(p.hint)
    if results[reference].ran:
        judge(result)
    return result


def _reference(results: dict, names: list[str]) -> str:
    """SymPy (exact) when it ran and is finite everywhere, else the first exact method that is, else the most
    finite exact method: a finite difference is never the truth (across a pole it is finite and meaningless)."""
    exact = [n for n in ("symbolic", "reverse", "forward") if n in results and results[n].ran]
    order = exact or [n for n in names if results[n].ran]
    if not order:
        return names[0]

    def finite(n: str) -> float:
        arrays = [np.asarray(v, dtype=np.float64) for v in results[n].gradient.values()]
        total = sum(a.size for a in arrays)
        return sum(int(np.isfinite(a).sum()) for a in arrays) / total if total else 1.0
    return next((n for n in order if finite(n) == 1.0), max(order, key=finite))


def _split_seed(seed) -> tuple[int, Any]:
    """`seed` is the random seed when it is an integer, else the VJP seed vector."""
    if seed is None:
        return 0, None
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return int(seed), None
    if isinstance(seed, str) and seed.strip().lstrip("+-").isdigit():
        return int(seed), None
    return 0, seed


def vjp_problem(p: Problem, seed, *, rng=None) -> Problem:
    """The problem whose gradient is seedᵀJ: the same point, output sum(seed * output)."""
    v = value_of(seed, name="the seed", rng=rng or Seeded(0), limits=p.limits)
    if v.shape != np.shape(p.output):
        raise InputError(f"the seed has shape {v.shape}, but the output has shape {np.shape(p.output)}")
    return Problem.build(seeded(p.graph, v), p.point, p.wrt, p.limits)


def vjp_compare(p: Problem, seed, methods=None, *, rtol=1e-6, atol=1e-8, rng=None) -> GradResult:
    q = vjp_problem(p, seed, rng=rng)
    r = _side_by_side(q, "vjp", METHODS, methods or DEFAULT_METHODS, rtol, atol,
                      extra={"seed": q.graph.nodes[q.graph.output - 2].params["value"]})
    r.value = np.asarray(p.output)
    return r


def jvp_compare(p: Problem, tangent: Mapping[str, Any], methods=None, *, rtol=1e-6, atol=1e-8,
                rng=None) -> GradResult:
    t = {k: value_of(v, name=f"the tangent of {k}", rng=rng or Seeded(0), limits=p.limits)
         for k, v in tangent.items()}
    _derivatives._tangents(p, t)          # bad input fails here, before any method runs
    return _side_by_side(p, "jvp", _derivatives.JVP, methods or ("forward", "reverse", "symbolic", "numeric"),
                         rtol, atol, extra={"tangent": t}, tangent=t)


def jacobian_compare(p: Problem, methods=None, *, mode: str = "auto", rtol=1e-6, atol=1e-8) -> GradResult:
    """The Jacobian by forward and reverse AD (or the mode chosen), SymPy and finite differences."""
    p.require_variables()
    n = sum(int(np.size(p.point[k])) for k in p.wrt)
    m = int(np.size(p.output))
    chosen, why = _choose_mode(mode, n, m)
    ad = [chosen] if mode != "both" else ["reverse", "forward"]
    names = methods or (*ad, "symbolic", "numeric")
    return _side_by_side(p, "jacobian", _derivatives.JACOBIAN, names, rtol, atol,
                         extra={"output_shape": list(np.shape(p.output)), "mode": chosen, "mode_reason": why,
                                "passes": {"forward": n, "reverse": m}})


def _choose_mode(mode: str, n: int, m: int) -> tuple[str, str]:
    """Forward mode costs one pass per input (n), reverse one sweep per output (m)."""
    if mode in ("auto", "both"):
        chosen = "reverse" if m <= n else "forward"
        if m == n:
            return chosen, (f"either mode takes {count(n, 'pass', 'passes')} (m = n = {n}); reverse chosen, as it "
                            "takes ties")
        return chosen, (f"{chosen} mode: {count(min(m, n), 'pass', 'passes')} instead of {max(m, n)} "
                        f"(reverse needs one per output, m = {m}; forward one per input, n = {n})")
    if mode not in ("forward", "reverse"):
        raise InputError(f"unknown mode {mode!r}: choose forward, reverse or auto")
    return mode, (f"{mode} mode, as asked (forward would need {count(n, 'pass', 'passes')}, "
                  f"reverse {count(m, 'sweep')})")


def hessian_compare(p: Problem, methods=None, *, rtol=1e-6, atol=1e-6) -> GradResult:
    p.require_variables()
    p.require_scalar()
    return _side_by_side(p, "hessian", _derivatives.HESSIAN, methods or ("reverse", "symbolic", "numeric"),
                         rtol, atol)


def jacobian(expr, /, at=None, *, wrt=None, mode: str = "auto", method: str | None = None, seed: int = 0,
             limits: Limits = DEFAULT_LIMITS, **values):
    """The Jacobian: shape output + variable with one variable, else a dict by variable name."""
    p = problem(expr, at, wrt=wrt, seed=seed, limits=limits, values=values)
    n, m = sum(int(np.size(p.point[k])) for k in p.wrt), int(np.size(p.output))
    name = method if method not in (None, "ad") else _choose_mode(mode, n, m)[0]
    return _single(p, _derivatives.JACOBIAN, name)


def hessian(expr, /, at=None, *, wrt=None, method: str = "reverse", seed: int = 0, limits: Limits = DEFAULT_LIMITS,
            **values):
    """Second derivatives of a scalar output: shape var + var with one variable, else a dict keyed by pairs."""
    p = problem(expr, at, wrt=wrt, seed=seed, limits=limits, values=values)
    p.require_scalar()
    blocks = _run_one(p, _derivatives.HESSIAN, method)
    if len(p.wrt) == 1:
        return blocks[f"{p.wrt[0]},{p.wrt[0]}"]
    return {tuple(k.split(",")): v for k, v in blocks.items()}


def jvp(expr, /, at=None, *, tangent: Mapping[str, Any], wrt=None, method: str = "forward", seed: int = 0,
        limits: Limits = DEFAULT_LIMITS, **values) -> np.ndarray:
    """The Jacobian-vector product J·t (shape of the output); `tangent` maps variables to directions."""
    p = problem(expr, at, wrt=wrt, seed=seed, limits=limits, values=values)
    t = {k: value_of(v, name=f"the tangent of {k}", rng=Seeded(seed), limits=limits) for k, v in tangent.items()}
    return _run_one(p, _derivatives.JVP, method, tangent=t)["jvp"]


def vjp(expr, /, at=None, *, seed, wrt=None, method: str = "reverse", limits: Limits = DEFAULT_LIMITS,
        random_seed: int = 0, **values) -> dict[str, np.ndarray]:
    """The vector-Jacobian product seedᵀJ, per variable (PyTorch's y.backward(seed))."""
    p = problem(expr, at, wrt=wrt, seed=random_seed, limits=limits, values=values)
    return _run_one(vjp_problem(p, seed), METHODS, method)


def _single(p: Problem, table: dict, method: str):
    out = _run_one(p, table, method)
    return out[p.wrt[0]] if len(p.wrt) == 1 else out


def _run_one(p: Problem, table: dict, method: str, **options) -> dict:
    _check_methods([method], table)
    p.require_variables()
    result = _methods.run(method, p, table, **options)
    if not result.ran:
        raise InputError(f"the {method} method cannot run here: {result.skipped}")
    return result.gradient


def inspect_graph(expr: str | Graph, /, at: Mapping[str, Any] | None = None, *, seed: int = 0,
                  limits: Limits = DEFAULT_LIMITS, **values) -> GraphReport:
    """Every node of the graph with its value and adjoint."""
    p = problem(expr, at, seed=seed, limits=limits, values=values)
    return report(p.graph, p.values)


def _check_methods(names: Iterable[str], table: dict = METHODS) -> None:
    for name in names:
        if not isinstance(name, str) or name not in table:
            raise InputError(f"unknown method {name!r}: choose from {', '.join(table)}")


def compare_file(path, /, *, methods: Iterable[str] | None = None, seed: int = 0,
                 limits: Limits = DEFAULT_LIMITS):
    """Every case of a .toml / .json / .jsonl file compared; `to_dict()` is `diffx compare --file --json`."""
    from .batch import read_cases, run_batch
    from .methods import ALL_METHODS
    return run_batch(read_cases(path), list(methods or ALL_METHODS), limits=limits, seed=seed)


def trace(expr, /, at: Mapping[str, Any] | None = None, *, tangent: Mapping[str, Any] | str | None = None,
          seed: int = 0, limits: Limits = DEFAULT_LIMITS, **values):
    """The evaluation trace (primal, tangent along `tangent`, adjoint) with its costs; `.to_dict()` is --json.

    `tangent` is a variable name (a direction of ones in it) or {name: direction}; default the first variable.
    """
    from .evaltrace import trace as make_trace
    p = problem(expr, at, seed=seed, limits=limits, values=values)
    p.require_scalar()
    if tangent is None:
        tangent = next(iter(p.graph.variables))
    if isinstance(tangent, str):
        if tangent not in p.point:
            raise InputError(f"tangent {tangent!r}: not a variable (its variables: {', '.join(p.point)})")
        tangent = {tangent: np.ones(np.shape(p.point[tangent]))}
    directions = {k: value_of(v, name=f"the tangent of {k}", rng=Seeded(seed), limits=limits) for k, v in tangent.items()}
    return make_trace(p, directions)
