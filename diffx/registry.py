"""The method registry: one row per method and finite-difference scheme.

A row has the method's name, its label, what it costs in words, and the
function it runs for each kind of derivative it serves. The command line's
choices, `compare`'s rows, `plot`'s curves and the JSON `"cost"` all read
it. A new finite-difference scheme is a function in `diffx.numeric` and a
row there; its `numeric-NAME` method appears here by itself.
"""
from __future__ import annotations

import time
from typing import Callable

from . import ad, estimate, numeric_methods
from .errors import DiffxError, InputError, LimitError, RuleError
from .numeric import SCHEMES
from .engine import quiet
from .problem import Problem
from .records import dataclass  # dataclasses' own, made without compiling source
from .results import MethodResult


@dataclass(frozen=True)
class Method:
    name: str
    label: str
    about: str                                   # what it does and costs, in words
    serves: dict[str, Callable[..., MethodResult]]   # kind -> the function for that kind
    exact: bool = False                          # AD and SymPy: exact up to rounding, a possible reference
    watches: bool = False                        # its sweep can be watched (on_step) by the diagnostics


def _symbolic(function: str, kind: str | None = None) -> Callable[..., MethodResult]:
    """symbolic_methods.<function> (or its matrix_method(kind)), loaded on the first call: diffx.symbolic_methods
    brings the matrix form (matrixform, simplify, mexpr, mprint, fractions), which a run without SymPy never uses."""
    def run(p: Problem, *rest) -> MethodResult:
        from . import symbolic_methods
        fn = getattr(symbolic_methods, function)
        return (fn(kind) if kind is not None else fn)(p, *rest)
    run.__name__ = run.__qualname__ = f"{function}_{kind}" if kind else function
    return run


def _scheme_row(scheme: str) -> Method:
    label = SCHEMES[scheme].label
    return Method(f"numeric-{scheme}", label, f"{label} of the forward pass",
                  {"gradient": numeric_methods.gradient(f"numeric-{scheme}", scheme),
                   "vjp": numeric_methods.gradient(f"numeric-{scheme}", scheme),
                   "jacobian": numeric_methods.jacobian(f"numeric-{scheme}", scheme)})


_ROWS = [
    Method("reverse", "reverse AD", "one forward pass + one reverse sweep per output",
           {"gradient": ad.gradient_reverse, "vjp": ad.gradient_reverse, "jvp": ad.jvp_reverse,
            "jacobian": ad.jacobian_reverse, "hessian": ad.hessian_reverse}, exact=True, watches=True),
    Method("forward", "forward AD", "one tangent pass per input component",
           {"gradient": ad.gradient_forward, "vjp": ad.gradient_forward, "jvp": ad.jvp_forward,
            "jacobian": ad.jacobian_forward, "hessian": ad.hessian_forward}, exact=True),
    Method("symbolic", "symbolic (SymPy)", "SymPy derivative evaluated at the point with 30 digits",
           {"gradient": _symbolic("gradient"), "vjp": _symbolic("gradient"), "jvp": _symbolic("jvp"),
            "jacobian": _symbolic("jacobian"), "hessian": _symbolic("hessian")}, exact=True),
    Method("symbolic-matrix", "symbolic, matrix form", "the derivative in matrix notation (2*X.T@(X@w - y)), "
           "printed in diffx's language, parsed back and evaluated at the point",
           {"gradient": _symbolic("matrix_method", "gradient"), "vjp": _symbolic("matrix_method", "vjp"),
            "jacobian": _symbolic("matrix_method", "jacobian"), "hessian": _symbolic("matrix_method", "hessian")}),
    Method("numeric", "finite differences", "the most accurate safe scheme (complex step where the ops allow, "
                                            "else Richardson extrapolation), or the one numeric= names",
           {"gradient": numeric_methods.gradient("numeric"), "vjp": numeric_methods.gradient("numeric"),
            "jvp": numeric_methods.jvp, "jacobian": numeric_methods.jacobian("numeric"),
            "hessian": numeric_methods.hessian}),
    *(_scheme_row(s) for s in SCHEMES),
]
METHODS: dict[str, Method] = {m.name: m for m in _ROWS}

DEFAULTS = {"gradient": ("reverse", "symbolic", "symbolic-matrix", "numeric"), "vjp": ("reverse", "symbolic", "numeric"),
            "jvp": ("forward", "reverse", "symbolic", "numeric"), "jacobian": ("symbolic", "numeric"),
            "hessian": ("reverse", "symbolic", "numeric")}
EVERY = ("reverse", "forward", "symbolic", *(f"numeric-{s}" for s in SCHEMES))   # what `compare` runs


def every(kind: str) -> tuple[str, ...]:
    """Every method and variant that computes this kind (plain "numeric" where no named scheme does)."""
    named = [n for n in EVERY if kind in METHODS[n].serves]
    schemes = any(n.startswith("numeric-") for n in named)
    return tuple(named) if schemes else (*named, "numeric")


def names(kind: str) -> list[str]:
    """The methods that serve a kind of derivative."""
    return [m.name for m in _ROWS if kind in m.serves]


def check(methods, kind: str) -> list[str]:
    """The names, each a method that serves this kind (else a clear error)."""
    out = list(dict.fromkeys(methods))
    for name in out:
        if not isinstance(name, str) or name not in METHODS:
            raise InputError(f"unknown method {name!r}: choose from {', '.join(METHODS)}", option="methods")
        if kind not in METHODS[name].serves:
            raise InputError(f"the {name} method does not compute a {kind}: choose from {', '.join(names(kind))}",
                             option="methods")
    return out


def run(name: str, kind: str, p: Problem, on_step=None) -> MethodResult:
    """Run one method, timing it; a method that cannot run says why instead of failing.

    Work or memory past the limits (`diffx.estimate`) is refused before it starts, with a LimitError.
    """
    row = METHODS[name]
    estimate.check(p, name, kind)
    fn = row.serves[kind]
    start = time.perf_counter()
    try:
        with quiet():
            result = fn(p, on_step) if row.watches and on_step is not None and kind in ("gradient", "vjp") else fn(p)
    except DiffxError as exc:
        if name in ("reverse", "forward") and not isinstance(exc, RuleError):
            raise
        result = MethodResult(name, skipped=exc.message)
    except (ArithmeticError, ValueError, TypeError, RecursionError) as exc:
        if name in ("reverse", "forward"):
            raise
        result = MethodResult(name, skipped=f"{name} failed: {type(exc).__name__}: {exc}")
    except MemoryError:
        refused = LimitError(f"the {name} {kind} needed more memory than this machine has (lower the work, or "
                             "max_memory, so that it is refused before it starts)")
        if name in ("reverse", "forward"):
            raise refused from None
        result = MethodResult(name, skipped=refused.message)
    if result.ran and not isinstance(result.derivative, dict):      # a method that gave nothing is said, not measured
        result = MethodResult(name, skipped=f"the {name} method returned no derivative")
    result.seconds = time.perf_counter() - start
    return result
