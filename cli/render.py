"""Rich rendering of library results. Reads results; computes nothing.

Everything that came from the user (expressions, labels) is put in `Text`
objects, never parsed as rich markup: `[1, 2]` must print as typed.
"""
from __future__ import annotations

import numpy as np

from diffx.inspect import GraphReport
from diffx.results import GradResult

SMALL = 16   # arrays up to this many elements print in full, one row per component


def number(x: float) -> str:
    x = float(x)
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "∞" if x > 0 else "-∞"
    return f"{x:.12g}"


def array(a, limit: int = SMALL) -> str:
    """Compact text of a value: every element when small, a summary when large."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return number(a)
    if a.size <= limit:
        return np.array2string(a, separator=", ", formatter={"float_kind": lambda v: f"{v:.6g}"},
                               max_line_width=10_000)
    finite = a[np.isfinite(a)]
    span = f"min {number(finite.min())}, max {number(finite.max())}" if finite.size else "no finite values"
    head = ", ".join(f"{v:.4g}" for v in a.ravel()[:3])
    return f"[{head}, …] shape {a.shape}, {span}"


def _index_label(name: str, idx: tuple) -> str:
    return name + (f"[{', '.join(map(str, idx))}]" if idx else "")


def grad_view(r: GradResult):
    """The gradient by every method side by side, their costs, formulas and the verdict."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts: list = [Text(f"f = {r.expr.strip()}")]
    for name, v in r.at.items():
        parts.append(Text(f"at {name} = {array(v)}"))
    parts.append(Text(f"value {array(r.value)}"))
    ran = [m for m in r.methods.values() if m.ran]

    for name in r.wrt:
        table = Table(title=Text(f"∂f/∂{name}"), title_justify="left", box=None, pad_edge=False)
        table.add_column("component", style="bold")
        for m in ran:
            table.add_column(m.name, justify="right")
        shape = np.shape(r.at[name])
        if int(np.prod(shape)) <= SMALL:
            for idx in np.ndindex(*shape):
                table.add_row(Text(_index_label(name, idx)), *(number(np.asarray(m.gradient[name])[idx]) for m in ran))
        else:
            table.add_row(Text(name), *(array(m.gradient[name]) for m in ran))
        parts += [Text(""), table]

    cost = Table(title="methods", title_justify="left", box=None, pad_edge=False)
    for col in ("method", f"max |Δ| vs {r.reference}", "time", "evaluations", "note"):
        cost.add_column(col, justify="left" if col in ("method", "note") else "right")
    ref = r.methods[r.reference].gradient if r.methods[r.reference].ran else None
    for m in r.methods.values():
        if not m.ran:
            cost.add_row(m.name, "—", _seconds(m.seconds), "—", Text(f"skipped: {m.skipped}"))
            continue
        diff = "—" if m.name == r.reference or ref is None else number(_max_diff(m.gradient, ref))
        detail = {"numeric": lambda: f"{m.method} differences, step {m.step:.3g}",
                  "reverse": lambda: "one forward pass + one reverse sweep",
                  "forward": lambda: "one tangent pass per input component",
                  "symbolic": lambda: "SymPy derivative evaluated at the point"}[m.name]()
        cost.add_row(m.name, diff, _seconds(m.seconds), "—" if m.evaluations is None else str(m.evaluations),
                     Text(detail))
    parts += [Text(""), cost]

    sym = r.methods.get("symbolic")
    if sym is not None and sym.ran:
        parts.append(Text(""))
        for name, f in sym.formula_text().items():
            text = f if isinstance(f, str) else _formula_list(f)
            parts.append(Text(f"symbolic ∂f/∂{name} = {text}"))
    parts += [Text(""), verdict(r)]
    return Group(*parts)


def _formula_list(f, limit: int = 8) -> str:
    flat = list(np.ravel(np.asarray(f, dtype=object)))
    shown = ", ".join(flat[:limit]) + (f", … ({len(flat)} in all)" if len(flat) > limit else "")
    return f"[{shown}]"


def _max_diff(a: dict, b: dict) -> float:
    worst = 0.0
    for k in a:
        x, y = np.asarray(a[k]), np.asarray(b[k])
        both = np.isfinite(x) & np.isfinite(y)
        if both.any():
            worst = max(worst, float(np.max(np.abs(x - y)[both])))
    return worst


def _seconds(s: float) -> str:
    return f"{s * 1e3:.3g} ms" if s < 1 else f"{s:.3g} s"


def verdict(r: GradResult):
    from rich.text import Text
    ran = [m.name for m in r.methods.values() if m.ran]
    if r.agree:
        if len(ran) < 2:
            return Text(f"only {', '.join(ran) or 'no method'} ran: nothing to compare")
        return Text(f"✓ all {len(ran)} methods agree (rtol {r.rtol:g}, atol {r.atol:g}; "
                    f"max |Δ| {r.max_abs_diff:.3g})", style="green")
    return Text("✗ the methods disagree:\n  " + "\n  ".join(r.disagreements), style="red")


def graph_table(rep: GraphReport):
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, title=Text(f"graph of {rep.expr.strip()}"), title_justify="left")
    for col in ("id", "op", "label", "inputs", "shape", "value", "adjoint"):
        table.add_column(col, justify="right" if col in ("value", "adjoint") else "left", overflow="fold")
    for n in rep.nodes:
        adjoint = array(n.adjoint, limit=8) if n.adjoint is not None else ("unused" if n.status == "unused"
                                                                           else "— (behind detach)")
        table.add_row(n.id + (" ←out" if n.id == rep.output else ""), n.op, Text(n.label or ""),
                      ", ".join(n.inputs), _shape(n.shape), Text(array(n.value, limit=8)), Text(adjoint))
    return Group(table, *_graph_notes(rep))


def _shape(shape: tuple) -> str:
    return "scalar" if shape == () else "×".join(map(str, shape))


def _graph_notes(rep: GraphReport) -> list:
    from rich.text import Text
    notes = []
    unused = [n.id for n in rep.nodes if n.status == "unused"]
    detached = [n.id for n in rep.nodes if n.status == "detached"]
    if rep.seed_note:
        notes.append(Text(rep.seed_note))
    if unused:
        notes.append(Text(f"no path to the output (adjoint not needed): {', '.join(unused)}"))
    if detached:
        notes.append(Text(f"behind detach (no gradient flows back to them): {', '.join(detached)}"))
    return notes


def graph_tree(rep: GraphReport):
    """The graph as a tree from the output; a node already shown appears as `↑ vN`."""
    from rich.console import Group
    from rich.text import Text
    from rich.tree import Tree

    by_id = {n.id: n for n in rep.nodes}

    def line(n) -> Text:
        adj = "—" if n.adjoint is None else array(n.adjoint, limit=6)
        name = f"{n.id}:{n.label}" if n.label else n.id
        return Text(f"{name} {n.op} {_shape(n.shape)}  value {array(n.value, limit=6)}  adjoint {adj}")

    root = Tree(line(by_id[rep.output]))
    shown = {rep.output}
    stack = [(child, root) for child in reversed(by_id[rep.output].inputs)]
    while stack:
        nid, parent = stack.pop()
        if nid in shown:
            parent.add(Text(f"↑ {nid}"))
            continue
        shown.add(nid)
        branch = parent.add(line(by_id[nid]))
        stack.extend((child, branch) for child in reversed(by_id[nid].inputs))
    return Group(root, *_graph_notes(rep))
