"""Python functions as the thing to differentiate: `--python FILE.py:FUNC` and `diffx.grad(f, ...)`.

The function runs with `Tensor` arguments; the path it takes is recorded as a
`Graph`, which reverse AD and SymPy differentiate (a derivative valid on that
path). Finite differences re-run the function itself at perturbed points, and
every `bool()` of a tensor (an `if` or a `while`) is logged, so a perturbation
that changes the path is noticed: the function is piecewise there.

Running FILE.py executes it, exactly as `python FILE.py` would.
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import inspect
import linecache
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .tensor import Tensor, _decision_listeners, no_grad, recording
from .errors import DiffxError, InputError
from .graph import Graph


class UserCodeError(DiffxError):
    """The user's Python code raised; the message carries its own traceback lines."""


@dataclass(frozen=True)
class Decision:
    file: str
    line: int
    value: bool

    @property
    def source(self) -> str:
        return linecache.getline(self.file, self.line).strip()


@dataclass
class PythonFunction:
    fn: Callable
    name: str
    file: str | None

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    @property
    def parameters(self) -> list[str]:
        return [p.name for p in inspect.signature(self.fn).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]

    def run(self, point: dict[str, np.ndarray], requires_grad: bool) -> tuple[Tensor, list[Decision]]:
        """Call the function with tensors; its output tensor and the branch decisions it made."""
        decisions: list[Decision] = []

        def listen(value: bool) -> None:
            frame = sys._getframe(2)          # the frame that called bool() on a tensor
            decisions.append(Decision(frame.f_code.co_filename, frame.f_lineno, value))
        args = {name: Tensor(point[name], requires_grad=requires_grad, name=name) for name in self.parameters}
        _decision_listeners.append(listen)
        try:
            if requires_grad:
                out = self._call(args)
            else:
                with no_grad():
                    out = self._call(args)
        except DiffxError:
            raise
        except Exception as exc:  # noqa: BLE001 - anything the user's code raises is reported as theirs
            raise UserCodeError(self._describe(exc)) from None
        finally:
            _decision_listeners.remove(listen)
        if not isinstance(out, Tensor):
            out = Tensor(out)
        return out, decisions

    def _call(self, args: dict):
        """Positional parameters by position (positional-only ones included), keyword-only by name."""
        params = inspect.signature(self.fn).parameters.values()
        positional = [args[p.name] for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        keywords = {p.name: args[p.name] for p in params if p.kind == p.KEYWORD_ONLY}
        return self.fn(*positional, **keywords)

    def _describe(self, exc: Exception) -> str:
        """The exception with the traceback lines from the user's own file only."""
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if self.file is None or f.filename == self.file]
        lines = [f"error in {self.name}: {type(exc).__name__}: {exc}"]
        for f in frames:
            lines.append(f'  File "{f.filename}", line {f.lineno}, in {f.name}')
            if f.line:
                lines.append(f"    {f.line}")
        return "\n".join(lines)


def load(spec: str) -> PythonFunction:
    """`path/to/file.py:func` -> the function (the file is executed, as `python file.py` would)."""
    path_text, sep, name = spec.rpartition(":")
    if not sep or not path_text or not name:
        raise InputError(f"python={spec!r}: write FILE.py:FUNCTION", option="python")
    path = Path(path_text)
    if not path.is_file():
        raise InputError(f"python={spec!r}: no file {path}", option="python")
    loader = importlib.machinery.SourceFileLoader(f"diffx_user_{path.stem}", str(path))   # any file name
    module_spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(module_spec)
    module.__file__ = str(path)
    file = str(path)
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - the user's module failed to run
        raise UserCodeError(PythonFunction(lambda: None, path.name, file)._describe(exc)) from None
    fn = getattr(module, name, None)
    if not callable(fn):
        found = [k for k, v in vars(module).items() if inspect.isfunction(v) and v.__module__ == module.__name__]
        raise InputError(f"{path} has no function {name!r} (functions there: {', '.join(found) or 'none'})")
    return PythonFunction(fn, name, file)


def wrap(fn: Callable) -> PythonFunction:
    return PythonFunction(fn, getattr(fn, "__name__", "f"), inspect.getsourcefile(fn) if inspect.isfunction(fn) else None)


@dataclass(frozen=True)
class PythonRun:
    """One run of a Python function recorded as a graph, with the branches it took; finite differences re-run it."""

    function: PythonFunction
    graph: Graph
    point: dict[str, np.ndarray]
    values: list
    decisions: tuple[Decision, ...] = ()
    hint: str | None = None

    def evaluator(self, seed: np.ndarray | None = None) -> Callable[[dict], tuple[np.ndarray, list[Decision]]]:
        """env -> (output, decisions); with a VJP seed V, the output is sum(V * f)."""
        def run(env: dict) -> tuple[np.ndarray, list[Decision]]:
            out, decisions = self.function.run(env, requires_grad=False)
            y = np.asarray(out.numpy(), dtype=np.float64)
            return (y if seed is None else np.sum(seed * y)), decisions
        return run


def record_function(fn: PythonFunction, point: dict[str, np.ndarray]) -> PythonRun:
    """Run the function once, recording the path it takes as a graph."""
    missing = [p for p in fn.parameters if p not in point]
    extra = [k for k in point if k not in fn.parameters]
    if missing:
        raise InputError(f"no value for {', '.join(missing)}: give " + " ".join(f"at={k}=..." for k in missing),
                         option="at")
    if extra:
        raise InputError(f"{', '.join(extra)}: not a parameter of {fn.name} ({', '.join(fn.parameters)})")
    point = {k: np.asarray(v, dtype=np.float64) for k, v in point.items()}
    out, decisions = fn.run(point, requires_grad=True)
    hint = None
    if not out.requires_grad:
        hint = (f"{fn.name}'s result does not depend on its arguments through tensor operations, so its gradient "
                "is 0; if it should, look for float(), .item(), math.* or numpy calls on tensors: they leave "
                "the recording")
    rec = recording(out)
    graph = rec.graph
    graph.source = f"{fn.name}({', '.join(fn.parameters)})"
    values = list(rec.values)
    for name in fn.parameters:                 # a parameter the path never used is still a variable
        if name not in graph.variables:
            graph.var(name)
            values.append(point[name])
    return PythonRun(fn, graph, point, values, tuple(decisions), hint)


def branch_summary(decisions) -> list[dict[str, Any]]:
    """Decisions grouped by source line, in order of first appearance: line, code, the values taken."""
    groups: dict[tuple[str, int], list[bool]] = {}
    for d in decisions:
        groups.setdefault((d.file, d.line), []).append(d.value)
    out = []
    for (file, line), values in groups.items():
        out.append({"file": file, "line": line, "code": linecache.getline(file, line).strip(),
                    "true": values.count(True), "false": values.count(False), "values": values})
    return out
