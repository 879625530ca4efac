"""Hostile and huge input: the only outcomes are a result or a DiffxError with a message.

The big fuzz run is marked slow but runs by default (CI runs the README's plain `python -m pytest`): a
fixed seed and a fixed number of inputs, sized to take seconds. No test here times anything: how fast
inputs are answered is measured in benchmarks/run.py; a test only guards against a hang, with a bound
far above the usual time.
"""
import random
import string

import numpy as np
import pytest
from bounded import diffx_command, finishes
from hypothesis import given, settings
from hypothesis import strategies as st

import diffx
from diffx.names import FUNCTIONS, GENERATORS
from diffx.parser import parse_constant
from diffx.point import read_at

NAMES = sorted(FUNCTIONS) + sorted(GENERATORS)
ATOMS = ["x", "y", "A", "at", "seed", "limits", "2", "0", "-1", "1e308", "1e-400", ".5", "pi", "e", "[1, 2]", "[[1, 2], [3, 4]]", "x[0]",
         "x.T", "ones(2)", "arange(3)", "nan_name"]
OPS = ["+", "-", "*", "/", "^", "**", "@", ".", "<", "==", ">="]
VALUES = {"x": [0.5, -1.0], "y": 0.0, "A": [[1.0, 2.0], [0.0, -3.0]], "nan_name": 1.0, "at": 2.0, "seed": 1.0,
          "limits": 3.0}


def grammar_expression(rng: random.Random, depth: int = 0) -> str:
    """A random expression shaped like the language (often ill-typed, sometimes ill-formed)."""
    roll = rng.random()
    if depth > 4 or roll < 0.3:
        return rng.choice(ATOMS)
    if roll < 0.6:
        return f"{grammar_expression(rng, depth + 1)} {rng.choice(OPS)} {grammar_expression(rng, depth + 1)}"
    if roll < 0.85:
        args = ", ".join(grammar_expression(rng, depth + 1) for _ in range(rng.randint(0, 3)))
        kw = rng.choice(["", ", axis=0", ", axis=-1", ", axis=7", ", foo=1"])
        return f"{rng.choice(NAMES)}({args}{kw})"
    if roll < 0.95:
        return f"({grammar_expression(rng, depth + 1)})"
    return f"-{grammar_expression(rng, depth + 1)}"


def mutate(rng: random.Random, text: str) -> str:
    """Delete, duplicate or insert a character: near misses of valid input."""
    if not text:
        return rng.choice(string.printable)
    i = rng.randrange(len(text))
    choice = rng.random()
    if choice < 0.33:
        return text[:i] + text[i + 1:]
    if choice < 0.66:
        return text[:i] + text[i] + text[i:]
    return text[:i] + rng.choice(string.printable + "αβ∂√") + text[i:]


def attempt(kind: str, text: str) -> str:
    """Run one input; return the outcome, or raise for anything that is not a result or a DiffxError."""
    try:
        if kind == "parse":
            diffx.parse(text)
        elif kind == "value":
            read_at([text], ["x"], rng=np.random.default_rng(0))
        else:
            g = diffx.parse(text)
            values = {k: v for k, v in VALUES.items() if k in g.variables}
            if len(g.variables) == len(values):
                if np.ndim(diffx.evaluate(g, values)) == 0:
                    diffx.compare(g, values, methods=["reverse", "numeric-central"])
        return "ok"
    except diffx.DiffxError as exc:
        assert exc.message and isinstance(exc.message, str)
        return "refused"


FUZZ_INPUTS = 30_000      # the first 30,000 of the seeded sequence (100,000 before: three times as long)


def fuzz_inputs(rng: random.Random, n: int):
    """n (kind, text) pairs: random bytes, near misses of the grammar, runs, values."""
    for _ in range(n):
        roll = rng.random()
        if roll < 0.45:
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(60)))
            yield "parse", data.decode("latin-1")
        elif roll < 0.7:
            yield "parse", mutate(rng, grammar_expression(rng))
        elif roll < 0.9:
            yield "run", grammar_expression(rng)
        else:
            yield "value", rng.choice([mutate(rng, a) for a in ATOMS] + [grammar_expression(rng)])


@pytest.mark.slow
def test_fuzz_thirty_thousand_inputs():
    counts = {"ok": 0, "refused": 0}
    current = ["", ""]

    def campaign():
        for kind, text in fuzz_inputs(random.Random(20261121), FUZZ_INPUTS):
            current[:] = kind, text
            try:
                counts[attempt(kind, text)] += 1
            except Exception as exc:  # noqa: BLE001 - report the input that broke us
                raise AssertionError(f"{kind} {text!r} raised {type(exc).__name__}: {exc}") from exc
    # about 2 s unloaded, 5 s beside two busy loops: the bound only catches an input that never returns
    finishes(campaign, bound=300, what=lambda: f"the fuzz run, on input {sum(counts.values()) + 1} "
                                               f"({current[0]} {current[1][:80]!r}),")
    assert sum(counts.values()) == FUZZ_INPUTS
    assert counts["ok"] > 1000 and counts["refused"] > 10_000, counts      # 4,010 and 25,990


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_parser_on_any_text(text):
    attempt("parse", text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=80))
def test_value_reader_on_any_bytes(data):
    attempt("value", data.decode("utf-8", errors="replace"))


def test_commands_on_fuzzed_input(cli):
    rng = random.Random(7)
    for _ in range(150):
        text = mutate(rng, grammar_expression(rng))
        for args in (["grad", text, "--at", "x=0.5,-1", "--at", "y=0"], ["graph", text, "--at", "x=1,2"]):
            r = cli(*args, "-m", "reverse") if args[0] == "grad" else cli(*args)
            assert r.exit_code in (0, 1, 2), (args, r.stdout, r.stderr)
            assert "Traceback" not in r.stderr + r.stdout, (args, r.stderr)
            if r.exit_code == 2:
                assert r.stderr.startswith("error: ") or r.stderr.startswith("Usage:"), (args, r.stderr)


# ---------------------------------------------------------------- every limit: a clear message, no hang
# (how fast each is refused: benchmarks/run.py, "limits: slowest refusal")
LIMIT_CASES = [
    (lambda: diffx.parse("x+" * 60_000 + "x"), "the limit is 100,000 (raise it with limits=Limits(max_chars=N)"),
    (lambda: diffx.parse("(" * 200 + "x" + ")" * 200), "nesting deeper than 100 levels"),
    (lambda: diffx.parse("l = x\n" + "l = l*l\n" * 1200 + "l", limits=diffx.Limits(max_nodes=1000)),
     "the graph has reached 1,000 nodes, the limit (raise it with limits=Limits(max_nodes=N)"),
    (lambda: parse_constant("randn(100000, 100000)"), "randn would make 10,000,000,000 elements"),
    (lambda: diffx.evaluate("sum(outer(x, x))", x="arange(100000)"), "would make 10,000,000,000 elements"),
    (lambda: diffx.jacobian("x*2", x="ones(30, 30)", method="symbolic"),
     "900 scalar inputs are more than the symbolic method takes"),
    (lambda: diffx.parse("(" * 1000 + "x" + ")" * 1000, limits=diffx.Limits(max_depth=100_000)),
     "deeper than Python's stack allows"),
]


@pytest.mark.parametrize("call, message", LIMIT_CASES)
def test_limits(call, message):
    with pytest.raises(diffx.DiffxError) as info:
        finishes(call, bound=60, what=f"the call refused with {message[:40]!r}")   # each takes well under 1 s
    assert message in info.value.message


def largest_inputs() -> list[str]:
    """Inputs of the largest size the default limits take (100,000 characters), each a different shape."""
    rng = random.Random(3)
    return ["x+" * 49_999 + "x", "sin(" * 90 + "x" + ")" * 90, "x*" * 33_333 + "x",
            "".join(rng.choice("x+*-()[],.^1 ") for _ in range(100_000)),
            "l = x\n" + "l = 0.5*l*(1 - l)\n" * 5_500 + "l"]


def test_any_input_of_the_largest_size_is_answered_or_refused():
    """The installed command, every method: an answer or a one-line refusal, never a crash or a hang. SymPy
    gives up on most of these, so its budget is 1 s instead of 5 (the time it would take at the defaults,
    against its 10 s bound: benchmarks/run.py, "largest inputs")."""
    for text in largest_inputs():
        assert len(text) <= 100_000
        # about 2 s each: the bound only catches a hang
        r = diffx_command("grad", text, "--at", "0.3", "--symbolic-timeout", "1", bound=120)
        assert r.returncode in (0, 1, 2), (text[:40], r.stderr[-2000:])
        assert "Traceback" not in r.stderr + r.stdout, (text[:40], r.stderr[-2000:])
        if r.returncode == 2:
            assert r.stderr.startswith(("error: ", "Usage:")), (text[:40], r.stderr[:500])


def test_batch_case_hitting_a_limit(tmp_path, cli):
    import json
    f = tmp_path / "c.json"
    f.write_text(json.dumps([{"expr": "sum(x)", "at": {"x": "randn(100000, 100000)"}},
                             {"expr": "sum(x*x)", "at": {"x": [1.0, 2.0]}}]))
    out = tmp_path / "r.json"
    r = cli("compare", "--file", str(f), "--output", str(out), "-m", "reverse", "-m", "forward")
    d = json.loads(out.read_text())
    assert r.exit_code == 2 and [c["status"] for c in d["cases"]] == ["error", "ok"]
    assert "10,000,000,000 elements" in d["cases"][0]["error"]


@pytest.mark.slow
def test_atheris_byte_fuzzing():
    """libFuzzer through atheris, where it installs (CI installs it): a fixed seed and a fixed number of runs
    (no time cap: a slow machine does the same work, later), about 6 s with start-up; the timeout only catches
    a hang."""
    import importlib.util
    import subprocess
    import sys
    from pathlib import Path
    if importlib.util.find_spec("atheris") is None:
        pytest.skip("atheris is not installed (pip install atheris): the hypothesis and random fuzzing above still ran")
    script = Path(__file__).with_name("fuzz_atheris.py")
    import tempfile
    with tempfile.TemporaryDirectory() as crashes:      # libFuzzer writes a crashing input where it is told
        r = subprocess.run([sys.executable, str(script), "-runs=30000", "-seed=1", f"-artifact_prefix={crashes}/"],
                           capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Done 30000 runs" in r.stderr, r.stderr[-1000:]
