"""The options of one run, in one frozen object built by one function.

Every front end (the command line, the Python API, batch files, plots) turns
what it was given into an `Options` with `options(...)`, which checks each
value once; a changed copy is made with `dataclasses.replace`, never by
mutation, so no path can silently drop an option it was handed.
"""
from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, Mapping

import numpy as np

from .budget import ISOLATIONS
from .errors import InputError
from .limits import DEFAULT_LIMITS, Limits
from .records import dataclass  # dataclasses' own, made without compiling source

KINDS = ("gradient", "vjp", "jvp", "jacobian", "hessian")
DTYPES = {"float64": None, "float32": np.float32}
MODES = ("auto", "forward", "reverse", "both")


@dataclass(frozen=True)
class Options:
    """What one run asks for. `kind` follows from the others (a VJP seed makes it "vjp")."""

    kind: str = "gradient"              # gradient, vjp, jvp, jacobian or hessian
    wrt: tuple[str, ...] | None = None  # the variables to differentiate (None: all)
    methods: tuple[str, ...] | None = None   # None: the kind's default methods
    numeric: str | None = None          # the scheme of the plain "numeric" method (None: the best safe one)
    dtype: str = "float64"              # "float32": every method but the symbolic runs in single precision
    sizes: bool = False                 # the symbolic method also counts its derivative's operations
    strict: bool = False                # a disagreement at a kink is a failure, not explained
    random_seed: int = 0                # for randn/rand in values, expressions, seeds and tangents
    vjp: Any = None                     # the seed V of the vector-Jacobian product Vᵀ·J
    tangent: Any = None                 # the direction t of the Jacobian-vector product J·t
    order: int = 1                      # 2: the second derivative of a function of one scalar
    mode: str = "auto"                  # Jacobians: forward, reverse, auto (fewer passes) or both
    rtol: float = 1e-6
    atol: float | None = None           # None: 1e-8 × the largest magnitude of each reference (at least 1e-12)
    limits: Limits = DEFAULT_LIMITS
    isolation: str = "process"          # how the symbolic time budget is kept: a forked process or a thread

    @property
    def symbolic_timeout(self) -> float:
        return self.limits.symbolic_seconds

    @property
    def float_type(self):
        """np.float32, or None for float64 (numpy's default)."""
        return DTYPES[self.dtype]


NAMES = tuple(f.name for f in fields(Options)) + ("symbolic_timeout", "seed")


def options(base: Options | None = None, /, **settings: Any) -> Options:
    """The one way to make run options: `base` (or the defaults) with `settings` checked and applied.

    `symbolic_timeout=S` sets the limit `symbolic_seconds`; `seed=` is an
    accepted spelling of `random_seed=` (an integer) or of `vjp=` (an array),
    and the note it makes says which it took.
    """
    settings = {k: v for k, v in settings.items() if v is not None or k in ("vjp", "tangent", "wrt", "methods")}
    unknown = [k for k in settings if k not in NAMES]
    if unknown:
        raise InputError(f"unknown option {unknown[0]}=: the options are {', '.join(NAMES)}")
    if "seed" in settings:
        settings.update(_seed_spelling(settings.pop("seed"), settings))
    if "symbolic_timeout" in settings:
        seconds = _number(settings.pop("symbolic_timeout"), "symbolic_timeout")
        limits = settings.get("limits", (base or Options()).limits)
        settings["limits"] = replace(_limits(limits), symbolic_seconds=seconds)
    checked = {name: _CHECKS.get(name, lambda v, s: v)(value, settings) for name, value in settings.items()}
    made = replace(base or Options(), **checked)
    return _with_kind(made)


def split(kw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """One call's keywords as (option settings, variable values): a name is an option if `Options` has it."""
    settings = {k: v for k, v in kw.items() if k in NAMES}
    return settings, {k: v for k, v in kw.items() if k not in NAMES}


def seed_note(seed: Any) -> str:
    """What `seed=` was taken as: said once, since the spelling has two meanings."""
    kind = "the random seed (random_seed=)" if _is_integer(seed) else "the VJP seed vector (vjp=)"
    return f"seed= was taken as {kind}"


def _seed_spelling(seed: Any, settings: dict) -> dict:
    if _is_integer(seed):
        if "random_seed" in settings:
            raise InputError("give the random seed once: random_seed= or seed=")
        return {"random_seed": int(seed)}
    if settings.get("vjp") is not None:
        raise InputError("give the VJP seed once: vjp= or seed=")
    return {"vjp": seed}


def _is_integer(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, np.integer)):
        return True
    return isinstance(v, str) and v.strip().lstrip("+-").isdigit()


def _with_kind(o: Options) -> Options:
    """The kind the other options ask for, and a clear refusal of combinations that mean nothing."""
    asked = [name for name, on in (("vjp", o.vjp is not None), ("tangent", o.tangent is not None),
                                   ("order=2", o.order == 2)) if on]
    if len(asked) > 1:
        raise InputError(f"{' and '.join(asked)} ask for different derivatives: give one of them")
    implied = {"vjp": "vjp", "tangent": "jvp", "order=2": "hessian"}[asked[0]] if asked else "gradient"
    kind = o.kind if o.kind in ("jacobian", "hessian") else implied
    if asked and kind != implied:
        raise InputError(f"{asked[0]} goes with a gradient, not a {kind}")
    if o.mode != "auto" and kind != "jacobian":
        raise InputError(f"mode={o.mode!r} chooses the AD mode of a Jacobian; a {kind} has no mode to choose")
    return o if kind == o.kind else replace(o, kind=kind)


def _number(v: Any, name: str, low: float = 0.0) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise InputError(f"{name}= takes a number, not {v!r}") from None
    if not x >= low:
        raise InputError(f"{name}= must be at least {low:g}, not {v!r}")
    return x


def _choice(name: str, allowed) -> Any:
    def check(v, settings):
        if v not in allowed:
            raise InputError(f"{name}={v!r}: choose from {', '.join(map(str, allowed))}")
        return v
    return check


def _names(name: str):
    def check(v, settings):
        if v is None:
            return None
        items = v.split(",") if isinstance(v, str) else list(v)
        if not all(isinstance(i, str) for i in items):
            raise InputError(f"{name}= takes names, not {v!r}")
        items = [i.strip() for i in items if i.strip()]
        if not items:
            raise InputError(f"{name}= names nothing")
        return tuple(dict.fromkeys(items))
    return check


def _numeric(v, settings):
    from .numeric import SCHEMES
    if v in (None, "auto"):
        return None
    v = str(v).removeprefix("numeric-")
    if v not in SCHEMES:
        raise InputError(f"numeric={v!r}: choose a finite-difference scheme from auto, {', '.join(SCHEMES)}")
    return v


def _order(v, settings):
    if isinstance(v, bool) or v not in (1, 2):
        raise InputError(f"order={v!r}: diffx computes first and second derivatives (1 or 2)")
    return int(v)


def _random_seed(v, settings):
    if not _is_integer(v):
        raise InputError(f"random_seed= is the seed of randn/rand, an integer, not {type(v).__name__}")
    return int(v)


def _limits(v, settings=None):
    if not isinstance(v, Limits):
        raise InputError(f"limits= takes a diffx.Limits, not {type(v).__name__}")
    return v


def _tangent(v, settings):
    if v is None or isinstance(v, (str, Mapping, list, tuple, np.ndarray)):
        return dict(v) if isinstance(v, Mapping) else v
    raise InputError(f"tangent= takes a variable name, {{name: direction}} or a direction, not {type(v).__name__}")


_CHECKS = {
    "kind": _choice("kind", KINDS),
    "wrt": _names("wrt"),
    "methods": _names("methods"),
    "numeric": _numeric,
    "dtype": lambda v, s: _choice("dtype", tuple(DTYPES))(v if isinstance(v, str) else np.dtype(v).name, s),
    "sizes": lambda v, s: bool(v),
    "strict": lambda v, s: bool(v),
    "random_seed": _random_seed,
    "tangent": _tangent,
    "order": _order,
    "mode": _choice("mode", MODES),
    "rtol": lambda v, s: _number(v, "rtol"),
    "atol": lambda v, s: _number(v, "atol"),
    "limits": _limits,
    "isolation": _choice("isolation", ISOLATIONS),
}
