"""The computation graph as SVG, drawn in Python (no Graphviz): micrograd's `draw_dot`, for notebooks and pages.

Every node is a box of rows — what it computes (`v2 = v1:x . v1:x`), its
shape, its value and its adjoint — with an op circle on its left into which
its inputs flow in argument order (numbered when there are several). A node
used twice sends two edges but is drawn once. Nodes behind `detach` are
dashed and grey, nodes with no path to the output dotted and faded.

Colours are presentation attributes, not a stylesheet, so an SVG dropped
into a notebook restyles nothing around it; the `dx-` classes and the
`data-node` attributes are hooks for the stepping page (diffx.page). The
inputs are read by duck typing (a GraphReport, a Graph): this module
imports neither, so their display methods can import it.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np

from . import text as txt
from .layout import Box, layout
from .ops import OPS

MAX_DRAWN = 400          # more nodes than this are listed, not drawn
SHOWN = 6                # arrays up to this many elements are written out in full
ROW_WIDTH = 60           # a longer description is cut short
CHAR = 7.25              # width of one character of the 12 px monospace font
ROW = 17                 # height of one row of a box
PAD = 8
FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace"
TITLE_ROW = 18

FILL = {"var": "#dbeafe", "const": "#f3f4f6", "output": "#fef3c7", "value": "#ffffff"}
STROKE = {"live": "#374151", "detached": "#9ca3af", "unused": "#d1d5db"}
DASH = {"live": "", "detached": "5 4", "unused": "2 3"}
TEXT = {"live": "#111827", "detached": "#6b7280", "unused": "#9ca3af"}
OP_FILL, EDGE = "#ede9fe", "#4b5563"
NO_ADJOINT = {"detached": "— (no gradient flows back)", "unused": "— (no path to the output)"}
LEGEND = {"detached": "dashed: no gradient flows back to it (behind detach or a comparison)",
          "unused": "dotted: no path to the output"}


@dataclass
class Item:
    """One node as drawn: its rows of text, each with the class that names it (desc, shape, val, tan, adj)."""

    id: str
    inputs: list[str]
    rows: list[tuple[str, str]]
    status: str = "live"        # live, detached or unused
    fill: str = "value"         # var, const, output or value
    symbol: str | None = None   # the op circle's text; None for a leaf
    chars: int = 0              # the box is at least this many characters wide (for text that changes later)


# ---------------------------------------------------------------- the words in a box

def value_text(a) -> str:
    """A value in a few characters: every element when small, a summary when large."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return txt.number(float(a), 4)
    if a.size <= SHOWN:
        return _nested(a)
    head = ", ".join(txt.number(float(v), 4) for v in a.ravel()[:3])
    finite = a[np.isfinite(a)]
    span = f" min {txt.number(float(finite.min()), 4)}, max {txt.number(float(finite.max()), 4)}" if finite.size else ""
    return f"[{head}, …]{span}"


def _nested(a: np.ndarray) -> str:
    return txt.number(float(a), 4) if a.ndim == 0 else "[" + ", ".join(_nested(r) for r in a) + "]"


def shape_text(shape: tuple) -> str:
    return "scalar" if tuple(shape) == () else "shape " + "×".join(map(str, shape))


def adjoint_text(n) -> str:
    return value_text(n.adjoint) if n.adjoint is not None else NO_ADJOINT.get(n.status, "—")


def fill_of(op: str, is_output: bool) -> str:
    return "output" if is_output else op if OPS[op].kind == "leaf" else "value"


def report_items(rep) -> list[Item]:
    """The boxes of a graph report (diffx.graphview.GraphReport): value and adjoint in every one."""
    items = []
    for n in rep.nodes:
        head = txt.clip(n.describe, ROW_WIDTH) + ("   (output)" if n.id == rep.output else "")
        rows = [("desc", head), ("shape", shape_text(n.shape)), ("val", f"value {value_text(n.value)}"),
                ("adj", f"adjoint {adjoint_text(n)}")]
        items.append(Item(n.id, list(n.inputs), rows, n.status, fill_of(n.op, n.id == rep.output),
                          OPS[n.op].symbol if n.inputs else None))
    return items


def graph_items(graph) -> list[Item]:
    """The boxes of a parsed graph (diffx.graph.Graph), before any value: what each node computes."""
    reaches = graph.reaches_output()
    items = []
    for node in graph.nodes:
        out = node.id == graph.output
        head = txt.clip(graph.describe(node), ROW_WIDTH) + ("   (output)" if out else "")
        items.append(Item(node.name, [graph.nodes[i].name for i in node.inputs], [("desc", head)],
                          "live" if reaches[node.id] else "unused", fill_of(node.op, out),
                          OPS[node.op].symbol if node.inputs else None))
    return items


def legend(statuses) -> list[str]:
    seen = set(statuses)
    return [text for status, text in LEGEND.items() if status in seen]


# ---------------------------------------------------------------- drawing

def _op_radius(symbol: str) -> float:
    return max(13.0, len(symbol) * 3.8 + 7)


def draw(items: list[Item], title: list[str] = (), *, hooks: bool = False) -> str:
    """SVG text of the boxes, laid out left to right; `hooks` adds the classes and ids the stepping page uses."""
    index = {it.id: k for k, it in enumerate(items)}
    boxes = []
    for it in items:
        width = max(it.chars, *(len(r) for _, r in it.rows)) * CHAR + 2 * PAD
        lead = 0.0 if it.symbol is None else 2 * _op_radius(it.symbol) + 14
        boxes.append(Box(tuple(index[i] for i in it.inputs), width, len(it.rows) * ROW + 6, lead))
    lay = layout(boxes)
    top = len(title) * TITLE_ROW + (8 if title else 0)
    width, height = max(lay.width, max((len(t) for t in title), default=0) * CHAR * 1.05 + 24), lay.height + top
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="{escape(FONT)}" font-size="12" '
           f'class="dx-graph" role="img">']
    out += [f'<text x="12" y="{16 + k * TITLE_ROW}" font-size="{13 if k == 0 else 11}" fill="#374151">'
            f'{escape(t)}</text>' for k, t in enumerate(title)]
    out.append(f'<g transform="translate(0 {top})">')
    for k, it in enumerate(items):            # edges first, so boxes sit on top of them
        out += _edges(it, k, items, lay.boxes, index, hooks)
    for k, it in enumerate(items):
        out += _box(it, lay.boxes[k], hooks)
    out.append("</g></svg>")
    return "\n".join(out)


def _edges(it: Item, k: int, items, placed, index, hooks: bool) -> list[str]:
    if it.symbol is None:
        return []
    p = placed[k]
    r = _op_radius(it.symbol)
    cx, cy = p.x - r - 8, p.y + p.height / 2
    colour, dash = STROKE[it.status] if it.status != "live" else EDGE, DASH[it.status]
    style = f'fill="none" stroke="{colour}" stroke-width="1.3"' + (f' stroke-dasharray="{dash}"' if dash else "")
    n, out = len(it.inputs), []
    for a, src in enumerate(it.inputs):
        s = placed[index[src]]
        sx, sy = s.x + s.width, s.y + s.height / 2
        ty = cy + (a - (n - 1) / 2) * min(9.0, 22.0 / max(n, 1))
        tx = cx - r * float(np.sqrt(max(0.0, 1 - ((ty - cy) / 13.0) ** 2)))
        dx = max(18.0, (tx - sx) / 2)
        hook = f' class="dx-edge" data-from="{escape(src)}" data-to="{escape(it.id)}"' if hooks else ""
        out.append(f'<path{hook} d="M{sx:.1f},{sy:.1f} C{sx + dx:.1f},{sy:.1f} {tx - dx:.1f},{ty:.1f} '
                   f'{tx - 6:.1f},{ty:.1f}" {style}/>')
        out.append(_arrow(tx, ty, colour))
        if n > 1:
            out.append(f'<text x="{tx - 12:.1f}" y="{ty - 3:.1f}" font-size="8" fill="#6b7280">{a + 1}</text>')
    out.append(f'<path d="M{cx + r:.1f},{cy:.1f} L{p.x - 6:.1f},{cy:.1f}" {style}/>')
    out.append(_arrow(p.x, cy, colour))
    return out


def _arrow(x: float, y: float, colour: str) -> str:
    return f'<path d="M{x:.1f},{y:.1f} L{x - 7:.1f},{y - 3.5:.1f} L{x - 7:.1f},{y + 3.5:.1f} Z" fill="{colour}"/>'


def _box(it: Item, p, hooks: bool) -> list[str]:
    stroke, dash, colour = STROKE[it.status], DASH[it.status], TEXT[it.status]
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    width = "2.2" if it.fill == "output" else "1.2"
    group = f' class="dx-node dx-{it.status}" data-node="{escape(it.id)}"' if hooks else ""
    out = [f"<g{group}>"]
    if it.symbol is not None:
        r = _op_radius(it.symbol)
        cx, cy = p.x - r - 8, p.y + p.height / 2
        out.append(f'<ellipse cx="{cx:.1f}" cy="{cy:.1f}" rx="{r:.1f}" ry="13" fill="{OP_FILL}" stroke="{stroke}"'
                   f'{dashed}/>')
        out.append(f'<text x="{cx:.1f}" y="{cy + 4:.1f}" text-anchor="middle" font-size="11" fill="{colour}">'
                   f'{escape(it.symbol)}</text>')
    box = ' class="dx-box"' if hooks else ""
    out.append(f'<rect{box} x="{p.x:.1f}" y="{p.y:.1f}" width="{p.width:.1f}" height="{p.height:.1f}" rx="4" '
               f'fill="{FILL.get(it.fill, FILL["value"])}" stroke="{stroke}" stroke-width="{width}"{dashed}/>')
    for r, (cls, line) in enumerate(it.rows):
        y = p.y + 3 + r * ROW
        if r:
            out.append(f'<line x1="{p.x:.1f}" y1="{y:.1f}" x2="{p.x + p.width:.1f}" y2="{y:.1f}" '
                       f'stroke="{stroke}" stroke-width="0.5"/>')
        hook = f' class="dx-{cls}"' if hooks else ""
        weight = ' font-weight="600"' if r == 0 else ""
        out.append(f'<text{hook} x="{p.x + PAD:.1f}" y="{y + 13:.1f}" fill="{colour}"{weight}>{escape(line)}</text>')
    out.append("</g>")
    return out


def report_svg(rep) -> str | None:
    """The picture of a graph report, or None when it has more than MAX_DRAWN nodes."""
    if len(rep.nodes) > MAX_DRAWN:
        return None
    title = [txt.clip(txt.one_line(rep.expr), 100), f"in every box: node, shape, value, adjoint ∂{rep.output}/∂node"]
    title += ([rep.seed_note] if rep.seed_note else []) + legend(n.status for n in rep.nodes)
    return draw(report_items(rep), [t for t in title if t])


def graph_svg(graph) -> str | None:
    """The picture of a parsed graph (what each node computes), or None when it is too large to draw."""
    if len(graph.nodes) > MAX_DRAWN:
        return None
    items = graph_items(graph)
    title = [txt.clip(txt.one_line(graph.source), 100)] + legend(it.status for it in items)
    return draw(items, [t for t in title if t])


def graph_bundle(graph) -> dict[str, str]:
    """A parsed graph's display: the SVG, and its listing as text."""
    svg = graph_svg(graph)
    return {"text/plain": str(graph), **({"image/svg+xml": svg} if svg is not None else {})}
