"""The graph view as data: every node with its value and its adjoint.

Front ends render this (a table, a tree, DOT, JSON); none of them walks the
graph or computes anything on its own.
"""
from __future__ import annotations

import numpy as np

from .engine import backward
from .graph import Graph
from .ops import OPS
from .records import dataclass, field  # dataclasses' own, made without compiling source
from .results import SCHEMA_VERSION, jsonable, summary_note
from .text import array, one_line, shape


@dataclass
class NodeInfo:
    id: str
    op: str
    label: str | None
    inputs: list[str]
    shape: tuple[int, ...]
    value: np.ndarray
    adjoint: np.ndarray | None
    status: str        # "live", "unused" (no path to the output) or "detached" (only through detach)
    text: str          # the source text the node came from
    describe: str      # one line: "v2 = v1:x . v1:x"


@dataclass
class GraphReport:
    expr: str
    output: str
    nodes: list[NodeInfo]
    seed_note: str | None = None
    kinks: list = field(default_factory=list)
    nonfinite: dict | None = None

    COLUMNS = ("id", "op", "label", "inputs", "shape", "value", "adjoint")

    def rows(self) -> list[tuple[str, ...]]:
        """One row of text per node: what `diffx graph` and `diffx.show` print."""
        out = []
        for n in self.nodes:
            adjoint = (array(n.adjoint, limit=8) if n.adjoint is not None else
                       "unused" if n.status == "unused" else "— (behind detach)")
            out.append((n.id + (" ←out" if n.id == self.output else ""), n.op, n.label or "", ", ".join(n.inputs),
                        shape(n.shape), array(n.value, limit=8), adjoint))
        return out

    def text(self) -> str:
        """The table as plain text, columns aligned (values and adjoints to the right)."""
        rows = [self.COLUMNS] + self.rows()
        widths = [max(len(r[i]) for r in rows) for i in range(len(self.COLUMNS))]
        lines = [f"graph of {one_line(self.expr)}" if self.expr.strip() else "graph"]
        for r in rows:
            cells = [c.rjust(w) if i >= 5 else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))]
            lines.append("  ".join(cells).rstrip())
        lines += [k.sentence() for k in self.kinks]
        if self.nonfinite:
            lines.append(f"non-finite: {self.nonfinite['message']}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:                 # Jupyter: the picture and the node table (diffx.htmlview)
        from .htmlview import report_html
        return report_html(self)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        from .htmlview import report_bundle
        return report_bundle(self)

    def to_dict(self) -> dict:
        return summary_note({
            "schema_version": SCHEMA_VERSION,
            "expr": self.expr,
            "output": self.output,
            "nodes": [{"id": n.id, "op": n.op, "label": n.label, "inputs": n.inputs, "shape": list(n.shape),
                       "value": jsonable(n.value), "adjoint": None if n.adjoint is None else jsonable(n.adjoint)}
                      for n in self.nodes],
            "kinks": [k.to_dict() for k in self.kinks],
            "nonfinite": self.nonfinite,
        })


def report(graph: Graph, values: list) -> GraphReport:
    """Values and adjoints of every node (a non-scalar output is seeded with ones)."""
    from .diagnostics import find_kinks, first_nonfinite
    from .engine import quiet
    out = values[graph.output]
    with quiet():
        adj = backward(graph, values, np.ones(np.shape(out)))
    reaches = graph.reaches_output()
    nodes = []
    for node in graph.nodes:
        status = "live" if adj[node.id] is not None else ("detached" if reaches[node.id] else "unused")
        nodes.append(NodeInfo(
            id=node.name, op=OPS[node.op].name, label=node.label,
            inputs=[graph.nodes[i].name for i in node.inputs], shape=tuple(np.shape(values[node.id])),
            value=np.asarray(values[node.id], dtype=np.float64),
            adjoint=None if adj[node.id] is None else np.asarray(adj[node.id], dtype=np.float64),
            status=status, text=graph.text(node), describe=graph.describe(node)))
    note = None if np.shape(out) == () else f"the output has shape {np.shape(out)}; adjoints are of sum(output)"
    with quiet():
        kinks, nonfinite = find_kinks(graph, values, list(graph.variables)), first_nonfinite(graph, values)
    return GraphReport(graph.source, graph.nodes[graph.output].name, nodes, note, kinks, nonfinite)
