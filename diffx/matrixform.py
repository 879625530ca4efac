"""Derivatives in matrix notation, written in diffx's own language: `2*X.T@(X@w - y)`, for inputs of any size.

The op table's reverse rules run on symbolic matrix values (`diffx.mexpr`):
every variable is a named symbol of its shape (the other variables and the
constants stay names, `X`, `y`, not numbers), the engine's reverse sweep
applies each op's own rule, and the simplifying constructors collect the
result as a textbook would. The printed program (`diffx.mprint`) is parsed
back by diffx's own parser and evaluated at the point: the formula is
itself checked. No SymPy is imported, and nothing here grows with the
arrays' sizes: a 512×512 X costs what a 3×2 X does, but for evaluating.

Jacobians: of a vector by a vector, the reverse sweep with a symbolic seed
G gives Jᵀ@G, read off as the matrix Jᵀ (A for A@x, diag(f'(x)) =
`eye(n)*f'(x)` for an elementwise f); of anything by a scalar, one tangent
pass. Hessians: the Jacobian of the printed gradient (A + A.T for
x.(A@x)). A derivative that is a tensor of order three or more has no
matrix form, and says so. The forms are generic (u*x/u = x, a divisor's
guard `where(y == 0, 1, y)` = y); `exact=True` keeps the guards, for a point
where the generic form is undefined (the norm at the zero vector).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from . import simplify  # noqa: F401  (fills mexpr.RULES)
from .engine import backward, evaluate, forward_tangents, quiet
from .errors import DiffxError
from .graph import Graph
from .limits import DEFAULT_LIMITS, Limits
from .mexpr import MX, NoMatrixForm, chain, contains, fresh, lift, lin, make, node, num, prod, sym
from .mprint import program, sympy_notation
from .ops import OPS

MAX_NODES = 2000          # longer programs are read best as their AD graph


@dataclass
class Forms:
    """Matrix-form programs by variable (or Hessian block "a,b"), and why a variable has none."""

    text: dict = field(default_factory=dict)        # key -> diffx program
    why: dict = field(default_factory=dict)         # key -> the reason there is no matrix form
    closed: dict = field(default_factory=dict)      # key -> SymPy notation, where it can say it


def _symbols(graph: Graph, point: dict) -> dict[str, MX]:
    for name in graph.variables:
        if np.ndim(point[name]) > 2:
            raise NoMatrixForm(f"{name} has {np.ndim(point[name])} axes; matrix notation has two at most")
    return {name: sym(name, np.shape(point[name])) for name in graph.variables}


def _sweep(graph: Graph, point: dict):
    """The forward values as symbolic matrices, and the user's names for them (a bound `h = W@X + b`)."""
    if len(graph.nodes) > MAX_NODES:
        raise NoMatrixForm(f"the expression has {len(graph.nodes):,} nodes; the matrix form is written for at "
                           f"most {MAX_NODES:,} (the AD graph is the readable form of a longer program)")
    with quiet():
        values = evaluate(graph, _symbols(graph, point), traced=True)
    labels = {}
    for n in graph.nodes:
        v = values[n.id]
        if n.label and not OPS[n.op].free and isinstance(v, MX) and id(v) not in labels:
            labels[id(v)] = n.label
    return values, labels


def _zeros(shape) -> MX:
    z = num(Fraction(0))
    return z if not shape else node("broadcast_to", (z,), {"shape": tuple(shape)}, tuple(shape))


def _written(forms: Forms, key, build, labels, taken) -> None:
    try:
        expr = build()
        forms.text[key] = program(expr, labels, taken)
        if expr.ndim:
            closed = sympy_notation(expr)
            if closed is not None:
                forms.closed[key] = closed
    except NoMatrixForm as exc:
        forms.why[key] = str(exc)
    except (DiffxError, RecursionError, ValueError, TypeError, ArithmeticError) as exc:
        forms.why[key] = f"the matrix form could not be derived ({type(exc).__name__}: {exc})"


def _guarded(fn):
    def run(*args, exact: bool = False, **kw):
        simplify.GENERIC[0] = not exact
        try:
            with fresh():
                return fn(*args, **kw)
        except NoMatrixForm as exc:
            keys = kw.get("keys") or args[2]
            return Forms(why={k: str(exc) for k in keys})
        except (DiffxError, RecursionError, ValueError, TypeError, ArithmeticError) as exc:
            keys = kw.get("keys") or args[2]
            return Forms(why={k: f"the matrix form could not be derived ({type(exc).__name__}: {exc})"
                              for k in keys})
        finally:
            simplify.GENERIC[0] = True
    return run


def _gradients(graph: Graph, point: dict, wrt: list[str], seed=None):
    values, labels = _sweep(graph, point)
    out = values[graph.output]
    if not isinstance(out, MX):
        return {name: _zeros(np.shape(point[name])) for name in wrt}, labels
    ids = [graph.variables[name] for name in wrt]
    with quiet():
        adj = backward(graph, values, lift(1.0) if seed is None else seed, wrt=ids)
    return {name: adj[i] if adj[i] is not None else _zeros(np.shape(point[name])) for name, i in zip(wrt, ids)}, \
        labels


@_guarded
def gradient(graph: Graph, point: dict, wrt: list[str]) -> Forms:
    """∂(scalar output)/∂(each variable) in matrix form, of the variable's shape."""
    grads, labels = _gradients(graph, point, wrt)
    forms = Forms()
    for name in wrt:
        _written(forms, name, lambda name=name: grads[name], labels, graph.variables)
    return forms


def _linear_matrix(v: MX, g: MX) -> MX:
    """The matrix M with v = M@g, for v built linearly from the vector g."""
    if v is g:
        return node("eye", (), {"n": g.shape[0]}, (g.shape[0], g.shape[0]))
    if v.op == "lin":
        if any(t.op == "num" for t in v.args):
            raise NoMatrixForm("internal: a constant term in a linear map")
        ones = node("broadcast_to", (num(Fraction(1)),), {"shape": v.shape}, v.shape)
        parts = [(c, make("outer", [ones, _row(t, g)], {}) if t.ndim == 0 else _linear_matrix(t, g))
                 for c, t in zip(v.params["coefs"], v.args)]
        return lin(parts, parts[0][1].shape)
    if v.op == "chain" and v.args[-1].ndim == 1:
        return chain(list(v.args[:-1]) + [_linear_matrix(v.args[-1], g)])
    if v.op == "product":
        inner = [(f, p) for f, p in zip(v.args, v.params["powers"]) if _has(f, g)]
        if len(inner) == 1 and inner[0][1] == 1:
            rest = [(f, p) for f, p in zip(v.args, v.params["powers"]) if f is not inner[0][0]]
            scale = prod(Fraction(1), rest, v.shape)
            if inner[0][0].ndim == 0:              # v·(r.g): the outer product of v and r
                return make("outer", [scale, _row(inner[0][0], g)], {})
            m = _linear_matrix(inner[0][0], g)
            if scale.ndim == 0:
                return m * scale
            diag = node("eye", (), {"n": v.shape[0]}, (v.shape[0], v.shape[0])) * scale
            return chain([diag, m])
    raise NoMatrixForm(f"the derivative is not a matrix product that matrix notation writes ({v.op})")


def _row(e: MX, g: MX) -> MX:
    """The vector r with e = r.g, for a scalar e built linearly from the vector g."""
    if e.op == "lin":
        return lin([(c, _row(t, g)) for c, t in zip(e.params["coefs"], e.args)], g.shape)
    if e.op == "chain" and len(e.args) == 2 and e.args[1] is g and e.args[0].ndim == 1:
        return e.args[0]
    if e.op == "chain" and e.args[-1] is g:
        return make("transpose", [chain(list(e.args[:-1]))], {})
    if e.op == "sum" and e.params.get("axis") is None:
        return _diag_of(e.args[0], g)
    raise NoMatrixForm(f"the derivative is not a matrix product that matrix notation writes ({e.op})")


def _diag_of(v: MX, g: MX) -> MX:
    """r with sum(v) = r.g, for v elementwise linear in g (v = r*g)."""
    if v is g:
        return node("broadcast_to", (num(Fraction(1)),), {"shape": g.shape}, g.shape)
    if v.op == "product":
        rest = [(f, p) for f, p in zip(v.args, v.params["powers"]) if f is not g]
        if len(rest) == len(v.args) - 1 and dict(zip(map(id, v.args), v.params["powers"]))[id(g)] == 1 \
                and not any(contains(f, g) for f, _ in rest):
            return prod(Fraction(1), rest, g.shape)
    if v.op == "lin":
        return lin([(c, _diag_of(t, g)) for c, t in zip(v.params["coefs"], v.args)], g.shape)
    raise NoMatrixForm(f"the derivative is not a matrix product that matrix notation writes ({v.op})")


def _has(x: MX, target: MX) -> bool:
    return contains(x, target)


def _matrix_at_right(m: MX) -> MX:
    """M@diag(v) written as M*v (v scales the columns)."""
    if m.op == "chain" and len(m.args) >= 2:
        last = m.args[-1]
        if last.op == "product" and len(last.args) == 2 and last.args[0].op == "eye" and last.args[1].ndim == 1:
            return make("mul", [chain(list(m.args[:-1])), last.args[1]], {})
    return m


def _jacobian_of(graph: Graph, point: dict, values, name: str) -> MX:
    out = values[graph.output]
    x_shape = np.shape(point[name])
    if not isinstance(out, MX):
        return _zeros(np.shape(out) + x_shape)
    if out.ndim == 0:
        ids = [graph.variables[name]]
        with quiet():
            adj = backward(graph, values, lift(1.0), wrt=ids)
        return adj[ids[0]] if adj[ids[0]] is not None else _zeros(x_shape)
    if x_shape == ():
        with quiet():
            t = forward_tangents(graph, values, {graph.variables[name]: lift(1.0)})
        return t[graph.output] if t[graph.output] is not None else _zeros(out.shape)
    if out.ndim == 1 and len(x_shape) == 1:
        g = sym("__seed__", out.shape)
        ids = [graph.variables[name]]
        with quiet():
            adj = backward(graph, values, g, wrt=ids)
        if adj[ids[0]] is None:
            return _zeros(out.shape + x_shape)
        return _matrix_at_right(make("transpose", [_linear_matrix(adj[ids[0]], g)], {}))
    raise NoMatrixForm(f"the derivative of an output of shape {out.shape} by {name} of shape {x_shape} is a tensor "
                       f"of order {out.ndim + len(x_shape)}; matrix notation writes orders up to two")


@_guarded
def jacobian(graph: Graph, point: dict, wrt: list[str]) -> Forms:
    """∂(output)/∂(each variable), of shape output + variable, in matrix form where it is a matrix at most."""
    values, labels = _sweep(graph, point)
    forms = Forms()
    for name in wrt:
        _written(forms, name, lambda name=name: _jacobian_of(graph, point, values, name), labels, graph.variables)
    return forms


def hessian(graph: Graph, point: dict, wrt: list[str], limits: Limits = DEFAULT_LIMITS, exact: bool = False) -> Forms:
    """Second derivatives in blocks "a,b": the Jacobian in b of the printed gradient in a."""
    first = gradient(graph, point, wrt, exact=exact)
    forms = Forms()
    from .parser import parse
    for a in wrt:
        for b in wrt:
            key = f"{a},{b}"
            if a not in first.text:
                forms.why[key] = first.why.get(a, "no matrix form of the gradient")
                continue
            try:
                g = parse(first.text[a], limits=limits)
            except DiffxError as exc:
                forms.why[key] = f"the printed gradient did not parse back: {exc.message}"
                continue
            if b not in g.variables:
                shape = np.shape(point[a]) + np.shape(point[b])
                forms.text[key] = "0" if not shape else f"zeros({', '.join(map(str, shape))})"
                continue
            sub = jacobian(g, {k: point[k] for k in g.variables}, [b], exact=exact)
            forms.text.update({key: t for t in sub.text.values()})
            forms.why.update({key: w for w in sub.why.values()})
            forms.closed.update({key: c for c in sub.closed.values()})
    return forms


def evaluate_form(text: str, point: dict, limits: Limits = DEFAULT_LIMITS) -> np.ndarray:
    """A matrix-form program evaluated at the point by diffx's own parser (the variables it uses)."""
    from .parser import parse
    graph = parse(text, limits=limits)
    with quiet():
        values = evaluate(graph, {k: np.asarray(point[k], dtype=np.float64) for k in graph.variables})
    return np.asarray(values[graph.output], dtype=np.float64)


def evaluate_forms(forms: Forms, point: dict, shapes: dict, limits: Limits = DEFAULT_LIMITS) -> dict:
    """Each program's value at the point, broadcast to the derivative's shape ({key: array})."""
    out = {}
    for key, text in forms.text.items():
        v = evaluate_form(text, point, limits)
        out[key] = np.array(np.broadcast_to(v, shapes[key]), dtype=np.float64)
    return out
