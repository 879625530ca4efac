"""A time budget for work that can explode (symbolic differentiation).

The work runs in a forked child process, so when it overruns it can be
stopped for real; the caller gets the result, or a `LimitError` saying it
gave up. Where fork is not available the work runs in-process, unbounded.
"""
from __future__ import annotations

import multiprocessing
import os
from typing import Any, Callable

from .errors import DiffxError, LimitError


def within(seconds: float | None, fn: Callable[..., Any], *args: Any) -> Any:
    """fn(*args), or LimitError after `seconds` (None or <= 0: no budget)."""
    if not seconds or seconds <= 0 or not hasattr(os, "fork"):
        return fn(*args)
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
        raise LimitError(f"gave up after {seconds:g} s, the symbolic time budget "
                         f"(raise it with --symbolic-timeout S, or Limits(symbolic_seconds=S) from Python)")
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()


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
