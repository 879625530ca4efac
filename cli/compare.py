"""`diffx compare`: every method and variant on one expression, or many expressions from a batch file."""
from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Optional

import typer

from . import output
from .params import Order, Python, Tangent, Vjp, common, formula_style, guard, run_options, show, source


@common("at", "wrt", "method", "seed", "random_seed", "rtol", "atol", "symbolic_timeout", "sizes", "latex",
        "pretty", "strict", "dtype", "limit", "json_", "debug")
def compare(
    expr: Annotated[Optional[str], typer.Argument(
        help="The expression ('-' standard input, '@FILE' a file); omit it with --file.", show_default=False)] = None,
    python: Python = None,
    file: Annotated[Optional[str], typer.Option(
        "--file", help="Run many cases from a .toml ([[case]] tables), .json or .jsonl file.")] = None,
    output_path: Annotated[Optional[str], typer.Option(
        "--output", help="With --file: also write the results to a .json or .csv file (atomically).")] = None,
    vjp: Vjp = None,
    tangent: Tangent = None,
    order: Order = 1,
    **flags: Any,
) -> None:
    """Every method and variant on one expression: result, errors against the reference, estimates, cost.

    Example: diffx compare "exp(x)/sqrt(sin(x)^3+cos(x)^3)" --at 1.5
    """
    def body() -> int:
        from diffx.comparison import compare as run
        from diffx.errors import InputError
        from diffx.problem import build
        from diffx.registry import every
        style = formula_style(flags["latex"], flags["pretty"])
        o = run_options(flags, vjp=vjp, tangent=tangent, order=order)
        o = o if o.methods else replace(o, methods=every(o.kind))
        if file is not None:
            if expr is not None:
                raise InputError("give either an expression or --file, not both")
            return _batch(file, o, output_path, flags["json_"])
        if output_path is not None:
            raise InputError("--output goes with --file")
        from .render import compare_view
        p = build(source(expr, python, o.limits.max_chars), flags["at"] or [], o)
        return show(run(p), flags["json_"], style, compare_view)
    guard(flags["debug"], body)


def _batch(path: str, o, output_path: str | None, json_: bool) -> int:
    """Run a batch file with a progress bar on stderr; a summary table (or JSON) on stdout."""
    from diffx import batch
    cases = batch.read_cases(path)
    batch.check_output_path(output_path, source=path)
    from .render import batch_table, progress
    result = batch.BatchResult()
    try:
        with progress(len(cases)) as advance:
            batch.run_batch(cases, o, on_case=advance, into=result)
    finally:
        if output_path is not None:
            batch.save(result, output_path)
    if json_:
        output.emit_json(result.to_dict())
    else:
        output.console().print(batch_table(result))
    counts = result.summary
    return (output.EXIT_BAD_INPUT if counts["error"] else
            output.EXIT_DISAGREE if counts["disagree"] else output.EXIT_OK)
