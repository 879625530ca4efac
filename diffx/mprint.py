"""Symbolic matrix expressions written in diffx's own language, with repeated subexpressions named once.

`program(root)` gives a diffx program: bindings (`u = X@w - y`), then the
final expression (`2*X.T@u`). It is printed with the precedence of the
parser (`*` elementwise and `@` on one level, left-associative; `.` tighter;
unary minus tighter still; `^` tighter; postfix `.T` tightest), so that
`diffx.parse` reads back exactly the expression printed. `sympy_notation`
writes the same tree in SymPy's matrix notation (`*` the matrix product),
where that notation can say it, else gives None.
"""
from __future__ import annotations

from fractions import Fraction

from .mexpr import MX, NoMatrixForm
from .names import CONSTANTS, FUNCTIONS, GENERATORS
from .ops import OPS

POOL = ("u", "v", "s", "r", "q", "p", "h", "k")
DEEP = 24                 # a subexpression nested deeper than this is named (the parser takes 100 levels)


class NotSaid(Exception):
    """SymPy's matrix notation cannot write this."""


def fraction_text(v) -> tuple[str, int]:
    """A number and its precedence level: 2, -3, 1.5, 1/12 (a quotient), 0.1234567891234."""
    if isinstance(v, Fraction):
        if v.denominator == 1:
            text = str(v.numerator)
        else:
            d = v.denominator
            while d % 2 == 0:
                d //= 2
            while d % 5 == 0:
                d //= 5
            decimal = repr(float(v))
            if d == 1 and Fraction(decimal) == v and "e" not in decimal:
                text = decimal
            else:
                return f"{v.numerator}/{v.denominator}", 3
    else:
        text = repr(float(v))
        if "inf" in text or "nan" in text:
            raise NoMatrixForm(f"the non-finite number {text}")
    return text, (5 if text.startswith("-") else 7)


def _dims(shape) -> str:
    return ", ".join(str(n) for n in shape)


def _value(v) -> str:
    """A param's value as the language writes it: 2, [0, 1], 'fro'."""
    if isinstance(v, tuple):
        return "[" + ", ".join(_value(k) for k in v) + "]"
    if isinstance(v, str):
        return repr(v)
    return str(v)


def _key(key) -> str:
    key = key if isinstance(key, tuple) else (key,)

    def one(k):
        if isinstance(k, slice):
            return f"{'' if k.start is None else k.start}:{'' if k.stop is None else k.stop}" + (
                "" if k.step is None else f":{k.step}")
        return str(k)
    return ", ".join(one(k) for k in key)


class Printer:
    def __init__(self, names: dict[int, str] | None = None, sympy: bool = False):
        self.names = names or {}
        self.sympy = sympy
        self.memo: dict[int, tuple[str, int]] = {}

    def at(self, x: MX, level: int) -> str:
        """x's text, in parentheses unless it binds at least as tightly as `level`."""
        text, own = self.text(x)
        return text if own >= level else f"({text})"

    def text(self, x: MX) -> tuple[str, int]:
        if id(x) in self.names:
            return self.names[id(x)], 7
        got = self.memo.get(id(x))
        if got is None:
            got = self.memo[id(x)] = self.write(x)
        return got

    # -------------------------------------------------------------- one node
    def write(self, x: MX) -> tuple[str, int]:
        op, a, sympy = x.op, x.args, self.sympy
        if op == "sym":
            return x.params["name"], 7
        if op == "num":
            return fraction_text(x.params["value"])
        if op == "lin":
            return self.linear(x)
        if op == "product":
            return self.product(x)
        if op == "chain":
            return self.chain(x)
        if op == "transpose":
            return (f"{self.at(a[0], 7)}.T", 7) if a[0].ndim == 2 or not sympy else self.text(a[0])
        if sympy:
            return self.sympy_other(x)
        if op == "const":
            return self.literal(x), 7
        if op == "eye":
            return f"eye({x.params['n']})", 7
        if op == "arange":
            return f"arange({x.params['n']})", 7
        if op == "broadcast_to":
            c = a[0].params["value"] if a[0].op == "num" else None
            if c in (0, 1):
                return f"{'ones' if c == 1 else 'zeros'}({_dims(x.shape)})", 7
            return f"{self.at(a[0], 3)}*ones({_dims(x.shape)})", 3
        if op == "expand_dims":
            return f"reshape({self.at(a[0], 1)}, {_dims(x.shape)})", 7
        if op == "reshape":
            return f"reshape({self.at(a[0], 1)}, {_dims(x.shape)})", 7
        if op == "index":
            return f"{self.at(a[0], 7)}[{_key(x.params['key'])}]", 7
        if op == "stack":
            return "[" + ", ".join(self.at(f, 1) for f in a) + "]", 7
        if op == "pow":
            return f"{self.at(a[0], 7)}^{self.at(a[1], 6)}", 6
        spec = OPS.get(op)
        if op == "where" and a[0].op in OPS and OPS[a[0].op].kind == "compare" and \
                [f.params.get("value") if f.op == "num" else f.args[0].params.get("value") if
                 f.op == "broadcast_to" and f.args[0].op == "num" else None for f in a[1:]] == [1, 0] \
                and a[0].shape == x.shape:
            return self.text(a[0])    # where(x > 0, 1, 0) is x > 0
        if spec is not None and spec.kind == "compare":
            return f"{self.at(a[0], 2)} {spec.infix} {self.at(a[1], 2)}", 1
        if spec is None or not spec.names:
            raise NoMatrixForm(f"the op {op!r} has no name in diffx's language")
        args = [self.at(f, 1) for f in a]
        if "subscripts" in x.params:
            args.insert(0, repr(x.params["subscripts"]))
        declared = getattr(spec, "params", None)
        if declared:                  # the op's own call syntax: required params positional, others by name
            for prm in declared:
                v = x.params.get(prm.name, prm.default)
                if prm.required:
                    args.append(_value(v))
                elif v != prm.default:
                    args.append(f"{prm.name}={_value(v)}")
        elif x.params.get("axis") is not None:
            args.append(f"axis={x.params['axis']}")
        return f"{spec.names[0]}({', '.join(args)})", 7

    def literal(self, x: MX) -> str:
        import numpy as np
        v = np.asarray(x.params["value"]).reshape(x.shape)
        return repr(v.tolist())

    def linear(self, x: MX) -> tuple[str, int]:
        parts = []
        for i, (c, t) in enumerate(zip(x.params["coefs"], x.args)):
            neg = c < 0
            body, level = self.scaled(-c if neg and i else c, t)
            if i == 0:
                parts.append(body if level >= 2 or len(x.args) == 1 else f"({body})")
                first_level = level
            else:
                parts.append((" - " if neg else " + ") + (body if level >= 3 else f"({body})"))
        return "".join(parts), (2 if len(parts) > 1 else first_level)

    def scaled(self, c, t: MX) -> tuple[str, int]:
        """c·t: `t`, `-t`, `2*t`, `t/12`, `3*t/7`."""
        if t.op == "num":
            return fraction_text(c * t.params["value"])
        text, level = self.text(t)
        if c == 1:
            return text, level
        if c == -1:
            return (f"-{text}", min(5, level)) if level >= 3 else (f"-({text})", 5)
        left = text if level >= 3 else f"({text})"
        if isinstance(c, Fraction) and c.denominator != 1 and fraction_text(c)[1] == 3:
            p = "" if c.numerator == 1 else ("-" if c.numerator == -1 else f"{c.numerator}*")
            return f"{p}{left}/{c.denominator}", 3
        ctext, clevel = fraction_text(c)
        if self.sympy and t.ndim and clevel < 5:
            ctext = f"({ctext})"
        return f"{ctext}*{text if level >= 3 and t.op != 'lin' else '(' + text + ')'}", 3

    def product(self, x: MX) -> tuple[str, int]:
        up = [(f, p) for f, p in zip(x.args, x.params["powers"]) if p > 0]
        down = [(f, -p) for f, p in zip(x.args, x.params["powers"]) if p < 0]
        if self.sympy and sum(f.ndim > 0 for f in x.args) > 1:
            raise NotSaid("an elementwise product of arrays")
        power = "**" if self.sympy else "^"

        def factor(f, p, level):
            if p == 1:
                return self.at(f, level)
            ptext, plevel = fraction_text(p)
            return f"{self.at(f, 7)}{power}{ptext if plevel >= 7 else '(' + ptext + ')'}"
        num = [factor(f, p, 3 if i == 0 else 4) for i, (f, p) in enumerate(up)] or ["1"]
        text = "*".join(num)
        for f, p in down:
            text += "/" + factor(f, p, 4)
        return text, 3

    def chain(self, x: MX) -> tuple[str, int]:
        a = x.args
        if len(a) == 2 and a[0].ndim == 1 and a[1].ndim == 1:
            if self.sympy:
                return f"{self.at(a[0], 7)}.T*{self.at(a[1], 4)}", 3
            return f"{self.at(a[0], 5)}.{self.at(a[1], 5)}", 4
        sep = "*" if self.sympy else "@"
        first = self.at(a[0], 3)
        if self.sympy and a[0].ndim == 1:
            first = f"{self.at(a[0], 7)}.T"
        return sep.join([first] + [self.at(f, 4) for f in a[1:]]), 3

    def sympy_other(self, x: MX) -> tuple[str, int]:
        """Functions of scalars, and ones-vectors, in SymPy's notation; anything else is not said."""
        op, a = x.op, x.args
        if op == "broadcast_to" and x.ndim == 1 and a[0].op == "num":
            ones = f"ones{x.shape[0]}"
            c = a[0].params["value"]
            return (ones, 7) if c == 1 else self.scaled(c, MX("sym", (), {"name": ones}, x.shape))
        if op == "sum" and x.params.get("axis") is None and a[0].ndim == 1:
            return f"ones{a[0].shape[0]}.T*{self.at(a[0], 4)}", 3
        spec = OPS.get(op)
        if x.ndim == 0 and all(f.ndim == 0 for f in a) and spec is not None and spec.kind == "elementwise" \
                and spec.names:
            return f"{spec.names[0]}({', '.join(self.at(f, 1) for f in a)})", 7
        raise NotSaid(op)


# ---------------------------------------------------------------- programs
def _walk(root: MX) -> list[MX]:
    """Every node reachable from root, each once, in creation order (inputs before users)."""
    seen, stack, out = set(), [root], []
    while stack:
        n = stack.pop()
        if id(n) not in seen:
            seen.add(id(n))
            out.append(n)
            stack.extend(n.args)
    return sorted(out, key=lambda n: n.seq)


LEAVES = ("sym", "num", "const", "eye", "arange")


def program(root: MX, labels: dict[int, str] | None = None, taken=()) -> str:
    """The diffx program of root: a binding per repeated (or deeply nested) subexpression, then root."""
    nodes = _walk(root)
    refs: dict[int, int] = {}
    for n in nodes:
        for a in n.args:
            refs[id(a)] = refs.get(id(a), 0) + 1
    size, height, bound = {}, {}, []
    for n in nodes:
        size[id(n)] = 0 if n.op in LEAVES else 1 + sum(size[id(a)] for a in n.args)
        height[id(n)] = 1 + max((height[id(a)] for a in n.args), default=0)
        trivial = n.op in LEAVES or (n.op in ("transpose", "broadcast_to") and n.args[0].op in LEAVES)
        if n is not root and not trivial and (refs.get(id(n), 0) >= 2 and size[id(n)] >= 2 or height[id(n)] > DEEP):
            bound.append(n)
            height[id(n)] = 1
    reserved = set(taken) | set(FUNCTIONS) | set(GENERATORS) | set(CONSTANTS) | {"T"}
    reserved |= {n.params["name"] for n in nodes if n.op == "sym"}
    names: dict[int, str] = {}
    pool = iter(list(POOL) + [f"{p}{i}" for i in range(1, 1000) for p in POOL])
    for n in bound:
        label = (labels or {}).get(id(n))
        if label is None or label in reserved:
            label = next(p for p in pool if p not in reserved)
        reserved.add(label)
        names[id(n)] = label
    printer = Printer()
    lines = []
    for n in bound:
        text = printer.text(n)[0]
        printer.names[id(n)] = names[id(n)]
        lines.append(f"{names[id(n)]} = {text}")
    lines.append(printer.text(root)[0])
    return "; ".join(lines)


def sympy_notation(root: MX) -> str | None:
    """root in SymPy's matrix notation (`A.T*x + A*x`, vectors as columns), or None where it cannot say it."""
    try:
        return Printer(sympy=True).text(root)[0]
    except (NotSaid, NoMatrixForm, RecursionError):
        return None
