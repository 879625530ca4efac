"""`diffx compare`: every method and variant on one expression, or many expressions from a batch file."""
from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Optional

import typer

from . import output
from .params import (At, Atol, Debug, DType, Json, Latex, LimitOpt, Methods, Order, Precision, Pretty, Python,
                     RandomSeed, Rtol, Seed, Sizes, Strict, SymbolicTimeout, Tangent, Vjp, Wrt, formula_style, guard,
                     run_options, show, source)


def compare(
    expr: Annotated[Optional[str], typer.Argument(
        help="The expression ('-' standard input, '@FILE' a file); omit it with --file.", show_default=False)] = None,
    at: At = None,
    wrt: Wrt = None,
    python: Python = None,
    method: Methods = None,
    file: Annotated[Optional[str], typer.Option(
        "--file", help="Run many cases from a .toml ([[case]] tables), .json or .jsonl file.")] = None,
    output_path: Annotated[Optional[str], typer.Option(
        "--output", help="With --file: also write the results to a .json or .csv file (atomically).")] = None,
    vjp: Vjp = None,
    tangent: Tangent = None,
    order: Order = 1,
    seed: Seed = None,
    random_seed: RandomSeed = None,
    rtol: Rtol = 1e-6,
    atol: Atol = 1e-8,
    symbolic_timeout: SymbolicTimeout = 5.0,
    sizes: Sizes = False,
    latex: Latex = False,
    pretty: Pretty = False,
    strict: Strict = False,
    dtype: DType = Precision.float64,
    limit: LimitOpt = None,
    json_: Json = False,
    debug: Debug = False,
) -> None:
    """Every method and variant on one expression: result, errors against the reference, estimates, cost.

    Example: diffx compare "exp(x)/sqrt(sin(x)^3+cos(x)^3)" --at 1.5
    """
    def body() -> int:
        from diffx.comparison import compare as run
        from diffx.problem import build
        from diffx.registry import every
        style = formula_style(latex, pretty)
        o = run_options(seed=seed, random_seed=random_seed, vjp=vjp, tangent=tangent, order=order, rtol=rtol,
                        atol=atol, symbolic_timeout=symbolic_timeout, sizes=sizes, strict=strict, dtype=dtype,
                        limit=limit, wrt=wrt, methods=method)
        o = o if method else replace(o, methods=every(o.kind))
        if file is not None:
            if expr is not None:
                from diffx.errors import InputError
                raise InputError("give either an expression or --file, not both")
            return _batch(file, o, output_path, json_)
        if output_path is not None:
            from diffx.errors import InputError
            raise InputError("--output goes with --file")
        from .render import compare_view
        return show(run(build(source(expr, python), at or [], o)), json_, style, compare_view)
    guard(debug, body)


def _batch(path: str, o, output_path: str | None, json_: bool) -> int:
    """Run a batch file with a progress bar on stderr; a summary table (or JSON) on stdout."""
    from diffx import batch
    cases = batch.read_cases(path)
    batch.check_output_path(output_path)
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
