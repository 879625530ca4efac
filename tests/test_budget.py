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



# ---------------------------------------------------------------- work and memory, estimated before the work starts
# The reproducers: each is refused (naming the limit, the estimate and how to raise it) or answered, and
# quickly: a bound of 60 s only catches a hang; what it costs is a figure, never an assertion.
import json                                    # noqa: E402 - the section's own imports

import numpy as np                             # noqa: E402
from bounded import finishes                   # noqa: E402

import diffx                                   # noqa: E402
from diffx import estimate                     # noqa: E402

HANG = 60.0


def refused(call, limit: str) -> str:
    """The message of the LimitError `call` raises, which must name `limit` and how to raise it."""
    with pytest.raises(LimitError) as info:
        finishes(call, bound=HANG, what=f"a call refused by {limit}")
    assert limit in info.value.message and f"limits=Limits({limit}=N)" in info.value.message, info.value.message
    return info.value.message


def test_broadcast_nodes_past_the_memory_limit_are_refused_as_the_forward_pass_goes():
    # 21 nodes of 3000×3000, each under max_elements: their values and adjoints are 3 GiB
    program = "s = x + y\n" + "s = s + y\n" * 20 + "sum(s)"
    message = refused(lambda: diffx.compare(program, x="randn(3000, 1)", y="randn(1, 3000)",
                                            methods=["reverse"]), "max_memory")
    assert "adjoints" in message


def test_a_hessian_of_ten_thousand_inputs_is_refused_before_it_starts():
    message = refused(lambda: diffx.hessian("sum(x*x)", x="randn(10000)"), "max_work")
    assert "10,000 tangent passes" in message and "element-operations" in message
    with pytest.raises(LimitError):           # every method of the comparison is past a limit: the command is
        finishes(lambda: diffx.compare("sum(x*x)", x="randn(10000)", kind="hessian"), bound=HANG, what="hessian")


def test_a_jacobian_of_a_hundred_thousand_inputs_is_refused(cli):
    refused(lambda: diffx.jacobian("x*2", x="randn(100000)"), "max_work")
    r = finishes(cli, "jacobian", "x*2", "--at", "x=randn(100000)", bound=HANG, what="diffx jacobian")
    assert r.exit_code == 2 and r.stderr.startswith("error: ") and "--limit max_" in r.stderr, r.stderr


def test_one_method_past_the_limit_is_skipped_and_the_others_run(cli):
    r = finishes(cli, "grad", "sum(x*x)", "--at", "x=randn(100000)", "--json", bound=HANG, what="diffx grad")
    d = json.loads(r.stdout)
    assert r.exit_code == 0 and d["verdict"] == "agree"
    assert "max_work" in d["methods"]["numeric"]["skipped"] and "100,000 input elements" in \
        d["methods"]["numeric"]["skipped"]
    assert "gradient" in d["methods"]["reverse"]


def test_a_lowered_limit_refuses_and_a_raised_one_lets_the_method_run(cli):
    low = cli("grad", "sum(sin(x))", "--at", "x=randn(300)", "-m", "reverse", "-m", "numeric",
              "--limit", "max_work=1e6")
    assert low.exit_code == 1 and "skipped: the numeric gradient would take about" in low.stdout   # inconclusive
    assert "--limit max_work=N" in low.stdout
    raised = cli("grad", "sum(sin(x))", "--at", "x=randn(300)", "-m", "reverse", "-m", "numeric",
                 "--limit", "max_work=1e12", "--json")
    assert raised.exit_code == 0 and "gradient" in json.loads(raised.stdout)["methods"]["numeric"]
    alone = cli("grad", "sum(sin(x))", "--at", "x=randn(300)", "-m", "numeric", "--limit", "max_work=1e6")
    assert alone.exit_code == 2 and alone.stderr.startswith("error: the numeric gradient would take about")


def test_a_plot_of_second_derivatives_point_by_point_is_refused_by_its_estimate(cli):
    r = finishes(cli, "plot", "--points", "20000", "--order", "2", "sum(log(x))", "--from", "0.1", "--to", "5",
                 bound=HANG, what="diffx plot")
    assert r.exit_code == 2 and r.stderr.startswith("error: the reverse f″ curve") and "max_work" in r.stderr
    small = diffx.plot_data("sum(log(x))", start=0.1, stop=5, points=50, order=2, methods=["reverse", "numeric"])
    assert np.allclose(small.derivatives[2]["reverse"], -1 / small.x ** 2)


def test_the_estimate_counts_passes():
    p = diffx.problem("sum(x*x)", x="randn(1000)")
    s = estimate.sizes(p)
    assert s.inputs == 1000 and s.outputs == 1 and s.nodes == 3
    one = estimate.method(p, "reverse", "gradient", s).work
    each = estimate.method(p, "forward", "gradient", s).work
    assert each - estimate.CALL_OPS == 1000 * (one - estimate.CALL_OPS)   # n tangent passes, one reverse sweep
    assert estimate.method(p, "reverse", "hessian", s).memory >= 8 * 1000 ** 2


# ---------------------------------------------------------------- output size: large arrays are summarised
def test_json_summarises_large_arrays_and_says_how_to_get_them_whole(cli):
    r = cli("grad", "sum(x*x)", "--at", "x=arange(200000)", "-m", "reverse", "--json")
    d = json.loads(r.stdout)
    g = d["methods"]["reverse"]["gradient"]["x"]
    assert g["summarised"] is True and g["shape"] == [200000] and g["first"] == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert (g["min"], g["max"], g["mean"]) == (0.0, 399998.0, 199999.0)
    assert "methods.reverse.gradient.x" in d["summarised"]["arrays"] and "at.x" in d["summarised"]["arrays"]
    assert "--limit max_output_elements=N" in d["summarised"]["how"]
    whole = json.loads(cli("grad", "sum(x*x)", "--at", "x=arange(200000)", "-m", "reverse", "--json",
                           "--limit", "max_output_elements=300000").stdout)
    assert len(whole["methods"]["reverse"]["gradient"]["x"]) == 200000 and "summarised" not in whole
    graph = json.loads(cli("graph", "sum(x*x)", "--at", "x=arange(200000)", "--json").stdout)
    assert graph["nodes"][0]["value"]["summarised"] and "nodes[0].value" in graph["summarised"]["arrays"]


def test_the_library_summarises_too():
    d = diffx.compare("sum(x*x)", x="arange(200000)", methods=["reverse"]).to_dict()
    assert d["at"]["x"]["summarised"] and d["summarised"]["limit"] == 100_000
    small = diffx.compare("sum(x*x)", x=[1.0, 2.0], methods=["reverse"]).to_dict()
    assert "summarised" not in small and small["methods"]["reverse"]["gradient"]["x"] == [2.0, 4.0]
    d = diffx.compare("sum(x*x)", x="arange(200000)", methods=["reverse"],
                      limits=diffx.Limits(max_output_elements=10 ** 6)).to_dict()
    assert len(d["at"]["x"]) == 200000


# ---------------------------------------------------------------- every exception a DiffxError
CRASHES = {
    "an index beyond int64": lambda: diffx.evaluate("x[9223372036854775808]", x=[1.0, 2.0]),
    "an index list beyond int64": lambda: diffx.evaluate("x[[0, 1e30]]", x=[1.0, 2.0]),
    "a limit beyond a C integer": lambda: diffx.compare("x*x", x=1.0, limits=diffx.limits.with_overrides(
        diffx.Limits(), ["max_chars=1e300"])),
    "an infinite plot range": lambda: diffx.plot_data("sin(x)", start=-1.7e308, stop=1.7e308),
    "a non-string key": lambda: diffx.grad("x*y", at={1: 2}),
    "arange of 10^8 elements": lambda: diffx.evaluate("sum(x)", x="arange(0, 1, 1e-8)"),
    "a trace of no variable": lambda: diffx.trace("a = 2; a"),
}


@pytest.mark.parametrize("what", CRASHES)
def test_what_once_crashed_is_a_diffx_error(what):
    with pytest.raises(DiffxError) as info:
        finishes(CRASHES[what], bound=HANG, what=what)
    assert info.value.message


def test_arange_is_counted_before_it_is_made():
    with pytest.raises(LimitError, match="arange would make 100,000,000 elements"):
        diffx.evaluate("sum(x*arange(0, 1, 1e-8))", x=1.0)
    assert diffx.evaluate("sum(arange(0, 1, 0.25))") == 1.5


def test_a_rebound_name_traces(cli):
    t = diffx.trace("a = x; a = 2; a*x", x=3.0)
    assert t.adjoints[-1].value == 2.0
    for args in (["trace", "a = x\na = 2\na*x", "--at", "3"], ["trace", "a = 2; a", "--at", "3"],
                 ["grad", "x*x", "--at", "1", "--limit", "max_chars=1e400"],
                 ["plot", "sin(x)", "--from", "-inf", "--to", "inf"]):
        r = cli(*args)
        assert r.exit_code in (0, 2) and "Traceback" not in r.stdout + r.stderr, (args, r.stderr)
        assert r.exit_code == 0 or r.stderr.startswith("error: "), (args, r.stderr)


def test_a_method_that_returns_nothing_is_skipped_not_measured(monkeypatch):
    from diffx import registry
    from diffx.results import MethodResult
    row = registry.METHODS["numeric"]
    monkeypatch.setitem(row.serves, "gradient", lambda p: MethodResult("numeric"))
    r = diffx.compare("x*x", x=2.0, methods=["reverse", "numeric"])
    assert r.methods["numeric"].skipped == "the numeric method returned no derivative"
    assert r.gradient["x"] == 4.0
