"""Symbolic matrix expressions: values a sweep of the op table's rules runs on, to give a derivative in matrix notation.

An `MX` is a node of an expression over named matrices (`X`, `w`, `y`): its
op, its inputs and its shape (known from the variables' shapes, never from
their numbers). It records itself like a traced value (`_diffx_traced`), so
the engine's reverse sweep, run on MX values, applies each op's own reverse
rule and yields the vectorised gradient directly: `2*X.T@(X@w - y)`.

Nodes are simplified as they are built and interned (one object per
structure within a `fresh()` scope, so a repeated subexpression is one node
and the printer can name it once). Three n-ary forms keep the algebra flat:

- `lin`:   c₁·t₁ + c₂·t₂ + …  (numbers as coefficients; a constant is a term `1`)
- `prod`:  f₁^p₁ · f₂^p₂ · …  (elementwise; negative powers divide)
- `chain`: F₁ @ F₂ @ …        (matrix products; a vector only at the right end,
  or at both ends for an inner product, vectors being columns)

Every other node is an op of the table by its name. A value matrix notation
cannot say raises `NoMatrixForm` with the reason.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from fractions import Fraction

import numpy as np

from .dispatch import operator_methods
from .ops import OPS
from .shapes import infer

FLAT = 64                 # the most terms or factors one n-ary node collects


class NoMatrixForm(Exception):
    """Matrix notation cannot say this; the message says why."""


RULES: dict = {}          # op name -> simplifying constructor (args, params, shape) -> MX; filled by diffx.simplify
_TABLE: dict = {}
_SEQ = [0]


@contextmanager
def fresh():
    """A scope of interning: within it, equal structures are one node."""
    saved = dict(_TABLE)
    _TABLE.clear()
    try:
        yield
    finally:
        _TABLE.clear()
        _TABLE.update(saved)


class MX:
    __slots__ = ("op", "args", "params", "shape", "seq")
    _diffx_traced = True
    __array_ufunc__ = None

    def __init__(self, op, args, params, shape):
        self.op, self.args, self.params, self.shape = op, args, params, tuple(shape)
        _SEQ[0] += 1
        self.seq = _SEQ[0]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def record(self, op: str, args: tuple, params: dict) -> "MX":
        return make(op, [lift(a) for a in args], dict(params))

    def __getitem__(self, key):
        return make("index", [self], {"key": key})

    def __repr__(self) -> str:
        return f"MX({self.op}, {len(self.args)} inputs, shape={self.shape})"


for _name, _method in operator_methods(OPS, lambda name, *a: lift(a[0]).record(name, a, {}) if isinstance(a[0], MX)
                                       else lift(a[1]).record(name, a, {}), comparisons=False).items():
    setattr(MX, _name, _method)


def _pkey(params: dict):
    return tuple(sorted((k, repr(v)) for k, v in params.items()))


def node(op: str, args, params: dict | None, shape) -> MX:
    """The one node of this structure (interned)."""
    params = params or {}
    key = (op, tuple(id(a) for a in args), _pkey(params), tuple(shape))
    got = _TABLE.get(key)
    if got is None:
        got = _TABLE[key] = MX(op, tuple(args), params, shape)
    return got


def sym(name: str, shape) -> MX:
    return node("sym", (), {"name": name}, shape)


def num(v) -> MX:
    return node("num", (), {"value": v}, ())


def number(v: float):
    """A float as an exact Fraction when it is an integer or a short decimal (0.5, 0.1), else the float."""
    v = float(v)
    if not math.isfinite(v):
        raise NoMatrixForm(f"the non-finite constant {v}")
    if v.is_integer() and abs(v) < 2 ** 53:
        return Fraction(int(v))
    text = repr(v)
    return Fraction(text) if len(text) <= 10 and "e" not in text else v


def lift(a) -> MX:
    """Any value of a sweep as a node: a number, a uniform or identity array, or a small constant array."""
    if isinstance(a, MX):
        return a
    arr = np.asarray(a)
    if arr.dtype == object or np.iscomplexobj(arr):
        raise NoMatrixForm("a value that is not a real array")
    arr = arr.astype(np.float64)
    if arr.ndim == 0:
        return num(number(arr))
    flat = arr.reshape(-1)
    if flat.size and np.all(flat == flat[0]):
        return node("broadcast_to", (num(number(flat[0])),), {"shape": arr.shape}, arr.shape)
    if arr.ndim == 2 and arr.shape[0] == arr.shape[1] and np.array_equal(arr, np.eye(arr.shape[0])):
        return node("eye", (), {"n": arr.shape[0]}, arr.shape)
    if arr.size > 16:
        raise NoMatrixForm(f"a constant array of {arr.size} elements inside the expression has no short name")
    return node("const", (), {"value": tuple(float(v) for v in flat)}, arr.shape)


def value(x: MX):
    """The number of a `num` node, or None."""
    return x.params["value"] if x.op == "num" else None


def scalar_of(x: MX):
    """The scalar a uniform array (a broadcast number) holds, or None."""
    if x.op == "num":
        return x.params["value"]
    if x.op == "broadcast_to" and x.args[0].op == "num":
        return x.args[0].params["value"]
    return None


def contains(x: MX, target: MX) -> bool:
    seen, stack = set(), [x]
    while stack:
        n = stack.pop()
        if n is target:
            return True
        if id(n) not in seen:
            seen.add(id(n))
            stack.extend(n.args)
    return False


def make(op: str, args: list, params: dict) -> MX:
    """The node of `op` on `args`, simplified, of the shape numpy would give."""
    shape = infer(op, args, params)
    rule = RULES.get(op)
    out = rule(args, params, shape) if rule is not None else generic(op, args, params, shape)
    return fit(out, shape)


def generic(op: str, args, params, shape) -> MX:
    if op not in OPS or op in ("scatter", "sum_to", "prod_others"):
        raise NoMatrixForm(f"no matrix form for the internal op {op!r}")
    return node(op, args, params, shape)


def fit(x: MX, shape) -> MX:
    """x broadcast to `shape` where a simplification dropped the broadcast."""
    shape = tuple(shape)
    if x.shape == shape:
        return x
    try:
        if np.broadcast_shapes(x.shape, shape) == shape:
            inner = x.args[0] if x.op == "broadcast_to" else x
            return node("broadcast_to", (inner,), {"shape": shape}, shape)
    except ValueError:
        pass
    raise NoMatrixForm(f"internal: a simplification changed the shape {shape} to {x.shape}")


def strip(x: MX) -> MX:
    """A broadcast's input (pointwise ops broadcast by themselves)."""
    return x.args[0] if x.op == "broadcast_to" else x


# ---------------------------------------------------------------- the n-ary forms
def terms(x: MX) -> list:
    """x as [(coefficient, term)]: a number c is (c, 1)."""
    x = strip(x)
    if x.op == "lin":
        return list(zip(x.params["coefs"], x.args))
    if x.op == "num":
        return [(x.params["value"], num(Fraction(1)))] if x.params["value"] != 0 else []
    return [(Fraction(1), x)]


def lin(pairs: list, shape) -> MX:
    """Σ c·t with equal terms merged, zeros dropped, a common coefficient and a common matrix factor taken out."""
    flat = []
    for c, t in pairs:
        if t.op == "lin" and len(pairs) + len(t.args) <= FLAT:
            flat += [(c * k, u) for k, u in zip(t.params["coefs"], t.args)]
        else:
            flat.append((c, t))
    merged: dict[int, list] = {}
    for c, t in flat:
        if id(t) in merged:
            merged[id(t)][0] += c
        else:
            merged[id(t)] = [c, t]
    items = _selections([(c, t) for c, t in merged.values() if c != 0], shape)
    if not items:
        return num(Fraction(0))
    present = {id(t) for _, t in items}
    items.sort(key=lambda ct: ct[1].op == "transpose" and id(ct[1].args[0]) in present)   # A + A.T
    if items[0][0] < 0 and any(c > 0 for c, _ in items):          # a - b rather than -b + a
        first = next(i for i, (c, _) in enumerate(items) if c > 0)
        items.insert(0, items.pop(first))
    if len(items) == 1:
        c, t = items[0]
        if c == 1:
            return t
        if t.op == "num":
            return num(c * t.params["value"])
    common = _common_factor(items)
    if common is not None:
        return common
    if len(items) > 1 and len({abs(c) for c, _ in items}) == 1 and abs(items[0][0]) != 1:
        k = abs(items[0][0])
        inner = lin([(c / k, t) for c, t in items], shape)
        return node("lin", (inner,), {"coefs": (k,)}, inner.shape)
    coefs = tuple(c for c, _ in items)
    out_shape = np.broadcast_shapes(*(t.shape for _, t in items))
    return node("lin", tuple(t for _, t in items), {"coefs": coefs}, out_shape)


def _selections(items: list, shape) -> list:
    """c₁·where(k, a₁, b₁) + c₂·where(k, a₂, b₂) = where(k, c₁a₁ + c₂a₂, c₁b₁ + c₂b₂): one selection per condition."""
    by_cond: dict[int, list] = {}
    for c, t in items:
        if t.op == "where":
            by_cond.setdefault(id(t.args[0]), []).append((c, t))
    if all(len(v) < 2 for v in by_cond.values()):
        return items
    out, done = [], set()
    for c, t in items:
        group = by_cond.get(id(t.args[0])) if t.op == "where" else None
        if group is None or len(group) < 2:
            out.append((c, t))
        elif id(t.args[0]) not in done:
            done.add(id(t.args[0]))
            a = lin([(k * c, u) for k, w in group for c, u in terms(w.args[1])], shape)
            b = lin([(k * c, u) for k, w in group for c, u in terms(w.args[2])], shape)
            out.append((Fraction(1), make("where", [t.args[0], a, b], {})))
    return out


def _common_factor(items: list):
    """a@x + b@x = (a + b)@x, and A@u + A@v = A@(u + v), when every term shares the factor."""
    if len(items) < 2 or not all(t.op == "chain" for _, t in items):
        return None
    shapes = {t.shape for _, t in items}
    if len(shapes) != 1:
        return None
    last = items[0][1].args[-1]
    if all(t.args[-1] is last for _, t in items):
        rest = [(c, chain(list(t.args[:-1]))) for c, t in items]
        if len({r.shape for _, r in rest}) == 1:
            return chain([lin(rest, rest[0][1].shape), last])
    first = items[0][1].args[0]
    if all(t.args[0] is first for _, t in items):
        rest = [(c, chain(list(t.args[1:]))) for c, t in items]
        if len({r.shape for _, r in rest}) == 1:
            return chain([first, lin(rest, rest[0][1].shape)])
    return None


def factors(x: MX) -> tuple:
    """x as (coefficient, [(factor, power)])."""
    x = strip(x)
    if x.op == "num":
        return x.params["value"], []
    if x.op == "lin" and len(x.args) == 1:
        c, (f, ps) = x.params["coefs"][0], factors(x.args[0])
        return c * f, ps
    if x.op == "product":
        return Fraction(1), list(zip(x.args, x.params["powers"]))
    return Fraction(1), [(x, Fraction(1))]


def prod(coef, pairs: list, shape) -> MX:
    """coef · Π f^p with equal factors' powers added (x·x = x², u·x/u = x), scalars first."""
    merged: dict[int, list] = {}
    for f, p in pairs:
        if id(f) in merged:
            merged[id(f)][1] += p
        else:
            merged[id(f)] = [f, p]
    items = [(f, p) for f, p in merged.values() if p != 0]
    if coef == 0:
        return num(Fraction(0))
    items.sort(key=lambda fp: (fp[1] < 0, fp[0].shape != ()))
    if not items:
        return num(coef)
    if len(items) == 1 and items[0][1] == 1:
        body = items[0][0]
    else:
        body = node("product", tuple(f for f, _ in items), {"powers": tuple(p for _, p in items)},
                    np.broadcast_shapes(*(f.shape for f, _ in items)))
    return body if coef == 1 else lin([(coef, body)], shape)


def chain(fs: list) -> MX:
    """F₁@F₂@…: nested chains flattened, identities dropped, scalar factors taken out, a vector on the right."""
    coef, scalars, flat = Fraction(1), [], []
    for f in fs:
        if f.op == "broadcast_to":           # a vector of ones is a factor of its own here
            flat.append(f)
            continue
        c, pairs = factors(f)
        coef *= c
        if f.op != "num" and all(g.shape == () for g, _ in pairs) and f.shape == ():
            scalars += pairs
            continue
        arrays = [(g, p) for g, p in pairs if g.shape != ()]
        scalars += [(g, p) for g, p in pairs if g.shape == ()]
        body = arrays[0][0] if len(arrays) == 1 and arrays[0][1] == 1 else prod(Fraction(1), arrays, None)
        flat += list(body.args) if body.op == "chain" else [body]
    flat = [f for f in flat if f.op != "eye"] or [f for f in fs if f.op == "eye"][:1]
    if len(flat) > 1 and flat[0].ndim == 1 and flat[-1].ndim == 2:      # uᵀA is (Aᵀu)ᵀ: vectors are columns
        flat = [make("transpose", [f], {}) for f in reversed(flat)]
    if len(flat) == 2 and flat[1].ndim == 1 and scalar_of(flat[1]) == 1 and flat[1].op == "broadcast_to":
        m = flat[0]                   # M@1 sums the rows of M, Mᵀ@1 its columns
        body = make("sum", [m.args[0]], {"axis": 0}) if m.op == "transpose" else make("sum", [m], {"axis": 1})
    elif len(flat) == 1:
        body = flat[0]
    else:
        body = node("chain", tuple(flat), {}, infer("chain", flat, {}))
    if not scalars and coef == 1:
        return body
    c2, pairs = factors(body)
    return prod(coef * c2, scalars + pairs, body.shape)
