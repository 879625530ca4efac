"""Many comparisons from one file: TOML (`[[case]]` tables), JSON (a list) or JSONL (one per line).

Each case has `expr`, `at` ({name: value}), optionally `name` and `expect`
({name: the gradient as formula text or numbers}; `expected` is its alias), and any run option by its name (`wrt`, `methods`, `rtol`,
`atol`, `numeric`, `dtype`, `strict`, `sizes`, `random_seed`, `vjp`,
`tangent`, `order`, `symbolic_timeout`), which override the batch's options
for that case. A case that fails to parse,
evaluate or stay within a limit is reported in its row; the others still
run, and results are written atomically (a temporary file, then a rename).
"""
from __future__ import annotations

import bisect
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

CASE_KEYS = {"expr", "at", "expect", "expected", "name"} | (set(NAMES) - {"limits", "isolation", "kind", "seed"})


@dataclass
class CaseResult:
    expr: str
    status: str                     # ok, disagree or error
    error: str | None = None
    result: Comparison | None = None
    saved: dict | None = None       # a case completed by an earlier run, read back from its journal
    name: str | None = None         # the case's own `name`, shown in the table and the CSV
    index: int | None = None        # its place in the batch file (0-based), set when it finishes

    def to_dict(self) -> dict:
        if self.saved is not None:
            return self.saved
        d = {"name": self.name, "expr": self.expr, "status": self.status, "error": self.error,
             "result": None if self.result is None else self.result.to_dict()}
        if self.result is not None:
            d["methods_disagreeing"] = sorted({x.method for x in self.result.disagreements})
        return d

    @classmethod
    def from_saved(cls, d: dict) -> "CaseResult":
        name = d.get("name")
        return cls(str(d.get("expr")), str(d.get("status")), d.get("error"), None, d,
                   None if name is None else str(name))

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
        d = {"schema_version": SCHEMA_VERSION, "cases": [c.to_dict() for c in self.cases],
             "summary": self.summary, "complete": self.complete, "missing": missing}
        if missing:          # cases finish in any order with --jobs: say which ones these are
            d["indices"] = [c.index for c in self.cases]
        return d


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
        at = _at(case.get("at"))
        settings = {k: v for k, v in case.items() if k in NAMES}
        p = build(expr, at, options(base, **settings))
        expect = _expect(case, p)
        r = compare(p)
    except DiffxError as exc:
        return CaseResult(str(expr), "error", exc.message, name=_name(case))
    except (TypeError, ValueError, OverflowError, RecursionError, MemoryError) as exc:
        return CaseResult(str(expr), "error", f"bad case: {type(exc).__name__}: {exc}", name=_name(case))
    except Exception as exc:  # noqa: BLE001 - one case's failure is its row, never the whole batch's
        return CaseResult(str(expr), "error", f"internal error in this case: {type(exc).__name__}: {exc}",
                          name=_name(case))
    if expect is not None:
        r = with_expected(r, expect)
    why = "; ".join(r.messages or [w for w in r.warnings if r.verdict in ("undefined", "inconclusive")])
    return CaseResult(expr, "ok" if r.passed else "disagree", None if r.passed else why or r.verdict, r,
                      name=_name(case))


def _name(case: dict) -> str | None:
    name = case.get("name")
    return None if name is None else str(name)


def _at(at: Any) -> dict | list[str]:
    """A case's `at`: a table of name = value, `--at` texts ("0,1,2,3" or ["x=1", "y=2"]), or the numbers of its
    one variable ([0, 1, 2, 3])."""
    if at is None or isinstance(at, dict):
        return at or {}
    if isinstance(at, str):
        return [at]
    if isinstance(at, list) and at and all(isinstance(t, str) for t in at):
        return at
    if isinstance(at, (int, float, list)) and not isinstance(at, bool):
        return [json.dumps(at)]
    raise InputError("at must be a table of name = value, a text as --at takes (\"0,1,2,3\"), or numbers")


def _expect(case: dict, p) -> dict | None:
    """A case's `expect` (its alias `expected`): {name: formula text or numbers}, evaluated at the case's point."""
    from .check_expected import evaluate, formulas
    if "expect" in case and "expected" in case:
        raise InputError("give expect or expected (its alias), not both")
    given = case.get("expect", case.get("expected"))
    if given is None or not isinstance(given, dict):
        return given
    found = formulas(given, list(p.graph.variables), p.options)
    return {str(k): v for k, v in evaluate(found, p.point, p.options).items()}


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
              done: dict[int, dict] | None = None, jobs: int = 1, executor: Any = None) -> BatchResult:
    """Every case; `on_case` hears of each as it finishes (a progress bar).

    Results are kept in `into` in case order as they come, and go to the
    `journal`, so an interrupted batch keeps what it computed; cases in `done`
    (from a journal) are taken as they were, not run again. With `jobs` > 1,
    or an `executor` (a `workers.Pool`, a `dask_executor.DaskExecutor`), the
    cases run in worker processes and finish in any order; the results are
    the same, and a case that crashes its worker or runs past its budget
    (`batch_jobs.case_budget`) is an error row.
    """
    out = into if into is not None else BatchResult()
    out.total = len(cases)
    todo = []
    for index, case in enumerate(cases):
        if done and index in done:
            _keep(out, index, CaseResult.from_saved(done[index]), None, on_case)
        elif executor is None and jobs <= 1:
            _keep(out, index, run_case(case, base), journal, on_case)
        else:
            todo.append((index, case, base))
    if todo:
        from .batch_jobs import in_workers

        def failed(index: int, why: str) -> CaseResult:
            return CaseResult(str(cases[index].get("expr")), "error", why, name=_name(cases[index]))
        answers = in_workers(run_case, todo, executor, jobs, failed)
        try:
            for index, c in answers:
                _keep(out, index, c, journal, on_case)
        finally:
            answers.close()          # interrupted here (Ctrl-C while journaling): the workers stop too
    return out


def _keep(out: BatchResult, index: int, c: CaseResult, journal: Journal | None, on_case) -> None:
    """A finished case: in its place among the others, then journaled (a signal between the two still writes
    it to the output), and heard of."""
    c.index = index
    bisect.insort(out.cases, c, key=lambda x: -1 if x.index is None else x.index)
    if journal is not None:
        journal.write(index, c)
    if on_case is not None:
        on_case(c)


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
    w.writerow(["case", "name", "expr", "status", "verdict", "error", "reference", "max_abs_diff",
                "methods_disagreeing"])
    for n, c in enumerate(batch.cases, 1):
        b = c.brief()
        diff = b["max_abs_diff"]
        w.writerow([n if c.index is None else c.index + 1, _cell(c.name or ""), _cell(c.expr), c.status, b["verdict"], _cell(c.error or ""), b["reference"],
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
