"""Many comparisons from one file: TOML (`[[case]]` tables), JSON (a list) or JSONL (one per line).

Each case has `expr`, `at` ({name: value}), and optionally `wrt`, `expected`
({name: gradient}), `rtol`, `atol` and `methods`. A case that fails to parse,
evaluate or stay within a limit is reported in its row; the others still
run, and results are written atomically (a temporary file, then a rename).
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .errors import DiffxError, InputError
from .limits import DEFAULT_LIMITS, Limits
from .results import SCHEMA_VERSION, GradResult

CASE_KEYS = {"expr", "at", "wrt", "expected", "rtol", "atol", "methods", "name"}


@dataclass
class CaseResult:
    expr: str
    status: str                     # ok, disagree or error
    error: str | None = None
    result: GradResult | None = None

    def to_dict(self) -> dict:
        return {"expr": self.expr, "status": self.status, "error": self.error,
                "result": None if self.result is None else self.result.to_dict()}


@dataclass
class BatchResult:
    cases: list[CaseResult] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        return {s: sum(1 for c in self.cases if c.status == s) for s in ("ok", "disagree", "error")}

    def to_dict(self) -> dict:
        return {"schema_version": SCHEMA_VERSION, "cases": [c.to_dict() for c in self.cases],
                "summary": self.summary}


def read_cases(path: str | Path) -> list[dict]:
    """The cases of a file; a file that cannot be read at all is an InputError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    readers = {".toml": _toml, ".json": _json, ".jsonl": _jsonl}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise InputError(f"{path}: a batch file is .toml, .json or .jsonl")
    cases = reader(text, path)
    if not isinstance(cases, list) or not all(isinstance(c, dict) for c in cases):
        raise InputError(f"{path}: expected a list of cases (objects with expr and at)")
    return cases


def _toml(text: str, path: Path) -> list:
    import tomllib
    try:
        return tomllib.loads(text).get("case", [])
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None


def _json(text: str, path: Path) -> list:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from None


def _jsonl(text: str, path: Path) -> list:
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                out.append({"_invalid": f"line {n} is not valid JSON: {exc.msg}"})
    return out


def run_case(case: dict, methods, limits: Limits = DEFAULT_LIMITS, seed: int = 0) -> CaseResult:
    """One case: its comparison, or the reason it could not run."""
    from .api import compare
    expr = case.get("expr")
    try:
        if "_invalid" in case:
            raise InputError(case["_invalid"])
        if not isinstance(expr, str):
            raise InputError("the case has no expr string")
        unknown = set(case) - CASE_KEYS
        if unknown:
            raise InputError(f"unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(CASE_KEYS))})")
        at = case.get("at") or {}
        if not isinstance(at, dict):
            raise InputError("at must be a table of name = value")
        r = compare(expr, at, wrt=case.get("wrt"), methods=case.get("methods") or methods,
                    rtol=float(case.get("rtol", 1e-6)), atol=float(case.get("atol", 1e-8)), seed=seed, limits=limits)
    except DiffxError as exc:
        return CaseResult(str(expr), "error", exc.message)
    except (TypeError, ValueError) as exc:
        return CaseResult(str(expr), "error", f"bad case: {exc}")
    if "expected" in case:
        _check_expected(r, case["expected"])
    return CaseResult(expr, "ok" if r.agree else "disagree", None if r.agree else "; ".join(r.disagreements), r)


def _check_expected(r: GradResult, expected: Any) -> None:
    """The expected gradient is one more opinion: a mismatch with the reference is a disagreement."""
    if not isinstance(expected, dict):
        r.agree = False
        r.disagreements.append("expected must be a table of name = gradient")
        return
    ref = r.methods[r.reference].gradient
    for name, want in expected.items():
        got = ref.get(name) if ref else None
        try:
            want = np.asarray(want, dtype=np.float64)
        except (TypeError, ValueError):
            want = None
        if got is None or want is None or want.shape != np.shape(got) or \
                not np.allclose(got, want, rtol=r.rtol, atol=r.atol):
            r.agree = False
            r.disagreements.append(f"expected {name} = {np.asarray(want).tolist() if want is not None else '?'}, "
                                   f"{r.reference} gives {np.asarray(got).tolist() if got is not None else 'nothing'}")
    r.extra["expected"] = {k: v for k, v in expected.items()}


def run_batch(cases: list[dict], methods=None, *, limits: Limits = DEFAULT_LIMITS, seed: int = 0,
              on_case: Callable[[CaseResult], None] | None = None, into: BatchResult | None = None) -> BatchResult:
    """Every case in order; `on_case` hears of each as it finishes (a progress bar).

    Results are appended to `into` as they come, so an interrupted batch
    keeps what it computed.
    """
    out = into if into is not None else BatchResult()
    for case in cases:
        c = run_case(case, methods, limits, seed)
        out.cases.append(c)
        if on_case is not None:
            on_case(c)
    return out


def write_atomic(path: str | Path, text: str) -> None:
    """Write a whole file or nothing: a temporary file beside it, then a rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def to_csv(batch: BatchResult) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["case", "expr", "status", "error", "reference", "max_abs_diff", "methods_disagreeing"])
    for n, c in enumerate(batch.cases, 1):
        r = c.result
        bad = "" if r is None else " ".join(sorted({note.split(" ")[0] for note in r.disagreements}))
        w.writerow([n, c.expr, c.status, c.error or "", "" if r is None else r.reference,
                    "" if r is None else repr(float(r.max_abs_diff)), bad])
    return buf.getvalue()


def save(batch: BatchResult, path: str | Path) -> None:
    """Results as .json or .csv (by extension), written atomically."""
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        write_atomic(path, json.dumps(batch.to_dict(), allow_nan=False, indent=1) + "\n")
    elif suffix == ".csv":
        write_atomic(path, to_csv(batch))
    else:
        raise InputError(f"--output {path}: write .json or .csv")
