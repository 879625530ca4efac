"""The point: values for the variables, read from `name=value` texts or Python objects.

A value is a number, an array, or a constant expression in the same safe
language (`[[1, 2], [3, 4]]`, `arange(4)`, `randn(4, 5)`); integers become
float64, because derivatives need floats.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

import numpy as np

from .errors import DiffxError, InputError
from .graph import Graph
from .limits import DEFAULT_LIMITS, Limits
from .parser import parse_constant

_NAMED = re.compile(r"\s*([A-Za-z_][A-Za-z_0-9]*)\s*=(?!=)(.*)\Z", re.S)


def value_of(v: Any, *, name: str, rng, limits: Limits = DEFAULT_LIMITS) -> np.ndarray:
    """A float64 array from a number, a nested list, an array or a constant expression."""
    if isinstance(v, str):
        try:
            return parse_constant(_vector_text(v), limits=limits, rng=rng)
        except DiffxError as exc:
            raise type(exc)(f"value of {name}: {exc.message}", source=exc.source, span=exc.span) from None
    if v is None or isinstance(v, (dict, set, bytes)):
        raise InputError(f"value of {name} is not a number or an array of numbers: {type(v).__name__}")
    try:
        return np.asarray(v, dtype=np.float64)   # no copy: no method writes into a value
    except (TypeError, ValueError) as exc:
        raise InputError(f"value of {name} is not a number or an array of numbers: {exc}") from None


def _vector_text(text: str) -> str:
    """`0,1,2,3` means the vector [0, 1, 2, 3]: wrap a top-level comma list in brackets."""
    depth = 0
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            return f"[{text}]"
    return text


def read_at(texts: Iterable[str], names: Iterable[str], *, rng,
            limits: Limits = DEFAULT_LIMITS) -> dict[str, np.ndarray]:
    """Read `at` texts: `x=0,1,2,3` (named) or `0,1,2,3` (when there is one variable, of `names`)."""
    names = list(names.variables if isinstance(names, Graph) else names)
    point: dict[str, np.ndarray] = {}
    for text in texts:
        m = _NAMED.match(text)
        if m:
            name, body = m.group(1), m.group(2)
        elif len(names) == 1:
            name, body = names[0], text
        else:
            raise InputError(f"at={text!r} has no name, but the expression has {len(names)} "
                             f"variables ({', '.join(names) or 'none'}): write at=name=value", option="at")
        if name in point:
            raise InputError(f"two values for {name}")
        point[name] = value_of(body, name=name, rng=rng, limits=limits)
    return point


def bind(graph: Graph, values: Mapping[str, Any], *, rng,
         limits: Limits = DEFAULT_LIMITS) -> dict[str, np.ndarray]:
    """Check that every variable has a value and every value a variable."""
    odd = [k for k in values if not isinstance(k, str)]
    if odd:
        raise InputError(f"values are named by strings, not {type(odd[0]).__name__} ({odd[0]!r}): "
                         f"at={{'x': 1.0}}", option="at")
    extra = [k for k in values if k not in graph.variables]
    if extra:
        have = ", ".join(graph.variables) or "none"
        raise InputError(f"{', '.join(extra)} {'is' if len(extra) == 1 else 'are'} not "
                         f"{'a variable' if len(extra) == 1 else 'variables'} of the expression "
                         f"(its variables: {have})")
    missing = [k for k in graph.variables if k not in values]
    if missing:
        raise InputError(f"no value for {', '.join(missing)}: give "
                         + " ".join(f"at={k}=..." for k in missing), option="at")
    return {k: value_of(values[k], name=k, rng=rng, limits=limits) for k in graph.variables}


def choose_wrt(graph: Graph, wrt: Iterable[str] | str | None) -> list[str]:
    """The variables to differentiate: all free variables unless named."""
    if wrt is None:
        return list(graph.variables)
    names = [w.strip() for w in (wrt.split(",") if isinstance(wrt, str) else wrt) if w.strip()]
    unknown = [w for w in names if w not in graph.variables]
    if unknown:
        raise InputError(f"wrt={', '.join(unknown)}: not a variable of the expression "
                         f"(its variables: {', '.join(graph.variables) or 'none'})", option="wrt")
    if not names:
        raise InputError("wrt= names no variable", option="wrt")
    return list(dict.fromkeys(names))


def read_directions(texts: Iterable[str], graph: Graph, point: dict[str, np.ndarray], *, rng,
                    limits: Limits = DEFAULT_LIMITS, what: str = "tangent") -> dict[str, np.ndarray]:
    """Read tangent directions: `x` (ones in x's shape), `x=1,0,0`, or `1,0,0` for the one variable."""
    out: dict[str, np.ndarray] = {}
    for text in texts:
        name = text.strip()
        if name in graph.variables:
            out[name] = np.ones(np.shape(point[name]))
            continue
        m = _NAMED.match(text)
        if m:
            name, body = m.group(1), m.group(2)
        elif len(graph.variables) == 1:
            name, body = next(iter(graph.variables)), text
        else:
            raise InputError(f"{what}={text!r} has no name: write {what}=name=value or {what}=name", option=what)
        if name not in graph.variables:
            raise InputError(f"{what}={name}: not a variable of the expression "
                             f"(its variables: {', '.join(graph.variables)})", option=what)
        out[name] = value_of(body, name=f"the {what} of {name}", rng=rng, limits=limits)
    return out
