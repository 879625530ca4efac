"""`diffx.check`'s result in a notebook: one table per variable (each point's verdict, error and note), what is
wrong, and the verdict — the same facts as the command's view, drawn with the HTML helpers of `htmlview`."""
from __future__ import annotations

import math

from . import htmlview as h
from .text import number, one_line


def check_html(r) -> str:
    """A `CheckResult` as HTML (escaped): the expression, the tables, the diagnosis, the verdict."""
    parts = [f"<div><b>f = {h.e(one_line(r.expr))}</b>, checked at {len(r.points)} point"
             f"{'' if len(r.points) == 1 else 's'}</div>"]
    for name, v in r.variables.items():
        rows = [[str(row["point"]), row["verdict"],
                 "—" if math.isnan(row["max_abs_error"]) else number(row["max_abs_error"], 3), row["reference"],
                 row["note"]] for row in v["points"]]
        parts.append(h.table(["point", "verdict", "max |error|", "reference", "note"], rows,
                             caption=f"expected {name}: {r.expected[name]}", left=(1, 3, 4), wrap=(4,)))
        parts.append(h.lines([d["text"] for d in v["diagnosis"]], cls="bad", prefix=f"{name}: "))
    word = "right" if r.passed else "wrong or unconfirmed"
    parts.append(h.lines([f"{r.verdict}: the expected derivative is {word}"], cls="verdict"))
    parts.append(h.lines(r.notes))
    return h.wrap("\n".join(parts), "check")
