"""Hostile and huge input: the only outcomes are a result or a DiffxError with a message.

The big fuzz run is marked slow; it has a fixed seed and a time cap, and CI runs it.
"""
import random
import string
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import diffx
from diffx.functions import FUNCTIONS, GENERATORS
from diffx.parser import parse_constant
from diffx.values import read_at

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


@pytest.mark.slow
def test_fuzz_a_hundred_thousand_inputs():
    rng = random.Random(20261121)
    deadline = time.monotonic() + 300
    counts = {"ok": 0, "refused": 0}
    n = 0
    while n < 100_000:
        assert time.monotonic() < deadline, f"the fuzz run took too long after {n} inputs"
        roll = rng.random()
        if roll < 0.45:
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(60)))
            kind, text = "parse", data.decode("latin-1")
        elif roll < 0.7:
            kind, text = "parse", mutate(rng, grammar_expression(rng))
        elif roll < 0.9:
            kind, text = "run", grammar_expression(rng)
        else:
            kind, text = "value", rng.choice([mutate(rng, a) for a in ATOMS] + [grammar_expression(rng)])
        try:
            counts[attempt(kind, text)] += 1
        except Exception as exc:  # noqa: BLE001 - report the input that broke us
            raise AssertionError(f"{kind} {text!r} raised {type(exc).__name__}: {exc}") from exc
        n += 1
    assert counts["ok"] > 1000 and counts["refused"] > 10_000, counts


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


# ---------------------------------------------------------------- every limit: a clear message, in bounded time
@pytest.mark.parametrize("call, message", [
    (lambda: diffx.parse("x+" * 60_000 + "x"), "the limit is 100,000 (raise it with --limit max_chars=N"),
    (lambda: diffx.parse("(" * 200 + "x" + ")" * 200), "nesting deeper than 100 levels"),
    (lambda: diffx.parse("l = x\n" + "l = l*l\n" * 1200 + "l", limits=diffx.Limits(max_nodes=1000)),
     "the graph has reached 1,000 nodes, the limit (raise it with --limit max_nodes=N"),
    (lambda: parse_constant("randn(100000, 100000)"), "randn would make 10,000,000,000 elements"),
    (lambda: diffx.evaluate("sum(outer(x, x))", x="arange(100000)"), "would make 10,000,000,000 elements"),
    (lambda: diffx.grad("sum(x*x)", x="ones(30, 30)", method="symbolic"),
     "900 scalar inputs are more than the symbolic method takes"),
    (lambda: diffx.parse("(" * 1000 + "x" + ")" * 1000, limits=diffx.Limits(max_depth=100_000)),
     "deeper than Python's stack allows"),
])
def test_limits(call, message):
    start = time.perf_counter()
    with pytest.raises(diffx.DiffxError) as info:
        call()
    assert message in info.value.message
    assert time.perf_counter() - start < 10


def test_any_input_of_the_largest_size_answers_in_time(cli):
    rng = random.Random(3)
    inputs = ["x+" * 49_999 + "x", "sin(" * 90 + "x" + ")" * 90, "x*" * 33_333 + "x",
              "".join(rng.choice("x+*-()[],.^1 ") for _ in range(100_000)),
              "l = x\n" + "l = 0.5*l*(1 - l)\n" * 5_500 + "l"]
    for text in inputs:
        assert len(text) <= 100_000
        start = time.perf_counter()
        r = cli("grad", text, "--at", "0.3")
        assert time.perf_counter() - start < 10, text[:40]
        assert r.exit_code in (0, 1, 2) and "Traceback" not in r.stderr


def test_batch_case_hitting_a_limit(tmp_path, cli):
    import json
    f = tmp_path / "c.json"
    f.write_text(json.dumps([{"expr": "sum(x)", "at": {"x": "randn(100000, 100000)"}},
                             {"expr": "sum(x*x)", "at": {"x": [1.0, 2.0]}}]))
    out = tmp_path / "r.json"
    r = cli("compare", "--file", str(f), "--output", str(out), "-m", "reverse")
    d = json.loads(out.read_text())
    assert r.exit_code == 2 and [c["status"] for c in d["cases"]] == ["error", "ok"]
    assert "10,000,000,000 elements" in d["cases"][0]["error"]


@pytest.mark.slow
def test_atheris_byte_fuzzing():
    """libFuzzer through atheris, where it installs (CI installs it); a fixed seed and a time cap."""
    import importlib.util
    import subprocess
    import sys
    from pathlib import Path
    if importlib.util.find_spec("atheris") is None:
        pytest.skip("atheris is not installed (pip install atheris): the hypothesis and random fuzzing above still ran")
    script = Path(__file__).with_name("fuzz_atheris.py")
    import tempfile
    with tempfile.TemporaryDirectory() as crashes:      # libFuzzer writes a crashing input where it is told
        r = subprocess.run([sys.executable, str(script), "-runs=30000", "-seed=1", "-max_total_time=120",
                            f"-artifact_prefix={crashes}/"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Done 30000 runs" in r.stderr or "DONE" in r.stderr, r.stderr[-1000:]
