"""The op table: every operation diffx knows, and everything it means, defined once.

Each entry holds, side by side, what every method and view needs:

- `forward`: the numpy function (it also runs on complex arrays for analytic ops);
- `vjp`: one reverse rule per input, ``rule(g, y, *inputs, **params)`` giving
  that input's share of the cotangent (``None``: no gradient flows there);
- `jvp`: one forward rule per input, ``rule(t, y, *inputs, **params)`` giving
  that input's contribution to the output tangent;
- `sym`: the SymPy translation, ``sym(sp, *object_arrays, **params)``;
- `kind`: elementwise, compare, select, identity, reduction, linalg, shape,
  internal or leaf; flags `analytic` (complex-step safe), `smooth`
  (differentiable on its whole domain), `domain` (where it is smooth, for
  sampling), `frozen` (held at its value when inputs are perturbed: detach);
- how it is written and drawn (`display`, `infix`, `text`, `symbol`, `what`),
  called in the language (`names`, `trailing`), how large its output can be
  (`out_size`), its matrix-calculus rule (`matrix`) and its kinks (`kinks`).

Nothing outside this table decides by an op's name: adding an op is adding an
entry. Rules are written with Python operators and the `P` namespace (one
function per op, built from this table), never with numpy directly, so the
same rule runs on numpy arrays (fast gradients) and on traced values (a
gradient that is itself a graph, which forward mode can differentiate again
for Hessians). Broadcasting is the engine's job: a reverse rule may return a
cotangent of the broadcast shape and the engine sums it down to the input's shape.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import matrixrules as M
from .dispatch import P, fill
from .forwards import (axis_checked, back, compare, count, dot_size, dot_vjp_a, dot_vjp_b, each, log_pos,
                       logsumexp, matmul, matmul_size, max_mask, outer, outer_size, piecewise, prod_others, rank2,
                       reduce, safe, scatter, shape_size, sigmoid, softmax, softplus, stack_size, sum_to, sym_reduce,
                       sym_softmax, trace, where)
from .kinkrules import KinkRule, at_tie, at_zero, reduction_tie

SAME = "same"  # sym: the numpy forward already works on object arrays of SymPy terms
POINTWISE = frozenset({"elementwise", "compare", "select", "identity", "leaf"})   # output[i] from inputs[i] only


@dataclass(frozen=True)
class Op:
    name: str
    forward: Callable | None
    vjp: tuple
    jvp: tuple
    sym: Callable | str | None
    kind: str                 # see the module docstring
    display: str
    infix: str | None = None
    analytic: bool = True     # complex step may pass through it
    smooth: bool = True       # differentiable everywhere on its domain
    domain: tuple[float, float] = (-2.0, 2.0)
    variadic: bool = False
    doc: str = ""
    kinks: tuple[KinkRule, ...] = ()   # where it is not differentiable, and what is known there
    text: str | None = None   # flat listing: "{0}[{key}]" ({k}: input k, {*}: all inputs, {name}: a param);
    #                           None: written from `infix`, else as a call display(inputs, param=value)
    symbol: str = ""          # the op circle in graph pictures ("" : infix, else display)
    what: str = ""            # shape errors say "cannot apply {what} ..." ("": 'infix', else display)
    out_size: Callable | None = None   # (input shapes, params) -> elements, for ops that can make more
    #                                    than their largest input (pointwise ops broadcast: the engine's rule)
    frozen: bool = False      # its value stays fixed when its inputs are perturbed (detach)
    free: bool = False        # a free variable: its value comes from the point
    matrix: Callable | None = None     # matrix-calculus rule (diffx.matrixrules), None: outside its reach
    names: tuple[str, ...] | None = None   # names that call it in the language; None: (name,) unless it is
    #                                        infix, internal or a leaf
    trailing: str | None = None   # a call's trailing constant integers become this param: reshape(x, 2, 2)
    operator: str | None = None   # the Python operator that records it on a Tensor or a traced value:
    #                               "add" is __add__ (and __radd__), "neg" is __neg__, "lt" is __lt__

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if self.text is None and self.infix:
            set_(self, "text", f"{{0}} {self.infix} {{1}}" if self.arity == 2 else f"{self.infix}{{0}}")
        set_(self, "symbol", self.symbol or self.infix or self.display)
        set_(self, "what", self.what or (f"'{self.infix}'" if self.infix else self.display))
        if self.names is None:
            set_(self, "names", () if self.infix or self.kind in ("internal", "leaf") else (self.name,))

    @property
    def arity(self) -> int | None:
        return None if self.variadic else len(self.vjp)

    @property
    def pointwise(self) -> bool:
        """Each output element depends on the same element of the (broadcast) inputs only."""
        return self.kind in POINTWISE

    def vjp_rule(self, k: int):
        return self.vjp[0] if self.variadic else self.vjp[k]

    def jvp_rule(self, k: int):
        return self.jvp[0] if self.variadic else self.jvp[k]


OPS: dict[str, Op] = {}


def _add(op: Op) -> None:
    assert op.name not in OPS, op.name
    OPS[op.name] = op


def unary(name, forward, deriv, sym, *, doc, **kw):
    """An elementwise op of one input: `deriv(y, x)` gives both rules."""
    _add(Op(name, forward,
            vjp=(lambda g, y, x: g * deriv(y, x),),
            jvp=(lambda t, y, x: t * deriv(y, x),),
            sym=each(sym), kind="elementwise", display=kw.pop("display", name), doc=doc, **kw))


def binary(name, forward, da, db, sym, *, doc, **kw):
    """An elementwise op of two inputs with partial derivatives `da`, `db`."""
    _add(Op(name, forward,
            vjp=(lambda g, y, a, b: g * da(y, a, b), lambda g, y, a, b: g * db(y, a, b)),
            jvp=(lambda t, y, a, b: t * da(y, a, b), lambda t, y, a, b: t * db(y, a, b)),
            sym=each(sym), kind="elementwise", display=kw.pop("display", name), doc=doc, **kw))


# ---------------------------------------------------------------- the table

LN2, LN10 = math.log(2.0), math.log(10.0)

# leaves: values come from the point (var) or the node (const)
_add(Op("var", None, (), (), None, "leaf", "var", text="input", free=True,
        doc="a free variable; its value comes from --at"))
_add(Op("const", lambda value: value, (), (), None, "leaf", "const", text="{value}", doc="a constant"))

# arithmetic
_add(Op("add", np.add, (lambda g, y, a, b: g, lambda g, y, a, b: g),
        (lambda t, y, a, b: t, lambda t, y, a, b: t),
        each(lambda sp, a, b: a + b), "elementwise", "+", infix="+", operator="add", matrix=M.plus, doc="a + b"))
_add(Op("sub", np.subtract, (lambda g, y, a, b: g, lambda g, y, a, b: -g),
        (lambda t, y, a, b: t, lambda t, y, a, b: -t),
        each(lambda sp, a, b: a - b), "elementwise", "-", infix="-", operator="sub", matrix=M.minus, doc="a - b"))
binary("mul", np.multiply, lambda y, a, b: b, lambda y, a, b: a,
       lambda sp, a, b: a * b, display="*", infix="*", operator="mul", matrix=M.scale, doc="a * b elementwise")
binary("div", np.divide, lambda y, a, b: 1.0 / b, lambda y, a, b: -y / b,
       lambda sp, a, b: a / b, display="/", infix="/", operator="truediv", matrix=M.quotient, doc="a / b elementwise")
binary("pow", np.power, lambda y, a, b: b * a ** (b - 1.0), lambda y, a, b: y * log_pos(a),
       lambda sp, a, b: a ** b, display="^", infix="^", operator="pow", domain=(0.5, 2.0),
       kinks=(KinkRule(input=0, left=None, right=np.inf, subdifferential=None, convention=np.inf, pytorch="inf",
                       jax="inf", note="at base 0 with an exponent below 1 the derivative is infinite",
                       where=lambda y, a, b: (np.asarray(a) == 0) & (np.asarray(b) < 1) & (np.asarray(b) != 0)),),
       doc="a ^ b (also a ** b); real-valued, so a negative base needs an integer exponent")
_add(Op("neg", np.negative, (lambda g, y, x: -g,), (lambda t, y, x: -t,),
        each(lambda sp, a: -a), "elementwise", "-", infix="-", operator="neg", matrix=M.negative, doc="-x"))

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
unary("log", np.log, lambda y, x: 1.0 / x, lambda sp, a: sp.log(a), domain=(0.2, 3.0), names=("log", "ln"),
      doc="natural log")
unary("log2", np.log2, lambda y, x: 1.0 / (x * LN2), lambda sp, a: sp.log(a, 2), domain=(0.2, 3.0),
      doc="base-2 log")
unary("log10", np.log10, lambda y, x: 1.0 / (x * LN10), lambda sp, a: sp.log(a, 10), domain=(0.2, 3.0),
      doc="base-10 log")
unary("sqrt", np.sqrt, lambda y, x: 0.5 / y, lambda sp, a: sp.sqrt(a), domain=(0.2, 3.0), smooth=False,
      kinks=at_zero(left=None, right=np.inf, subdifferential=None, convention=np.inf, pytorch="inf", jax="inf",
                    note="a vertical tangent: the derivative is +∞ (and sqrt is not real to the left)"),
      doc="square root (derivative infinite at 0)")
unary("abs", np.abs, lambda y, x: P.sign(x), lambda sp, a: sp.Abs(a), analytic=False, smooth=False,
      kinks=at_zero(left=-1.0, right=1.0, subdifferential="[-1, 1]", convention=0.0, pytorch="0", jax="1"),
      doc="|x|; AD uses sign(x), so 0 at x = 0")
_add(Op("sign", np.sign, (None,), (None,), each(lambda sp, a: sp.sign(a)), "elementwise", "sign",
        analytic=False, smooth=False,
        kinks=at_zero(left=0.0, right=0.0, subdifferential=None, convention=0.0, pytorch="0", jax="0",
                      note="sign jumps at 0: it is not even continuous there"),
        doc="-1, 0 or 1; zero gradient"))
unary("relu", lambda x: np.maximum(x, 0.0), lambda y, x: P.gt(x, 0.0), lambda sp, a: sp.Max(a, 0),
      analytic=False, smooth=False,
      kinks=at_zero(left=0.0, right=1.0, subdifferential="[0, 1]", convention=0.0, pytorch="0", jax="0"),
      doc="max(x, 0); AD uses 0 at x = 0")
unary("sigmoid", sigmoid, lambda y, x: y * (1.0 - y),
      lambda sp, a: 1 / (1 + sp.exp(-a)), doc="1 / (1 + e^-x)")
unary("softplus", softplus, lambda y, x: P.sigmoid(x), lambda sp, a: sp.log(1 + sp.exp(a)),
      doc="log(1 + e^x)")

# two-input elementwise functions
binary("maximum", np.maximum, lambda y, a, b: P.gt(a, b) + 0.5 * P.eq(a, b),
       lambda y, a, b: P.lt(a, b) + 0.5 * P.eq(a, b), lambda sp, a, b: sp.Max(a, b),
       display="max", names=("max",), analytic=False, smooth=False,
       kinks=at_tie(left=0.0, right=1.0, subdifferential="[0, 1]", convention=0.5, pytorch="0.5", jax="0.5"),
       doc="max(a, b) elementwise; ties split the gradient")
binary("minimum", np.minimum, lambda y, a, b: P.lt(a, b) + 0.5 * P.eq(a, b),
       lambda y, a, b: P.gt(a, b) + 0.5 * P.eq(a, b), lambda sp, a, b: sp.Min(a, b),
       display="min", names=("min",), analytic=False, smooth=False,
       kinks=at_tie(left=1.0, right=0.0, subdifferential="[0, 1]", convention=0.5, pytorch="0.5", jax="0.5"),
       doc="min(a, b) elementwise; ties split the gradient")
for _name, _f, _infix, _rel in (("lt", np.less, "<", "Lt"), ("le", np.less_equal, "<=", "Le"),
                                ("gt", np.greater, ">", "Gt"), ("ge", np.greater_equal, ">=", "Ge"),
                                ("eq", np.equal, "==", "Eq"), ("ne", np.not_equal, "!=", "Ne")):
    _add(Op(_name, compare(_f), (None, None), (None, None),
            each(piecewise(lambda sp, a, b, _rel=_rel: getattr(sp, _rel)(a, b))), "compare", _infix,
            infix=_infix, operator=_name, analytic=False, smooth=False,
            kinks=at_tie(left=0.0, right=0.0, subdifferential=None, convention=0.0, pytorch="0", jax="0",
                         note="the comparison switches here: what depends on it (a where, a branch) jumps"),
            doc=f"a {_infix} b as 1 or 0; zero gradient"))
_add(Op("where", where,
        (None, lambda g, y, c, a, b: P.where(c, g, 0.0), lambda g, y, c, a, b: P.where(c, 0.0, g)),
        (None, lambda t, y, c, a, b: P.where(c, t, 0.0), lambda t, y, c, a, b: P.where(c, 0.0, t)),
        each(lambda sp, c, a, b: sp.Piecewise((a, sp.Ne(c, 0)), (b, True))), "select", "where",
        smooth=False, doc="a where c is nonzero, else b"))

# reductions (axis=None: over all elements)
_add(Op("sum", reduce(np.sum), (lambda g, y, x, axis=None: back(g, np.shape(x), axis),),
        (lambda t, y, x, axis=None: P.sum(t, axis=axis),), SAME, "reduction", "sum", matrix=M.total, doc="sum"))
_add(Op("mean", reduce(np.mean),
        (lambda g, y, x, axis=None: back(g / count(np.shape(x), axis), np.shape(x), axis),),
        (lambda t, y, x, axis=None: P.mean(t, axis=axis),), SAME, "reduction", "mean", doc="mean"))
_add(Op("prod", reduce(np.prod),
        (lambda g, y, x, axis=None: back(g, np.shape(x), axis) * P.prod_others(x, axis=axis),),
        (lambda t, y, x, axis=None: P.sum(t * P.prod_others(x, axis=axis), axis=axis),),
        SAME, "reduction", "prod", doc="product"))
def extremum(name: str, numpy_reduce, sympy_name: str, display: str, what: str) -> None:
    """max or min over an axis: the gradient goes to the elements that attain it, shared on ties."""
    _add(Op(name, reduce(numpy_reduce),
            (lambda g, y, x, axis=None: back(g, np.shape(x), axis) * max_mask(x, y, axis),),
            (lambda t, y, x, axis=None: P.sum(t * max_mask(x, y, axis), axis=axis),),
            sym_reduce(lambda sp, v: getattr(sp, sympy_name)(*v)), "reduction", display, analytic=False,
            smooth=False, kinks=reduction_tie(note=f"several elements share the {what} value"),
            names=(display,), doc=f"{what} element; ties share the gradient"))


extremum("amax", np.max, "Max", "max", "largest")
extremum("amin", np.min, "Min", "min", "smallest")
_add(Op("norm", axis_checked(lambda x, axis=None: np.sqrt(np.sum(x * x, axis=axis))),
        (lambda g, y, x, axis=None: back(g, np.shape(x), axis) * x / back(safe(y), np.shape(x), axis),),
        (lambda t, y, x, axis=None: P.sum(t * x, axis=axis) / safe(y),),
        sym_reduce(lambda sp, v: sp.sqrt(sum(e * e for e in v))), "reduction", "norm", smooth=False,
        kinks=(KinkRule(input=0, where=lambda y, x, axis=None: np.broadcast_to(
            np.expand_dims(np.asarray(y) == 0, axis) if axis is not None else np.asarray(y) == 0, np.shape(x)),
            left=None, right=None, subdifferential="the unit ball {g : ‖g‖ ≤ 1}", convention=0.0, pytorch="0",
            jax="NaN", note="the norm is a cone at the zero vector: every direction has slope 1"),),
        doc="Euclidean norm; AD uses 0 at the zero vector"))
_add(Op("logsumexp", axis_checked(logsumexp),
        (lambda g, y, x, axis=None: back(g, np.shape(x), axis) * P.exp(x - back(y, np.shape(x), axis)),),
        (lambda t, y, x, axis=None: P.sum(t * P.exp(x - back(y, np.shape(x), axis)), axis=axis),),
        sym_reduce(lambda sp, v: sp.log(sum(sp.exp(e) for e in v))), "reduction", "logsumexp",
        doc="log(sum(exp(x))), computed without overflow"))
_add(Op("softmax", axis_checked(softmax),
        (lambda g, y, x, axis=None: y * (g - back(P.sum(g * y, axis=axis), np.shape(x), axis)),),
        (lambda t, y, x, axis=None: y * (t - back(P.sum(t * y, axis=axis), np.shape(x), axis)),),
        sym_softmax, "reduction", "softmax", doc="exp(x) / sum(exp(x)) along axis (all elements by default)"))

# linear algebra
_add(Op("dot", rank2(np.dot, "dot"),
        (lambda g, y, a, b: dot_vjp_a(g, a, b), lambda g, y, a, b: dot_vjp_b(g, a, b)),
        (lambda t, y, a, b: P.dot(t, b), lambda t, y, a, b: P.dot(a, t)),
        SAME, "linalg", ".", infix=".", symbol="·", names=("dot",), out_size=dot_size, matrix=M.product,
        doc="numpy dot: x.x is the inner product"))
_add(Op("matmul", rank2(matmul, "@"),
        (lambda g, y, a, b: dot_vjp_a(g, a, b), lambda g, y, a, b: dot_vjp_b(g, a, b)),
        (lambda t, y, a, b: P.matmul(t, b), lambda t, y, a, b: P.matmul(a, t)),
        SAME, "linalg", "@", infix="@", operator="matmul", names=("matmul",), out_size=matmul_size, matrix=M.product,
        doc="matrix product"))
_add(Op("outer", outer, (lambda g, y, a, b: P.matmul(g, b), lambda g, y, a, b: P.matmul(a, g)),
        (lambda t, y, a, b: P.outer(t, b), lambda t, y, a, b: P.outer(a, t)),
        SAME, "linalg", "outer", out_size=outer_size, doc="outer product of two vectors"))
_add(Op("trace", trace, (lambda g, y, a: g * np.eye(*np.shape(a)),), (lambda t, y, a: P.trace(t),),
        SAME, "linalg", "trace", doc="sum of the diagonal"))
_add(Op("transpose", np.transpose, (lambda g, y, x: P.transpose(g),), (lambda t, y, x: P.transpose(t),),
        SAME, "shape", "T", text="{0}.T", symbol="ᵀ", matrix=M.transposed, doc="reverse the axes (x.T)"))
_add(Op("reshape", lambda x, shape: np.reshape(x, shape),
        (lambda g, y, x, shape: P.reshape(g, shape=np.shape(x)),),
        (lambda t, y, x, shape: P.reshape(t, shape=shape),), SAME, "shape", "reshape", trailing="shape",
        doc="reshape"))
_add(Op("index", lambda x, key: x[key], (lambda g, y, x, key: P.scatter(g, shape=np.shape(x), key=key),),
        (lambda t, y, x, key: P.index(t, key=key),), SAME, "shape", "[]", text="{0}[{key}]", symbol="[ ]",
        what="indexing", names=(), doc="x[i], x[i:j], A[i, j]"))
_add(Op("stack", lambda *xs: np.stack(xs), (lambda g, y, *xs, argnum: P.index(g, key=(argnum,)),),
        (lambda t, y, *xs, argnum: P.scatter(t, shape=np.shape(y), key=(argnum,)),),
        lambda sp, *xs: np.stack(xs), "shape", "[...]", variadic=True, text="[{*}]", symbol="[…]",
        what="an array literal", names=(), out_size=stack_size, doc="array literal [a, b, ...]"))
_add(Op("detach", lambda x: x, (None,), (None,), SAME, "identity", "detach", frozen=True,
        names=("detach", "stop_gradient"), doc="the value passes, no gradient flows back (alias stop_gradient)"))

# internal: appear in gradient graphs, never typed by a user
_add(Op("broadcast_to", lambda x, shape: np.broadcast_to(x, shape),
        (lambda g, y, x, shape: P.sum_to(g, shape=np.shape(x)),),
        (lambda t, y, x, shape: P.broadcast_to(t, shape=shape),), SAME, "internal", "broadcast_to",
        out_size=shape_size, doc="broadcast to a shape"))
_add(Op("sum_to", sum_to, (lambda g, y, x, shape: P.broadcast_to(g, shape=np.shape(x)),),
        (lambda t, y, x, shape: P.sum_to(t, shape=shape),), None, "internal", "sum_to",
        doc="sum a broadcast array down to a shape"))
_add(Op("scatter", scatter, (lambda g, y, x, shape, key: P.index(g, key=key),),
        (lambda t, y, x, shape, key: P.scatter(t, shape=shape, key=key),), None, "internal", "scatter",
        out_size=shape_size, doc="zeros of a shape with x placed at key"))
_add(Op("prod_others", reduce(prod_others),
        (lambda g, y, x, axis=None: (back(P.sum(g * y, axis=axis), np.shape(x), axis) - g * y) / x,),
        (lambda t, y, x, axis=None: y * (back(P.sum(t / x, axis=axis), np.shape(x), axis) - t / x),),
        None, "internal", "prod_others", domain=(0.5, 2.0),
        doc="product of the other elements (prod's gradient); rules valid where x has no zeros"))


fill(OPS)
