"""What the user expects: their formulas (diffx-language text, parsed by diffx's parser and evaluated by
`evaluate`, never by Python) or their gradient function's results, at one point, keyed as the reference is.

A key is a variable's name for a gradient or a Jacobian, and a pair of names for a Hessian block: `x` is the
block (x, x), `x,y` the block (x, y).
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from .errors import DiffxError, InputError


def show(key) -> str:
    """How a key is written: `w`, or `x` for the Hessian block (x, x), `x,y` for (x, y)."""
    if isinstance(key, tuple):
        return key[0] if key[0] == key[1] else f"{key[0]},{key[1]}"
    return key


def key_of(name: Any, variables: list[str], kind: str):
    """The reference's key for a name the user wrote, refused when it is not a variable (or a pair of them)."""
    text = ",".join(map(str, name)) if isinstance(name, tuple) else str(name)
    parts = [s.strip() for s in text.split(",")] if kind == "hessian" else [text.strip()]
    if len(parts) > 2 or not all(parts):
        raise InputError(f"expect= names {text!r}: a Hessian block is NAME or NAME,NAME", option="expect")
    for part in parts:
        if part not in variables:
            raise InputError(f"expect= names {part!r}, which is not a variable of the expression (its variables: "
                             f"{', '.join(variables)})", option="expect")
    if kind == "hessian":
        return (parts[0], parts[-1])
    return parts[0]


def bindings(p) -> str:
    """A program's statements before its output ('u = X@w - y'), which an expected formula may use."""
    from .text import one_line
    src = p.graph.source if p.python is None and isinstance(p.graph.source, str) else ""
    return one_line(src).rpartition("; ")[0] if src else ""


def formulas(expect: Mapping[str, str], variables: list[str], o, bound: str = "") -> dict:
    """{key: the formula's graph}; a formula may use the program's bound names (its statements come first)."""
    from .parser import parse
    if not isinstance(expect, Mapping) or not expect:
        raise InputError("expect= takes {variable name: formula text}, e.g. {'w': '2*X.T@(X@w - y)'}",
                         option="expect")
    out = {}
    for name, text in expect.items():
        key = key_of(name, variables, o.kind)
        if key in out:
            raise InputError(f"expect= gives {show(key)} twice", option="expect")
        if isinstance(text, (int, float, list)) and not isinstance(text, bool):
            out[key] = np.asarray(text, dtype=np.float64)         # numbers (a batch file's `expect`)
            continue
        if not isinstance(text, str) or not text.strip():
            raise InputError(f"expect= for {show(key)}: give the derivative as formula text in diffx's language",
                             option="expect")
        try:
            g = parse(text, limits=o.limits, seed=o.random_seed)
        except DiffxError as exc:          # the caret points into the formula's own text
            raise type(exc)(f"expect= for {show(key)}: {exc.message}", option="expect",
                            source=exc.source or text, span=exc.span) from None
        stray = [v for v in g.variables if v not in variables]
        if stray and bound:
            joined = parse(f"{bound}; {text}", limits=o.limits, seed=o.random_seed)
            if all(v in variables for v in joined.variables):
                g, stray = joined, []
        if stray:
            raise InputError(f"expect= for {show(key)} uses {', '.join(stray)}, which the expression does not have "
                             f"(its variables: {', '.join(variables)})", option="expect",
                             source=text, span=g.nodes[g.variables[stray[0]]].span)
        out[key] = g
    return out


def evaluate(found: dict, point: dict, o) -> dict:
    """Every expected formula at the point (numbers stay as they are)."""
    from .options import options
    from .problem import build
    plain = options(limits=o.limits, random_seed=o.random_seed)
    out = {}
    for key, g in found.items():
        if isinstance(g, np.ndarray):
            out[key] = g
            continue
        try:
            out[key] = np.asarray(build(g, {v: point[v] for v in g.variables}, plain).value, dtype=np.float64)
        except DiffxError as exc:        # the formula itself cannot be evaluated: bad input, shown in its text
            raise type(exc)(f"expect= for {show(key)} cannot be evaluated: {exc.message}", option="expect",
                            source=exc.source if exc.span is not None else g.source, span=exc.span) from None
    return out


def call(fn: Callable, point: dict, variables: list[str], wanted: list, kind: str) -> dict:
    """The user's gradient function at the point: numpy arrays in, an array / tuple / dict out."""
    from .pyfunc import PythonFunction, UserCodeError, wrap
    if not callable(fn):
        raise InputError(f"expect_python= takes a function, not {type(fn).__name__}", option="expect_python")
    pf = fn if isinstance(fn, PythonFunction) else wrap(fn)
    params = [n for n in pf.parameters if n in point]
    by_name = bool(params) and all(n in point or has_default for n, has_default in _parameters(pf.fn))
    order = params if by_name else variables
    args = {n: np.array(point[n]) for n in order}
    try:
        out = pf.fn(**args) if by_name else pf.fn(*args.values())
    except DiffxError:
        raise
    except Exception as exc:  # noqa: BLE001 - the user's gradient function raised: their error, shown as theirs
        raise UserCodeError(pf._describe(exc)) from None
    name = pf.name
    if isinstance(out, Mapping):
        got = {}
        for k, v in out.items():
            try:
                got[key_of(k, variables, kind)] = v
            except InputError:
                raise InputError(f"expect_python= {name} returned a gradient for {k!r}, which is not a variable "
                                 f"(the variables: {', '.join(variables)})", option="expect_python") from None
        absent = [show(k) for k in wanted if k not in got]
        if absent:
            raise InputError(f"expect_python= {name} returned no derivative for {', '.join(absent)}",
                             option="expect_python")
    elif isinstance(out, (tuple, list)) and not all(isinstance(v, (int, float)) for v in out):
        names = list(order) if len(out) == len(order) and kind != "hessian" else \
            wanted if len(out) == len(wanted) else None
        if names is None:
            raise InputError(f"expect_python= {name} returned {len(out)} gradients, but there are {len(order)} "
                             f"arguments ({', '.join(order)}): return one per argument, in order, or a dict by "
                             "name", option="expect_python")
        got = dict(zip(names, out))
    else:
        if len(wanted) != 1:
            raise InputError(f"expect_python= {name} returned one array, but {len(wanted)} variables are checked "
                             f"({', '.join(map(show, wanted))}): return a tuple in argument order or a dict by name",
                             option="expect_python")
        got = {wanted[0]: out}
    try:
        return {k: np.asarray(got[k], dtype=np.float64) for k in wanted}
    except (TypeError, ValueError) as exc:
        raise InputError(f"expect_python= {name} returned something that is not an array: {exc}",
                         option="expect_python") from None


def _parameters(fn) -> list[tuple[str, bool]]:
    """A function's named parameters, each with whether it has a default (one the check need not give)."""
    import inspect
    try:
        found = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return []
    return [(q.name, q.default is not q.empty) for q in found
            if q.kind in (q.POSITIONAL_ONLY, q.POSITIONAL_OR_KEYWORD, q.KEYWORD_ONLY)]


def described(fn) -> str:
    """A gradient function as the result names it: `model.py:grad` or `grad()`."""
    file = getattr(fn, "file", None)
    name = getattr(fn, "name", None) or getattr(fn, "__name__", "gradient function")
    return f"{file}:{name}" if file else f"{name}()"
