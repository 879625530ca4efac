"""A time budget for work that can explode (symbolic differentiation).

By default the work runs in a forked child process, so when it overruns it
can be stopped for real; the caller gets the result, or a `LimitError`
saying it gave up. A short-lived process (the `diffx` command) asks for
`isolation="thread"` instead (its run options say so): no fork to pay for,
and an overrunning thread is simply abandoned when the process exits.
Where fork is not available the thread is used.
"""
from __future__ import annotations

import os
import threading
from typing import Any, Callable

from .errors import DiffxError, LimitError

ISOLATIONS = ("process", "thread")


def within(seconds: float | None, fn: Callable[..., Any], *args: Any, isolation: str = "process") -> Any:
    """fn(*args), or LimitError after `seconds` (None or <= 0: no budget)."""
    if isolation not in ISOLATIONS:
        raise ValueError(f"isolation is one of {ISOLATIONS}, not {isolation!r}")
    if not seconds or seconds <= 0:
        return fn(*args)
    if isolation == "thread" or not hasattr(os, "fork"):
        return _in_thread(seconds, fn, args)
    import multiprocessing        # deferred: only the symbolic method pays for it
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(send, fn, args), daemon=True)
    child.start()
    send.close()
    try:
        if receive.poll(seconds):
            try:
                ok, payload = receive.recv()
            except (EOFError, OSError):
                ok, payload = False, DiffxError("the symbolic worker stopped without an answer")
            if ok:
                return payload
            raise payload
        raise _gave_up(seconds)
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()


def _gave_up(seconds: float) -> LimitError:
    return LimitError(f"gave up after {seconds:g} s, the symbolic time budget (raise it with symbolic_timeout=S)",
                      option="symbolic_timeout")


def _in_thread(seconds: float, fn: Callable[..., Any], args: tuple) -> Any:
    """The work on a daemon thread: its answer, or a LimitError while it runs on unheeded."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["result"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller below
            box["error"] = exc
    worker = threading.Thread(target=work, daemon=True, name="diffx-symbolic")
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise _gave_up(seconds)
    if "error" in box:
        exc = box["error"]
        if isinstance(exc, DiffxError):
            raise exc
        raise DiffxError(f"SymPy failed: {type(exc).__name__}: {exc}")
    return box["result"]


def _child(send, fn: Callable[..., Any], args: tuple) -> None:
    try:
        result = (True, fn(*args))
    except DiffxError as exc:
        result = (False, type(exc)(exc.message))
    except BaseException as exc:  # noqa: BLE001 - whatever SymPy raised, the parent reports it as a skip
        result = (False, DiffxError(f"SymPy failed: {type(exc).__name__}: {exc}"))
    try:
        send.send(result)
    except Exception as exc:  # noqa: BLE001 - an unpicklable answer
        send.send((False, DiffxError(f"the symbolic result could not be returned: {exc}")))
    finally:
        send.close()
