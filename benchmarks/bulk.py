"""Bulk comparisons: `diffx compare --file` of 200 small cases with `--jobs 2` against `--jobs 1`.

Both are whole processes (start-up, reading the file, the progress bar and
the summary included), timed alternately in one run, best of a few: the
figure is their ratio. `--jobs 1` is the in-process path (the symbolic budget
forks a child per case); `--jobs 2` forks two workers once, after SymPy is
imported, and keeps the budget on a thread in each, replacing a worker that
gave up on one. Run by `benchmarks/run.py`, or alone: `python benchmarks/bulk.py`.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

CASES = 200


def cases_toml(n: int = CASES) -> str:
    """n small cases of one to three variables, all of which agree."""
    forms = ["sin(x)*x^{k} + exp(y*x)", "log(1 + x^2)*y^{k}", "sum(tanh(w*{k}))", "x^{k}/(1 + y^2) + z*x",
             "exp(-x^2/{k})*cos(y)"]
    values = {"x": "{a}", "y": "{b}", "z": "0.5", "w": "[{a}, {b}, -0.25]"}
    out = []
    for i in range(n):
        form = forms[i % len(forms)].format(k=i % 4 + 1)
        a, b = round(0.1 + 0.013 * i, 4), round(1.0 - 0.007 * i, 4)
        at = ", ".join(f'{v} = "{values[v].format(a=a, b=b)}"' for v in "xyzw" if v in form.replace("exp", ""))
        out.append(f'[[case]]\nexpr = "{form}"\nat = {{ {at} }}\n')
    return "\n".join(out)


def figures(repeats: int, row=None, wall=None, diffx_cmd=None) -> None:
    if row is None:
        from run import diffx_cmd, row, wall
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "cases.toml"
        f.write_text(cases_toml(), encoding="utf-8")
        cmd = diffx_cmd() + ["compare", "--file", str(f)]
        one = two = float("inf")
        for _ in range(max(1, min(repeats, 3))):          # each run is seconds long: a few repeats suffice
            one = min(one, wall(cmd + ["--jobs", "1"], 1, check=False))
            two = min(two, wall(cmd + ["--jobs", "2"], 1, check=False))
    row(f"compare --file {CASES} cases: --jobs 2 / --jobs 1", two / one, "<= 0.6",
        f"whole processes, every method: {two * 1000:,.0f} ms vs {one * 1000:,.0f} ms ({os.cpu_count()} cores)")


if __name__ == "__main__":
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    figures(3)
