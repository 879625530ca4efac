"""The symbolic time budget, both ways it can run: a forked process (the library's default) and a thread
(what the installed command asks for). Outcomes only: how long an overrun takes to be given up on is a
figure in benchmarks/run.py ("symbolic budget"), never an assertion here.
"""
import multiprocessing
import os
import threading

import pytest

from diffx import budget
from diffx.errors import DiffxError, LimitError

FORK = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here: the process path falls back to a thread")
ISOLATIONS = [pytest.param("process", marks=FORK), "thread"]
ROOMY = 120.0        # s: a budget the quick functions below never come near, however busy the machine
SMALL = 0.2          # s: the budget an overrun is stopped at
OVERRUN = 30.0       # s: how long the overrunning function would take, 150 budgets


def add(a, b):
    return a + b


def fails():
    raise ZeroDivisionError("boom")       # what SymPy failing looks like


def refuses():
    raise LimitError("too many terms")


def overruns(pid_file, release):
    """Write the worker's pid, then wait OVERRUN seconds (less if `release` is set: the thread's way out)."""
    pid_file.write_text(str(os.getpid()))
    release.wait(OVERRUN)
    return "finished"


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_a_quick_function_returns_its_value(isolation):
    assert budget.within(ROOMY, add, 2, 3, isolation=isolation) == 5
    assert budget.within(ROOMY, sorted, [3, 1, 2], isolation=isolation) == [1, 2, 3]


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_an_overrun_is_given_up_and_the_message_names_the_budget(isolation, tmp_path):
    release = threading.Event()
    pid_file = tmp_path / "pid"
    before = set(multiprocessing.active_children())
    try:
        with pytest.raises(LimitError) as info:
            budget.within(SMALL, overruns, pid_file, release, isolation=isolation)
    finally:
        release.set()                  # an abandoned thread ends now, not in 30 s
    assert "gave up after 0.2 s" in info.value.message and "budget" in info.value.message
    if isolation == "process":
        assert set(multiprocessing.active_children()) == before        # the child was stopped and reaped
        if pid_file.exists():          # the child got as far as starting the function: that process is gone
            pid = int(pid_file.read_text())
            assert pid != os.getpid()
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_an_exception_inside_comes_back_as_a_diffx_error(isolation):
    with pytest.raises(DiffxError) as info:
        budget.within(ROOMY, fails, isolation=isolation)
    assert "ZeroDivisionError" in info.value.message and "boom" in info.value.message
    with pytest.raises(LimitError) as info:                # a DiffxError keeps its kind and message
        budget.within(ROOMY, refuses, isolation=isolation)
    assert info.value.message == "too many terms"


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_no_budget_runs_the_function_here(isolation):
    for seconds in (None, 0):
        assert budget.within(seconds, os.getpid, isolation=isolation) == os.getpid()
        assert budget.within(seconds, threading.get_ident, isolation=isolation) == threading.get_ident()


@FORK
def test_the_process_path_really_runs_elsewhere():
    assert budget.within(ROOMY, os.getpid, isolation="process") != os.getpid()
    assert budget.within(ROOMY, os.getpid, isolation="thread") == os.getpid()


def test_an_unknown_isolation_is_refused():
    with pytest.raises(ValueError, match="isolation"):
        budget.within(ROOMY, add, 1, 2, isolation="fiber")

