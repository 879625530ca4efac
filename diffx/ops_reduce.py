"""The op table's reductions: sum, mean, prod, max, min, norm, var, std, logsumexp, softmax, log_softmax,
cumsum, cumprod.

`axis` is None (every element), an integer or a tuple of them; `keepdims`
keeps the reduced axes as 1. A reverse rule spreads its cotangent back over
the reduced axes with `back`, which reads either shape of it.
"""
from __future__ import annotations

import numpy as np

from .dispatch import P
from .forwards import (axis_checked, back, count, logsumexp, max_mask, reduce, softmax, sym_reduce, sym_softmax)
from .forwards_reduce import (centred, cumulative, dof, flat, log_softmax, log_softmax_sym, norm, norm_axes,
                              norm_factor, norm_sym, norm_zero, reverse_cumsum, std, std_sym, std_zero, var)
from .kinkrules import KinkRule, reduction_tie
from .optable import AXIS, KEEPDIMS, SAME, Op, Param, add

AXES = (AXIS, KEEPDIMS)
DDOF = Param("ddof", "int", 0, torch=("correction",), torch_default=1, torch_flag="unbiased", keyword=True)
ONE_AXIS = (Param("axis", "int", None, torch=("dim",)),)

add(Op("sum", reduce(np.sum), (lambda g, y, x, axis=None, keepdims=False: back(g, np.shape(x), axis),),
       (lambda t, y, x, axis=None, keepdims=False: P.sum(t, axis=axis, keepdims=keepdims),), SAME, "reduction",
       "sum", params=AXES, vjp_reads=(), doc="sum"))
add(Op("mean", reduce(np.mean),
       (lambda g, y, x, axis=None, keepdims=False: back(g / count(np.shape(x), axis), np.shape(x), axis),),
       (lambda t, y, x, axis=None, keepdims=False: P.mean(t, axis=axis, keepdims=keepdims),), SAME, "reduction",
       "mean", params=AXES, vjp_reads=(), doc="mean"))
add(Op("prod", reduce(np.prod),
       (lambda g, y, x, axis=None, keepdims=False: back(g, np.shape(x), axis) * P.prod_others(x, axis=axis),),
       (lambda t, y, x, axis=None, keepdims=False: P.sum(t * P.prod_others(x, axis=axis), axis=axis,
                                                         keepdims=keepdims),),
       SAME, "reduction", "prod", params=AXES, vjp_reads=(0,), doc="product"))


def extremum(name: str, numpy_reduce, sympy_name: str, display: str, what: str) -> None:
    """max or min over an axis: the gradient goes to the elements that attain it, shared on ties."""
    add(Op(name, reduce(numpy_reduce),
           (lambda g, y, x, axis=None, keepdims=False: back(g, np.shape(x), axis) * max_mask(x, y, axis),),
           (lambda t, y, x, axis=None, keepdims=False: P.sum(t * max_mask(x, y, axis), axis=axis,
                                                             keepdims=keepdims),),
           sym_reduce(lambda sp, v: getattr(sp, sympy_name)(*v)), "reduction", display, analytic=False,
           smooth=False, kinks=reduction_tie(note=f"several elements share the {what} value"), params=AXES,
           names=(display,), vjp_reads=("y", 0), doc=f"{what} element; ties share the gradient"))


extremum("amax", np.max, "Max", "max", "largest")
extremum("amin", np.min, "Min", "min", "smallest")
add(Op("norm", norm,
       (lambda g, y, x, **p: back(g, np.shape(x), _norm_axes(x, p)) * norm_factor(y, x, **p),),
       (lambda t, y, x, **p: P.sum(t * norm_factor(y, x, **p), axis=_norm_axes(x, p),
                                   keepdims=p.get("keepdims", False)),),
       norm_sym, "reduction", "norm", smooth=False,
       kinks=(KinkRule(input=0, where=norm_zero, left=None, right=None,
                       subdifferential="the unit ball of the dual norm", convention=0.0, pytorch="0", jax="NaN",
                       note="a norm is a cone at the zero vector: every direction has slope 1"),),
       params=(Param("ord", "ord", None, torch=("p",)), AXIS, KEEPDIMS), names=("norm", "linalg.norm"),
       vjp_reads=("y", 0),
       doc="vector norm (2 by default; ord=p, inf, -inf) or matrix norm (ord='fro', 1, -1, inf, -inf) over "
           "axis; AD uses 0 at the zero vector"))


def _norm_axes(x, p):
    return norm_axes(x, p.get("ord"), p.get("axis"))[0]


add(Op("variance", axis_checked(var),
       (lambda g, y, x, axis=None, ddof=0, keepdims=False:
        back(g, np.shape(x), axis) * 2.0 * centred(x, axis) / dof(x, axis, ddof),),
       (lambda t, y, x, axis=None, ddof=0, keepdims=False:
        P.sum(t * 2.0 * centred(x, axis), axis=axis, keepdims=keepdims) / dof(x, axis, ddof),),
       SAME, "reduction", "var", params=(AXIS, DDOF, KEEPDIMS), names=("var",),
       vjp_reads=(0,), doc="variance, ddof=0 as numpy (Tensor.var: correction=1, as PyTorch)"))
add(Op("std", axis_checked(std),
       (lambda g, y, x, axis=None, ddof=0, keepdims=False:
        back(g / safe_dof(y, x, axis, ddof), np.shape(x), axis) * centred(x, axis),),
       (lambda t, y, x, axis=None, ddof=0, keepdims=False:
        P.sum(t * centred(x, axis), axis=axis, keepdims=keepdims) / safe_dof(y, x, axis, ddof),),
       std_sym, "reduction", "std", smooth=False, params=(AXIS, DDOF, KEEPDIMS),
       kinks=(KinkRule(input=0, where=std_zero, left=None, right=None, subdifferential=None, convention=0.0,
                       pytorch="NaN", jax="NaN", note="std is a cone where all elements are equal"),),
       vjp_reads=("y", 0),
       doc="standard deviation, ddof=0 as numpy (Tensor.std: correction=1, as PyTorch); AD uses 0 where all "
           "elements are equal"))


def safe_dof(y, x, axis, ddof):
    return P.where(P.eq(y, 0.0), 1.0, y) * dof(x, axis, ddof)


add(Op("logsumexp", axis_checked(logsumexp),
       (lambda g, y, x, axis=None, keepdims=False:
        back(g, np.shape(x), axis) * P.exp(x - back(y, np.shape(x), axis)),),
       (lambda t, y, x, axis=None, keepdims=False: P.sum(t * P.exp(x - back(y, np.shape(x), axis)), axis=axis,
                                                         keepdims=keepdims),),
       sym_reduce(lambda sp, v: sp.log(sum(sp.exp(e) for e in v))), "reduction", "logsumexp", params=AXES,
       vjp_reads=("y", 0), doc="log(sum(exp(x))), computed without overflow"))
add(Op("softmax", axis_checked(softmax),
       (lambda g, y, x, axis=None: y * (g - back(P.sum(g * y, axis=axis), np.shape(x), axis)),),
       (lambda t, y, x, axis=None: y * (t - back(P.sum(t * y, axis=axis), np.shape(x), axis)),),
       sym_softmax, "reduction", "softmax", params=(AXIS,),
       vjp_reads=("y",), doc="exp(x) / sum(exp(x)) along axis (all elements by default)"))
add(Op("log_softmax", log_softmax,
       (lambda g, y, x, axis=None: g - P.exp(y) * back(P.sum(g, axis=axis), np.shape(x), axis),),
       (lambda t, y, x, axis=None: t - back(P.sum(t * P.exp(y), axis=axis), np.shape(x), axis),),
       log_softmax_sym, "reduction", "log_softmax", params=(AXIS,),
       vjp_reads=("y",), doc="x - logsumexp(x) along axis, computed without overflow"))
add(Op("cumsum", cumulative(np.cumsum),
       (lambda g, y, x, axis=None: reverse_cumsum(g, x, axis),),
       (lambda t, y, x, axis=None: P.cumsum(t, axis=axis),),
       SAME, "reduction", "cumsum", params=ONE_AXIS,
       vjp_reads=(), doc="running sum along axis (of the flattened array if none)"))
add(Op("cumprod", cumulative(np.cumprod),
       (lambda g, y, x, axis=None: reverse_cumsum(g * y, x, axis) / x,),
       (lambda t, y, x, axis=None: y * P.cumsum(flat(t / x, axis), axis=axis),),
       SAME, "reduction", "cumprod", params=ONE_AXIS, domain=(0.5, 2.0),
       vjp_reads=("y", 0), doc="running product along axis; its rules divide by x, so they hold where x has no zeros"))
