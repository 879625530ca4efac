"""A batch's cases in worker processes (`--jobs N`) or on a Dask cluster: the budget each case gets, and
its error row when the worker gives no answer.

`batch.run_batch` hands over the cases still to run; this module runs them
through an executor (a `workers.Pool` unless given one) and yields each
case's result as it finishes, so the batch can journal it at once and keep
the results in case order whatever order they finish in.
"""
from __future__ import annotations

import numbers
from dataclasses import replace
from typing import Any, Callable, Iterator

from .options import Options

CASE_BUDGET = (4, 10.0)      # a case in a worker may take 4 × its symbolic_timeout + 10 s; then it is stopped


def case_budget(case: Any, base: Options = Options()) -> float | None:
    """The seconds one case may take in a worker: a multiple of its symbolic_timeout (the one budget a user
    sets) plus room for the other methods; None (no bound) where symbolic_timeout is 0 (no budget)."""
    seconds = case.get("symbolic_timeout", base.symbolic_timeout) if isinstance(case, dict) else 0
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds < 1e9:
        seconds = base.symbolic_timeout        # the case's own value is refused in its row; the batch's bounds it
    return CASE_BUDGET[0] * seconds + CASE_BUDGET[1] if seconds else None


def why_failed(failure: Any) -> str:
    """A case's error message when its worker gave no answer (a `workers.Failure`)."""
    if failure.kind == "deadline":
        return (f"{failure.text}, the case budget ({CASE_BUDGET[0]} × symbolic_timeout + {CASE_BUDGET[1]:g} s; "
                f"raise it with symbolic_timeout=S)")
    if failure.kind == "died":
        return f"the case crashed: {failure.text}"
    return f"internal error in this case: {failure.text}"


def prepare() -> None:
    """Import what every case needs, SymPy included, before workers are forked: each starts with it
    (imported once for the run, not once per worker or per symbolic child)."""
    from .comparison import compare  # noqa: F401
    from .problem import build  # noqa: F401
    from .symbolic import sympy
    sympy()


def in_workers(run: Callable[[dict, Options], Any], todo: list[tuple[int, dict, Options]], executor: Any,
               jobs: int, failed: Callable[[int, str], Any]) -> Iterator[tuple[int, Any]]:
    """(index, run(case, options)) for each (index, case, options) as it finishes; `failed(index, why)` makes
    the row of a case whose worker gave no answer. With no executor, a `workers.Pool(jobs)` for this call."""
    own = executor is None
    if own:
        from .workers import Pool
        prepare()
        executor = Pool(jobs)
    # the symbolic budget is a thread in a worker: the executor ends the process that ran a case which left
    # one running (a Pool replaces the worker; a Dask task's child ends), so no fork per case is paid for
    answers = executor.run(run, [(index, (case, replace(o, isolation="thread")), case_budget(case, o))
                                 for index, case, o in todo])
    try:
        for index, value, failure in answers:
            yield index, (value if failure is None else failed(index, why_failed(failure)))
    finally:
        answers.close()
        if own:
            executor.close()


def runner(executor: str = "local", jobs: int | None = None, scheduler: str | None = None) -> tuple:
    """What runs a batch's cases, (executor, jobs, scheduler), checked before any case runs: `executor` is
    "local" (worker processes) or "dask"; `jobs` None means one per core; `scheduler` a Dask address."""
    from .errors import InputError
    if executor not in ("local", "dask"):
        raise InputError(f"executor={executor}: choose local or dask", option="executor")
    if scheduler is not None and executor != "dask":
        raise InputError("scheduler= goes with executor=dask", option="scheduler")
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, numbers.Integral)):
        raise InputError(f"jobs={jobs!r}: a whole number of worker processes", option="jobs")
    if jobs is not None and jobs < 1:
        raise InputError(f"jobs={jobs}: at least 1", option="jobs")
    return executor, None if jobs is None else int(jobs), scheduler


def start(chosen: tuple, pending: int):
    """The worker pool or Dask client of a `runner`, started (before any progress bar and its thread); None to
    run the cases in this process (one job, or nothing left to run). The caller closes it."""
    kind, jobs, scheduler = chosen
    if kind == "dask":
        from .dask_executor import DaskExecutor
        return DaskExecutor(scheduler, jobs).start()
    from .workers import Pool, default_jobs
    jobs = default_jobs() if jobs is None else jobs
    if jobs <= 1 or pending == 0:
        return None
    prepare()
    return Pool(jobs).start(pending)
