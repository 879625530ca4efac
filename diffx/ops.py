"""The op table: every operation diffx knows, defined once.

Each entry holds, side by side, what every method needs:

- `forward`: the numpy function (it also runs on complex arrays for analytic ops);
- `vjp`: one reverse rule per input, ``rule(g, y, *inputs, **params)`` giving
  that input's share of the cotangent (``None``: no gradient flows there);
- `jvp`: one forward rule per input, ``rule(t, y, *inputs, **params)`` giving
  that input's contribution to the output tangent;
- `sym`: the SymPy translation, ``sym(sp, *object_arrays, **params)``;
- flags: `analytic` (complex-step safe) and `smooth` (differentiable on its
  whole domain), `domain` (where it is smooth, for sampling), and its display.

Rules are written with Python operators and the `P` namespace (one function
per op, built from this table), never with numpy directly, so the same rule
runs on numpy arrays (fast gradients) and on traced values (a gradient that
is itself a graph, which forward mode can differentiate again for Hessians).
Broadcasting is the engine's job: a reverse rule may return a cotangent of
the broadcast shape and the engine sums it down to the input's shape.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Callable

import numpy as np

from .kinks import Kind, at_tie, at_zero, reduction_tie

SAME = "same"  # sym: the numpy forward already works on object arrays of SymPy terms


@dataclass(frozen=True)
class Op:
    name: str
    forward: Callable
    vjp: tuple
    jvp: tuple
    sym: Callable | str | None
    kind: str                 # elementwise, reduction, linalg, shape, logic, internal, leaf
    display: str
    infix: str | None = None
    analytic: bool = True     # complex step may pass through it
    smooth: bool = True       # differentiable everywhere on its domain
    domain: tuple[float, float] = (-2.0, 2.0)
    variadic: bool = False
    doc: str = ""
    kinks: tuple = ()         # where it is not differentiable, and what is known there (diffx.kinks.Kind)

    @property
    def arity(self) -> int | None:
        return None if self.variadic else len(self.vjp)

    def vjp_rule(self, k: int):
        return self.vjp[0] if self.variadic else self.vjp[k]

    def jvp_rule(self, k: int):
        return self.jvp[0] if self.variadic else self.jvp[k]


OPS: dict[str, Op] = {}


def _add(op: Op) -> None:
    assert op.name not in OPS, op.name
    OPS[op.name] = op


def _each(f: Callable) -> Callable:
    """Lift a scalar SymPy function to object arrays, broadcasting like numpy."""
    def lifted(sp, *arrays):
        out = np.frompyfunc(lambda *a: f(sp, *a), len(arrays), 1)(*arrays)
        return np.asarray(out, dtype=object)
    return lifted


def unary(name, forward, deriv, sym, *, doc, **kw):
    """An elementwise op of one input: `deriv(y, x)` gives both rules."""
    _add(Op(name, forward,
            vjp=(lambda g, y, x: g * deriv(y, x),),
            jvp=(lambda t, y, x: t * deriv(y, x),),
            sym=_each(sym), kind="elementwise", display=kw.pop("display", name), doc=doc, **kw))


def binary(name, forward, da, db, sym, *, doc, **kw):
    """An elementwise op of two inputs with partial derivatives `da`, `db`."""
    _add(Op(name, forward,
            vjp=(lambda g, y, a, b: g * da(y, a, b), lambda g, y, a, b: g * db(y, a, b)),
            jvp=(lambda t, y, a, b: t * da(y, a, b), lambda t, y, a, b: t * db(y, a, b)),
            sym=_each(sym), kind="elementwise", display=kw.pop("display", name), doc=doc, **kw))


# ---------------------------------------------------------------- helpers for rules

def _kept(shape: tuple, axis) -> tuple:
    """The shape of a reduction over `axis` with the reduced axes kept as 1."""
    if axis is None:
        return (1,) * len(shape)
    axis = axis % len(shape)
    return tuple(1 if i == axis else n for i, n in enumerate(shape))


def _back(r, shape: tuple, axis):
    """Spread a reduced array back over the shape it was reduced from."""
    return P.broadcast_to(P.reshape(r, shape=_kept(shape, axis)), shape=shape)


def _count(shape: tuple, axis) -> int:
    return math.prod(shape) if axis is None else shape[axis]


def _safe(y):
    """`y` with zeros replaced by ones: a divisor whose zero would only give NaN."""
    return P.where(P.eq(y, 0.0), 1.0, y)


def _log_pos(a):
    """log(a) where a > 0 and 0 elsewhere: d(a^b)/db's factor, finite everywhere."""
    pos = P.gt(a, 0.0)
    return P.where(pos, P.log(P.where(pos, a, 1.0)), 0.0)


def _ndim(a) -> int:
    return len(np.shape(a))


def _dot_vjp_a(g, a, b):
    """d(a.b)/da for numpy dot semantics with inputs of rank <= 2."""
    if _ndim(a) == 0 or _ndim(b) == 0:
        return g * b
    if _ndim(b) == 1:
        return P.outer(g, b) if _ndim(a) == 2 else g * b
    return P.matmul(b, g) if _ndim(a) == 1 else P.matmul(g, P.transpose(b))


def _dot_vjp_b(g, a, b):
    if _ndim(a) == 0 or _ndim(b) == 0:
        return g * a
    if _ndim(a) == 1:
        return P.outer(a, g) if _ndim(b) == 2 else g * a
    return P.matmul(g, a) if _ndim(b) == 1 else P.matmul(P.transpose(a), g)


def _max_mask(x, y, axis):
    """Where x attains its max/min; ties share the gradient equally."""
    mask = P.eq(x, _back(y, np.shape(x), axis))
    return mask / _back(P.sum(mask, axis=axis), np.shape(x), axis)


# ---------------------------------------------------------------- numpy forwards

def _rank2(f, name):
    def forward(a, b):
        if np.ndim(a) > 2 or np.ndim(b) > 2:
            raise ValueError(f"{name} takes inputs of rank at most 2, got shapes "
                             f"{np.shape(a)} and {np.shape(b)}")
        return f(a, b)
    return forward


def _matmul(a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        raise ValueError(f"@ needs vectors or matrices, got shapes {np.shape(a)} and {np.shape(b)}; "
                         "use * for scalars")
    inner_a, inner_b = np.shape(a)[-1], np.shape(b)[0 if np.ndim(b) == 1 else -2]
    if inner_a != inner_b:
        raise ValueError(f"the inner dimensions differ ({inner_a} and {inner_b})")
    return np.matmul(a, b)


def _outer(a, b):
    if np.ndim(a) != 1 or np.ndim(b) != 1:
        raise ValueError(f"outer takes two vectors, got shapes {np.shape(a)} and {np.shape(b)}")
    return np.outer(a, b)


def _trace(a):
    if np.ndim(a) != 2:
        raise ValueError(f"trace takes a matrix, got shape {np.shape(a)}")
    return np.trace(a)


def _logsumexp(x, axis=None):
    m = np.max(np.real(x), axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out.reshape(np.shape(np.sum(np.real(x), axis=axis)))


def _softmax(x, axis=None):
    m = np.max(np.real(x), axis=axis, keepdims=True)
    e = np.exp(x - np.where(np.isfinite(m), m, 0.0))
    return e / np.sum(e, axis=axis, keepdims=True)


def _softplus(x):
    if np.iscomplexobj(x):      # log(1 + e^z) without overflow, and analytic for complex step
        pos = np.real(x) > 0
        return np.where(pos, x + np.log1p(np.exp(-np.where(pos, x, 0))), np.log1p(np.exp(np.where(pos, 0, x))))
    return np.logaddexp(0.0, x)


def _sigmoid(x):
    """1 / (1 + e^-x); for real x an overflow of e^-x just gives 0, for complex x it would give NaN."""
    if not np.iscomplexobj(x):
        return 1.0 / (1.0 + np.exp(-x))
    pos = np.real(x) >= 0
    e = np.exp(np.where(pos, -x, x))
    return np.where(pos, 1.0 / (1.0 + e), e / (1.0 + e))


def _prod_others(x, axis=None):
    """Product of all other elements along `axis`, exact even where x has zeros."""
    a = np.asarray(x)
    if axis is None:
        return _prod_others(a.reshape(-1), 0).reshape(a.shape)
    a = np.moveaxis(a, axis, -1)
    ones = np.ones(a.shape[:-1] + (1,), dtype=a.dtype)
    left = np.cumprod(np.concatenate([ones, a[..., :-1]], -1), -1)
    right = np.cumprod(np.concatenate([ones, a[..., :0:-1]], -1), -1)[..., ::-1]
    return np.moveaxis(left * right, -1, axis)


def _sum_to(x, shape):
    """Sum a broadcast array back down to `shape` (numpy's rules in reverse)."""
    x = np.asarray(x)
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and x.shape[i + lead] != 1)
    return np.sum(x, axis=axes, keepdims=True).reshape(shape) if axes else x.reshape(shape)


def _scatter(x, shape, key):
    out = np.zeros(shape, dtype=np.result_type(x, np.float64))
    out[key] = x
    return out


def _compare(f):
    return lambda a, b: f(a, b).astype(np.float64)


def _where(c, a, b):
    return np.where(np.asarray(c) != 0, a, b)


def _axis_checked(f):
    """A reduction over `axis`, refusing an axis the array does not have (numpy lets 0-d slip)."""
    def reduction(x, axis=None):
        if axis is not None and not -np.ndim(x) <= axis < np.ndim(x):
            raise ValueError(f"axis {axis} is out of bounds for an array of {np.ndim(x)} dimension(s)")
        return f(x, axis=axis)
    return reduction


def _reduce(f):
    """A numpy reduction taking `axis=` that also serves SymPy object arrays."""
    return _axis_checked(lambda x, axis=None: f(x, axis=axis))


# ---------------------------------------------------------------- SymPy translations

def _sym_reduce(combine):
    """Reduce an object array with a SymPy n-ary function, along `axis` or over all."""
    def sym(sp, x, axis=None):
        x = np.asarray(x, dtype=object)
        if axis is None:
            return np.asarray(combine(sp, list(x.reshape(-1))), dtype=object)
        return np.apply_along_axis(lambda v: combine(sp, list(v)), axis, x)
    return sym


def _sym_softmax(sp, x, axis=None):
    e = _each(lambda sp, a: sp.exp(a))(sp, x)
    return e / np.sum(e, axis=axis, keepdims=True)


def _piecewise(cond):
    return lambda sp, a, b: sp.Piecewise((1, cond(sp, a, b)), (0, True))


# ---------------------------------------------------------------- the table

LN2, LN10 = math.log(2.0), math.log(10.0)

# leaves: values come from the point (var) or the node (const)
_add(Op("var", None, (), (), None, "leaf", "var", doc="a free variable; its value comes from --at"))
_add(Op("const", lambda value: value, (), (), None, "leaf", "const", doc="a constant"))

# arithmetic
_add(Op("add", np.add, (lambda g, y, a, b: g, lambda g, y, a, b: g),
        (lambda t, y, a, b: t, lambda t, y, a, b: t),
        _each(lambda sp, a, b: a + b), "elementwise", "+", infix="+", doc="a + b"))
_add(Op("sub", np.subtract, (lambda g, y, a, b: g, lambda g, y, a, b: -g),
        (lambda t, y, a, b: t, lambda t, y, a, b: -t),
        _each(lambda sp, a, b: a - b), "elementwise", "-", infix="-", doc="a - b"))
binary("mul", np.multiply, lambda y, a, b: b, lambda y, a, b: a,
       lambda sp, a, b: a * b, display="*", infix="*", doc="a * b elementwise")
binary("div", np.divide, lambda y, a, b: 1.0 / b, lambda y, a, b: -y / b,
       lambda sp, a, b: a / b, display="/", infix="/", doc="a / b elementwise")
binary("pow", np.power, lambda y, a, b: b * a ** (b - 1.0), lambda y, a, b: y * _log_pos(a),
       lambda sp, a, b: a ** b, display="^", infix="^", domain=(0.5, 2.0),
       kinks=(Kind(0, lambda y, a, b: (np.asarray(a) == 0) & (np.asarray(b) < 1) & (np.asarray(b) != 0),
                   None, np.inf, None, np.inf, "inf", "inf",
                   "at base 0 with an exponent below 1 the derivative is infinite"),),
       doc="a ^ b (also a ** b); real-valued, so a negative base needs an integer exponent")
_add(Op("neg", np.negative, (lambda g, y, x: -g,), (lambda t, y, x: -t,),
        _each(lambda sp, a: -a), "elementwise", "-", infix="-", doc="-x"))

# elementwise functions
unary("sin", np.sin, lambda y, x: P.cos(x), lambda sp, a: sp.sin(a), doc="sine")
unary("cos", np.cos, lambda y, x: -P.sin(x), lambda sp, a: sp.cos(a), doc="cosine")
unary("tan", np.tan, lambda y, x: 1.0 + y * y, lambda sp, a: sp.tan(a), domain=(-1.2, 1.2), doc="tangent")
unary("asin", np.arcsin, lambda y, x: 1.0 / P.sqrt(1.0 - x * x), lambda sp, a: sp.asin(a),
      domain=(-0.9, 0.9), doc="inverse sine")
unary("acos", np.arccos, lambda y, x: -1.0 / P.sqrt(1.0 - x * x), lambda sp, a: sp.acos(a),
      domain=(-0.9, 0.9), doc="inverse cosine")
unary("atan", np.arctan, lambda y, x: 1.0 / (1.0 + x * x), lambda sp, a: sp.atan(a), doc="inverse tangent")
unary("sinh", np.sinh, lambda y, x: P.cosh(x), lambda sp, a: sp.sinh(a), doc="hyperbolic sine")
unary("cosh", np.cosh, lambda y, x: P.sinh(x), lambda sp, a: sp.cosh(a), doc="hyperbolic cosine")
unary("tanh", np.tanh, lambda y, x: 1.0 - y * y, lambda sp, a: sp.tanh(a), doc="hyperbolic tangent")
unary("exp", np.exp, lambda y, x: y, lambda sp, a: sp.exp(a), doc="e^x")
unary("log", np.log, lambda y, x: 1.0 / x, lambda sp, a: sp.log(a), domain=(0.2, 3.0), doc="natural log")
unary("log2", np.log2, lambda y, x: 1.0 / (x * LN2), lambda sp, a: sp.log(a, 2), domain=(0.2, 3.0),
      doc="base-2 log")
unary("log10", np.log10, lambda y, x: 1.0 / (x * LN10), lambda sp, a: sp.log(a, 10), domain=(0.2, 3.0),
      doc="base-10 log")
unary("sqrt", np.sqrt, lambda y, x: 0.5 / y, lambda sp, a: sp.sqrt(a), domain=(0.2, 3.0), smooth=False,
      kinks=at_zero(0, None, np.inf, None, np.inf, "inf", "inf",
                    "a vertical tangent: the derivative is +∞ (and sqrt is not real to the left)"),
      doc="square root (derivative infinite at 0)")
unary("abs", np.abs, lambda y, x: P.sign(x), lambda sp, a: sp.Abs(a), analytic=False, smooth=False,
      kinks=at_zero(0, -1.0, 1.0, "[-1, 1]", 0.0, "0", "1"), doc="|x|; AD uses sign(x), so 0 at x = 0")
_add(Op("sign", np.sign, (None,), (None,), _each(lambda sp, a: sp.sign(a)), "elementwise", "sign",
        analytic=False, smooth=False,
        kinks=at_zero(0, 0.0, 0.0, None, 0.0, "0", "0", "sign jumps at 0: it is not even continuous there"),
        doc="-1, 0 or 1; zero gradient"))
unary("relu", lambda x: np.maximum(x, 0.0), lambda y, x: P.gt(x, 0.0), lambda sp, a: sp.Max(a, 0),
      analytic=False, smooth=False, kinks=at_zero(0, 0.0, 1.0, "[0, 1]", 0.0, "0", "0"),
      doc="max(x, 0); AD uses 0 at x = 0")
unary("sigmoid", _sigmoid, lambda y, x: y * (1.0 - y),
      lambda sp, a: 1 / (1 + sp.exp(-a)), doc="1 / (1 + e^-x)")
unary("softplus", _softplus, lambda y, x: P.sigmoid(x), lambda sp, a: sp.log(1 + sp.exp(a)),
      doc="log(1 + e^x)")

# two-input elementwise functions
binary("maximum", np.maximum, lambda y, a, b: P.gt(a, b) + 0.5 * P.eq(a, b),
       lambda y, a, b: P.lt(a, b) + 0.5 * P.eq(a, b), lambda sp, a, b: sp.Max(a, b),
       display="max", analytic=False, smooth=False, kinks=at_tie(0.0, 1.0, "[0, 1]", 0.5, "0.5", "0.5"),
       doc="max(a, b) elementwise; ties split the gradient")
binary("minimum", np.minimum, lambda y, a, b: P.lt(a, b) + 0.5 * P.eq(a, b),
       lambda y, a, b: P.gt(a, b) + 0.5 * P.eq(a, b), lambda sp, a, b: sp.Min(a, b),
       display="min", analytic=False, smooth=False, kinks=at_tie(1.0, 0.0, "[0, 1]", 0.5, "0.5", "0.5"),
       doc="min(a, b) elementwise; ties split the gradient")
for _name, _f, _infix, _rel in (("lt", np.less, "<", "Lt"), ("le", np.less_equal, "<=", "Le"),
                                ("gt", np.greater, ">", "Gt"), ("ge", np.greater_equal, ">=", "Ge"),
                                ("eq", np.equal, "==", "Eq"), ("ne", np.not_equal, "!=", "Ne")):
    _add(Op(_name, _compare(_f), (None, None), (None, None),
            _each(_piecewise(lambda sp, a, b, _rel=_rel: getattr(sp, _rel)(a, b))), "logic", _infix,
            infix=_infix, analytic=False, smooth=False,
            kinks=at_tie(0.0, 0.0, None, 0.0, "0", "0", "the comparison switches here: what depends on it "
                                                        "(a where, a branch) jumps"),
            doc=f"a {_infix} b as 1 or 0; zero gradient"))
_add(Op("where", _where,
        (None, lambda g, y, c, a, b: P.where(c, g, 0.0), lambda g, y, c, a, b: P.where(c, 0.0, g)),
        (None, lambda t, y, c, a, b: P.where(c, t, 0.0), lambda t, y, c, a, b: P.where(c, 0.0, t)),
        _each(lambda sp, c, a, b: sp.Piecewise((a, sp.Ne(c, 0)), (b, True))), "logic", "where",
        smooth=False, doc="a where c is nonzero, else b"))

# reductions (axis=None: over all elements)
_add(Op("sum", _reduce(np.sum), (lambda g, y, x, axis=None: _back(g, np.shape(x), axis),),
        (lambda t, y, x, axis=None: P.sum(t, axis=axis),), SAME, "reduction", "sum", doc="sum"))
_add(Op("mean", _reduce(np.mean),
        (lambda g, y, x, axis=None: _back(g / _count(np.shape(x), axis), np.shape(x), axis),),
        (lambda t, y, x, axis=None: P.mean(t, axis=axis),), SAME, "reduction", "mean", doc="mean"))
_add(Op("prod", _reduce(np.prod),
        (lambda g, y, x, axis=None: _back(g, np.shape(x), axis) * P.prod_others(x, axis=axis),),
        (lambda t, y, x, axis=None: P.sum(t * P.prod_others(x, axis=axis), axis=axis),),
        SAME, "reduction", "prod", doc="product"))
def extremum(name: str, reduce, sympy_name: str, display: str, what: str) -> None:
    """max or min over an axis: the gradient goes to the elements that attain it, shared on ties."""
    _add(Op(name, _reduce(reduce),
            (lambda g, y, x, axis=None: _back(g, np.shape(x), axis) * _max_mask(x, y, axis),),
            (lambda t, y, x, axis=None: P.sum(t * _max_mask(x, y, axis), axis=axis),),
            _sym_reduce(lambda sp, v: getattr(sp, sympy_name)(*v)), "reduction", display, analytic=False,
            smooth=False, kinks=reduction_tie(f"several elements share the {what} value"),
            doc=f"{what} element; ties share the gradient"))


extremum("amax", np.max, "Max", "max", "largest")
extremum("amin", np.min, "Min", "min", "smallest")
_add(Op("norm", _axis_checked(lambda x, axis=None: np.sqrt(np.sum(x * x, axis=axis))),
        (lambda g, y, x, axis=None: _back(g, np.shape(x), axis) * x / _back(_safe(y), np.shape(x), axis),),
        (lambda t, y, x, axis=None: P.sum(t * x, axis=axis) / _safe(y),),
        _sym_reduce(lambda sp, v: sp.sqrt(sum(e * e for e in v))), "reduction", "norm", smooth=False,
        kinks=(Kind(0, lambda y, x, axis=None: np.broadcast_to(
            np.expand_dims(np.asarray(y) == 0, axis) if axis is not None else np.asarray(y) == 0, np.shape(x)),
            None, None, "the unit ball {g : ‖g‖ ≤ 1}", 0.0, "0", "NaN",
            "the norm is a cone at the zero vector: every direction has slope 1"),),
        doc="Euclidean norm; AD uses 0 at the zero vector"))
_add(Op("logsumexp", _axis_checked(_logsumexp),
        (lambda g, y, x, axis=None: _back(g, np.shape(x), axis) * P.exp(x - _back(y, np.shape(x), axis)),),
        (lambda t, y, x, axis=None: P.sum(t * P.exp(x - _back(y, np.shape(x), axis)), axis=axis),),
        _sym_reduce(lambda sp, v: sp.log(sum(sp.exp(e) for e in v))), "reduction", "logsumexp",
        doc="log(sum(exp(x))), computed without overflow"))
_add(Op("softmax", _axis_checked(_softmax),
        (lambda g, y, x, axis=None: y * (g - _back(P.sum(g * y, axis=axis), np.shape(x), axis)),),
        (lambda t, y, x, axis=None: y * (t - _back(P.sum(t * y, axis=axis), np.shape(x), axis)),),
        _sym_softmax, "reduction", "softmax", doc="exp(x) / sum(exp(x)) along axis (all elements by default)"))

# linear algebra
_add(Op("dot", _rank2(np.dot, "dot"),
        (lambda g, y, a, b: _dot_vjp_a(g, a, b), lambda g, y, a, b: _dot_vjp_b(g, a, b)),
        (lambda t, y, a, b: P.dot(t, b), lambda t, y, a, b: P.dot(a, t)),
        SAME, "linalg", ".", infix=".", doc="numpy dot: x.x is the inner product"))
_add(Op("matmul", _rank2(_matmul, "@"),
        (lambda g, y, a, b: _dot_vjp_a(g, a, b), lambda g, y, a, b: _dot_vjp_b(g, a, b)),
        (lambda t, y, a, b: P.matmul(t, b), lambda t, y, a, b: P.matmul(a, t)),
        SAME, "linalg", "@", infix="@", doc="matrix product"))
_add(Op("outer", _outer, (lambda g, y, a, b: P.matmul(g, b), lambda g, y, a, b: P.matmul(a, g)),
        (lambda t, y, a, b: P.outer(t, b), lambda t, y, a, b: P.outer(a, t)),
        SAME, "linalg", "outer", doc="outer product of two vectors"))
_add(Op("trace", _trace, (lambda g, y, a: g * np.eye(*np.shape(a)),), (lambda t, y, a: P.trace(t),),
        SAME, "linalg", "trace", doc="sum of the diagonal"))
_add(Op("transpose", np.transpose, (lambda g, y, x: P.transpose(g),), (lambda t, y, x: P.transpose(t),),
        SAME, "shape", "T", doc="reverse the axes (x.T)"))
_add(Op("reshape", lambda x, shape: np.reshape(x, shape),
        (lambda g, y, x, shape: P.reshape(g, shape=np.shape(x)),),
        (lambda t, y, x, shape: P.reshape(t, shape=shape),), SAME, "shape", "reshape", doc="reshape"))
_add(Op("index", lambda x, key: x[key], (lambda g, y, x, key: P.scatter(g, shape=np.shape(x), key=key),),
        (lambda t, y, x, key: P.index(t, key=key),), SAME, "shape", "[]", doc="x[i], x[i:j], A[i, j]"))
_add(Op("stack", lambda *xs: np.stack(xs), (lambda g, y, *xs, argnum: P.index(g, key=(argnum,)),),
        (lambda t, y, *xs, argnum: P.scatter(t, shape=np.shape(y), key=(argnum,)),),
        lambda sp, *xs: np.stack(xs), "shape", "[...]", variadic=True, doc="array literal [a, b, ...]"))
_add(Op("detach", lambda x: x, (None,), (None,), SAME, "logic", "detach",
        doc="the value passes, no gradient flows back (alias stop_gradient)"))

# internal: appear in gradient graphs, never typed by a user
_add(Op("broadcast_to", lambda x, shape: np.broadcast_to(x, shape),
        (lambda g, y, x, shape: P.sum_to(g, shape=np.shape(x)),),
        (lambda t, y, x, shape: P.broadcast_to(t, shape=shape),), SAME, "internal", "broadcast_to",
        doc="broadcast to a shape"))
_add(Op("sum_to", _sum_to, (lambda g, y, x, shape: P.broadcast_to(g, shape=np.shape(x)),),
        (lambda t, y, x, shape: P.sum_to(t, shape=shape),), None, "internal", "sum_to",
        doc="sum a broadcast array down to a shape"))
_add(Op("scatter", _scatter, (lambda g, y, x, shape, key: P.index(g, key=key),),
        (lambda t, y, x, shape, key: P.scatter(t, shape=shape, key=key),), None, "internal", "scatter",
        doc="zeros of a shape with x placed at key"))
_add(Op("prod_others", _reduce(_prod_others),
        (lambda g, y, x, axis=None: (_back(P.sum(g * y, axis=axis), np.shape(x), axis) - g * y) / x,),
        (lambda t, y, x, axis=None: y * (_back(P.sum(t / x, axis=axis), np.shape(x), axis) - t / x),),
        None, "internal", "prod_others", domain=(0.5, 2.0),
        doc="product of the other elements (prod's gradient); rules valid where x has no zeros"))


def _dispatcher(op: Op) -> Callable:
    forward = op.forward

    def call(*args: Any, **params: Any):
        for a in args:
            if getattr(a, "_diffx_traced", False):
                return a.record(op.name, args, params)
        return forward(*args, **params)
    call.__name__ = op.name
    call.__doc__ = op.doc
    return call


P = SimpleNamespace(**{name: _dispatcher(op) for name, op in OPS.items() if op.forward is not None})
"""One function per op: numpy on arrays, a recorded node on traced values."""
