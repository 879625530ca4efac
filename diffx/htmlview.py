"""Results as HTML, for notebooks: the comparison table and verdict, graph reports, traces, matrices.

The same content the command line prints (cli/render.py), as escaped HTML
fragments with a small stylesheet scoped to `.dx`. Everything that came from
the user (expressions, labels, messages) goes through `html.escape`.

The result types are read by duck typing: this module imports none of the
modules whose `_repr_html_` methods import it (results, graphview,
evaltrace), so there is no import cycle.
"""
from __future__ import annotations

from html import escape

import numpy as np

from . import text as txt
from .text import TITLES, agreed, component
from .svg import report_svg

MATRIX = 12            # a Jacobian or Hessian with up to this many rows and columns is shown whole
TABLE_ROWS = 200       # a node table lists at most this many nodes

CSS = """<style>
.dx{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:13px;line-height:1.4;color:#111827;max-width:100%}
.dx .dx-head{font-family:ui-monospace,Menlo,Consolas,monospace;margin:0 0 .5em}
.dx table{border-collapse:collapse;margin:.3em 0 .8em;font-variant-numeric:tabular-nums}
.dx caption{text-align:left;font-weight:600;padding:.2em 0}
.dx th,.dx td{padding:2px 10px;border-bottom:1px solid #e5e7eb;text-align:right;white-space:nowrap}
.dx th{background:#f9fafb}.dx .l{text-align:left}.dx td.w{white-space:normal;min-width:14em}
.dx code,.dx .mono{font-family:ui-monospace,Menlo,Consolas,monospace}
.dx .dx-verdict{padding:.4em .7em;border-radius:4px;margin:.5em 0;display:inline-block}
.dx .dx-agree{background:#dcfce7;color:#14532d}.dx .dx-disagree{background:#fee2e2;color:#7f1d1d}
.dx .dx-kink,.dx .dx-undefined,.dx .dx-inconclusive{background:#fef9c3;color:#713f12}
.dx .warn{color:#92400e}.dx .note{color:#374151}.dx .dx-matrices{display:flex;flex-wrap:wrap;gap:1.2em}
.dx .dx-picture,.dx .dx-scroll{overflow-x:auto;max-width:100%}
</style>"""

VERDICT_MARK = {"agree": "✓", "disagree": "✗", "kink": "⚠", "undefined": "⚠", "inconclusive": "?"}


# ---------------------------------------------------------------- building blocks

def e(value) -> str:
    """Escaped text of anything."""
    return escape(str(value))


def table(head: list[str], rows: list[list[str]], *, caption: str | None = None, left: tuple[int, ...] = (0,),
          wrap: tuple[int, ...] = ()) -> str:
    """An HTML table of text cells (escaped here); columns in `left` align left, those in `wrap` wrap."""
    def cls(k: int) -> str:
        names = (["l"] if k in left else []) + (["w"] if k in wrap else [])
        return f' class="{" ".join(names)}"' if names else ""
    out = ["<table>"] + ([f"<caption>{e(caption)}</caption>"] if caption else [])
    out.append("<tr>" + "".join(f"<th{cls(k)}>{e(h)}</th>" for k, h in enumerate(head)) + "</tr>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td{cls(k)}>{e(c)}</td>" for k, c in enumerate(row)) + "</tr>")
    return '<div class="dx-scroll">' + "\n".join(out + ["</table>"]) + "</div>"


def lines(items: list[str], cls: str = "note", prefix: str = "") -> str:
    return "".join(f'<div class="{cls}">{e(prefix + t)}</div>' for t in items)


def wrap(body: str, kind: str) -> str:
    return f'{CSS}<div class="dx dx-{kind}">{body}</div>'


def key_text(k) -> str:
    return ",".join(map(str, k)) if isinstance(k, tuple) else str(k)


# ---------------------------------------------------------------- a comparison

def comparison_html(r) -> str:
    """A comparison (diffx.compare, jacobian, hessian) as the command line shows it, in HTML."""
    head = [f"f = {txt.one_line(r.expr)}"] + [f"at {k} = {txt.array(v)}" for k, v in r.at.items()]
    head.append(f"value {txt.array(r.value)}")
    if "seed" in r.extra:
        head.append(f"seed v = {txt.array(r.extra['seed'])}")
    head += [f"tangent t of {k} = {txt.array(v)}" for k, v in r.extra.get("tangent", {}).items()]
    parts = ['<div class="dx-head">' + "<br>".join(e(t) for t in head) + "</div>"]
    parts.append(matrices_html(r) if r.kind in ("jacobian", "hessian") else components_html(r))
    parts.append(methods_html(r))
    parts.append(lines(extra_lines(r)))
    parts.append(symbolic_html(r))
    parts.append(path_html(r))
    parts.append(verdict_html(r))
    return wrap("\n".join(p for p in parts if p), "comparison")


def _ran(r) -> list:
    return [m for m in r.methods.values() if m.ran]


def components_html(r) -> str:
    """One table per variable: a row per component, a column per method that ran."""
    ran, out = _ran(r), []
    ref = r.methods[r.reference].derivative if r.methods[r.reference].ran else {}
    for key in ref:
        shape = np.shape(ref[key])
        if int(np.prod(shape)) <= txt.SMALL:
            rows = [[component(r, key, idx), *(txt.number(np.asarray(m.derivative[key])[idx]) for m in ran)]
                    for idx in np.ndindex(*shape)]
        else:
            rows = [[key_text(key), *(txt.array(m.derivative[key]) for m in ran)]]
        out.append(table(["component", *(m.name for m in ran)], rows, caption=TITLES[r.kind](r, key)))
    return "\n".join(out)


def matrix(d, rows: list[str], cols: list[str], caption: str) -> str:
    """A 2-d array as a table with row and column labels (a summary line when it is large)."""
    d = np.asarray(d, dtype=np.float64).reshape(len(rows), len(cols))
    if len(rows) > MATRIX or len(cols) > MATRIX:
        return table([caption], [[txt.array(d)]])
    return table(["", *cols], [[rows[i], *(txt.number(v) for v in d[i])] for i in range(len(rows))],
                 caption=caption)


def _labels(name: str, shape: tuple) -> list[str]:
    return [txt.label(name, idx) for idx in np.ndindex(*shape)] or [name]


def matrices_html(r) -> str:
    """A Jacobian (per variable) or a Hessian (all variables in one matrix) for every method, side by side."""
    ran, out = _ran(r), []
    if r.kind == "jacobian":
        outs = ["f" + txt.index(idx) for idx in np.ndindex(*np.shape(r.value))] or ["f"]
        for key in r.wrt:
            cols = _labels(key, np.shape(r.at[key]))
            blocks = [matrix(m.derivative[key], outs, cols, m.name) for m in ran if key in m.derivative]
            out.append(f"<div><b>{e(TITLES['jacobian'](r, key))}</b>"
                       f'<div class="dx-matrices">{"".join(blocks)}</div></div>')
        return "\n".join(out)
    labels = [lab for k in r.wrt for lab in _labels(k, np.shape(r.at[k]))]
    blocks = []
    for m in ran:
        rows = []
        for a in r.wrt:
            na = int(np.size(r.at[a]))
            row = [np.asarray(m.derivative.get((a, b), np.full((na, int(np.size(r.at[b]))), np.nan)),
                              dtype=np.float64).reshape(na, -1) for b in r.wrt]
            rows.append(np.hstack(row))
        blocks.append(matrix(np.vstack(rows), labels, labels, m.name))
    return (f"<div><b>{e('∂²f (Hessian), rows and columns ' + ', '.join(r.wrt))}</b>"
            f'<div class="dx-matrices">{"".join(blocks)}</div></div>')


def _figure(m, r, value: float, fmt: str) -> str:
    if m.name == r.reference or value != value:
        return "—"
    return "∞" if value == float("inf") else format(value, fmt)


def methods_html(r) -> str:
    """Every method: its error against the reference, its own estimate, evaluations, time and cost."""
    rows = []
    for m in r.methods.values():
        if not m.ran:
            rows.append([m.name, "—", "—", "—", "—", "—", txt.seconds(m.seconds), f"skipped: {m.skipped}", ""])
            continue
        err = r.errors.get(m.name)
        estimate = "—" if m.error_estimate is None else f"{m.error_estimate:.2g}"
        evals = "—" if m.evaluations is None else str(m.evaluations)
        if err is None:
            figures = ["reference" if m.name == r.reference else "—", "—", "—"]
        else:
            figures = [_figure(m, r, err.max_abs_error, ".3g"), _figure(m, r, err.max_rel_error, ".2g"),
                       _figure(m, r, err.ulps, ".3g")]
        agrees = "ref" if m.name == r.reference else "" if err is None else ("yes" if err.agrees else "NO")
        rows.append([m.name, *figures, estimate, evals, txt.seconds(m.seconds), m.cost or "", agrees])
    head = ["method", f"max |error| vs {r.reference}", "max rel error", "ulps", "own estimate", "evaluations",
            "time", "cost", "agrees"]
    return table(head, rows, caption="methods", left=(0, 7), wrap=(7,))


def extra_lines(r) -> list[str]:
    out = []
    if r.kind == "jacobian" and "passes" in r.extra:
        passes = r.extra["passes"]
        out += [f"passes: forward mode {passes['forward']} (one per input), reverse mode {passes['reverse']} "
                f"(one per output)", f"chosen: {r.extra.get('mode_reason', '')}"]
    central = r.methods.get("numeric-central")
    if central is not None and central.ran and central.optimal:
        out.append(f"central differences at their best: step {central.optimal['step']:.3g} (ε^(1/3)·scale), "
                   f"error about {central.optimal['error']:.2g}")
    if r.kind == "hessian":
        out.append("A second derivative costs more than a first: the gradient is one reverse sweep; the Hessian "
                   "records that sweep as a graph and makes one more pass over it per input.")
    return out


def symbolic_html(r) -> str:
    """SymPy's derivative: in matrix form where there is one (diffx's language), then its components."""
    sym = r.methods.get("symbolic")
    if sym is None or not sym.ran:
        return ""
    what = "vᵀ·∂f/∂{}" if r.kind == "vjp" else "∂²f/∂{}∂{}" if r.kind == "hessian" else "∂f/∂{}"
    out = [f"symbolic {what.format(*key_text(k).split(','))} = {text}   (matrix form)"
           for k, text in (getattr(sym, "matrix_form", None) or {}).items()]
    if not out:
        out = [f"symbolic {what.format(k)} = {text}   (SymPy's matrix notation; vectors are columns)"
               for k, text in sym.extra.get("closed_form", {}).items()]
    for name, f in (sym.formula_text() or {}).items():
        flat = [str(t) for t in np.ravel(np.asarray(f, dtype=object))]
        shown = flat[0] if isinstance(f, str) else "[" + ", ".join(flat[:8]) + (", …" if len(flat) > 8 else "") + "]"
        out.append(f"symbolic {what.format(name)} = {txt.clip(shown, 300)}   (components)")
    sizes = sym.extra.get("sizes")
    if sizes:
        out.append(f"derivative size: {sizes['naive_ops']} operations naive, {sizes['cse_ops']} after "
                   f"common-subexpression elimination, {sizes['ad_ops']} in the AD graph")
    return '<div class="mono">' + lines(out) + "</div>"


def path_html(r) -> str:
    """Non-finite values, kinks, a Python function's branch decisions, warnings and notes."""
    out = []
    if r.nonfinite:
        out.append(lines([f"non-finite: {r.nonfinite['message']}; the methods are compared only where finite"],
                         "warn"))
    out.append(lines([k.sentence() for k in r.kinks], "warn"))
    if "path" in r.extra:
        steps = [f"line {b['line']}: {b['code']}   → {b['true']}× True, {b['false']}× False" for b in r.extra["path"]]
        out.append(lines(["the path taken (each if/while test on a tensor, by source line):"]
                         + (steps or ["no branch depended on a tensor"])))
    out.append(lines(list(r.warnings), "warn", "warning: "))
    out.append(lines(list(r.notes), "note", "note: "))
    return "".join(out)


def verdict_word(r) -> str:
    """The comparison's verdict: its `verdict` field where it has one, else agree / disagree."""
    return getattr(r, "verdict", None) or ("agree" if r.agree else "disagree")


def _tolerance(r) -> str:
    atol = getattr(r, "atol", None)
    return f"rtol {r.rtol:g}, atol " + (f"{atol:g}" if atol is not None else "1e-8×max|reference|")


def _diff(r) -> str:
    d = getattr(r, "max_abs_diff", None)
    return "—" if d is None else f"{d:.3g}"


def verdict_text(r) -> str:
    """The verdict line, in the command line's words (the `verdict` field's outcome, with its reasons)."""
    ran = [m.name for m in _ran(r)]
    word = verdict_word(r)
    reasons = [f"{key_text(k)}: {v['reason']}" for k, v in (getattr(r, "verdicts", None) or {}).items()
               if v.get("verdict") == word and v.get("reason")]
    if word == "agree":
        if len(ran) < 2:
            return f"only {', '.join(ran) or 'no method'} ran: nothing to compare"
        if r.warnings:
            return (f"✓ no unexplained disagreement: the {len(ran)} methods agree with {r.reference} except for "
                    f"{len(r.warnings)} difference(s) explained above ({_tolerance(r)})")
        return agreed(r, _tolerance(r), _diff(r))
    if word == "disagree":
        return "✗ disagree: the methods disagree: " + "; ".join(list(r.messages) + reasons)
    head = {"kink": "⚠ kink: the point is on a kink; the methods' answers differ only as the subdifferential allows",
            "undefined": "✗ undefined: no finite derivative exists here",
            "inconclusive": "? inconclusive: the methods could not settle it"}.get(word, f"? {word}")
    why = reasons or list(r.warnings)
    return head + (": " + "; ".join(why) if why else "")


def verdict_html(r) -> str:
    word = verdict_word(r)
    return f'<div class="dx-verdict dx-{e(word)}" data-verdict="{e(word)}">{e(verdict_text(r))}</div>'


def comparison_text(r) -> str:
    """A short plain-text stand-in (text/plain beside the HTML)."""
    return f"<diffx {r.kind} of {txt.clip(txt.one_line(r.expr), 60)}: {verdict_text(r)}>"


# ---------------------------------------------------------------- graph reports and traces

def report_rows(rep) -> str:
    rows = [list(row) for row in rep.rows()[:TABLE_ROWS]]
    more = len(rep.nodes) - len(rows)
    return table(list(rep.COLUMNS), rows, left=(0, 1, 2, 3, 4)) + (
        lines([f"… {more} more nodes (to_dict() has them all)"]) if more > 0 else "")


def report_html(rep) -> str:
    """The graph as a picture (value and adjoint in every box) and its node table."""
    svg = report_svg(rep)
    picture = (f'<div class="dx-picture">{svg}</div>' if svg is not None else
               lines([f"{len(rep.nodes)} nodes: too many to draw here; the table lists them"]))
    notes = [k.sentence() for k in rep.kinks] + (
        [f"non-finite: {rep.nonfinite['message']}"] if rep.nonfinite else [])
    title = "" if svg is not None else f'<div class="dx-head">{e("graph of " + txt.one_line(rep.expr))}</div>'
    return wrap(title + picture + lines(notes, "warn") + "<details><summary>node table</summary>"
                + report_rows(rep) + "</details>", "graph")


def trace_html(t) -> str:
    """The evaluation trace: primal and tangent traces side by side, the adjoint trace, the costs."""
    direction = ", ".join(f"{k} = {txt.array(v)}" for k, v in t.tangent.items())
    top = table(["forward primal trace", f"forward tangent trace (direction {direction})"],
                [[p.text, d.text] for p, d in zip(t.primal, t.tangents)], left=(0, 1),
                caption=f"evaluation trace of {txt.one_line(t.expr)}")
    bottom = table(["chain-rule updates, in the order the reverse sweep made them"],
                   [[row.text] for row in t.adjoints], caption="reverse adjoint trace")
    c = t.cost
    cost = (f"cost: forward pass {c['forward_ops']} ops; tangent pass {c['tangent_ops']} rule applications (one "
            f"input direction); adjoint pass {c['adjoint_ops']} rule applications (every input at once); "
            f"{c['values_stored']} values ({c['scalars_stored']} numbers) stored for the reverse sweep")
    return wrap(f'<div class="mono">{top}{bottom}</div>' + lines([cost]), "trace")


def trace_text(t) -> str:
    return f"<diffx trace of {txt.clip(txt.one_line(t.expr), 60)}: {len(t.primal)} primal rows, {len(t.adjoints)} adjoint rows>"


# ---------------------------------------------------------------- what the display methods return

def comparison_bundle(r) -> dict[str, str]:
    return {"text/html": comparison_html(r), "text/plain": comparison_text(r)}


def report_bundle(rep) -> dict[str, str]:
    """HTML (picture and node table), the bare SVG for front ends that show only images, and the text table."""
    out = {"text/html": report_html(rep), "text/plain": rep.text()}
    svg = report_svg(rep)
    if svg is not None:
        out["image/svg+xml"] = svg
    return out


def trace_bundle(t) -> dict[str, str]:
    return {"text/html": trace_html(t), "text/plain": trace_text(t)}
