"""The simplifying constructors of symbolic matrix expressions, one per op that has algebra to do.

`diffx.mexpr.make` calls `RULES[op](args, params, shape)`: sums and
differences become one linear combination (x + x = 2*x), products and
quotients one product of powers (u*x/u = x), matrix products one chain
(Xᵀ(Xw - y), transposes pushed through), broadcasts are dropped where the
elementwise op broadcasts by itself, and `sum_to` (the engine's fitting of
a broadcast gradient) becomes `sum(G, axis=k)`. Each rule keeps the value:
a rewrite valid only away from a point (u/u = 1, `where(y == 0, 1, y)` = y)
is the generic form a textbook writes, and the printed formula is checked
at the point by evaluating it.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from .mexpr import (FLAT, RULES, NoMatrixForm, chain, factors, fit, lift, lin, make, node, num, prod, scalar_of,
                    strip, terms)


GENERIC = [True]          # False: keep the rules' guards (where(y == 0, 1, y)), for a point on a zero of y


def rule(*names):
    def register(fn):
        for n in names:
            RULES[n] = fn
        return fn
    return register


def _flat_terms(x, sign=1):
    t = terms(x)
    if len(t) > FLAT:
        return [(Fraction(sign), x)]
    return [(sign * c, u) for c, u in t]


@rule("add")
def _add(args, params, shape):
    return lin(_flat_terms(args[0]) + _flat_terms(args[1]), shape)


@rule("sub")
def _sub(args, params, shape):
    return lin(_flat_terms(args[0]) + _flat_terms(args[1], -1), shape)


@rule("neg")
def _neg(args, params, shape):
    return lin(_flat_terms(args[0], -1), shape)


def _distributes(pairs: list, other) -> bool:
    """Multiplying `other` (a sum) by these factors cancels a quotient in one of its terms."""
    if other.op != "lin" or len(other.args) > FLAT:
        return False
    mine = {id(f) for f, p in pairs if p > 0}
    for t in other.args:
        _, ps = factors(t)
        if any(p < 0 and id(f) in mine for f, p in ps):
            return True
    return False


def times(a, b, shape, power=1):
    """a * b (power 1) or a / b (power -1), elementwise."""
    ca, pa = factors(a)
    sb = strip(b)
    if power == 1 and _distributes(pa, sb):
        return lin([(c, times(a, t, shape)) for c, t in zip(sb.params["coefs"], sb.args)], shape)
    if power == 1 and _distributes(factors(sb)[1], strip(a)):
        return times(b, a, shape)
    for w, other in ((strip(a), b), (strip(b), a)):   # where(k, g, 0)*f = where(k, g*f, 0)
        if power == 1 and w.op == "where" and 0 in (scalar_of(w.args[1]), scalar_of(w.args[2])) and \
                strip(other).op != "where":
            return make("where", [w.args[0], times(w.args[1], other, shape), times(w.args[2], other, shape)], {})
    if power == 1:
        o = outer_of(strip(a), strip(b))
        if o is not None:
            return o
    cb, pb = factors(b)
    if power == -1:
        if cb == 0:
            raise NoMatrixForm("a division by zero")
        cb = 1 / cb if isinstance(cb, Fraction) else 1.0 / cb
        pb = [(f, -p) for f, p in pb]
    pairs = pa + pb
    if len(pairs) > FLAT:
        raise NoMatrixForm(f"a product of more than {FLAT} factors")
    return prod(ca * cb, pairs, shape)


@rule("mul")
def _mul(args, params, shape):
    return times(args[0], args[1], shape)


@rule("div")
def _div(args, params, shape):
    return times(args[0], args[1], shape, -1)


@rule("pow")
def _pow(args, params, shape):
    a, b = args
    k = scalar_of(b)
    if k is None:
        return node("pow", (a, strip(b) if b.op == "broadcast_to" else b), {}, shape)
    if k == 0:
        return num(Fraction(1))
    c, pairs = factors(a)
    integer = isinstance(k, Fraction) and k.denominator == 1
    if integer and c != 0:
        return prod(c ** int(k), [(f, p * k) for f, p in pairs], shape)
    if len(pairs) == 1 and pairs[0][1] == 1 and c == 1:
        return prod(Fraction(1), [(pairs[0][0], k)], shape)
    return prod(Fraction(1), [(a, k)], shape)


@rule("dot", "matmul")
def _matmul(args, params, shape):
    a, b = args
    if a.ndim == 0 or b.ndim == 0:
        return times(a, b, shape)
    if a.ndim == 1 and b.ndim == 2:   # uᵀB = (Bᵀu)ᵀ: vectors are columns
        return chain([make("transpose", [b], {}), a])
    return chain([a, b])


def _leafy(x) -> bool:
    return x.op in ("sym", "const", "eye", "num") or (x.op == "transpose" and x.args[0].op == "sym")


def _one_array(x) -> bool:
    """A product with one array factor (the others scalars): its transpose is that factor's."""
    return sum(f.ndim > 0 for f in x.args) == 1


@rule("transpose")
def _transpose(args, params, shape):
    (a,) = args
    if a.ndim < 2 or a.op == "eye":
        return a
    if a.op == "transpose":
        return a.args[0]
    if a.op == "chain":
        return chain([make("transpose", [f], {}) for f in reversed(a.args)])
    if a.op == "outer":
        return make("outer", [a.args[1], a.args[0]], {})
    if a.op == "broadcast_to":
        return fit(make("transpose", [a.args[0]], {}), shape)
    if a.op == "product" and len(a.args) == 2 and a.args[0].op == "eye" and a.args[1].ndim == 1:
        return a                      # diag(v) is symmetric
    if a.op == "lin" and all(_leafy(f) or f.op == "chain" or f.op == "product" and _one_array(f) for f in a.args):
        return lin([(c, make("transpose", [t], {})) for c, t in zip(a.params["coefs"], a.args)], shape)
    if a.op == "product" and _one_array(a):
        return prod(Fraction(1), [(make("transpose", [f], {}), p) for f, p in zip(a.args, a.params["powers"])],
                    shape)
    if a.op in ("lin", "product") and all(_leafy(f) for f in a.args):
        parts = [make("transpose", [f], {}) for f in a.args]
        if a.op == "lin":
            return lin(list(zip(a.params["coefs"], parts)), shape)
        return prod(Fraction(1), list(zip(parts, a.params["powers"])), shape)
    if a.op == "const":
        v = np.asarray(a.params["value"]).reshape(a.shape).T
        return lift(v)
    return node("transpose", (a,), {}, shape)


@rule("broadcast_to")
def _broadcast(args, params, shape):
    a = args[0]
    if a.op == "reshape" and a.args[0].shape == tuple(s for s in a.shape if s != 1) and \
            a.shape[-a.args[0].ndim or len(a.shape):] == a.args[0].shape:
        a = a.args[0]                 # leading ones only: broadcasting adds them itself
    return fit(strip(a), shape)


@rule("reshape")
def _reshape(args, params, shape):
    a = strip(args[0]) if args[0].op == "broadcast_to" and args[0].args[0].shape == () else args[0]
    if a.shape == shape:
        return a
    if a.shape == () :
        return fit(a, shape)
    if a.op == "reshape":
        a = a.args[0]
        if a.shape == shape:
            return a
    return node("reshape", (a,), {"shape": tuple(shape)}, shape)


@rule("sum_to")
def _sum_to(args, params, shape):
    """The engine's fitting of a broadcast gradient: a sum over the broadcast axes."""
    g, target = args[0], tuple(params["shape"])
    if g.op == "broadcast_to" and g.args[0].shape == target:
        return times(num(Fraction(math.prod(g.shape) // max(1, math.prod(target)))), g.args[0], target)
    lead = g.ndim - len(target)
    axes = list(range(lead)) + [i + lead for i, n in enumerate(target) if n == 1 and g.shape[i + lead] != 1]
    out = g
    for axis in sorted(axes, reverse=True):
        out = make("sum", [out], {"axis": axis} if out.ndim > 1 else {})
    return make("reshape", [out], {"shape": target})


@rule("sum")
def _sum(args, params, shape):
    a, axis = args[0], params.get("axis")
    if a.ndim == 0:
        return a
    if axis is not None and a.ndim == 2:
        c = contraction(a, axis % 2)
        if c is not None:
            return c
    if axis is None and a.op == "product" and len(a.args) == 2 and a.params["powers"] == (1, 1):
        hot, v = a.args if a.args[0].op == "eq" else a.args[::-1]
        if hot.op == "eq" and hot.args[0].op == "arange" and hot.args[1].op == "num" and v.ndim == 1:
            return make("index", [v], {"key": int(hot.args[1].params["value"])})   # sum(onehot(i)*v) = v[i]
    if axis is None and a.op == "broadcast_to" and a.args[0].shape == ():
        return times(num(Fraction(math.prod(a.shape))), a.args[0], shape)
    if a.op == "lin" and len(a.args) <= FLAT:
        return lin([(c, make("sum", [t if t.shape == a.shape else fit(t, a.shape)], params))
                    for c, t in zip(a.params["coefs"], a.args)], shape)
    return node("sum", (a,), params, shape)


@rule("where")
def _where(args, params, shape):
    c, a, b = args
    if scalar_of(c) is not None:      # a constant condition picks its branch
        return a if scalar_of(c) != 0 else b
    if GENERIC[0] and c.op == "eq" and scalar_of(c.args[1]) == 0 and scalar_of(a) == 1 and \
            strip(b) is strip(c.args[0]):
        return b                      # where(y == 0, 1, y): the divisor y, away from its zeros
    if scalar_of(a) is not None and scalar_of(a) == scalar_of(b):
        return a
    a, b = (strip(a) if scalar_of(a) is not None else a), (strip(b) if scalar_of(b) is not None else b)
    return node("where", (c, a, b), {}, shape)


@rule("prod_others")
def _prod_others(args, params, shape):
    """The product of the other elements: prod(x)/x (away from zeros)."""
    (x,), axis = args, params.get("axis")
    total = make("prod", [x], params)
    if axis is not None:
        kept = tuple(1 if i == axis % x.ndim else n for i, n in enumerate(x.shape))
        total = make("reshape", [total], {"shape": kept})
    return times(total, x, shape, -1)


@rule("scatter")
def _scatter(args, params, shape):
    """g placed at an integer index of zeros: g times a one-hot array (arange(n) == i)."""
    g, key = args[0], params["key"]
    key = key if isinstance(key, tuple) else (key,)
    if g.shape != () or len(key) != len(shape) or not all(isinstance(k, (int, np.integer)) for k in key):
        raise NoMatrixForm("the gradient of a slice places values into zeros, which diffx's language cannot write")
    hot = [make("eq", [node("arange", (), {"n": n}, (n,)), num(Fraction(int(k) % n))], {}) for k, n in
           zip(key, shape)]
    mask = hot[0] if len(hot) == 1 else make("outer", hot, {})
    return times(g, mask, shape)


@rule("detach")
def _detach(args, params, shape):
    a = args[0]
    return a if a.op in ("num", "const", "eye") else node("detach", (a,), {}, shape)


@rule("exp")
def _exp(args, params, shape):
    """exp(x - logsumexp(x)) is softmax(x)."""
    a = args[0]
    if a.op == "lin" and len(a.args) == 2 and a.params["coefs"] == (1, -1):
        x, lse = a.args[0], a.args[1]
        while lse.op in ("reshape", "broadcast_to"):
            lse = lse.args[0]
        if lse.op == "logsumexp" and lse.args[0] is x:
            return make("softmax", [x], dict(lse.params))
    return node("exp", (a,), {}, shape)


def _axis(x, params, key="axis") -> int:
    axis = params.get(key)
    axis = axis[0] if isinstance(axis, tuple) and len(axis) == 1 else axis
    return axis % max(1, x.ndim) if isinstance(axis, int) else axis


@rule("swapaxes")
def _swapaxes(args, params, shape):
    (x,) = args
    if x.ndim == 2 and {params.get("axis1", 0) % 2, params.get("axis2", 1) % 2} == {0, 1}:
        return make("transpose", [x], {})
    return node("swapaxes", (x,), params, shape)


@rule("expand_dims")
def _expand_dims(args, params, shape):
    """A vector as a column (axis -1) or a row (axis -2): written as a reshape, read by the products below."""
    (x,) = args
    if x.ndim == 1 and len(shape) == 2:
        return node("expand_dims", (x,), {"axis": 1 if shape[1] == 1 else 0}, shape)
    return make("reshape", [x], {"shape": tuple(shape)})


def column_or_row(x):
    """(vector, 1 for a column / 0 for a row) of an expand_dims, else None."""
    return (x.args[0], x.params["axis"]) if x.op == "expand_dims" else None


def outer_of(a, b):
    """column(u) * v, column(u) * row(v): the outer product of u and v."""
    for p, q in ((a, b), (b, a)):
        cp, cq = column_or_row(p), column_or_row(q)
        if cp is not None and cp[1] == 1 and (q.ndim == 1 or cq is not None and cq[1] == 0):
            return make("outer", [cp[0], q if q.ndim == 1 else cq[0]], {})
    return None


def contraction(a, axis):
    """sum(M * column(g), axis=0) = M.T@g and sum(M * row(g), axis=1) = M@g."""
    if a.op != "product" or len(a.args) != 2 or a.params["powers"] != (1, 1):
        return None
    for m, e in (a.args, a.args[::-1]):
        ce = column_or_row(e)
        if ce is not None and m.ndim == 2:
            if ce[1] == 1 and axis == 0:
                return make("matmul", [make("transpose", [m], {}), ce[0]], {})
            if ce[1] == 0 and axis == 1:
                return make("matmul", [m, ce[0]], {})
    return None


@rule("einsum")
def _einsum(args, params, shape):
    """The trace rule's embedding of a diagonal: einsum('...d,id,jd->...ij', d, I, I) is diag(d)."""
    if params.get("subscripts") == "...d,id,jd->...ij" and len(args) == 3 and args[1].op == "eye" and \
            args[2].op == "eye" and args[0].ndim == 1:
        return times(args[1], args[0], shape)
    return node("einsum", tuple(args), params, shape)


@rule("moveaxis")
def _moveaxis(args, params, shape):
    (x,) = args
    n = max(1, x.ndim)
    src, dst = params.get("source"), params.get("destination")
    src, dst = (src if isinstance(src, tuple) else (src,)), (dst if isinstance(dst, tuple) else (dst,))
    if [a % n for a in src] == [a % n for a in dst]:
        return x
    return node("moveaxis", (x,), params, shape)
