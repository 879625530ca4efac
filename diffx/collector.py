"""A pause of Python's cycle collector around loops that make many objects and no cycles.

The parser makes tokens and nodes by the hundred thousand, the scalar sweeps a list per node; none of them refer
back to one another, so the collector finds nothing, yet each of its runs scans everything made so far (about a
third of a 100k-node parse). Pausing it is safe: whatever a paused stretch leaves behind is collected as usual
once it resumes, and a collector the caller had turned off stays off.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def paused():
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
