"""Batch runs that lose nothing: a real `diffx compare --file` process (in one process and with --jobs 2), stopped by
each signal part-way; with --jobs, no worker outlives the run."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals as POSIX sends them")

SLOW = "l = x\n" + "l = 4*l*(1 - l)\n" * 9 + "l"        # SymPy takes a while on it: time to stop the run
CASES = [{"expr": SLOW, "at": {"x": 0.1 + 0.05 * k}} for k in range(12)]


def _start(tmp_path, *more):
    f = tmp_path / "cases.json"
    f.write_text(json.dumps(CASES))
    out = tmp_path / "r.json"
    cmd = [sys.executable, "-m", "cli", "compare", "--file", str(f), "--output", str(out), "-m", "reverse",
           "-m", "symbolic", "--symbolic-timeout", "60", *more]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), out


def _journal(out):
    path = out.parent / (out.name + ".journal.jsonl")
    return path, (len(path.read_text().splitlines()) if path.exists() else 0)


def _wait_for_cases(proc, out, n: int, bound: float = 120.0):
    """Until the journal holds n cases (a generous bound: it only catches a run that never gets there)."""
    deadline = time.monotonic() + bound
    while _journal(out)[1] < n:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the batch did not journal {n} cases: {proc.communicate()}")
        time.sleep(0.05)


def _workers(proc) -> list:
    """The batch's worker processes (its children), or [] without psutil."""
    try:
        import psutil
    except ImportError:
        return []
    return psutil.Process(proc.pid).children(recursive=True)


def _alive(processes) -> list:
    import psutil
    found = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                found.append(p.pid)
        except psutil.NoSuchProcess:
            pass
    return found


@pytest.mark.parametrize("signum, code, jobs", [(signal.SIGINT, 130, "2"), (signal.SIGTERM, 143, "1")])
def test_a_stopped_batch_writes_what_it_completed(tmp_path, signum, code, jobs):
    proc, out = _start(tmp_path, "--jobs", jobs)
    _wait_for_cases(proc, out, 2)
    workers = _workers(proc)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    d = json.loads(out.read_text())
    assert d["complete"] is False and len(d["cases"]) >= 2 and d["missing"] == len(CASES) - len(d["cases"])
    assert "stopped after" in err and "--resume continues" in err and "Traceback" not in err
    assert len(d["indices"]) == len(d["cases"]) and d["indices"] == sorted(d["indices"])
    if jobs == "2" and workers:
        assert len(workers) == 2 and _alive(workers) == []      # every worker stopped with the run


def test_a_killed_batch_resumes_from_its_journal(tmp_path):
    proc, out = _start(tmp_path, "--jobs", "1")
    _wait_for_cases(proc, out, 2)
    proc.kill()
    proc.communicate(timeout=60)
    journal, done = _journal(out)
    assert done >= 2
    proc, _ = _start(tmp_path, "--resume", "--jobs", "2")      # the rest in two workers
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    d = json.loads(out.read_text())
    assert d["complete"] is True and len(d["cases"]) == len(CASES) and d["summary"]["ok"] == len(CASES)
    assert not journal.exists()
    assert oct(out.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
