"""`diffx check`: check your own derivative (a formula, or a gradient function) at several points."""
from __future__ import annotations

import re
from typing import Annotated, Any, Optional

import typer

from . import output
from .params import OptionalExpr, Python, common, guard, run_options, source

Expect = Annotated[Optional[list[str]], typer.Option(
    "--expect", help="Your derivative, NAME=FORMULA in diffx's language (repeatable): 'w=2*X.T@(X@w - y)'. "
                     "With one variable the name may be left out.")]
ExpectPython = Annotated[Optional[str], typer.Option(
    "--expect-python", help="Your gradient function, FILE.py:FUNC: called with numpy arrays, it returns an array "
                            "(one variable), a tuple in argument order or a dict by name. This runs FILE.py.")]
Points = Annotated[int, typer.Option("--points", min=1, help="Points to check at: the given one and N-1 nearby.")]
Jacobian = Annotated[bool, typer.Option("--jacobian", help="Your formulas are Jacobians (output shape + the "
                                                             "variable's shape) of a non-scalar expression.")]
Hessian = Annotated[bool, typer.Option("--hessian", help="Your formulas are Hessian blocks: NAME=… the block of NAME "
                                                           "with itself, NAME,OTHER=… a mixed block.")]
AtKinks = Annotated[bool, typer.Option("--at-kinks", help="Keep the nearby points on the given point's kinks "
                                                            "(zeros stay zero), where any subgradient is accepted.")]

_NAMED = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)?)\s*=(?!=)(.*)\Z", re.DOTALL)


def expectations(texts: list[str]) -> dict[str, str] | str:
    """--expect texts as {name: formula}; one text without a name is the formula of the one variable."""
    from diffx.errors import InputError
    if len(texts) == 1 and not _NAMED.match(texts[0]):
        return texts[0]
    found: dict[str, str] = {}
    for text in texts:
        m = _NAMED.match(text)
        if m is None:
            raise InputError(f"expect={text!r}: write NAME=FORMULA, e.g. w=2*X.T@(X@w - y)", option="expect")
        if re.sub(r"\s+", "", m.group(1)) in found:
            raise InputError(f"expect= gives {m.group(1)} twice", option="expect")
        found[re.sub(r"\s+", "", m.group(1))] = m.group(2).strip()
    return found


@common("at", "wrt", "random_seed", "seed", "rtol", "atol", "strict", "symbolic_timeout", "limit", "json_", "debug")
def check(
    expr: OptionalExpr = None,
    expect: Expect = None,
    python: Python = None,
    expect_python: ExpectPython = None,
    points: Points = 5,
    jacobian: Jacobian = False,
    hessian: Hessian = False,
    at_kinks: AtKinks = False,
    **flags: Any,
) -> None:
    """Check your derivative (--expect formulas or --expect-python a gradient function) at several points.

    Example: diffx check "norm(X@w - y)^2" --expect "w=2*X.T@(X@w - y)" --at "X=[[1,2],[3,4],[5,6]]" --at w=1,2 --at y=1,2,3
    """
    def body() -> int:
        from diffx.checking import check as run_check
        from diffx.errors import InputError
        if not expect and expect_python is None:
            raise InputError("give your derivative: --expect NAME=FORMULA or --expect-python FILE.py:FUNC")
        if expect and expect_python is not None:
            raise InputError("give either --expect formulas or --expect-python, not both")
        if jacobian and hessian:
            raise InputError("give --jacobian or --hessian, not both")
        o = run_options(flags, **({"kind": "jacobian"} if jacobian else {"kind": "hessian"} if hessian else {}))
        wanted = expectations(expect) if expect else None
        fn = None
        if expect_python is not None:
            from diffx import load_function
            try:
                fn = load_function(expect_python)
            except InputError as exc:
                exc.message = exc.message.replace("python=", "expect_python=")
                exc.option = "expect_python"
                raise
        r = run_check(source(expr, python), flags["at"] or [], expect=wanted, expect_python=fn, points=points,
                      at_kinks=at_kinks, options=o)
        if flags["json_"]:
            output.emit_json(r.to_dict())
        else:
            from .check_view import check_view
            output.console().print(check_view(r))
        return output.EXIT_OK if r.passed else output.EXIT_DISAGREE
    guard(flags["debug"], body)
