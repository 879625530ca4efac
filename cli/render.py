"""Rich rendering of library results. Reads results; computes nothing.

Everything that came from the user (expressions, labels) is put in `Text`
objects, never parsed as rich markup: `[1, 2]` must print as typed.
"""
from __future__ import annotations

import numpy as np

from diffx.graphview import GraphReport
from diffx.results import Comparison, key_text
from diffx.text import SMALL, TITLES, agreed, array, component, clip, number, one_line, printable, seconds
from diffx.text import index as _idx
from diffx.text import shape as _shape

from .output import flagged


def comparison_view(r: Comparison, style: str = "str"):
    """A derivative by every method side by side, their costs, formulas and the verdict."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts: list = [Text(f"f = {one_line(r.expr)}")]
    for name, v in r.at.items():
        parts.append(Text(f"at {name} = {array(v)}"))
    parts.append(Text(f"value {array(r.value)}"))
    if "seed" in r.extra:
        parts.append(Text(f"seed v = {array(r.extra['seed'])}"))
    for name, v in r.extra.get("tangent", {}).items():
        parts.append(Text(f"tangent t of {name} = {array(v)}"))
    ran = [m for m in r.methods.values() if m.ran]
    ref = r.methods[r.reference].derivative if r.methods[r.reference].ran else {}
    limit = SMALL * (3 if r.kind in ("jacobian", "hessian") else 1)

    for key in ref:
        table = Table(title=Text(TITLES[r.kind](r, key)), title_justify="left", box=None, pad_edge=False)
        table.add_column("component", style="bold")
        for m in ran:
            table.add_column(m.name, justify="right")
        shape = np.shape(ref[key])
        if int(np.prod(shape)) <= limit:
            for idx in np.ndindex(*shape):
                table.add_row(Text(component(r, key, idx)),
                              *(number(np.asarray(m.derivative[key])[idx]) for m in ran))
        else:
            table.add_row(Text(",".join(key) if isinstance(key, tuple) else key),
                          *(array(m.derivative[key]) for m in ran))
        parts += [Text(""), table]

    cost = Table(title="methods", title_justify="left", box=None, pad_edge=False)
    for col in ("method", f"max |error| vs {r.reference}", "own estimate", "time", "evaluations", "cost"):
        cost.add_column(col, justify="left" if col in ("method", "cost") else "right")
    for m in r.methods.values():
        if not m.ran:
            cost.add_row(m.name, "—", "—", seconds(m.seconds), "—", Text(f"skipped: {flagged(m.skipped)}"))
            continue
        e = r.errors.get(m.name)
        diff = ("reference" if m.name == r.reference or e is None else
                "—" if e.max_abs_error != e.max_abs_error else f"{e.max_abs_error:.3g}")
        estimate = "—" if m.error_estimate is None else f"{m.error_estimate:.2g}"
        cost.add_row(m.name, diff, estimate, seconds(m.seconds),
                     "—" if m.evaluations is None else str(m.evaluations), Text(m.cost or ""))
    parts += [Text(""), cost]
    parts += [Text(line) for line in _extra_lines(r)]

    parts += symbolic_lines(r, style)
    parts += path_lines(r)
    parts += [Text(""), verdict(r)]
    return Group(*parts)


def path_lines(r: Comparison) -> list:
    """The branch decisions of a Python function's path, kinks, non-finite values and warnings."""
    from rich.text import Text
    lines = []
    if r.nonfinite:
        lines += [Text(""), Text(f"non-finite: {r.nonfinite['message']}; the methods are compared only where "
                                 "finite", style="yellow")]
    if r.kinks:
        lines.append(Text(""))
        lines += [Text(k.sentence(), style="yellow") for k in r.kinks]
    if "path" in r.extra:
        lines += [Text(""), Text("the path taken (each if/while test on a tensor, by source line):")]
        for b in r.extra["path"]:
            seq = "".join("T" if v else "F" for v in b["values"])
            lines.append(Text(f"  line {b['line']}: {b['code']}   → {b['true']}× True, {b['false']}× False ({seq})"))
        if not r.extra["path"]:
            lines.append(Text("  no branch depended on a tensor"))
    for w in r.warnings:
        lines.append(Text(f"warning: {flagged(w)}", style="yellow"))
    for n in r.notes:
        lines.append(Text(f"note: {flagged(n)}"))
    return lines


def symbolic_lines(r: Comparison, style: str) -> list:
    """The symbolic derivative: in matrix form (diffx's language, checked as its own column), then its components.

    `style` is "str", "latex" or "pretty", with "-substitute" for the numeric-constant form only (no matrix
    form). --latex and --pretty print whole formulas (they are for pasting); the screen view clips long ones.
    """
    from rich.text import Text
    style, _, substitute = style.partition("-")
    sym = r.methods.get("symbolic")
    if sym is None or not sym.ran:
        return []
    lines, closed, forms = [Text("")], sym.extra.get("closed_form", {}), {} if substitute else (sym.matrix_form or {})
    what = "vᵀ·∂f/∂{}" if r.kind == "vjp" else "∂²f/∂{}∂{}" if r.kind == "hessian" else "∂f/∂{}"
    checked = "symbolic-matrix" in r.methods and r.methods["symbolic-matrix"].ran
    for key, text in forms.items():
        label = "symbolic " + what.format(*key.split(","))
        *bindings, final = text.split("; ")
        where = f"   where {', '.join(bindings)}" if bindings else ""
        lines.append(Text(f"{label} = {final}{where}   (matrix form; vectors are columns)"))
    if forms:
        lines.append(Text("matrix form in diffx's language: @ is the matrix product, * elementwise; "
                          + ("the symbolic-matrix column is its value at the point" if checked else
                             "evaluate it with diffx.evaluate(form, at=...)")))
    for name, f in (sym.formula_text(style) or {}).items():
        label = "symbolic " + what.format(name)
        if substitute and name in closed:
            ones = "; onesN is the vector of N ones" if "ones" in closed[name] else ""
            lines.append(Text(f"{label} = {closed[name]}   (SymPy's matrix notation; vectors are columns{ones})"))
        whole = style != "str"
        text = (f if whole else _clip(f)) if isinstance(f, str) else _formula_list(f, whole=whole)
        sep = "\n" if style == "pretty" else " "
        lines.append(Text(f"{label} ={sep}{text}   (components)"))
    if "components" in sym.extra:
        lines.append(Text(f"components not written: {sym.extra['components']}"))
    sizes = sym.extra.get("sizes")
    if sizes:
        lines.append(Text(f"derivative size: {sizes['naive_ops']} operations naive, {sizes['cse_ops']} after "
                          f"common-subexpression elimination, {sizes['ad_ops']} in the AD graph"))
    return lines


def compare_view(r: Comparison, style: str = "str"):
    """Every method and variant in one table: errors against the reference, own estimate, cost."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts: list = [Text(f"f = {one_line(r.expr)}")]
    parts += [Text(f"at {name} = {array(v)}") for name, v in r.at.items()]
    parts.append(Text(f"value {array(r.value)}"))
    table = Table(title=Text(f"errors against {r.reference}" + (" (SymPy, evaluated with 30 digits)"
                                                              if r.reference == "symbolic" else "")),
                  title_justify="left", box=None, pad_edge=False)
    for col in ("method", "result", "max abs err", "max rel err", "ulps", "worst", "own estimate",
                "evals", "time", "agrees"):
        table.add_column(col, justify="left" if col in ("method", "result", "worst") else "right")
    for m in r.methods.values():
        if not m.ran:
            table.add_row(m.name, Text(f"skipped: {flagged(m.skipped)}"), *([""] * 8))
            continue
        e = r.errors.get(m.name)
        first = next(iter(m.derivative.values()))
        worst = ", ".join(f"{key_text(k)}{_idx(tuple(v))}" for k, v in e.worst_index.items() if v) if e else ""
        if e is None:           # the reference itself did not run: nothing was measured
            table.add_row(m.name, Text(array(first, limit=4)), *([""] * 8))
            continue
        table.add_row(
            m.name, Text(array(first, limit=4) if len(m.derivative) == 1 else f"{len(m.derivative)} arrays"),
            _err(m, r, e.max_abs_error, ".2g"), _err(m, r, e.max_rel_error, ".2g"), _err(m, r, e.ulps, ".3g"),
            Text(worst if m.name != r.reference else ""),
            "—" if m.error_estimate is None else f"{m.error_estimate:.2g}",
            "—" if m.evaluations is None else str(m.evaluations), seconds(m.seconds),
            "ref" if m.name == r.reference else ("yes" if e.agrees else "NO"))
    parts += [Text(""), table]
    central = r.methods.get("numeric-central")
    if central is not None and central.ran and central.optimal:
        parts.append(Text(f"central differences at their best: step {central.optimal['step']:.3g} "
                          f"(ε^(1/3)·scale), error about {central.optimal['error']:.2g}"))
    parts += symbolic_lines(r, style)
    parts += path_lines(r)
    parts += [Text(""), verdict(r)]
    return Group(*parts)


def _err(m, r: Comparison, value: float, fmt: str) -> str:
    """An error figure; '—' for the reference itself and where nothing finite was compared."""
    if m.name == r.reference or value != value:
        return "—"
    return "∞" if value == float("inf") else format(value, fmt)


def batch_table(batch):
    """One row per case of a batch: ok / disagree / error with its reason."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text
    table = Table(box=None, pad_edge=False, title="cases", title_justify="left")
    named = any(c.name for c in batch.cases)
    for col in ("#", *(("name",) if named else ()), "expr", "status", "verdict", "max |Δ|", "detail"):
        table.add_column(col, overflow="fold")
    for n, c in enumerate(batch.cases, 1):
        b = c.brief()
        diff = f"{b['max_abs_diff']:.2g}" if isinstance(b["max_abs_diff"], float) else str(b["max_abs_diff"] or "")
        table.add_row(str(n), *(Text(printable(c.name or "")),)[:named], Text(printable(c.expr)), c.status,
                      b["verdict"], diff, Text(printable(flagged(c.error or ""))))
    s = batch.summary
    return Group(table, Text(""), Text(f"{s['ok']} ok, {s['disagree']} disagree, {s['error']} error"))


class progress:
    """A progress bar on stderr for a batch; the context value is the per-case callback."""

    def __init__(self, total: int):
        self.total = total

    def __enter__(self):
        from rich.progress import Progress
        from .output import console
        self.bar = Progress(console=console(stderr=True), transient=True)
        self.bar.__enter__()
        self.task = self.bar.add_task("comparing", total=self.total)
        return lambda case: self.bar.advance(self.task)

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)


def _extra_lines(r: Comparison) -> list[str]:
    lines = []
    if r.kind == "jacobian":
        passes = r.extra["passes"]
        lines += ["", f"passes: forward mode {passes['forward']} (one per input), "
                      f"reverse mode {passes['reverse']} (one per output)", f"chosen: {r.extra['mode_reason']}"]
    if r.kind == "hessian" and all(np.ndim(r.at[k]) == 0 for k in r.wrt):
        lines.append("")
        for m in r.methods.values():
            if m.ran:
                rows = [[number(m.derivative[a, b]) for b in r.wrt] for a in r.wrt]
                lines.append(f"{m.name:>9}: [" + ", ".join("[" + ", ".join(row) + "]" for row in rows) + "]"
                             + f"   (rows and columns {', '.join(r.wrt)})")
    if r.kind == "hessian":
        lines += ["", "A second derivative costs more than a first: the gradient is one reverse sweep; the Hessian "
                      "records that sweep as a graph and makes one more pass over it per input (or n² passes "
                      "forward-over-forward, 2n gradients by finite differences)."]
    return lines


FORMULA_CHARS = 300   # a formula longer than this is cut on screen (--json has it whole)


def _clip(text: str) -> str:
    """A formula cut for the screen, saying where the whole of it is."""
    if len(text) <= FORMULA_CHARS:
        return text
    return f"{clip(text, FORMULA_CHARS)} ({len(text):,} characters in all; --json prints it whole, --sizes counts it)"


def _formula_list(f, limit: int = 8, whole: bool = False) -> str:
    flat = [t if whole else _clip(t) for t in np.ravel(np.asarray(f, dtype=object))]
    if whole:
        return "[" + ", ".join(flat) + "]"
    shown = ", ".join(flat[:limit]) + (f", … ({len(flat)} in all)" if len(flat) > limit else "")
    return f"[{shown}]"


def verdict(r: Comparison):
    """The verdict line: what the comparison established, in the words of its outcome."""
    from rich.text import Text
    tol = f"rtol {r.rtol:g}, atol " + (f"{r.atol:g}" if r.atol is not None else "1e-8×max|reference|")
    reasons = [f"{key_text(k)}: {v['reason']}" for k, v in r.verdicts.items() if v["verdict"] == r.verdict
               and v["reason"]]
    if r.verdict == "agree":
        return Text(agreed(r, tol, f"{r.max_abs_diff:.3g}"), style="green")
    if r.verdict == "kink":
        strict = " — --strict counts it as a failure" if r.strict else ""
        return Text(f"{'✗' if r.strict else '✓'} kink: the point is on a kink; the methods' answers differ only as "
                    f"the subdifferential "
                    f"allows{strict}:\n  " + "\n  ".join(flagged(x) for x in reasons), style="red" if r.strict
                    else "yellow")
    if r.verdict == "disagree":
        return Text("✗ disagree: the methods disagree:\n  " + "\n  ".join(r.messages + reasons), style="red")
    word = {"undefined": "✗ undefined: no finite derivative exists here", "inconclusive":
            "? inconclusive: the methods could not settle it"}[r.verdict]
    return Text(f"{word}:\n  " + "\n  ".join(flagged(x) for x in reasons or r.warnings), style="red")


def graph_table(rep: GraphReport, title: str | None = None):
    """The graph as a table: the library's rows (the same `diffx.show` prints), laid out by rich."""
    from rich.console import Group
    from .tables import table
    return Group(table(title or f"graph of {one_line(rep.expr)}", list(rep.COLUMNS), list(rep.rows()),
                       right=frozenset({"value", "adjoint"})), *_graph_notes(rep))


def _graph_notes(rep: GraphReport) -> list:
    from rich.text import Text
    notes = []
    unused = [n.id for n in rep.nodes if n.status == "unused"]
    detached = [n.id for n in rep.nodes if n.status == "detached"]
    if rep.seed_note:
        notes.append(Text(rep.seed_note))
    if unused:
        notes.append(Text(f"no path to the output (adjoint not needed): {', '.join(unused)}"))
    if rep.nonfinite:
        notes.append(Text(f"non-finite: {rep.nonfinite['message']}", style="yellow"))
    notes += [Text(k.sentence(), style="yellow") for k in rep.kinks]
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
    stack = [(child, root, 1) for child in reversed(by_id[rep.output].inputs)]
    cut = 0
    while stack:
        nid, parent, depth = stack.pop()
        if len(shown) >= TREE_NODES or depth > TREE_DEPTH:
            cut += 1
            continue
        if nid in shown:
            parent.add(Text(f"↑ {nid}"))
            continue
        shown.add(nid)
        branch = parent.add(line(by_id[nid]))
        stack.extend((child, branch, depth + 1) for child in reversed(by_id[nid].inputs))
    notes = _graph_notes(rep)
    if cut:
        notes.insert(0, Text(f"… the tree stops at {TREE_NODES} nodes or {TREE_DEPTH} levels: "
                             f"{len(rep.nodes) - len(shown)} more nodes; --view table lists them all"))
    return Group(root, *notes)


TREE_NODES, TREE_DEPTH = 200, 40


def trace_view(t):
    """The evaluation trace: primal and tangent side by side, then the adjoint trace and the costs."""
    from rich.console import Group
    from rich.text import Text
    from .tables import table

    direction = ", ".join(f"{k} = {array(v)}" for k, v in t.tangent.items())
    top = table(f"evaluation trace of {one_line(t.expr)}",
                ["forward primal trace", f"forward tangent trace (direction {direction})"],
                [[p.text, d.text] for p, d in zip(t.primal, t.tangents)])
    bottom = table("reverse adjoint trace", ["chain-rule updates, in the order the reverse sweep made them"],
                   [[row.text] for row in t.adjoints])
    c = t.cost
    cost = Text(f"cost: forward pass {c['forward_ops']} ops; tangent pass {c['tangent_ops']} rule applications "
                f"(one input direction); adjoint pass {c['adjoint_ops']} rule applications (every input at once); "
                f"{c['values_stored']} values ({c['scalars_stored']} numbers) stored for the reverse sweep")
    return Group(top, Text(""), bottom, Text(""), cost)
