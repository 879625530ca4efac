"""Hang guards for the tests: a bound only a real hang reaches, never a speed requirement.

How fast diffx is belongs to benchmarks/run.py, which prints each figure with what it compares.
A test asserts behaviour; where work could hang, it runs under a bound at least ten times what
the work takes on a busy machine, so the bound fails only when the work never ends.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable

import pytest

ROOT = Path(__file__).resolve().parents[1]

# A symbolic time budget (seconds) for tests that assert on SymPy's answer: far above what any test's SymPy
# work takes on a busy machine (1 s at most unloaded), so a slow machine gives the same answer, later.
SYMBOLIC_ROOM = 120


def finishes(fn: Callable[..., Any], *args: Any, bound: float, what: str | Callable[[], str]) -> Any:
    """fn(*args) on a daemon thread: its value, or its exception raised here; a test failure if it is still
    running after `bound` seconds (it hangs; the thread is abandoned). `what` names the work in that
    failure; a callable is asked then (to name, say, the input a loop was on)."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread
            box["error"] = exc
    worker = threading.Thread(target=work, daemon=True, name=f"bounded: {what}")
    worker.start()
    worker.join(bound)
    if worker.is_alive():
        what = what() if callable(what) else what
        pytest.fail(f"{what} still running after {bound:g} s, far beyond its usual time: it hangs", pytrace=False)
    if "error" in box:
        raise box["error"]
    return box.get("value")


def diffx_command(*args: str, bound: float) -> subprocess.CompletedProcess:
    """The diffx command as installed (cli.app:main, here `python -m cli` of this checkout) in a child
    process; a test failure if it has not finished after `bound` seconds (it is killed)."""
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
    try:
        return subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=bound)
    except subprocess.TimeoutExpired:
        shown = " ".join(repr(a) if len(a) < 40 else repr(a[:37]) + "..." for a in args)
        pytest.fail(f"diffx {shown} still running after {bound:g} s, far beyond its usual time: it hangs",
                    pytrace=False)
