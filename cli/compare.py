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
        "--output", help="With --file: also write the results to a .json or .csv file (atomically; each case is "
                         "journaled beside it as it completes).")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="With --file and --output: continue a stopped run from its journal, skipping the cases "
                         "it completed.")] = False,
    jobs: Annotated[Optional[int], typer.Option(
        "--jobs", help="With --file: run the cases in N worker processes (default: one per core; 1: in this "
                       "process). Results and their order are the same.", show_default=False)] = None,
    executor: Annotated[str, typer.Option(
        "--executor", help="With --file: 'local' (worker processes here) or 'dask' (a Dask cluster: --scheduler, "
                           "else DASK_SCHEDULER_ADDRESS, else a LocalCluster of --jobs workers).")] = "local",
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", help="With --executor dask: the scheduler's address (tcp://host:8786).")] = None,
    vjp: Vjp = None,
    tangent: Tangent = None,
    order: Order = 1,
    **flags: Any,
) -> None:
    """Every method and variant on one expression: result, errors against the reference, estimates, cost.

    Example: diffx compare "exp(x)/sqrt(sin(x)^3+cos(x)^3)" --at 1.5
    """
    def body() -> int:
        from diffx import batch_jobs
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
            # many cases in one process: a symbolic overrun is stopped for real, never left running
            return _batch(file, replace(o, isolation="process"), output_path, flags["json_"], resume,
                          batch_jobs.runner(executor, jobs, scheduler))
        if output_path is not None or resume:
            raise InputError("--output and --resume go with --file")
        if jobs is not None or executor != "local" or scheduler is not None:
            raise InputError("--jobs, --executor and --scheduler go with --file")
        from .render import compare_view
        p = build(source(expr, python, o.limits.max_chars), flags["at"] or [], o)
        return show(run(p), flags["json_"], style, compare_view)
    guard(flags["debug"], body)


class _Stopped(BaseException):
    """SIGTERM, raised where the batch is (past every `except Exception`, as Ctrl-C is), so the completed cases
    are written before the process ends."""


def _batch(path: str, o, output_path: str | None, json_: bool, resume: bool = False,
           runner=("local", 1, None)) -> int:
    """Run a batch file with a progress bar on stderr; a summary table (or JSON) on stdout.

    With --output every completed case goes to a journal beside it at once, so SIGKILL loses at most the
    case in flight; SIGINT and SIGTERM write the output with the completed cases, marked incomplete, and
    exit 130 / 143 (every worker stopped first); --resume continues from the journal. With --jobs N the
    cases run in N worker processes and finish in any order; the output is in case order.
    """
    import signal
    from diffx import batch
    from diffx.errors import InputError
    cases = batch.read_cases(path)
    batch.check_output_path(output_path, source=path)
    if resume and output_path is None:
        raise InputError("--resume continues a run from the journal beside its --output file: give --output")
    journal = batch.journal_for(output_path) if output_path is not None else None
    done = journal.read() if journal is not None and resume else {}
    if journal is not None and not resume:
        journal.remove()
    from .render import batch_table, progress
    result, stopped = batch.BatchResult(total=len(cases)), None
    from diffx.batch_jobs import start
    executor = start(runner, sum(1 for index in range(len(cases)) if index not in done))

    def terminate(signum, frame):
        raise _Stopped()
    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        with progress(len(cases)) as advance:
            batch.run_batch(cases, o, on_case=advance, into=result, journal=journal, done=done,
                            executor=executor)
    except KeyboardInterrupt:
        stopped = output.EXIT_INTERRUPTED
    except _Stopped:
        stopped = output.EXIT_TERMINATED
    finally:
        if executor is not None:
            executor.close()             # no worker left behind, whatever stopped the run
        signal.signal(signal.SIGTERM, previous)
        if output_path is not None:
            batch.save(result, output_path)
            if result.complete:
                journal.remove()
    if stopped is not None:
        output.note(f"stopped after {len(result.cases)} of {len(cases)} cases"
                    + (f"; {output_path} holds them, and --resume continues" if output_path else ""))
        return stopped
    if json_:
        output.emit_json(result.to_dict())
    else:
        output.console().print(batch_table(result))
    counts = result.summary
    return (output.EXIT_BAD_INPUT if counts["error"] else
            output.EXIT_DISAGREE if counts["disagree"] else output.EXIT_OK)
