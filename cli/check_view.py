"""Rich rendering of `diffx check`: the expected derivative against the reference at each point, and what is wrong."""
from __future__ import annotations

import math

from diffx.text import array, number, one_line, printable

from .output import flagged

MARKS = {"agree": "✓", "kink": "✓", "disagree": "✗"}


def check_view(r):
    """A `diffx.checking.CheckResult`: the point given, one table per variable, the diagnosis and the verdict."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts: list = [Text(f"f = {printable(one_line(r.expr))}")]
    for name, v in r.points[0].items():
        parts.append(Text(f"at {printable(name)} = {array(v)}"))
    n = len(r.points)
    parts.append(Text(f"checked at the given point and {n - 1} nearby (point 0 is the given one)" if n > 1
                      else "checked at the given point"))
    for name, v in r.variables.items():
        parts.append(Text(""))
        parts.append(Text(f"expected {_symbol(r.kind, name)} = {printable(r.expected[name])}"))
        table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
        for col, justify in (("point", "right"), ("verdict", "left"), ("max |error|", "right"),
                             ("reference", "left"), ("note", "left")):
            table.add_column(col, justify=justify)
        for row in v["points"]:
            err = row["max_abs_error"]
            table.add_row(str(row["point"]), Text(f"{MARKS.get(row['verdict'], '?')} {row['verdict']}"),
                          "—" if math.isnan(err) else number(err, 3), row["reference"], Text(printable(flagged(row["note"]))))
        parts.append(table)
        for d in v["diagnosis"]:
            parts.append(Text(printable(f"  {name}: {d['text']}"), style="red"))
    parts += [Text(""), verdict_line(r)]
    parts += [Text(f"note: {t}") for t in r.notes]
    return Group(*parts)


def _symbol(kind: str, name: str) -> str:
    """∂f/∂w, the Jacobian ∂f/∂x, or a Hessian block ∂²f/∂x² / ∂²f/∂x∂y."""
    if kind == "hessian":
        a, _, b = name.partition(",")
        return f"∂²f/∂{a}²" if not b else f"∂²f/∂{a}∂{b}"
    return f"∂f/∂{name}"


def verdict_line(r):
    from rich.text import Text
    n = len(r.points)
    tol = f"rtol {number(r.rtol, 3)}, atol " + ("scaled to the reference" if r.atol is None else number(r.atol, 3))
    if r.verdict == "kink":
        return Text(f"✓ kink: the expected derivative is right at all {n} point{'' if n == 1 else 's'}, a subgradient "
                    f"on the kinks ({tol}; --strict asks for AD's convention)", style="green")
    if r.passed:
        return Text(f"✓ agree: the expected derivative agrees with the reference at all {n} point"
                    f"{'' if n == 1 else 's'} ({tol})", style="green")
    wrong = [name for name, v in r.variables.items() if v["verdict"] == "disagree"]
    unsure = [f"{name} ({v['verdict']})" for name, v in r.variables.items() if v["verdict"] not in ("agree", "disagree")]
    said = ([f"the expected derivative is wrong for {', '.join(wrong)}"] if wrong else []) + \
        ([f"it cannot be confirmed everywhere for {', '.join(unsure)}"] if unsure else [])
    return Text(f"✗ {r.verdict}: {'; '.join(said)} ({tol})", style="red")
