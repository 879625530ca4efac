"""Calls run in worker processes that can be stopped for real: the machinery behind `--jobs N`.

A batch's cases are independent, so they can run side by side; what makes
it more than a process pool is that a case may hang or crash, and the
symbolic work a case gives up on must not linger. So each worker:

- is forked once and reused (numpy, SymPy and diffx are imported before the
  fork, so a worker starts in milliseconds, and a case costs what it costs in
  one process);
- runs one call at a time; work a call gave up on and left running on a
  thread (the symbolic budget's, which in a worker is a thread: no fork per
  case) ends the worker after that call, and a fresh one takes its place, so
  at most one symbolic job per worker is ever alive and none outlives its
  budget by more than the rest of its case;
- leads its own process group, so stopping a worker at the case budget (or
  at the end of the run, or on Ctrl-C) kills its symbolic child with it, and
  a terminal's Ctrl-C reaches only the parent, which stops them all;
- dies with the parent (Linux's parent-death signal; elsewhere it notices
  the parent is gone within a second between calls).

A worker that dies mid-call or overruns its deadline is replaced and the call
is reported as failed; the caller turns that into the case's error row.
`bounded_call` is the same isolation for one call (what a Dask task runs).
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections import deque
from typing import Any, Callable, Iterable, Iterator, NamedTuple


class Failure(NamedTuple):
    """Why a call gave no answer: `kind` is "deadline" (stopped at its seconds), "died" (its process ended)
    or "raised" (the call raised, or its answer did not travel)."""
    kind: str
    text: str


def default_jobs() -> int:
    """One worker per core."""
    return max(1, os.cpu_count() or 1)


class Pool:
    """`jobs` worker processes, started on first use (or by `start`, before other threads exist) and kept
    until `close`. `run` yields each call's answer as it finishes, in whatever order they finish."""

    def __init__(self, jobs: int | None = None):
        import multiprocessing        # deferred: a one-process run never pays for it
        self.jobs = max(1, int(jobs or default_jobs()))
        self._ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
        self._idle: list[_Worker] = []

    def start(self, n: int | None = None) -> "Pool":
        """Fork up to `n` (default `jobs`) workers now: forking before a progress bar's thread starts
        means no lock of that thread is copied held into a worker."""
        while len(self._idle) < min(self.jobs, self.jobs if n is None else max(n, 1)):
            self._idle.append(_Worker(self._ctx))
        return self

    def run(self, fn: Callable[..., Any], calls: Iterable[tuple[Any, tuple, float | None]]
            ) -> Iterator[tuple[Any, Any, Failure | None]]:
        """(key, fn(*args), None) for each (key, args, seconds), or (key, None, why) when the worker died or
        the call ran past its `seconds` (None: no deadline). Interrupted (Ctrl-C, SIGTERM, the consumer
        stopping early), every worker is stopped before the exception goes on."""
        queue = deque(calls)
        self.start(len(queue))
        busy: dict[_Worker, tuple[Any, float | None, float]] = {}
        try:
            while queue or busy:
                while queue and self._idle:
                    key, args, seconds = queue.popleft()
                    worker = self._idle.pop()
                    if worker.process.is_alive() and worker.give(key, fn, args):
                        busy[worker] = (key, seconds, time.monotonic())
                    else:
                        self._idle.append(self._replace(worker))
                        queue.appendleft((key, args, seconds))
                for worker, key, value, failure in self._next(busy):
                    del busy[worker]
                    self._idle.append(worker if failure is None and not worker.retired else self._replace(worker))
                    yield key, value, failure
        except BaseException:
            self.close(busy)
            raise

    def _next(self, busy: dict) -> list[tuple[Any, Any, Any, Failure | None]]:
        """Wait for the first answer, death or deadline among the busy workers."""
        from multiprocessing.connection import wait
        now = time.monotonic()
        deadlines = [started + seconds for _, seconds, started in busy.values() if seconds is not None]
        timeout = max(0.0, min(deadlines) - now) if deadlines else None
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout))
        now, done = time.monotonic(), []
        for worker, (key, seconds, started) in list(busy.items()):
            if worker.conn in ready:
                answer = worker.take()
                if answer is not None:
                    ok, value, worker.retired = answer
                    done.append((worker, key, value if ok else None, None if ok else Failure("raised", value)))
                    continue
            if worker.process.sentinel in ready or worker.conn in ready:
                done.append((worker, key, None, Failure("died", f"its worker process ended ({_exit_text(worker)})")))
            elif seconds is not None and now - started >= seconds:
                done.append((worker, key, None, Failure("deadline", f"stopped after {seconds:g} s")))
        return done

    def _replace(self, worker: "_Worker") -> "_Worker":
        worker.stop()
        return _Worker(self._ctx)

    def close(self, busy: Iterable["_Worker"] = ()) -> None:
        """Stop every worker (and any symbolic child of one) and wait for them: none is left behind."""
        for worker in [*busy, *self._idle]:
            worker.stop()
        self._idle = []

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, ctx):
        self.retired = False          # it left work running on a thread: it ends, and is replaced
        self.conn, child_end = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_serve, args=(child_end, os.getpid()), daemon=True, name="diffx-worker")
        self.process.start()
        child_end.close()
        _own_group(self.process.pid)       # also done in the child: whichever runs first

    def give(self, key: Any, fn: Callable, args: tuple) -> bool:
        try:
            self.conn.send((key, fn, args))
            return True
        except (OSError, ValueError):
            return False

    def take(self) -> tuple[bool, Any, bool] | None:
        """(True, value, retired) or (False, why, retired), or None when the pipe broke (the worker died)."""
        try:
            _, ok, value, retired = self.conn.recv()
            return ok, value, retired
        except (EOFError, OSError):
            return None
        except Exception as exc:  # noqa: BLE001 - an answer that does not unpickle is that call's failure
            return False, f"its answer could not be read: {type(exc).__name__}: {exc}", True

    def stop(self) -> None:
        _kill_group(self.process)
        self.conn.close()


def _kill_group(process) -> None:
    """SIGKILL the process's group (the worker and a symbolic child it forked), then reap it."""
    if process.pid is None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)       # the group outlives a leader that died: a child may be left
    except (OSError, AttributeError):                # no such group yet (or no process groups: Windows)
        if process.exitcode is None:
            process.kill()
    process.join()


def _own_group(pid: int) -> None:
    try:
        os.setpgid(pid, pid)
    except (OSError, AttributeError):
        pass


def _exit_text(worker: _Worker) -> str:
    worker.process.join(1.0)
    code = worker.process.exitcode
    if code is None:
        return "its pipe closed"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def _serve(conn, parent: int) -> None:
    """A worker's life: calls from the pipe, one at a time, until the pipe closes or the parent is gone."""
    _isolate(parent)
    while True:
        try:
            if not conn.poll(1.0):
                if os.getppid() != parent:
                    return
                continue
            key, fn, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            ok, value = True, fn(*args)
        except BaseException as exc:  # noqa: BLE001 - whatever the call raised is its failure, not the worker's
            ok, value = False, f"{type(exc).__name__}: {exc}"
        retire = threading.active_count() > 1       # given-up work still running here: end with it
        try:
            conn.send((key, ok, value, retire))
        except (EOFError, OSError):
            return
        except Exception as exc:  # noqa: BLE001 - an answer that does not pickle
            conn.send((key, False, f"its answer could not be returned: {type(exc).__name__}: {exc}", retire))
        if retire:
            os._exit(0)


def _isolate(parent: int | None) -> None:
    """A process group of its own, a SIGTERM that takes the group with it, death with the parent, and no
    output (the parent's terminal belongs to its progress bar)."""
    _own_group(0)
    _may_fork()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _end_group)
    if parent is not None:
        _die_with(parent)
    devnull = open(os.devnull, "w", encoding="utf-8")
    sys.stdout = sys.stderr = devnull


def _may_fork() -> None:
    """Let this process start children (the symbolic budget's): multiprocessing refuses children to a daemonic
    process, which a worker is (so that the parent's exit ends it) and a Dask worker usually is."""
    import multiprocessing
    me = multiprocessing.current_process()
    if me.daemon:
        try:
            me.daemon = False
        except AssertionError:          # a process object that started children of its own
            me._config["daemon"] = False


def _end_group(signum, frame) -> None:
    os.killpg(os.getpgid(0), signal.SIGKILL)


def _die_with(parent: int) -> None:
    """Linux: SIGTERM when the parent dies (then the group goes, as above)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)      # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(0)


def bounded_call(fn: Callable[..., Any], args: tuple, seconds: float | None) -> tuple[Any, Failure | None]:
    """(fn(*args), None) run in a forked child that is killed (with its own children) after `seconds`, or
    (None, why). What one Dask task runs: the cluster's worker is never left running a given-up case."""
    import multiprocessing
    if not hasattr(os, "fork"):
        return fn(*args), None
    ctx = multiprocessing.get_context("fork")
    _may_fork()
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_one_call, args=(send, fn, args), daemon=True, name="diffx-case")
    child.start()
    send.close()
    _own_group(child.pid)
    try:
        if receive.poll(seconds):
            try:
                ok, value = receive.recv()
            except (EOFError, OSError):
                child.join(1.0)
                return None, Failure("died", f"its process ended (exit status {child.exitcode})")
            return (value, None) if ok else (None, Failure("raised", value))
        return None, Failure("deadline", f"stopped after {seconds:g} s")
    finally:
        _kill_group(child)
        receive.close()


def _one_call(send, fn: Callable[..., Any], args: tuple) -> None:
    _isolate(None)
    try:
        answer = (True, fn(*args))
    except BaseException as exc:  # noqa: BLE001 - reported as the call's failure
        answer = (False, f"{type(exc).__name__}: {exc}")
    try:
        send.send(answer)
    except Exception as exc:  # noqa: BLE001 - an answer that does not pickle
        send.send((False, f"its answer could not be returned: {type(exc).__name__}: {exc}"))
