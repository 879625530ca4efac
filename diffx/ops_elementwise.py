"""The op table's special functions, activations and the elementwise ops with jumps.

log1p, expm1, erf, erfc, the inverse hyperbolic functions; gelu, silu, elu,
leaky_relu, logsigmoid, softsign, mish; floor, ceil, round, trunc and % (jumps,
zero or unit derivative on each side); atan2, hypot, clip.
"""
from __future__ import annotations

import math

import numpy as np

from .dispatch import P
from .forwards import each, safe, sigmoid
from .forwards_special import (clip, elu, erf, erfc, gelu, gelu_slope, half_integer, hypot, inside, integer_valued,
                               leaky_relu, logsigmoid, mish, mod, softsign, sym_mod, sym_step)
from .kinkrules import KinkRule, at_zero, jumps
from .optable import Op, Param, add, binary, unary

unary("log1p", np.log1p, lambda y, x: 1.0 / (1.0 + x), lambda sp, a: sp.log(1 + a), domain=(-0.5, 2.0),
      vjp_reads=(0,), doc="log(1 + x), accurate for small x")
unary("expm1", np.expm1, lambda y, x: P.exp(x), lambda sp, a: sp.exp(a) - 1,
      vjp_reads=(0,), doc="e^x - 1, accurate for small x")
unary("erf", erf, lambda y, x: (2.0 / math.sqrt(math.pi)) * P.exp(-x * x), lambda sp, a: sp.erf(a),
      vjp_reads=(0,), doc="the error function")
unary("erfc", erfc, lambda y, x: (-2.0 / math.sqrt(math.pi)) * P.exp(-x * x), lambda sp, a: sp.erfc(a),
      vjp_reads=(0,), doc="1 - erf(x), accurate for large x")
unary("asinh", np.arcsinh, lambda y, x: 1.0 / P.sqrt(x * x + 1.0), lambda sp, a: sp.asinh(a),
      vjp_reads=(0,), doc="inverse hyperbolic sine")
unary("acosh", np.arccosh, lambda y, x: 1.0 / P.sqrt(x * x - 1.0), lambda sp, a: sp.acosh(a), domain=(1.2, 3.0),
      vjp_reads=(0,), doc="inverse hyperbolic cosine (x ≥ 1)")
unary("atanh", np.arctanh, lambda y, x: 1.0 / (1.0 - x * x), lambda sp, a: sp.atanh(a), domain=(-0.9, 0.9),
      vjp_reads=(0,), doc="inverse hyperbolic tangent (|x| < 1)")

# activations
unary("gelu", gelu, lambda y, x: gelu_slope(x), lambda sp, a: a / 2 * (1 + sp.erf(a / sp.sqrt(2))),
      vjp_reads=(0,), doc="x Φ(x), the exact GELU (PyTorch's default)")
unary("silu", lambda x: x * sigmoid(x), lambda y, x: P.sigmoid(x) * (1.0 + x * (1.0 - P.sigmoid(x))),
      lambda sp, a: a / (1 + sp.exp(-a)), names=("silu", "swish"), vjp_reads=(0,), doc="x sigmoid(x) (alias swish)")
unary("logsigmoid", logsigmoid, lambda y, x: P.sigmoid(-x), lambda sp, a: -sp.log(1 + sp.exp(-a)),
      names=("logsigmoid", "log_sigmoid"), vjp_reads=(0,), doc="log(sigmoid(x)), without overflow")
unary("softsign", softsign, lambda y, x: 1.0 / ((1.0 + P.abs(x)) * (1.0 + P.abs(x))),
      lambda sp, a: a / (1 + sp.Abs(a)), analytic=False, vjp_reads=(0,), doc="x / (1 + |x|)")
unary("mish", mish,
      lambda y, x: P.tanh(P.softplus(x)) + x * P.sigmoid(x) * (1.0 - P.tanh(P.softplus(x)) ** 2.0),
      lambda sp, a: a * sp.tanh(sp.log(1 + sp.exp(a))), vjp_reads=(0,), doc="x tanh(softplus(x))")
unary("elu", elu, lambda y, x, alpha=1.0: P.where(P.gt(x, 0.0), 1.0, y + alpha),
      lambda sp, a, alpha=1.0: sp.Piecewise((a, a > 0), (alpha * (sp.exp(a) - 1), True)),
      analytic=False, smooth=False, params=(Param("alpha", "number", 1.0),),
      kinks=(KinkRule(input=0, where=lambda y, x, alpha=1.0: (np.asarray(x) == 0) & (alpha != 1.0), left="alpha",
                      right=1.0, subdifferential=None, convention="alpha", pytorch="alpha", jax="alpha",
                      note="with alpha ≠ 1 the slopes differ on the two sides of 0"),),
      vjp_reads=("y", 0), doc="x for x > 0, alpha (e^x - 1) below")
unary("leaky_relu", leaky_relu, lambda y, x, negative_slope=0.01: P.where(P.gt(x, 0.0), 1.0, negative_slope),
      lambda sp, a, negative_slope=0.01: sp.Piecewise((a, a > 0), (negative_slope * a, True)),
      analytic=False, smooth=False, params=(Param("negative_slope", "number", 0.01),),
      kinks=at_zero(left=0.01, right=1.0, subdifferential="[negative_slope, 1]", convention="negative_slope",
                    pytorch="negative_slope", jax="1", note="left slope shown for the default 0.01"),
      vjp_reads=(0,), doc="x for x > 0, negative_slope·x below (0.01); AD uses negative_slope at 0, as PyTorch")

# piecewise constant: zero gradient, jumps
for _name, _f, _where, _what in (
        ("floor", np.floor, integer_valued, "each integer"), ("ceil", np.ceil, integer_valued, "each integer"),
        ("trunc", np.trunc, integer_valued, "each nonzero integer"),
        ("round", np.round, half_integer, "each half-integer (numpy rounds halves to even)")):
    add(Op(_name, _f, (None,), (None,), each(sym_step(_name)), "elementwise", _name, analytic=False, smooth=False,
           kinks=jumps(where=lambda y, x, _w=_where: _w(x), note=f"{_name} jumps at {_what}: it is not continuous "
                       "there; the derivative is 0 on each side"),
           doc=f"{_name}; zero gradient"))

binary("mod", mod, lambda y, a, b: 1.0, lambda y, a, b: -P.floor(a / b), sym_mod,
       display="%", infix="%", operator="mod", names=("mod", "remainder"), analytic=False, smooth=False,
       domain=(0.5, 2.0),
       kinks=jumps(where=lambda y, a, b: np.broadcast_to(np.asarray(y) == 0, np.shape(y)), left=1.0, right=1.0,
                   convention=1.0, pytorch="1", jax="1",
                   note="a % b jumps by b where a is a multiple of b: it is not continuous there"),
       vjp_reads=(0, 1), doc="a % b, the remainder with the sign of b (Python's and numpy's mod)")
binary("atan2", np.arctan2, lambda y, a, b: b / (a * a + b * b), lambda y, a, b: -a / (a * a + b * b),
       lambda sp, a, b: sp.atan2(a, b), names=("atan2", "arctan2"), analytic=False, smooth=False,
       kinks=(KinkRule(input=0, where=lambda y, a, b: np.broadcast_to((np.asarray(a) == 0) & (np.asarray(b) < 0),
                                                                      np.shape(y)),
                       left=None, right=None, subdifferential=None, convention="the formula b/(a²+b²)",
                       pytorch="the formula", jax="the formula",
                       note="atan2 jumps by 2π across the negative b axis (a = 0, b < 0)"),),
       vjp_reads=(0, 1), doc="the angle of the point (b, a): atan2(y, x)")
binary("hypot", hypot, lambda y, a, b: a / safe(y), lambda y, a, b: b / safe(y),
       lambda sp, a, b: sp.sqrt(a * a + b * b), smooth=False,
       kinks=(KinkRule(input=0, where=lambda y, a, b: np.broadcast_to(np.asarray(y) == 0, np.shape(y)),
                       left=None, right=None, subdifferential="the unit disc", convention=0.0, pytorch="0",
                       jax="0", note="hypot is a cone at (0, 0)"),),
       doc="sqrt(a² + b²), without overflow; AD uses 0 at (0, 0)")


def _clip_lo(g, y, x, lo, hi):
    return g * P.lt(x, lo) * P.le(P.maximum(x, lo), hi)


add(Op("clip", clip,
       (lambda g, y, x, lo, hi: g * inside(x, lo, hi), _clip_lo,
        lambda g, y, x, lo, hi: g * P.gt(P.maximum(x, lo), hi)),
       (lambda t, y, x, lo, hi: t * inside(x, lo, hi), lambda t, y, x, lo, hi: _clip_lo(t, y, x, lo, hi),
        lambda t, y, x, lo, hi: t * P.gt(P.maximum(x, lo), hi)),
       each(lambda sp, x, lo, hi: sp.Min(sp.Max(x, lo), hi)), "elementwise", "clip", analytic=False, smooth=False,
       torch=("clamp",), inputs=("input", "min", "max"), defaults=(-np.inf, np.inf),
       kinks=(KinkRule(input=0, where=lambda y, x, lo, hi: np.broadcast_to(
                           (np.asarray(x) == lo) | (np.asarray(x) == hi), np.shape(y)),
                       left=None, right=None, subdifferential="[0, 1]", convention=1.0, pytorch="1", jax="0.5",
                       note="at a bound the slope is 1 on the inside, 0 outside; AD passes 1 (PyTorch's clamp)"),),
       doc="min(max(x, lo), hi); gradient 1 at the bounds, as PyTorch's clamp (Tensor.clamp(min, max))"))
