"""`diffx compare --file --jobs N` and `--executor dask`: cases in worker processes or on a Dask cluster give the
results of one process, in case order; a crashing or hanging case is its error row; symbolic work given up
inside a worker stops for real, one at a time per worker, and nothing is left running afterwards."""
import fcntl
import json
import multiprocessing
import os
import signal
import threading
import time

import pytest

import diffx
from diffx import batch, batch_jobs

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="worker processes are forked")

SLOW = "l = x\n" + "l = 4*l*(1 - l)\n" * 9 + "l"        # SymPy takes seconds on it: every budget below overruns
CASES = [
    {"expr": "sin(x)*x^2 + exp(y*x)", "at": {"x": 0.3, "y": 1.0}},
    {"expr": "2*x.x", "at": {"x": [0, 1, 2, 3]}, "name": "quadratic"},
    {"expr": "relu(x) - relu(-x)", "at": {"x": 0.0}},            # disagree
    {"expr": "x +", "at": {}},                                     # error row
    {"expr": "log(x)*y", "at": {"x": 2.0, "y": 3.0}, "wrt": ["x"]},
    {"expr": "sum(tanh(x)^3)", "at": {"x": [0.5, -1.5]}},
]


def timeless(d):
    """A result without its timings (the one thing two runs of the same case differ in)."""
    if isinstance(d, dict):
        return {k: timeless(v) for k, v in d.items() if k != "seconds"}
    if isinstance(d, list):
        return [timeless(v) for v in d]
    return d


def left_behind(threads_before):
    """Worker processes, child processes and threads still alive."""
    found = [f"process {p.pid}" for p in multiprocessing.active_children()]
    try:
        import psutil
        found += [f"child {p.pid} {p.name()}" for p in psutil.Process().children(recursive=True)
                  if p.status() != psutil.STATUS_ZOMBIE]
    except ImportError:
        pass
    return found + [f"thread {t.name}" for t in threading.enumerate() if t not in threads_before]


def test_jobs_give_the_results_of_one_process_in_case_order():
    o = diffx.options(methods=["reverse", "symbolic", "numeric"])
    one = batch.run_batch(CASES, o)
    heard = []
    before = set(threading.enumerate())
    two = batch.run_batch(CASES, o, jobs=2, on_case=heard.append)
    assert timeless(two.to_dict()) == timeless(one.to_dict())
    assert [c.status for c in two.cases] == ["ok", "ok", "disagree", "error", "ok", "ok"]
    assert [c.index for c in two.cases] == list(range(len(CASES))) and len(heard) == len(CASES)
    assert two.cases[0].result.methods["symbolic"].ran        # a whole Comparison came back from the worker
    assert left_behind(before) == []


def test_cli_jobs_output_equals_one_process(cli, tmp_path):
    f = tmp_path / "cases.json"
    f.write_text(json.dumps(CASES))
    runs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"r{jobs}.json"
        r = cli("compare", "--file", str(f), "--jobs", jobs, "--output", str(out), "-m", "reverse", "-m", "numeric")
        assert r.exit_code == 2, r.stderr          # the error row decides the exit status
        runs[jobs] = (json.loads(out.read_text()), r.stdout)
        r = cli("compare", "--file", str(f), "--jobs", jobs, "--output", str(tmp_path / f"r{jobs}.csv"),
                "-m", "reverse", "-m", "numeric")
    assert timeless(runs["2"][0]) == timeless(runs["1"][0]) and runs["2"][0]["complete"] is True
    assert runs["2"][1] == runs["1"][1]           # the same table
    assert (tmp_path / "r2.csv").read_text() == (tmp_path / "r1.csv").read_text()
    assert cli("compare", "--file", str(f), "--jobs", "0").stderr.startswith("error: --jobs 0: at least 1")
    assert cli("compare", "--file", str(f), "--executor", "ray").stderr.startswith(
        "error: --executor ray: choose local or dask")
    assert "go with --file" in cli("compare", "x", "--at", "1", "--jobs", "2").stderr
    r = cli("compare", "--file", str(f), "--scheduler", "tcp://127.0.0.1:1")
    assert r.exit_code == 2 and r.stderr.startswith("error: --scheduler goes with --executor dask")


def test_the_library_runs_a_file_in_workers_as_the_command_does(tmp_path):
    f = tmp_path / "cases.json"
    f.write_text(json.dumps(CASES))
    before = set(threading.enumerate())
    one = diffx.compare_file(f, methods=["reverse", "numeric"])
    two = diffx.compare_file(f, methods=["reverse", "numeric"], jobs=2)
    assert timeless(two.to_dict()) == timeless(one.to_dict()) and len(two.cases) == len(CASES)
    assert left_behind(before) == []
    for kw, message in [(dict(jobs=0), "jobs=0: at least 1"), (dict(jobs=True), "jobs=True: a whole number"), (dict(jobs=2.0), "jobs=2.0: a whole number"),
                        (dict(executor="ray"), "executor=ray: choose local or dask"),
                        (dict(scheduler="tcp://127.0.0.1:1"), "scheduler= goes with executor=dask")]:
        with pytest.raises(diffx.InputError, match=message.replace("(", r"\(")):
            diffx.compare_file(f, **kw)


def test_given_up_symbolic_work_stops_one_at_a_time_per_worker(tmp_path, monkeypatch):
    """Every case overruns a 0.1 s symbolic budget. The symbolic job takes a lock named after its worker; a
    second job in a worker whose first still ran would find it taken (a lock dies with its process only)."""
    from diffx import symbolic
    real = symbolic.gradient

    def watched(*args, **kw):
        fd = os.open(tmp_path / f"worker-{os.getpid()}.lock", os.O_CREAT | os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            event = "start"
        except BlockingIOError:
            event = "overlap"
        with open(tmp_path / "log", "a") as log:
            log.write(f"{event} {os.getpid()} {os.getppid()}\n")
        return real(*args, **kw)
    monkeypatch.setattr(symbolic, "gradient", watched)      # the workers are forked: they run it too
    cases = [{"expr": SLOW, "at": {"x": 0.1 + 0.05 * k}} for k in range(6)]
    before = set(threading.enumerate())
    b = batch.run_batch(cases, diffx.options(methods=["reverse", "symbolic"], symbolic_timeout=0.1), jobs=2)
    log = [line.split() for line in (tmp_path / "log").read_text().splitlines()]
    assert [event for event, *_ in log] == ["start"] * len(cases)
    assert {int(parent) for *_, parent in log} == {os.getpid()}         # in workers of this process
    for c in b.cases:
        assert "gave up after 0.1 s" in c.result.methods["symbolic"].skipped, c.to_dict()
    assert left_behind(before) == []


def test_a_crashing_and_a_hanging_case_are_error_rows(monkeypatch):
    import importlib
    problem = importlib.import_module("diffx.problem")       # the module (the package's `problem` is a function)
    real = problem.build

    def misbehaving(expr, *args, **kw):
        if expr == "crash + x":
            os.kill(os.getpid(), signal.SIGKILL)
        if expr == "hang + x":
            time.sleep(600)
        return real(expr, *args, **kw)
    monkeypatch.setattr(problem, "build", misbehaving)
    monkeypatch.setattr(batch_jobs, "CASE_BUDGET", (4, 0.5))     # 4 × 0.1 s + 0.5 s for these cases
    cases = [{"expr": e, "at": {"x": 1.0}, "symbolic_timeout": 0.1} for e in ("x*x", "crash + x", "hang + x", "x^3")]
    before = set(threading.enumerate())
    b = batch.run_batch(cases, diffx.options(methods=["reverse", "numeric"]), jobs=2)
    assert [c.status for c in b.cases] == ["ok", "error", "error", "ok"]
    assert b.cases[1].error == "the case crashed: its worker process ended (killed by SIGKILL)"
    assert b.cases[2].error.startswith("stopped after 0.9 s, the case budget (4 × symbolic_timeout + 0.5 s")
    assert left_behind(before) == []


def test_resume_with_jobs_runs_only_the_missing_cases(tmp_path):
    journal = batch.Journal(tmp_path / "j.jsonl")
    o = diffx.options(methods=["reverse", "numeric"])
    first = batch.run_batch(CASES[:2], o)
    for index, c in enumerate(first.cases):
        journal.write(index, c)
    saved = journal.read()
    saved[1]["status"] = "marked"              # a case taken from the journal is not run again
    b = batch.run_batch(CASES, o, jobs=2, journal=journal, done=saved)
    assert [c.status for c in b.cases][:4] == ["ok", "marked", "disagree", "error"]
    assert sorted(journal.read()) == list(range(len(CASES)))


def test_options_and_results_travel_between_processes():
    import pickle
    o = diffx.options(methods=["reverse"], rtol=1e-5, wrt=["x"])
    assert pickle.loads(pickle.dumps(o)) == o
    c = batch.run_case(CASES[0], o)
    assert timeless(pickle.loads(pickle.dumps(c)).to_dict()) == timeless(c.to_dict())


def test_dask_missing_is_one_error_line(cli, tmp_path, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "distributed", None)       # import distributed -> ImportError
    f = tmp_path / "cases.json"
    f.write_text(json.dumps(CASES[:1]))
    r = cli("compare", "--file", str(f), "--executor", "dask")
    assert r.exit_code == 2 and r.stderr.count("\n") == 1
    assert r.stderr.startswith("error: the dask executor needs Dask installed: pip install")


# ---------------------------------------------------------------- a real Dask cluster
@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit="1GiB",
                                  dashboard_address=None) as c:
        yield c


def test_dask_cluster_gives_the_local_results(cluster, cli, tmp_path, monkeypatch):
    from diffx.dask_executor import DaskExecutor
    o = diffx.options(methods=["reverse", "symbolic", "numeric"])
    local = batch.run_batch(CASES[:4], diffx.options(o, isolation="process"))
    with DaskExecutor(cluster.scheduler_address) as ex:
        remote = batch.run_batch(CASES[:4], o, executor=ex)
    assert timeless(remote.to_dict()) == timeless(local.to_dict())
    f = tmp_path / "cases.json"
    f.write_text(json.dumps(CASES[:2]))
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster.scheduler_address)
    r = cli("compare", "--file", str(f), "--executor", "dask", "--json", "-m", "reverse", "-m", "numeric")
    assert r.exit_code == 0, r.stderr
    assert timeless(json.loads(r.stdout)) == timeless(batch.run_batch(CASES[:2], diffx.options(
        methods=["reverse", "numeric"], isolation="process")).to_dict())


def test_a_bad_scheduler_address_is_one_error_line_at_once(cli, tmp_path):
    cases = tmp_path / "c.jsonl"
    cases.write_text('{"expr": "sum(x^2)", "at": {"x": [1, 2]}}\n')
    r = cli("compare", "--file", str(cases), "--executor", "dask", "--scheduler", "bogus://x:1")
    assert r.exit_code == 2 and r.stderr.startswith("error:") and "not one Dask takes" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
