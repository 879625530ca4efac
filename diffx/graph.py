"""The computation graph every front end builds and every method reads.

Nodes are appended in creation order, and a node's inputs always exist
before it, so the list order is already a topological order: every walk is a
plain loop forwards or backwards, with no recursion and no sorting.
"""
from __future__ import annotations

import re

import numpy as np

from .errors import LimitError
from .limits import DEFAULT_LIMITS, Limits, how_to_raise
from .ops import OPS
from .records import dataclass, field  # dataclasses' own, made without compiling source


@dataclass(slots=True)
class Node:
    """One operation: `op` applied to `inputs` (node ids, in order, repeats allowed)."""

    id: int
    op: str
    inputs: tuple[int, ...]
    params: dict
    label: str | None
    span: tuple[int, int]

    @property
    def name(self) -> str:
        return f"v{self.id}"


@dataclass
class Graph:
    """A DAG of nodes plus its output, its free variables and the source text."""

    source: str = ""
    nodes: list[Node] = field(default_factory=list)
    variables: dict[str, int] = field(default_factory=dict)  # name -> node id, in order of appearance
    output: int | None = None
    limits: Limits = DEFAULT_LIMITS

    def add(self, op: str, inputs: tuple[int, ...] = (), params: dict | None = None,
            label: str | None = None, span: tuple[int, int] = (0, 0)) -> int:
        """Append a node and return its id."""
        nodes = self.nodes
        n = len(nodes)
        if op not in OPS:
            raise KeyError(f"no op named {op!r} in the op table")
        if n >= self.limits.max_nodes:
            raise LimitError(f"the graph has reached {self.limits.max_nodes:,} nodes, the limit "
                             f"({how_to_raise('max_nodes')})", source=self.source, span=span)
        nodes.append(Node(n, op, inputs if type(inputs) is tuple else tuple(inputs), params or {}, label, span))
        return n

    def var(self, name: str, span: tuple[int, int] = (0, 0)) -> int:
        """The node of variable `name`, created on first use."""
        if name not in self.variables:
            self.variables[name] = self.add("var", label=name, span=span)
        return self.variables[name]

    def const(self, value, span: tuple[int, int] = (0, 0), label: str | None = None) -> int:
        return self.add("const", params={"value": np.asarray(value, dtype=np.float64)}, label=label, span=span)

    def text(self, node: Node) -> str:
        """The source text a node was built from ('' when it has none)."""
        return self.source[node.span[0]:node.span[1]]

    def reaches_output(self) -> list[bool]:
        """Which nodes have a path to the output."""
        seen = [False] * len(self.nodes)
        if self.output is None:
            return seen
        seen[self.output] = True
        for node in reversed(self.nodes):
            if seen[node.id]:
                for i in node.inputs:
                    seen[i] = True
        return seen

    def depends_on(self, ids) -> list[bool]:
        """Which nodes depend (through gradient-carrying edges) on any node in `ids`."""
        return self._reached(ids, lambda op, k: op.vjp_rule(k) is not None)

    def influenced_by(self, ids) -> list[bool]:
        """Which nodes' values change when the nodes in `ids` change (a frozen op, detach, stops it)."""
        return self._reached(ids, lambda op, k: not op.frozen)

    def _reached(self, ids, passes) -> list[bool]:
        """The nodes reached forwards from `ids` through the edges (op, input k) that `passes` lets through."""
        hit = [False] * len(self.nodes)
        for i in ids:
            hit[i] = True
        every: dict[str, bool] = {}       # op name -> every input edge passes (most ops): one any() of C
        reached = hit.__getitem__
        for node in self.nodes:
            inputs = node.inputs
            if inputs and not hit[node.id]:
                op = OPS[node.op]
                whole = every.get(node.op)
                if whole is None:
                    whole = every[node.op] = all(passes(op, k) for k in range(1 if op.variadic else len(inputs)))
                hit[node.id] = (any(map(reached, inputs)) if whole
                                else any(hit[j] and passes(op, k) for k, j in enumerate(inputs)))
        return hit

    def describe(self, node: Node) -> str:
        """One line of the flat listing: `v2 = v1:x . v1:x`."""
        return f"{self.ref(node.id)} = {self.rhs(node, self.ref)}"

    def rhs(self, node: Node, ref) -> str:
        """The right-hand side of a node, its inputs written by `ref(id)`, from its op's `text` template."""
        op = OPS[node.op]
        args = [ref(i) for i in node.inputs]
        if op.text is None:
            extra = [f"{k}={_short(v)}" for k, v in node.params.items()]
            return f"{op.display}({', '.join(args + extra)})"
        return _FIELD.sub(lambda m: _field(m.group(1), args, node.params), op.text)

    def ref(self, i: int) -> str:
        node = self.nodes[i]
        return f"{node.name}:{node.label}" if node.label else node.name

    def __str__(self) -> str:
        lines = [self.describe(n) for n in self.nodes]
        if self.output is not None:
            lines.append(f"output {self.ref(self.output)}")
        return "\n".join(lines)

    def __len__(self) -> int:
        return len(self.nodes)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:   # Jupyter: the graph as SVG (diffx.svg)
        from .svg import graph_bundle
        return graph_bundle(self)


_FIELD = re.compile(r"\{(\*|\w+)\}")     # a field of an op's text template: {0}, {*}, {key}


def _field(name: str, args: list[str], params: dict) -> str:
    """One template field: an input ({0}), all inputs ({*}), or a param written plainly ({key}: `0:2, 1`)."""
    if name == "*":
        return ", ".join(args)
    if name.isdigit():
        return args[int(name)]
    v = params[name]
    return ", ".join(_key_text(k) for k in v) if isinstance(v, tuple) else _short(v)


def _short(v) -> str:
    if isinstance(v, np.ndarray):
        return np.array2string(v, threshold=6, precision=6, separator=", ") if v.ndim else f"{float(v):g}"
    if isinstance(v, tuple):
        return "(" + ", ".join(_key_text(k) for k in v) + ")" if v else "()"
    return str(v)


def _key_text(k) -> str:
    if isinstance(k, slice):
        return f"{'' if k.start is None else k.start}:{'' if k.stop is None else k.stop}" + (
            "" if k.step is None else f":{k.step}")
    return str(k)
