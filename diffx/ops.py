"""The op table: every operation diffx knows, and everything it means, defined once.

Each entry holds, side by side, what every method and view needs:

- `forward`: the numpy function (it also runs on complex arrays for analytic ops);
- `vjp`: one reverse rule per input, ``rule(g, y, *inputs, **params)`` giving
  that input's share of the cotangent (``None``: no gradient flows there);
- `jvp`: one forward rule per input, ``rule(t, y, *inputs, **params)`` giving
  that input's contribution to the output tangent;
- `vjp_reads`: what the reverse rules read besides g and shapes ("y", input
  positions; None: everything), so a gradient's sweeps release the rest;
  `cotangent`: g put once in the layout the rules want (matmul: made dense);
- `sym`: the SymPy translation, ``sym(sp, *object_arrays, **params)``;
- `kind`: elementwise, compare, select, identity, reduction, linalg, shape,
  internal or leaf; flags `analytic` (complex-step safe), `smooth`
  (differentiable on its whole domain), `domain` (where it is smooth, for
  sampling), `frozen` (held at its value when inputs are perturbed: detach);
- how it is written and drawn (`display`, `infix`, `text`, `symbol`, `what`),
  called in the language (`names`, `trailing`), how large its output can be
  (`out_size`) and its kinks (`kinks`). Its matrix-calculus rule is its reverse
  rule itself, run on symbolic matrices (`diffx.matrixform`): no second copy.

Nothing outside this table decides by an op's name: adding an op is adding an
entry. Rules are written with Python operators and the `P` namespace (one
function per op, built from this table), never with numpy directly, so the
same rule runs on numpy arrays (fast gradients) and on traced values (a
gradient that is itself a graph, which forward mode can differentiate again
for Hessians). Broadcasting is the engine's job: a reverse rule may return a
cotangent of the broadcast shape and the engine sums it down to the input's shape.
"""
from __future__ import annotations

import numpy as np

from .dispatch import P, fill
from .forwards import compare, each, log_pos, piecewise, power_slope, power_sym, sigmoid, softplus, where
from .kinkrules import KinkRule, at_tie, at_zero
from .optable import LN2, LN10, OPS, POINTWISE, SAME, Op, Param, add, binary, unary  # noqa: F401 - the table's API

_add = add


# ---------------------------------------------------------------- the table

# leaves: values come from the point (var) or the node (const)
_add(Op("var", None, (), (), None, "leaf", "var", text="input", free=True,
        doc="a free variable; its value comes from --at"))
_add(Op("const", lambda value: value, (), (), None, "leaf", "const", text="{value}", doc="a constant"))

# arithmetic
_add(Op("add", np.add, (lambda g, y, a, b: g, lambda g, y, a, b: g),
        (lambda t, y, a, b: t, lambda t, y, a, b: t),
        each(lambda sp, a, b: a + b), "elementwise", "+", infix="+", operator="add", vjp_reads=(), doc="a + b"))
_add(Op("sub", np.subtract, (lambda g, y, a, b: g, lambda g, y, a, b: -g),
        (lambda t, y, a, b: t, lambda t, y, a, b: -t),
        each(lambda sp, a, b: a - b), "elementwise", "-", infix="-", operator="sub", vjp_reads=(), doc="a - b"))
binary("mul", np.multiply, lambda y, a, b: b, lambda y, a, b: a,
       lambda sp, a, b: a * b, display="*", infix="*", operator="mul", vjp_reads=(0, 1), doc="a * b elementwise")
binary("div", np.divide, lambda y, a, b: 1.0 / b, lambda y, a, b: -y / b,
       lambda sp, a, b: a / b, display="/", infix="/", operator="truediv", vjp_reads=("y", 1), doc="a / b elementwise")
binary("pow", np.power, lambda y, a, b: power_slope(a, b), lambda y, a, b: y * log_pos(a),
       power_sym, display="^", infix="^", operator="pow", domain=(0.5, 2.0),
       kinks=(KinkRule(input=0, left=None, right=np.inf, subdifferential=None, convention=np.inf, pytorch="inf",
                       jax="inf", note="at base 0 with an exponent below 1 the derivative is infinite",
                       where=lambda y, a, b: (np.asarray(a) == 0) & (np.asarray(b) < 1) & (np.asarray(b) != 0),
                       surface=lambda xs, ts: (xs[0], ts[0])),),
       doc="a ^ b (also a ** b); real-valued, so a negative base needs an integer exponent")
_add(Op("neg", np.negative, (lambda g, y, x: -g,), (lambda t, y, x: -t,),
        each(lambda sp, a: -a), "elementwise", "-", infix="-", operator="neg", vjp_reads=(), doc="-x"))

# elementwise functions
unary("sin", np.sin, lambda y, x: P.cos(x), lambda sp, a: sp.sin(a), vjp_reads=(0,), doc="sine")
unary("cos", np.cos, lambda y, x: -P.sin(x), lambda sp, a: sp.cos(a), vjp_reads=(0,), doc="cosine")
unary("tan", np.tan, lambda y, x: 1.0 + y * y, lambda sp, a: sp.tan(a), domain=(-1.2, 1.2),
      vjp_reads=("y",), doc="tangent")
unary("asin", np.arcsin, lambda y, x: 1.0 / P.sqrt(1.0 - x * x), lambda sp, a: sp.asin(a),
      domain=(-0.9, 0.9), vjp_reads=(0,), doc="inverse sine")
unary("acos", np.arccos, lambda y, x: -1.0 / P.sqrt(1.0 - x * x), lambda sp, a: sp.acos(a),
      domain=(-0.9, 0.9), vjp_reads=(0,), doc="inverse cosine")
unary("atan", np.arctan, lambda y, x: 1.0 / (1.0 + x * x), lambda sp, a: sp.atan(a),
      vjp_reads=(0,), doc="inverse tangent")
unary("sinh", np.sinh, lambda y, x: P.cosh(x), lambda sp, a: sp.sinh(a), vjp_reads=(0,), doc="hyperbolic sine")
unary("cosh", np.cosh, lambda y, x: P.sinh(x), lambda sp, a: sp.cosh(a), vjp_reads=(0,), doc="hyperbolic cosine")
unary("tanh", np.tanh, lambda y, x: 1.0 - y * y, lambda sp, a: sp.tanh(a), vjp_reads=("y",), doc="hyperbolic tangent")
unary("exp", np.exp, lambda y, x: y, lambda sp, a: sp.exp(a), vjp_reads=("y",), doc="e^x")
unary("log", np.log, lambda y, x: 1.0 / x, lambda sp, a: sp.log(a), domain=(0.2, 3.0), names=("log", "ln"),
      vjp_reads=(0,), doc="natural log")
unary("log2", np.log2, lambda y, x: 1.0 / (x * LN2), lambda sp, a: sp.log(a, 2), domain=(0.2, 3.0),
      vjp_reads=(0,), doc="base-2 log")
unary("log10", np.log10, lambda y, x: 1.0 / (x * LN10), lambda sp, a: sp.log(a, 10), domain=(0.2, 3.0),
      vjp_reads=(0,), doc="base-10 log")
unary("sqrt", np.sqrt, lambda y, x: 0.5 / y, lambda sp, a: sp.sqrt(a), domain=(0.2, 3.0), smooth=False,
      kinks=at_zero(left=None, right=np.inf, subdifferential=None, convention=np.inf, pytorch="inf", jax="inf",
                    note="a vertical tangent: the derivative is +∞ (and sqrt is not real to the left)"),
      vjp_reads=("y",), doc="square root (derivative infinite at 0)")
unary("abs", np.abs, lambda y, x: P.sign(x), lambda sp, a: sp.Abs(a), analytic=False, smooth=False,
      kinks=at_zero(left=-1.0, right=1.0, subdifferential="[-1, 1]", convention=0.0, pytorch="0", jax="1"),
      vjp_reads=(0,), doc="|x|; AD uses sign(x), so 0 at x = 0")
_add(Op("sign", np.sign, (None,), (None,), each(lambda sp, a: sp.sign(a)), "elementwise", "sign",
        analytic=False, smooth=False,
        kinks=at_zero(left=0.0, right=0.0, subdifferential=None, convention=0.0, pytorch="0", jax="0",
                      note="sign jumps at 0: it is not even continuous there"),
        doc="-1, 0 or 1; zero gradient"))
unary("relu", lambda x: np.maximum(x, 0.0), lambda y, x: P.gt(x, 0.0), lambda sp, a: sp.Max(a, 0),
      analytic=False, smooth=False,
      kinks=at_zero(left=0.0, right=1.0, subdifferential="[0, 1]", convention=0.0, pytorch="0", jax="0"),
      vjp_reads=(0,), doc="max(x, 0); AD uses 0 at x = 0")
unary("sigmoid", sigmoid, lambda y, x: y * (1.0 - y),
      lambda sp, a: 1 / (1 + sp.exp(-a)), vjp_reads=("y",), doc="1 / (1 + e^-x)")
unary("softplus", softplus, lambda y, x: P.sigmoid(x), lambda sp, a: sp.log(1 + sp.exp(a)),
      vjp_reads=(0,), doc="log(1 + e^x)")

# two-input elementwise functions
binary("maximum", np.maximum, lambda y, a, b: P.gt(a, b) + 0.5 * P.eq(a, b),
       lambda y, a, b: P.lt(a, b) + 0.5 * P.eq(a, b), lambda sp, a, b: sp.Max(a, b),
       display="max", names=("max", "maximum"), analytic=False, smooth=False,
       kinks=at_tie(left=0.0, right=1.0, subdifferential="[0, 1]", convention=0.5, pytorch="0.5", jax="0.5"),
       vjp_reads=(0, 1), doc="max(a, b) elementwise; ties split the gradient")
binary("minimum", np.minimum, lambda y, a, b: P.lt(a, b) + 0.5 * P.eq(a, b),
       lambda y, a, b: P.gt(a, b) + 0.5 * P.eq(a, b), lambda sp, a, b: sp.Min(a, b),
       display="min", names=("min", "minimum"), analytic=False, smooth=False,
       kinks=at_tie(left=1.0, right=0.0, subdifferential="[0, 1]", convention=0.5, pytorch="0.5", jax="0.5"),
       vjp_reads=(0, 1), doc="min(a, b) elementwise; ties split the gradient")
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
        smooth=False, vjp_reads=(0,), doc="a where c is nonzero, else b"))

_add(Op("detach", lambda x: x, (None,), (None,), SAME, "identity", "detach", frozen=True,
        names=("detach", "stop_gradient"), doc="the value passes, no gradient flows back (alias stop_gradient)"))

# the themed parts of the table register into the same OPS
from . import ops_elementwise, ops_linalg, ops_reduce, ops_shape  # noqa: E402,F401 - they register into OPS

fill(OPS)
