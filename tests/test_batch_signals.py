"""Batch runs that lose nothing: a real `diffx compare --file` process, stopped by each signal part-way."""
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


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stopped_batch_writes_what_it_completed(tmp_path, signum, code):
    proc, out = _start(tmp_path)
    _wait_for_cases(proc, out, 2)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    d = json.loads(out.read_text())
    assert d["complete"] is False and len(d["cases"]) >= 2 and d["missing"] == len(CASES) - len(d["cases"])
    assert "stopped after" in err and "--resume continues" in err and "Traceback" not in err


def test_a_killed_batch_resumes_from_its_journal(tmp_path):
    proc, out = _start(tmp_path)
    _wait_for_cases(proc, out, 2)
    proc.kill()
    proc.communicate(timeout=60)
    journal, done = _journal(out)
    assert done >= 2
    proc, _ = _start(tmp_path, "--resume")
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
