"""A self-contained HTML page that steps through the forward pass and the reverse sweep of one graph.

`diffx graph EXPR --at ... --out g.html` and `diffx.export_html(...)` write
it: one file, its script and style inline, nothing fetched from a network.
The graph is drawn by diffx.svg; the steps are the rows of the evaluation
trace (diffx.evaltrace), exactly as `diffx trace` prints them: first each
node's primal and tangent rows, in evaluation order, then each chain-rule
update of the reverse sweep, in the order the sweep made it, the adjoint of
a node with several consumers accumulating one contribution at a time.
The page's script (page.js beside this module) only shows what is computed
here; arrow keys, Home and End step through it.
"""
from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path
from typing import Any, Mapping

from . import text as txt
from .errors import InputError
from .evaltrace import trace
from .graphview import report
from .problem import Problem, directions
from .rng import Seeded
from .svg import MAX_DRAWN, NO_ADJOINT, draw, legend, report_items, value_text

HERE = Path(__file__).resolve().parent
_PLAIN = str.maketrans("₋₀₁₂₃₄₅₆₇₈₉", "-0123456789")
_SUB = str.maketrans("-0123456789", "₋₀₁₂₃₄₅₆₇₈₉")
_CONSUMER = re.compile(r"∂(v[₋₀-₉]+)/∂")      # the ∂vᵢ of a chain-rule update names the consumer vᵢ


def textbook(name: str) -> str:
    """'v-1' as the trace writes it: v₋₁."""
    return name[0] + name[1:].translate(_SUB)


def steps(rep, t, wrt: list[str]) -> list[dict[str, Any]]:
    """Every step of the page: the node it is about, the trace's lines, and what it sets in that node's box."""
    graph_id = {plain: gid for gid, plain in t.names.items()}
    direction = ", ".join(f"{k} = {txt.array(v)}" for k, v in t.tangent.items()) or "none"
    out = []
    for p, d in zip(t.primal, t.tangents):
        gid = graph_id[p.node]
        leaf = not next(n for n in rep.nodes if n.id == gid).inputs
        why = (f"the input {textbook(p.node)}: its value, and its tangent from the direction ({direction})" if leaf
               else f"{textbook(p.node)} from its inputs, and its tangent by the chain rule, forwards")
        out.append({"phase": "forward", "node": gid, "lines": [p.text, d.text], "why": why,
                    "value": f"value {value_text(p.value)}", "tangent": f"tangent {value_text(d.value)}"})
    have: set[str] = set()
    results = len(t.adjoints) - len(wrt)
    for k, row in enumerate(t.adjoints):
        gid, name = graph_id[row.node], textbook(row.node)
        step = {"phase": "reverse", "node": gid, "lines": [row.text], "adjoint": f"adjoint {value_text(row.value)}",
                "from": None, "accumulate": False}
        if k == 0:
            step["why"] = (f"the reverse sweep starts at the output: {name[0]}\u0304{name[1:]} = 1, since ∂f/∂f = 1" if rep.seed_note is None
                           else f"the reverse sweep starts at the output, seeded with ones: {rep.seed_note}")
        elif k >= results:
            step.update(phase="result", why=f"the derivative with respect to {wrt[k - results]} is the adjoint of "
                                            f"its input node {name}")
        else:
            found = _CONSUMER.search(row.text)
            source = graph_id.get(found.group(1).translate(_PLAIN)) if found else None
            via = f" from its consumer {found.group(1)}" if found else ""
            step.update({"from": source, "accumulate": gid in have})
            step["why"] = (f"{name} feeds more than one node: this contribution{via} is added to the adjoint it "
                           "already has" if gid in have else f"{name} receives its first contribution{via}: "
                                                               "its consumer's adjoint times the local derivative")
        have.add(gid)
        out.append(step)
    return out


def _items(rep, t, all_steps: list[dict]):
    """The boxes with the trace's names (v₋₁ = x, v₁ = log(v₋₁)), a tangent row, room for every text to come."""
    items = report_items(rep)
    graph_id = {plain: gid for gid, plain in t.names.items()}
    names = {graph_id[p.node]: " = ".join(p.text.split(" = ")[:2]) for p in t.primal}
    texts: dict[str, list[str]] = {}
    final_adjoint: dict[str, str] = {}
    for s in all_steps:
        for key in ("value", "tangent", "adjoint"):
            if key in s:
                texts.setdefault(s["node"], []).append(s[key])
        if "adjoint" in s:
            final_adjoint[s["node"]] = s["adjoint"]
    by_id = {n.id: n for n in rep.nodes}
    for it in items:
        n = by_id[it.id]
        tangent = "tangent 0" if not n.inputs and n.op != "var" else "tangent —"
        rows = dict(it.rows)
        head = names.get(it.id, rows["desc"]) + ("   (output)" if it.id == rep.output else "")
        it.rows = [("desc", head), ("shape", f"{rows['shape']}   (node {it.id}{':' + n.label if n.label else ''})"), ("val", rows["val"]), ("tan", tangent),
                   ("adj", final_adjoint.get(it.id, "adjoint " + NO_ADJOINT.get(n.status, "—")))]
        it.chars = max([len(x) for x in texts.get(it.id, [])] + [len("adjoint ?")])
    return items


def page(p: Problem, tangent: Any = None, *, title: str | None = None) -> str:
    """The stepping page of a problem, as one HTML document; `tangent` as for diffx.trace (default: the first input)."""
    if len(p.graph.nodes) > MAX_DRAWN:
        raise InputError(f"the stepping page draws graphs of up to {MAX_DRAWN} nodes; this one has "
                         f"{len(p.graph.nodes):,}: write a table, DOT or JSON instead (format='dot')", option="format")
    if tangent is None:
        tangent = next(iter(p.graph.variables), None)
    seeds = {} if tangent is None else directions(p, tangent, Seeded(p.options.random_seed), fill=False)
    rep, t = report(p.graph, p.values), trace(p, seeds)
    all_steps = steps(rep, t, list(p.wrt))
    expr = txt.one_line(rep.expr)
    picture_title = ["in every box: the node as the trace names it, its shape, value, tangent and adjoint ∂f/∂node"]
    picture_title += legend(n.status for n in rep.nodes)
    svg = draw(_items(rep, t, all_steps), picture_title, hooks=True)
    data = {"expr": expr, "at": {k: txt.array(v) for k, v in p.point.items()},
            "direction": ", ".join(f"{k} = {txt.array(v)}" for k, v in t.tangent.items()),
            "steps": all_steps, "cost": t.cost,
            "initial": {n.id: {"value": "value ?" if n.op == "var" or n.inputs else f"value {value_text(n.value)}",
                               "tangent": "tangent ?" if n.op == "var" or n.inputs else "tangent 0",
                               "adjoint": "adjoint ?", "none": "adjoint " + NO_ADJOINT.get(n.status, "—")}
                        for n in rep.nodes}}
    at = ", ".join(f"{k} = {v}" for k, v in data["at"].items())
    notes = [k.sentence() for k in rep.kinks] + ([f"non-finite: {rep.nonfinite['message']}"] if rep.nonfinite else [])
    return TEMPLATE.format(
        title=escape(title or f"diffx: {txt.clip(expr, 80)}"), css=_asset("page.css"), js=_asset("page.js"),
        expr=escape(expr), at=escape(at), svg=svg, data=_script_json(data),
        notes="".join(f'<p class="warn">{escape(n)}</p>' for n in notes),
        cost=escape(f"cost: forward pass {t.cost['forward_ops']} ops; tangent pass {t.cost['tangent_ops']} rule "
                    f"applications; adjoint pass {t.cost['adjoint_ops']} rule applications; "
                    f"{t.cost['values_stored']} values stored for the reverse sweep"))


def _asset(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


def _script_json(data) -> str:
    """JSON that cannot end its <script> element early: <, > and & as \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def export_html(expr: Any, /, at: Mapping[str, Any] | None = None, *, path: str | Path | None = None,
                tangent: Any = None, **kw: Any) -> str:
    """The stepping page of an expression at a point (what `diffx graph --out g.html` writes), written to `path`."""
    from .api import problem
    text = page(problem(expr, at, **kw), tangent)
    if path is not None:
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write {path}: {exc.strerror or exc}", option="path") from None
    return text


TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{css}
</style>
</head>
<body>
<header>
<h1>Forward pass and reverse sweep</h1>
<p class="expr"><span class="k">f =</span> <code id="dx-expr">{expr}</code></p>
<p class="expr"><span class="k">at</span> <code>{at}</code></p>
{notes}
</header>
<nav class="controls" aria-label="steps">
<button id="dx-first" title="start (Home)">start</button>
<button id="dx-prev" title="back (←)">◀ back</button>
<button id="dx-next" title="next (→)">next ▶</button>
<button id="dx-last" title="end (End)">end</button>
<button id="dx-play" title="play / pause (p)">play</button>
<button id="dx-fit" title="fit the graph to the window (f)">fit</button>
<span id="dx-count" aria-live="polite"></span>
</nav>
<section id="dx-panel" aria-live="polite">
<div id="dx-phase"></div>
<div id="dx-lines"></div>
<div id="dx-why"></div>
</section>
<main id="dx-graph">
{svg}
</main>
<section id="dx-all">
<h2>every step</h2>
<ol id="dx-list"></ol>
<p class="cost">{cost}</p>
<p class="help">Keys: → or space next, ← back, Home start, End end, p play, f fit. Made by diffx.</p>
</section>
<script type="application/json" id="dx-data">{data}</script>
<script>
{js}
</script>
</body>
</html>
"""
