"""Compiled sweeps: one graph's forward pass and reverse sweep as straight-line Python, written once.

Why: a graph evaluated at many points (a user's loop over `diffx.grad_fn`, a
plot that is not elementwise in its variable) pays the engine's per-node
bookkeeping every time: the op-table look-up, the argument lists, the shape
checks, the adjoint list. Written out as one function per sweep, with a local
variable per node, only the rules' own arithmetic is left.

What it is not: a second copy of the rules. The generated code calls the op
table's callables (each entry's forward, its scalar twin, its reverse rules),
bound into the function's namespace as constants when the code is built, and
the cache is keyed by those very entries, so an entry replaced in
`diffx.ops.OPS` makes the next call build afresh. The source is built from the
graph's structure only: node ids, op names made into identifiers, and
constants and params bound as objects, never written as text; what the user
typed appears only in the comments of the teaching view (`diffx graph --view
code`), escaped, and those comments are never compiled.

Values whose shape is () run on Python floats, the scalar engine's way (the
op's `scalar` twin where it has one, else its numpy forward on floats); array
nodes keep numpy. A program is compiled for one signature of the variables'
shapes, so which nodes are 0-d, and which reverse contributions need summing
down to a broadcast input's shape, is known when it is written.
"""
from __future__ import annotations

import re
import types
import weakref
from typing import Any, Sequence

import numpy as np

from .engine import _shape, evaluate
from .graph import Graph
from .inline import expression
from .ops import OPS, P

_WORD = re.compile(r"[^A-Za-z0-9_]")
_CACHE: dict[int, dict] = {}          # id(graph) -> {(output, nodes, wrt, signature): Program}


class Program:
    """The compiled sweeps of one graph for one signature of variable shapes.

    `forward(*values)` returns the output; `gradient(*values, seed)` returns
    (output, adjoints of `wrt` in order, None where no gradient flows);
    values come in the order of `names` (the graph's variables). `text` is
    the code with a comment per line from the graph's own display. Each is
    compiled (or written) when first asked for: Python's compiler costs far
    more per line than a sweep does, so a gradient-only caller never pays for
    the forward function or the comments.
    """

    def __init__(self, names, wrt, sources: dict, ns: dict, entries, scalar):
        self.names, self.wrt = names, wrt
        self.sources, self.ns = sources, ns
        self.entries, self.scalar = entries, scalar
        self._made: dict[str, Any] = {}

    def _function(self, name: str):
        if name not in self._made:
            self._made[name] = _compile(self.sources[name], self.ns, name)
        return self._made[name]

    @property
    def forward(self):
        return self._function("forward")

    @property
    def gradient(self):
        return self._function("gradient")

    @property
    def text(self) -> str:
        return "\n\n".join(_display(self.sources[name]) for name in ("forward", "gradient"))

    def current(self) -> bool:
        """Whether every op-table entry the code was built from is still the table's."""
        return all(OPS.get(name) is op for name, op in self.entries)


def signature(graph: Graph, point: dict) -> tuple:
    return tuple((name, np.shape(point[name]), np.asarray(point[name]).dtype.str) for name in graph.variables)


def program(graph: Graph, wrt: Sequence[str], point: dict, values: Sequence | None = None) -> Program:
    """The compiled sweeps for this graph, these variables and the shapes of `point` (cached).

    `values` (the general forward pass at the point, when the caller has it)
    tells which nodes are 0-d; without it a forward pass is run here.
    """
    key = (graph.output, len(graph.nodes), tuple(wrt), signature(graph, point))
    per_graph = _CACHE.get(id(graph))
    if per_graph is None:
        per_graph = _CACHE[id(graph)] = {}
        weakref.finalize(graph, _CACHE.pop, id(graph), None)
    prog = per_graph.get(key)
    if prog is None or not prog.current():
        if values is None:
            with np.errstate(all="ignore"):
                values = evaluate(graph, point)
        prog = per_graph[key] = build(graph, list(wrt), values)
    return prog


# ---------------------------------------------------------------- writing the code

class _Writer:
    """The lines of the two functions, their namespace and the op entries they bind."""

    def __init__(self, graph: Graph, values: Sequence):
        self.graph, self.values = graph, values
        self.ns: dict[str, Any] = {"float": float, "shape_of": _shape, "sum_to": P.sum_to}
        self.entries: dict[str, Any] = {}
        self.bound: dict[tuple, str] = {}
        self.scalar = [_is_float(v) for v in values]

    def bind(self, kind: str, op_name: str, obj, k: int | None = None) -> str:
        """A namespace name for a table callable: f_sin, s_mul, r_mul_0 (the op name made an identifier)."""
        key = (kind, op_name, k)
        if key not in self.bound:
            base = f"{kind}_{_WORD.sub('_', op_name)}" + ("" if k is None else f"_{k}")
            name, n = base, 1
            while name in self.ns:
                name, n = f"{base}_{n}", n + 1
            self.ns[name] = obj
            self.bound[key] = name
        self.entries[op_name] = OPS[op_name]
        return self.bound[key]

    def written(self, kind: str, op_name: str, rule, arity: int, k: int | None = None) -> str | None:
        """A table callable as an expression template in {0}, {1}, ... (inline.py), or None: it stays a call."""
        key = ("w", kind, op_name, k)
        if key not in self.bound:
            self.bound[key] = None if rule is None else expression(
                rule, [f"{{{i}}}" for i in range(arity)], lambda v: self.constant(f"c{len(self.ns)}", v))
        self.entries[op_name] = OPS[op_name]
        return self.bound[key]

    def constant(self, name: str, obj) -> str:
        self.ns[name] = obj
        return name

    def comment(self, node) -> "_Comment":
        return _Comment(self.graph, node)


def build(graph: Graph, wrt: list[str], values: Sequence) -> Program:
    """Write, compile and wrap the forward and gradient functions of `graph` (see `Program`)."""
    w = _Writer(graph, values)
    names = list(graph.variables)
    live = graph.reaches_output()
    forward_lines = _forward_lines(w, live, names)
    reverse_lines, returns = _reverse_lines(w, wrt)
    params = ", ".join(f"x{i}" for i in range(len(names)))
    out = f"v{graph.output}"
    head_f = [(f"def forward({params}):", "the forward pass: every node once, in order")]
    head_g = [(f"def gradient({params}{', ' if names else ''}seed):",
               "the forward pass, then the reverse sweep from the output")]
    forward_src = head_f + forward_lines + [(f"    return {out}", "")]
    gradient_src = (head_g + forward_lines + [(f"    g{graph.output} = seed", "the output's adjoint: the seed")]
                    + reverse_lines + [(f"    return {out}, ({returns})", "the value and the adjoints of wrt")])
    return Program(names, wrt, {"forward": forward_src, "gradient": gradient_src}, w.ns, tuple(w.entries.items()),
                   all(w.scalar))


def _forward_lines(w: _Writer, live: list[bool], names: list[str]) -> list[tuple[str, str]]:
    graph, lines = w.graph, []
    position = {name: i for i, name in enumerate(names)}
    for node in graph.nodes[:graph.output + 1]:
        if not live[node.id]:
            continue
        op = OPS[node.op]
        v = f"v{node.id}"
        if op.free:
            x = f"x{position[node.label]}"
            lines.append((f"    {v} = float({x})" if w.scalar[node.id] else f"    {v} = {x}", w.comment(node)))
            continue
        if not node.inputs:             # a constant leaf: its forward run once now, the value bound
            value = op.forward(**node.params)
            w.bind("f", node.op, op.forward)
            k = w.constant(f"k{node.id}", float(value) if w.scalar[node.id] else value)
            lines.append((f"    {v} = {k}", w.comment(node)))
            continue
        args = ", ".join(f"v{i}" for i in node.inputs)
        extra = f", **{w.constant(f'p{node.id}', node.params)}" if node.params else ""
        if w.scalar[node.id] and all(w.scalar[i] for i in node.inputs) and op.pointwise:
            written = w.written("s", node.op, op.scalar, len(node.inputs)) if not node.params else None
            if written is not None:         # the twin is arithmetic: written out (see inline.py)
                call = written.format(*(f"v{i}" for i in node.inputs))
                w.bind("f", node.op, op.forward)
            elif op.scalar is not None and not node.params:
                call = f"{w.bind('s', node.op, op.scalar)}({args})"
                w.bind("f", node.op, op.forward)
            else:
                call = f"float({w.bind('f', node.op, op.forward)}({args}{extra}))"
        else:
            call = f"{w.bind('f', node.op, op.forward)}({args}{extra})"
        lines.append((f"    {v} = {call}", w.comment(node)))
    return lines


def _reverse_lines(w: _Writer, wrt: list[str]) -> tuple[list[tuple[str, str]], str]:
    """The reverse sweep, contribution by contribution in the engine's order; and the returned adjoints."""
    graph, lines = w.graph, []
    ids = [graph.variables[name] for name in wrt]
    needs = graph.depends_on(ids)
    has = [False] * len(graph.nodes)
    has[graph.output] = True
    for node in reversed(graph.nodes[:graph.output + 1]):
        if not has[node.id] or not node.inputs:
            continue
        op = OPS[node.op]
        args = ", ".join(f"v{i}" for i in node.inputs)
        extra = f", **p{node.id}" if node.params else ""
        first = True
        for k, j in enumerate(node.inputs):
            rule = op.vjp_rule(k)
            if rule is None or not needs[j]:
                continue
            r = w.bind("r", node.op, rule, 0 if op.variadic else k)
            argnum = f", argnum={k}" if op.variadic else ""
            why = _Comment(graph, node, f": input {k}") if first else f"input {k}"
            first = False
            call = f"{r}(g{node.id}, v{node.id}, {args}{argnum}{extra})"
            if (not extra and not argnum and w.scalar[node.id] and all(w.scalar[i] for i in node.inputs)):
                written = w.written("r", node.op, rule, 2 + len(node.inputs), k)
                if written is not None:                 # arithmetic on floats: written out (inline.py)
                    call = written.format(f"g{node.id}", f"v{node.id}", *(f"v{i}" for i in node.inputs))
            if w.scalar[j] and w.scalar[node.id]:      # 0-d to 0-d: nothing to sum down
                lines.append((f"    g{j} = g{j} + {call}" if has[j] else f"    g{j} = {call}", why))
            else:
                s = w.constant(f"shape{j}", _shape(w.values[j]))
                lines.append((f"    c = {call}", why))
                lines.append((f"    if shape_of(c) != {s}: c = sum_to(c, shape={s})",
                              "summed down to the input's shape where it was broadcast"))
                lines.append((f"    g{j} = g{j} + c" if has[j] else f"    g{j} = c", ""))
            has[j] = True
    returns = "".join(f"g{i}, " if has[i] else "None, " for i in ids)
    return lines, returns


def _compile(lines: list[tuple[str, str]], ns: dict, name: str):
    """The function from its lines (no comments: only the graph's structure is compiled)."""
    code = compile("\n".join(src for src, _ in lines) + "\n", f"<diffx compiled {name}>", "exec")
    body = next(c for c in code.co_consts if isinstance(c, types.CodeType) and c.co_name == name)
    return types.FunctionType(body, ns, name)


class _Comment:
    """A line's comment, the graph's own display of its node, written only when the code is shown."""

    __slots__ = ("graph", "node", "tail")

    def __init__(self, graph: Graph, node, tail: str = ""):
        # weakly: the cache lives as long as the graph, so a strong reference here would keep both forever
        self.graph, self.node, self.tail = weakref.ref(graph), node, tail

    def __str__(self) -> str:
        graph = self.graph()
        return (_escape(graph.describe(self.node)) if graph is not None else self.node.name) + self.tail


def _display(lines: list) -> str:
    width = max(len(src) for src, _ in lines)
    return "\n".join(f"{src:<{width}}  # {why}" if why else src for src, why in lines)


def _escape(text: str) -> str:
    """A comment that stays one printable line: every character that does not print (a newline, a terminal
    escape, a bidirectional override) written as its Python escape."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _is_float(v) -> bool:
    t = type(v)
    return t is float or t is np.float64 or (t is np.ndarray and v.dtype == np.float64 and not v.shape)


# ---------------------------------------------------------------- diffx.grad_fn

class GradFn:
    """`diffx.grad_fn(expr, wrt=...)`: call it with the variables' values, get (value, {name: gradient}).

    The first call at each signature of shapes runs the general path (which
    checks everything and says what is wrong in its words) and compiles the
    sweeps; later calls run the compiled code. Where the compiled code meets
    what floats cannot do (1/0, a complex power) the call is redone on the
    general path, so every result and error is the general path's.
    """

    def __init__(self, graph: Graph, opts):
        from .point import choose_wrt
        self.graph, self.options = graph, opts
        self.wrt = choose_wrt(graph, opts.wrt)
        self._names = list(graph.variables)
        self._fast = opts.dtype == "float64"

    def __call__(self, **values):
        if not self._fast or len(values) != len(self._names):
            return self._general(values)
        try:
            args = [_as_array(values[name]) for name in self._names]
        except (KeyError, TypeError, ValueError):
            return self._general(values)
        if any(a is None for a in args):
            return self._general(values)
        per_graph = _CACHE.get(id(self.graph))
        key = (self.graph.output, len(self.graph.nodes), tuple(self.wrt),
               tuple((n, a.shape, a.dtype.str) for n, a in zip(self._names, args)))
        prog = None if per_graph is None else per_graph.get(key)
        if prog is None or not prog.current():
            return self._general(values, compile_it=True)
        try:
            with np.errstate(all="ignore"):
                value, adjoints = prog.gradient(*args, 1.0 if prog.scalar else np.ones(()))
        except (ArithmeticError, ValueError, TypeError, IndexError):
            return self._general(values)
        grads = {}
        for name, a, g in zip(self.wrt, (args[self._names.index(n)] for n in self.wrt), adjoints):
            g = np.zeros(a.shape) if g is None else np.array(g, dtype=np.float64)
            if g.shape != a.shape:
                return self._general(values)
            grads[name] = g
        return np.float64(value), grads

    def _general(self, values: dict, compile_it: bool = False):
        from .ad import reverse_gradient
        from .problem import build
        from .options import options as make_options
        p = build(self.graph, values, make_options(self.options, kind="gradient"))
        p.require_variables()
        p.require_scalar()
        grads = reverse_gradient(p)
        if compile_it and self._fast:
            program(self.graph, self.wrt, p.point, p.values)
        return np.float64(p.value) if p.dtype is None else p.value, grads


def _as_array(v):
    """A float64 array of a number or an array, or None for what only the general path reads (a text)."""
    if isinstance(v, str):
        return None
    a = np.asarray(v, dtype=np.float64)
    return a
