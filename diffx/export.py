"""The computation graph as a picture: DOT (Graphviz) and Mermaid text, SVG/PNG through `dot`.

Every node is one box with four rows, micrograd-style: what it computes
(`v2 = v1:x . v1:x`, so argument order is on the page), its shape, its value
and its adjoint (∂output/∂node). An op node also gets a small circle with its
symbol, into which its inputs flow in order; a node used twice sends two
edges, but is drawn once. Nodes behind `detach` are dashed and grey, nodes
with no path to the output dotted and faded.

Text is produced here without external programs; only SVG and PNG need the
Graphviz `dot` program, which `render` runs (never through a shell).
"""
from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np

from .errors import InputError
from . import text as txt
from .graphview import GraphReport, NodeInfo
from .ops import OPS

GRAPHVIZ_HINT = ("install Graphviz: apt-get install graphviz (Debian, Ubuntu), brew install graphviz (macOS), "
                 "or see https://graphviz.org/download/")
IMAGE_FORMATS = ("svg", "png")
RENDER_SECONDS = 120.0
RENDER_OPTIONS = {"svg": (), "png": ("-Gdpi=150",)}     # a PNG sharp enough for a slide
SHOWN = 6                       # arrays up to this many elements are written out in full
ROW_WIDTH = 60                  # a longer description (a stack of many elements) is cut short

NO_ADJOINT = {"detached": "— (no gradient flows back)", "unused": "— (no path to the output)"}
DOT_STYLE = {                   # by status: how a box (and its op circle) looks
    "live": 'style="filled", color="#374151", fontcolor="#111827"',
    "detached": 'style="filled,dashed", color="#9ca3af", fontcolor="#6b7280"',
    "unused": 'style="filled,dotted", color="#d1d5db", fontcolor="#9ca3af"',
}
EDGE_STYLE = {"live": "", "detached": ' [style=dashed, color="#9ca3af"]',
              "unused": ' [style=dotted, color="#d1d5db"]'}
OP_FILL = "#ede9fe"
FILL = {"var": "#dbeafe", "const": "#f3f4f6", "output": "#fef3c7", "value": "#ffffff"}   # by box class
LEGEND = {"detached": "dashed: no gradient flows back to it (behind detach or a comparison)",
          "unused": "dotted: no path to the output"}


class GraphvizMissing(InputError):
    """SVG or PNG was asked for, but the Graphviz `dot` program is not installed."""


# ---------------------------------------------------------------- the words in a box

def number(x: float) -> str:
    return txt.number(x, 4)


def value_text(a) -> str:
    """A value in a few characters: every element when small, a summary when large."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return number(float(a))
    if a.size <= SHOWN:
        return _nested(a)
    head = ", ".join(number(float(v)) for v in a.ravel()[:3])
    finite = a[np.isfinite(a)]
    span = f" min {number(float(finite.min()))}, max {number(float(finite.max()))}" if finite.size else ""
    return f"[{head}, …]{span}"


def _nested(a: np.ndarray) -> str:
    if a.ndim == 0:
        return number(float(a))
    return "[" + ", ".join(_nested(row) for row in a) + "]"


def shape_text(shape: tuple) -> str:
    return "scalar" if shape == () else "shape " + "×".join(map(str, shape))


def rows(n: NodeInfo, output: str) -> list[str]:
    """The four rows of a node's box: what it computes, shape, value, adjoint."""
    adjoint = value_text(n.adjoint) if n.adjoint is not None else NO_ADJOINT.get(n.status, "—")
    head = txt.clip(n.describe, ROW_WIDTH) + ("   (output)" if n.id == output else "")
    return [head, shape_text(n.shape), f"value {value_text(n.value)}", f"adjoint {adjoint}"]


def symbol(op: str) -> str:
    """What an op circle shows: '+', '*', '·', 'sin', ... (the op's `symbol`)."""
    return OPS[op].symbol


def box_class(n: NodeInfo, output: str) -> str:
    """How a box is coloured: the output, a leaf (by which leaf it is: var or const), or any other value."""
    return "output" if n.id == output else n.op if OPS[n.op].kind == "leaf" else "value"


def is_leaf(n: NodeInfo) -> bool:
    return not n.inputs


def fill(n: NodeInfo, output: str) -> str:
    return FILL.get(box_class(n, output), FILL["value"])


def one_line(source: str, width: int = 100) -> str:
    """A program on one line (statements joined by '; '), shortened to `width` characters."""
    return txt.clip(txt.one_line(source), width)


def title_lines(rep: GraphReport) -> list[str]:
    """The expression on one line, what the boxes hold, and the meaning of dashed and dotted."""
    lines = [one_line(rep.expr), f"in every box: node, shape, value, adjoint ∂{rep.output}/∂node"]
    if rep.seed_note:
        lines.append(rep.seed_note)
    statuses = {n.status for n in rep.nodes}
    lines += [text for status, text in LEGEND.items() if status in statuses]
    if rep.nonfinite:
        lines.append(txt.clip(f"non-finite: {rep.nonfinite['message']}", 120))
    lines += [txt.clip(k.sentence(), 120) for k in rep.kinks]
    return lines


# ---------------------------------------------------------------- DOT

def _dot_string(text: str) -> str:
    """A double-quoted DOT string: backslash and quote escaped, a newline as DOT's centred line break."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _record_field(text: str) -> str:
    """A field of a record label: braces, bars and angle brackets are syntax there."""
    out = text.replace("\\", "\\\\")
    for ch in '{}|<>"':
        out = out.replace(ch, "\\" + ch)
    return out


def to_dot(rep: GraphReport) -> str:
    """Graphviz DOT text of the graph: a record box per node, an op circle per operation."""
    lines = ["digraph diffx {",
             f'  graph [rankdir=LR, labelloc=t, fontname="Helvetica", fontsize=14, '
             f'label="{_dot_string(chr(10).join(title_lines(rep)))}"];',
             '  node [fontname="Helvetica", fontsize=11];',
             '  edge [color="#4b5563", arrowsize=0.7];']
    for n in rep.nodes:
        lines += _dot_node(n, rep.output)
    for n in rep.nodes:
        lines += _dot_edges(n)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_node(n: NodeInfo, output: str) -> list[str]:
    label = "|".join(_record_field(r) for r in rows(n, output))
    width = ', penwidth=2' if n.id == output else ''
    box = f'  {n.id} [shape=record, label="{label}", {DOT_STYLE[n.status]}, fillcolor="{fill(n, output)}"{width}];'
    if is_leaf(n):
        return [box]
    op = (f'  {n.id}_op [shape=circle, label="{_dot_string(symbol(n.op))}", {DOT_STYLE[n.status]}, '
          f'fillcolor="{OP_FILL}", fontsize=12, margin=0.02, width=0.35];')
    return [box, op]


def _dot_edges(n: NodeInfo) -> list[str]:
    """Inputs into the op circle, in argument order, then the circle into the node's box."""
    if is_leaf(n):
        return []
    style = EDGE_STYLE[n.status]
    return [f"  {i} -> {n.id}_op{style};" for i in n.inputs] + [f"  {n.id}_op -> {n.id}{style};"]


# ---------------------------------------------------------------- Mermaid

MERMAID_CLASSES = {
    "var": "fill:#dbeafe,stroke:#1d4ed8,color:#111827",
    "const": "fill:#f3f4f6,stroke:#6b7280,color:#111827",
    "output": "fill:#fef3c7,stroke:#b45309,stroke-width:2px,color:#111827",
    "value": "fill:#ffffff,stroke:#374151,color:#111827",
    "op": "fill:#ede9fe,stroke:#5b21b6,color:#111827",
    "detached": "stroke-dasharray:5 5,stroke:#9ca3af,color:#6b7280",
    "unused": "stroke-dasharray:2 3,stroke:#d1d5db,color:#9ca3af,fill:#fafafa",
}
MERMAID_LINKS = {"detached": "stroke-dasharray:5 5,stroke:#9ca3af", "unused": "stroke-dasharray:2 3,stroke:#d1d5db"}


def _mermaid_text(text: str) -> str:
    """Text inside a quoted Mermaid label: '#' starts an entity there, quotes and <> are syntax."""
    for ch, entity in (("#", "#35;"), ("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(ch, entity)
    return text


def to_mermaid(rep: GraphReport, *, fenced: bool = False) -> str:
    """Mermaid flowchart text; `fenced` wraps it in a ```mermaid block for Markdown (GitHub draws it)."""
    title = json.dumps(title_lines(rep)[0], ensure_ascii=False)
    lines = ["---", f"title: {title}", "---", "flowchart LR"]
    classes: dict[str, list[str]] = {name: [] for name in MERMAID_CLASSES}
    edges: list[tuple[str, str, str]] = []      # from, to, status of the node it feeds
    for n in rep.nodes:
        label = "<br>".join(_mermaid_text(r) for r in rows(n, rep.output))
        lines.append(f'  {n.id}["{label}"]')
        box = box_class(n, rep.output)
        classes[box if box in MERMAID_CLASSES else "value"].append(n.id)
        if n.status != "live":
            classes[n.status].append(n.id)
        if not is_leaf(n):
            lines.append(f'  {n.id}_op(("{_mermaid_text(symbol(n.op))}"))')
            classes["op"].append(f"{n.id}_op")
            if n.status != "live":
                classes[n.status].append(f"{n.id}_op")
            edges += [(i, f"{n.id}_op", n.status) for i in n.inputs] + [(f"{n.id}_op", n.id, n.status)]
    lines += [f"  {a} --> {b}" for a, b, _ in edges]
    lines += [f"  classDef {name} {style}" for name, style in MERMAID_CLASSES.items()]
    lines += [f"  class {','.join(ids)} {name}" for name, ids in classes.items() if ids]
    for status, style in MERMAID_LINKS.items():
        ks = [str(k) for k, (_, _, s) in enumerate(edges) if s == status]
        if ks:
            lines.append(f"  linkStyle {','.join(ks)} {style}")
    text = "\n".join(lines) + "\n"
    return f"```mermaid\n{text}```\n" if fenced else text


# ---------------------------------------------------------------- SVG and PNG through Graphviz

def render(dot_text: str, fmt: str, *, timeout: float = RENDER_SECONDS) -> bytes:
    """SVG or PNG bytes of DOT text, drawn by the Graphviz `dot` program."""
    if fmt not in IMAGE_FORMATS:
        raise InputError(f"Graphviz output {fmt!r}: choose {' or '.join(IMAGE_FORMATS)}")
    program = shutil.which("dot")
    if program is None:
        raise GraphvizMissing(f"{fmt.upper()} needs the Graphviz program 'dot', which is not installed; "
                              + GRAPHVIZ_HINT)
    try:
        done = subprocess.run([program, f"-T{fmt}", *RENDER_OPTIONS[fmt]], input=dot_text.encode("utf-8"), capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise InputError(f"Graphviz dot took more than {timeout:g} s to lay out the graph; "
                         "write the DOT text instead (format='dot')", option="format") from None
    except OSError as exc:
        raise InputError(f"cannot run {program}: {exc.strerror or exc}") from None
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"Graphviz dot failed: {why[0] if why else f'exit status {done.returncode}'}")
    return done.stdout
