"""Many comparisons from one file: TOML (`[[case]]` tables), JSON (a list) or JSONL (one per line).

Each case has `expr`, `at` ({name: value}), optionally `name` and `expected`
({name: gradient}), and any run option by its name (`wrt`, `methods`, `rtol`,
`atol`, `numeric`, `dtype`, `strict`, `sizes`, `random_seed`, `vjp`,
`tangent`, `order`, `symbolic_timeout`), which override the batch's options
for that case. A case that fails to parse,
evaluate or stay within a limit is reported in its row; the others still
run, and results are written atomically (a temporary file, then a rename).
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .errors import DiffxError, InputError
from .options import NAMES, Options, options
from .results import SCHEMA_VERSION, Comparison, Disagreement

CASE_KEYS = {"expr", "at", "expected", "name"} | (set(NAMES) - {"limits", "isolation", "kind", "seed"})


@dataclass
class CaseResult:
    expr: str
    status: str                     # ok, disagree or error
    error: str | None = None
    result: Comparison | None = None
    saved: dict | None = None       # a case completed by an earlier run, read back from its journal

    def to_dict(self) -> dict:
        if self.saved is not None:
            return self.saved
        d = {"expr": self.expr, "status": self.status, "error": self.error,
             "result": None if self.result is None else self.result.to_dict()}
        if self.result is not None:
            d["methods_disagreeing"] = sorted({x.method for x in self.result.disagreements})
        return d

    @classmethod
    def from_saved(cls, d: dict) -> "CaseResult":
        return cls(str(d.get("expr")), str(d.get("status")), d.get("error"), None, d)

    def brief(self) -> dict:
        """What a table row shows: verdict, reference, max |Δ| (a number or a JSON word) and who disagreed."""
        if self.result is not None:
            r = self.result
            return {"verdict": r.verdict, "reference": r.reference, "max_abs_diff": float(r.max_abs_diff),
                    "methods_disagreeing": " ".join(sorted({x.method for x in r.disagreements}))}
        r = (self.saved or {}).get("result") or {}
        return {"verdict": r.get("verdict", ""), "reference": r.get("reference", ""),
                "max_abs_diff": r.get("max_abs_diff"),
                "methods_disagreeing": " ".join((self.saved or {}).get("methods_disagreeing", []))}


@dataclass
class BatchResult:
    cases: list[CaseResult] = field(default_factory=list)
    total: int | None = None        # how many cases were asked for (None: as many as ran)

    @property
    def summary(self) -> dict[str, int]:
        return {s: sum(1 for c in self.cases if c.status == s) for s in ("ok", "disagree", "error")}

    @property
    def complete(self) -> bool:
        return self.total is None or len(self.cases) >= self.total

    def to_dict(self) -> dict:
        missing = 0 if self.total is None else max(self.total - len(self.cases), 0)
        return {"schema_version": SCHEMA_VERSION, "cases": [c.to_dict() for c in self.cases],
                "summary": self.summary, "complete": self.complete, "missing": missing}


class Journal:
    """One JSON line per completed case, flushed to disk as it completes: a killed run loses at most the case
    in flight, and `--resume` continues from what it holds."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def write(self, index: int, case: CaseResult) -> None:
        line = json.dumps({"index": index, "case": case.to_dict()}, allow_nan=False)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def read(self) -> dict[int, dict]:
        """The completed cases by index; a line torn by a kill is left out (that case runs again)."""
        done: dict[int, dict] = {}
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError:
            return done
        for line in text.splitlines():
            try:
                entry = json.loads(line)
                done[int(entry["index"])] = dict(entry["case"])
            except (ValueError, KeyError, TypeError):
                continue
        return done

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def journal_for(output: str | Path) -> Journal:
    """The journal beside an output file: `results.json.journal.jsonl`."""
    return Journal(Path(str(output) + ".journal.jsonl"))


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


def run_case(case: dict, base: Options = Options()) -> CaseResult:
    """One case: its comparison, or the reason it could not run."""
    from .comparison import compare
    from .problem import build
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
        settings = {k: v for k, v in case.items() if k in NAMES}
        r = compare(build(expr, at, options(base, **settings)))
    except DiffxError as exc:
        return CaseResult(str(expr), "error", exc.message)
    except (TypeError, ValueError, OverflowError, RecursionError, MemoryError) as exc:
        return CaseResult(str(expr), "error", f"bad case: {type(exc).__name__}: {exc}")
    except Exception as exc:  # noqa: BLE001 - one case's failure is its row, never the whole batch's
        return CaseResult(str(expr), "error", f"internal error in this case: {type(exc).__name__}: {exc}")
    if "expected" in case:
        r = with_expected(r, case["expected"])
    why = "; ".join(r.messages or [w for w in r.warnings if r.verdict in ("undefined", "inconclusive")])
    return CaseResult(expr, "ok" if r.passed else "disagree", None if r.passed else why or r.verdict, r)


def with_expected(r: Comparison, expected: Any) -> Comparison:
    """The expected gradient is one more opinion: a mismatch with the reference is a disagreement."""
    from .comparison import tolerance
    if not isinstance(expected, dict):
        return replace(r, agree=False, verdict="disagree", disagreements=[*r.disagreements, Disagreement(
            "expected", None, "expected must be a table of name = gradient")])
    ref = r.methods[r.reference].derivative
    found = []
    for name, want in expected.items():
        got = ref.get(name) if ref else None
        try:
            want = np.asarray(want, dtype=np.float64)
        except (TypeError, ValueError):
            want = None
        if got is None or want is None or want.shape != np.shape(got) or \
                not np.allclose(got, want, rtol=r.rtol, atol=tolerance(np.asarray(got, dtype=float), r.atol)):
            found.append(Disagreement("expected", name, (
                f"expected {name} = {np.asarray(want).tolist() if want is not None else '?'}, "
                f"{r.reference} gives {np.asarray(got).tolist() if got is not None else 'nothing'}")))
    if not found and r.verdict == "inconclusive" and set(ref or {}) <= set(expected):
        return replace(r, agree=True, verdict="agree", extra={**r.extra, "expected": dict(expected)},
                       notes=[*r.notes, "the expected values confirm the reference"])
    return replace(r, agree=r.agree and not found, verdict="disagree" if found else r.verdict,
                   disagreements=[*r.disagreements, *found], extra={**r.extra, "expected": dict(expected)})


def run_batch(cases: list[dict], base: Options = Options(), *, on_case: Callable[[CaseResult], None] | None = None,
              into: BatchResult | None = None, journal: Journal | None = None,
              done: dict[int, dict] | None = None) -> BatchResult:
    """Every case in order; `on_case` hears of each as it finishes (a progress bar).

    Results are appended to `into` as they come, and to the `journal`, so an
    interrupted batch keeps what it computed; cases in `done` (from a
    journal) are taken as they were, not run again.
    """
    out = into if into is not None else BatchResult()
    out.total = len(cases)
    for index, case in enumerate(cases):
        if done and index in done:
            c = CaseResult.from_saved(done[index])
        else:
            c = run_case(case, base)
            if journal is not None:
                journal.write(index, c)
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
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)          # as any new file: mkstemp's 0600 is not the user's choice
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def to_csv(batch: BatchResult) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["case", "expr", "status", "verdict", "error", "reference", "max_abs_diff", "methods_disagreeing"])
    for n, c in enumerate(batch.cases, 1):
        b = c.brief()
        diff = b["max_abs_diff"]
        w.writerow([n, _cell(c.expr), c.status, b["verdict"], _cell(c.error or ""), b["reference"],
                    "" if diff is None else repr(diff) if isinstance(diff, float) else str(diff),
                    b["methods_disagreeing"]])
    return buf.getvalue()


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula (=, +, -, @ first): quoted with a leading '."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


OUTPUTS = {".json": lambda batch: json.dumps(batch.to_dict(), allow_nan=False, indent=1) + "\n", ".csv": to_csv}


def check_output_path(path: str | Path | None, source: str | Path | None = None) -> None:
    """A results file diffx can write (by extension, in a writable folder, not the batch file itself), checked
    before any case runs."""
    if path is None:
        return
    path = Path(path)
    if path.suffix.lower() not in OUTPUTS:
        raise InputError(f"output={str(path)!r}: write {' or '.join(OUTPUTS)}", option="output")
    if source is not None and path.resolve() == Path(source).resolve():
        raise InputError(f"output={str(path)!r} is the batch file itself: it would be overwritten", option="output")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise InputError(f"output={str(path)!r}: the folder {folder} does not exist or cannot be written",
                         option="output")


def save(batch: BatchResult, path: str | Path) -> None:
    """Results as .json or .csv (by extension), written atomically."""
    check_output_path(path)
    write_atomic(path, OUTPUTS[Path(path).suffix.lower()](batch))
