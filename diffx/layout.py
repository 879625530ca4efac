"""A layered left-to-right layout of a DAG, in pure Python (no Graphviz): where each box goes.

The nodes come in topological order (a diffx graph's creation order), each
with its inputs (indices of earlier nodes) and the size of its box. An op
node's column is one more than its latest input's; a leaf sits one column
before its first consumer, so a constant is drawn next to where it is used.
Within a column the boxes are ordered by the barycentre of their neighbours
(a few sweeps each way, the usual crossing reduction), then placed as near
that barycentre as the boxes above them allow. Every loop is a plain loop:
a long chain lays out without recursion.
"""
from __future__ import annotations

from dataclasses import dataclass

COLUMN_GAP = 44      # between a column and the next one's op circles: room for the edges
ROW_GAP = 18         # between boxes of one column
MARGIN = 12
SWEEPS = 4


@dataclass(frozen=True)
class Box:
    inputs: tuple[int, ...]
    width: float
    height: float
    lead: float = 0.0    # room the box needs on its left (its op circle)


@dataclass(frozen=True)
class Placed:
    x: float             # top-left corner
    y: float
    width: float
    height: float
    column: int


@dataclass(frozen=True)
class Layout:
    boxes: list[Placed]
    width: float
    height: float


def columns(boxes: list[Box]) -> list[int]:
    """The column of each box: longest path from the leaves; a leaf just before its first consumer."""
    col = [0] * len(boxes)
    for i, b in enumerate(boxes):
        if b.inputs:
            col[i] = 1 + max(col[j] for j in b.inputs)
    first_use: dict[int, int] = {}
    for i, b in enumerate(boxes):
        for j in b.inputs:
            if not boxes[j].inputs:
                first_use[j] = min(first_use.get(j, col[i]), col[i])
    for j, c in first_use.items():
        col[j] = max(c - 1, 0)
    return col


def layout(boxes: list[Box]) -> Layout:
    """Positions of every box, and the size of the whole picture."""
    if not boxes:
        return Layout([], 2 * MARGIN, 2 * MARGIN)
    col = columns(boxes)
    ncols = max(col) + 1
    members: list[list[int]] = [[] for _ in range(ncols)]
    for i, c in enumerate(col):
        members[c].append(i)
    consumers: list[list[int]] = [[] for _ in boxes]
    for i, b in enumerate(boxes):
        for j in set(b.inputs):
            consumers[j].append(i)

    y = _stack(members, boxes, {})
    for sweep in range(SWEEPS):
        for c in (range(ncols) if sweep % 2 == 0 else range(ncols - 1, -1, -1)):
            neighbours = (lambda i: boxes[i].inputs) if sweep % 2 == 0 else (lambda i: consumers[i])
            want = {i: _centre(neighbours(i), y, boxes) for i in members[c]}
            members[c].sort(key=lambda i: (want[i] if want[i] is not None else y[i] + boxes[i].height / 2))
            _place(members[c], boxes, want, y)

    top = min(y.values())
    xs, x = [], float(MARGIN)
    for c in range(ncols):
        x += max(boxes[i].lead for i in members[c])
        xs.append(x)
        x += max(boxes[i].width for i in members[c]) + COLUMN_GAP
    placed = [Placed(xs[col[i]], y[i] - top + MARGIN, b.width, b.height, col[i]) for i, b in enumerate(boxes)]
    height = max(p.y + p.height for p in placed) + MARGIN
    return Layout(placed, x - COLUMN_GAP + MARGIN, height)


def _stack(members: list[list[int]], boxes: list[Box], y: dict[int, float]) -> dict[int, float]:
    """A first placement: each column stacked from the top, in creation order."""
    for ids in members:
        top = 0.0
        for i in ids:
            y[i] = top
            top += boxes[i].height + ROW_GAP
    return y


def _centre(neighbours, y: dict[int, float], boxes: list[Box]) -> float | None:
    ns = list(neighbours)
    if not ns:
        return None
    return sum(y[j] + boxes[j].height / 2 for j in ns) / len(ns)


def _place(ids: list[int], boxes: list[Box], want: dict[int, float | None], y: dict[int, float]) -> None:
    """Boxes of one column, in order, each as near its wanted centre as the ones above it allow.

    Pushing down alone would drift the column downwards, so the boxes are then shifted up by the mean
    of how far each ended below where it wanted to be, as far as the free space above the first allows.
    """
    top = float("-inf")
    shifts = []
    for i in ids:
        wanted = want[i] - boxes[i].height / 2 if want[i] is not None else y[i]
        y[i] = max(wanted, top)
        shifts.append(y[i] - wanted)
        top = y[i] + boxes[i].height + ROW_GAP
    up = sum(shifts) / len(shifts) if shifts else 0.0
    if up > 0:
        for i in ids:
            y[i] -= up
