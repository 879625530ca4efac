"""The README's function table names exactly what the language (and `diffx.Tensor`) offers.

The names come from the op table (diffx.names builds them from each op's
`names`), so an op added without a README entry fails here.
"""
import re
from pathlib import Path

import diffx
from diffx.names import FUNCTIONS, GENERATORS
from diffx.ops import OPS

README = Path(__file__).resolve().parent.parent / "README.md"


def function_table() -> dict[str, set[str]]:
    """Row heading -> the names in backticks on that row, of the table that starts `| functions | |`."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index("| functions | |")
    rows = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        heading, cell = line.strip("|").split("|", 1)
        names = set()
        for code in re.findall(r"`([^`]*)`", cell):
            calls = set(re.findall(r"(?<![\w.])([A-Za-z_][\w.]*\w)\s*\(", code))     # `max(a, b)`, `linalg.det(A)`
            words = {w for w in code.split() if all(p.isidentifier() for p in w.split("."))}   # `sin cos tan`
            names |= calls or words
        rows[heading.strip()] = names
    return rows


def test_readme_lists_every_function_and_no_other():
    listed = set().union(*function_table().values())
    offered = set(FUNCTIONS) | set(GENERATORS)
    assert offered - listed == set(), f"add to the README's function table: {sorted(offered - listed)}"
    assert listed - offered == set(), f"the README lists names the language lacks: {sorted(listed - offered)}"


def test_readme_rows_follow_the_op_kinds():
    rows = function_table()
    elementwise = {n for op in OPS.values() if op.kind == "elementwise" and op.arity == 1 for n in op.names}
    reductions = {n for op in OPS.values() if op.kind == "reduction" for n in op.names}
    assert elementwise <= rows["elementwise"], sorted(elementwise - rows["elementwise"])
    reduction_row = rows["reductions (optional `axis=`)"]
    assert reductions <= reduction_row, sorted(reductions - reduction_row)
    assert set(GENERATORS) == rows["constant generators"]


def test_every_language_function_is_a_tensor_function_and_method():
    for name, fn in FUNCTIONS.items():
        if name.startswith("linalg."):
            assert callable(getattr(diffx.linalg, name.split(".", 1)[1])), name
            continue
        assert callable(getattr(diffx.tensor_functions, name)), name
        if all(not OPS[o].variadic for o in fn.ops.values()):
            assert callable(getattr(diffx.Tensor, name)), f"Tensor.{name}"
    for op in OPS.values():                # PyTorch's names of the table's ops
        for name in op.torch:
            assert callable(getattr(diffx.tensor_functions, name)), name
            assert op.listed or callable(getattr(diffx.Tensor, name)), f"Tensor.{name}"


def _block_after(heading: str, fence: str) -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading):]
    start = section.index(f"```{fence}\n") + len(fence) + 4
    return section[start:section.index("```", start)]


def test_the_readmes_batch_example_runs_every_key(tmp_path):
    cases = tmp_path / "cases.toml"
    cases.write_text(_block_after("## Many cases", "toml"), encoding="utf-8")
    out = diffx.compare_file(cases)
    assert [c.status for c in out.cases] == ["ok", "ok"], [c.error for c in out.cases]
    assert out.cases[0].name == "least squares"
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(_block_after("## Many cases", "toml").replace("2*X.T@(X@w - y)", "X.T@(X@w - y)"))
    assert [c.status for c in diffx.compare_file(wrong).cases] == ["disagree", "ok"]


def test_the_readmes_check_example_is_what_check_prints(cli):
    shown = _block_after("## Check your own derivative", "")
    command = shown.splitlines()[0].removeprefix("$ diffx ")
    import shlex
    r = cli(*shlex.split(command))
    assert r.exit_code == 1
    for line in shown.splitlines()[2:]:
        assert line.rstrip() in r.stdout.replace(" \n", "\n"), line
