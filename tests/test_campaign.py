"""The campaign of issue 12: a grammar-aware generator of 20,000 library inputs and 200 command runs.

tests/test_fuzz.py throws random bytes and near misses at the parser and the value reader; this file
writes programs the way a user of the language would (every function of the op table, with its own
argument counts and keywords, postfix chains, rebinding, hostile numbers and indices), binds values,
picks options (methods, kinds, precision, small limits) and runs them through every public function
and command. The only outcomes allowed are a result or a `DiffxError` with a message; each input stays
within an operation count (the graph nodes it creates, counted at `Graph.add`, and the elements it
returns), never a time. The seed is fixed: a failure names the input that caused it.
"""
from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import numpy as np
import pytest
from bounded import finishes

import diffx
from diffx.graph import Graph
from diffx.names import FUNCTIONS, VARIADIC
from diffx.ops import OPS

LIBRARY_INPUTS = 20_000
COMMAND_RUNS = 200
# the seeded inputs create at most 261 nodes and answer with at most 80 elements: these bounds are eight to
# twelve times that, so they catch work that grows with something other than the input (a loop, a blow-up)
NODES_PER_INPUT = 2_000           # graph nodes one input may create (parsing, recorded sweeps, Hessian tapes)
ELEMENTS_PER_RESULT = 1_000       # elements one answer may hold: the inputs are a few elements each

# each kind of piece comes plain (most of the time) or hostile (HOSTILE of the time)
HOSTILE = 0.08
NUMBERS = (["2", "0.5", "-1", "3", "pi", "e"], ["0", "1e308", "1e-300", "1e400", "inf", "nan", "True"])
ARRAYS = (["[1, 2, 3]", "[[1, 2], [3, 4]]", "ones(3)", "arange(3)", "eye(2)", "linspace(0, 1, 3)", "randn(3)",
           "[x, x]"], ["[]", "arange(0, 1, 1e-8)", "eye(1, 1e8)", "ones(-1)", "zeros(2, 2)", "rand(2, 2)"])
POSTFIX = ([".T", "[0]", "[1:]", "[-1]", "[::2]", "[None]", "[...]"],
           ["[0, 1]", "[[0, 2]]", "[9223372036854775808]", "[0:9223372036854775808]", "[1.5]", "[-9999]", ".T.T.T"])
INFIX = (["+", "-", "*", "/", "*", "+", "^"], ["**", "@", ".", "<", ">=", "=="])
AXES = (["axis=0", "axis=-1", "keepdims=True"], ["axis=1", "axis=7", "axis=(0, 1)", "k=1", "ddof=1", "ord=2"])
VALUES = {
    "x": [[0.5, -1.0, 2.0], [1.0, 2.0, 3.0], [0.0, 0.0, 0.0], "randn(3)", "arange(3)", [1e308, 1.0, 1.0],
          [float("nan"), 1.0, 2.0], 0.7, [[1.0, 2.0], [3.0, 4.0]], "[[1, 2], [3]]", "1e400", "x", "",
          "arange(0, 1, 1e-8)", None],
    "y": [0.3, 0.0, -2.0, 1e-300, "pi", [1.0, 2.0, 3.0], "nan"],
    "A": [[[1.0, 0.5], [0.2, 2.0]], "eye(2)", [[0.0, 0.0], [0.0, 0.0]], "randn(2, 2)", [[1.0, 2.0, 3.0]]],
}
LIMITS = [dict(max_nodes=8), dict(max_elements=2), dict(max_work=10_000), dict(max_memory=200),
          dict(max_output_elements=1), dict(max_depth=3), dict(max_chars=12), dict(max_symbolic_components=1)]
STRICT_JSON = dict(parse_constant=lambda name: (_ for _ in ()).throw(ValueError(f"{name} is not strict JSON")))


# ---------------------------------------------------------------- the grammar
class Writer:
    """Programs of the language from a seeded generator: mostly well-formed, often ill-typed, sometimes hostile."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.names = sorted(FUNCTIONS)
        ops = [(n, f) for n, f in sorted(FUNCTIONS.items())]
        self.common = [n for n, f in ops if set(f.ops) <= {1, 2} and all(
            OPS[o].kind in ("elementwise", "reduction") for o in f.ops.values())]

    def pick(self, pieces: tuple[list[str], list[str]]) -> str:
        plain, hostile = pieces
        return self.rng.choice(hostile if self.rng.random() < HOSTILE else plain)

    def atom(self, bound: list[str]) -> str:
        r = self.rng.random()
        if r < 0.55:
            return self.rng.choice(["x", "x", "x", "y", "A", *bound])
        if r < 0.85:
            return self.pick(NUMBERS)
        return self.pick(ARRAYS)

    def call(self, depth: int, bound: list[str]) -> str:
        name = self.rng.choice(self.common if self.rng.random() < 0.7 else self.names)
        f = FUNCTIONS[name]
        count = self.rng.choice(list(f.ops))
        if count == VARIADIC:
            items = [self.expr(depth + 1, bound) for _ in range(self.rng.randint(1, 3))]
            args = [f"[{', '.join(items)}]"] if self.rng.random() < 0.7 else items
            if name == "einsum":
                args = [self.rng.choice(['"i,i"', '"ij,jk"', '"ii"', '"i->"', '"bad"'])] + items
        else:
            args = [self.expr(depth + 1, bound) for _ in range(count)]
            if self.rng.random() < 0.5 and count > 1:        # required params are constants: 0, 1, (0, 1), ...
                args[-1] = self.rng.choice(["0", "1", "-1", "2", "(0, 1)", "(1, 0)", "(2,)"])
        if self.rng.random() < 0.2:
            args.append(self.pick(AXES))
        return f"{name}({', '.join(args)})"

    def expr(self, depth: int = 0, bound: list[str] = ()) -> str:
        r = self.rng.random()
        if depth >= 3 or r < 0.25:
            text = self.atom(list(bound))
        elif r < 0.55:
            text = f"{self.expr(depth + 1, bound)} {self.pick(INFIX)} {self.expr(depth + 1, bound)}"
        elif r < 0.85:
            text = self.call(depth, list(bound))
        elif r < 0.93:
            text = f"-({self.expr(depth + 1, bound)})"
        else:
            text = f"({self.expr(depth + 1, bound)})"
        if self.rng.random() < 0.1:
            text = f"({text}){self.pick(POSTFIX)}"
        return text

    def program(self) -> str:
        """Zero to three bindings (rebinding a name, a variable or a constant sometimes), then the output."""
        lines, bound = [], []
        for _ in range(self.rng.choice([0, 0, 0, 1, 2, 3])):
            name = self.rng.choice(["a", "b", "a", "x", "pi"])
            lines.append(f"{name} = {self.expr(1, bound)}")
            bound.append(name)
        out = self.expr(0, bound)
        if self.rng.random() < 0.5:
            out = f"sum({out})"                      # a scalar output, so that gradients have something to do
        return self.rng.choice(["\n", "; "]).join(lines + [out])

    def values(self, text: str) -> Any:
        """Values for the variables the text mentions (sometimes one too many, a bad one, or a bad key)."""
        r = self.rng.random()
        if r < 0.02:
            return {1: 2.0}
        if r < 0.04:
            return ["x=0.5,1", "y=2"]
        try:
            names = list(diffx.parse(text).variables)
        except diffx.DiffxError:
            names = [k for k in VALUES if k in text]
        at = {k: self.rng.choice(VALUES.get(k, VALUES["y"])[:5] if self.rng.random() < 0.8 else VALUES.get(k, [1.0]))
              for k in names}
        if r < 0.06:
            at["zz"] = 1.0
        return at

    def options(self) -> dict:
        rng, o = self.rng, {}
        if rng.random() < 0.1:
            o["dtype"] = "float32"
        if rng.random() < 0.1:
            o["wrt"] = rng.choice(["x", "y", "x,A", "q"])
        if rng.random() < 0.1:
            o["limits"] = diffx.Limits(**rng.choice(LIMITS))
        if rng.random() < 0.05:
            o["rtol"] = rng.choice([0.0, 1e-3, 10.0])
        if rng.random() < 0.05:
            o["random_seed"] = rng.choice([1, 2 ** 40])
        return o


# ---------------------------------------------------------------- one input through one public function
FUNCTIONS_RUN = ["parse"] * 30 + ["evaluate"] * 25 + ["grad"] * 14 + ["compare"] * 10 + ["jacobian"] * 5 + \
    ["hessian"] * 5 + ["inspect_graph"] * 4 + ["trace"] * 4 + ["plot_data"] * 3


def strict(data: dict) -> None:
    text = json.dumps(data, allow_nan=False)
    assert isinstance(json.loads(text, **STRICT_JSON), dict)


def run_one(w: Writer, fn: str, text: str, at, opts: dict) -> Any:
    rng = w.rng
    if fn == "parse":
        return diffx.parse(text, **{k: v for k, v in opts.items() if k == "limits"})
    if fn == "evaluate":
        return diffx.evaluate(text, at, **opts)
    if fn == "grad":
        return diffx.grad(text, at, method=rng.choice(["reverse", "forward", "numeric", "numeric-central"]), **opts)
    if fn == "compare":
        extra = rng.choice([{}, {}, {"kind": "jacobian"}, {"kind": "hessian"}, {"order": 2}, {"vjp": "ones(3)"},
                            {"tangent": "x"}, {"numeric": "central"}, {"strict": True}])
        symbolic = rng.random() < 0.003            # SymPy for a few inputs only: it is the slow method
        methods = ("reverse", "symbolic", "numeric") if symbolic else rng.choice(
            [("reverse", "numeric"), ("reverse", "forward"), ("numeric",), ("forward", "numeric-complex")])
        r = diffx.compare(text, at, methods=methods, symbolic_timeout=5, isolation="thread", **extra, **opts)
        strict(r.to_dict())
        return r
    if fn == "jacobian":
        return diffx.jacobian(text, at, method=rng.choice([None, "ad", "numeric", "reverse", "forward"]),
                              mode=rng.choice(["auto", "forward", "reverse"]), **opts)
    if fn == "hessian":
        return diffx.hessian(text, at, method=rng.choice(["reverse", "forward", "numeric"]), **opts)
    if fn == "inspect_graph":
        r = diffx.inspect_graph(text, at, **opts)
        strict(r.to_dict())
        return r
    if fn == "trace":
        r = diffx.trace(text, at, tangent=rng.choice([None, "x", {"x": [1.0, 0.0, 0.0]}]), **opts)
        strict(r.to_dict())
        return r
    start, stop = rng.choice([(-2.0, 2.0), (0.1, 3.0), (-2.0, 2.0), (0.1, 3.0), (-1e308, 1e308), (1.0, 1.0),
                              (float("nan"), 1.0), (0.0, float("inf"))])
    fixed = {k: v for k, v in (at.items() if isinstance(at, dict) else []) if k != "x"}
    r = diffx.plot_data(text, over=rng.choice([None, "x", "y"]), start=start, stop=stop,
                        points=rng.choice([2, 5, 9, 5, 9, 1, 10 ** 9]), order=rng.choice([1, 2]),
                        methods=rng.choice([("reverse",), ("reverse", "forward"), ("numeric",), ("numeric-central",)]),
                        at=fixed, **opts)
    strict(r.to_dict())
    return r


def answer_size(result: Any) -> int:
    """Elements of an answer: an array, a dict of arrays, a comparison's derivatives."""
    if isinstance(result, np.ndarray):
        return int(result.size)
    if isinstance(result, dict):
        return sum(int(np.size(v)) for v in result.values())
    methods = getattr(result, "methods", None)
    if isinstance(methods, dict):
        return sum(answer_size(m.derivative) for m in methods.values() if m.ran)
    return 0


def library_inputs(n: int, seed: int = 20261202):
    rng = random.Random(seed)
    w = Writer(rng)
    for i in range(n):
        text = w.program()
        yield i, w, rng.choice(FUNCTIONS_RUN), text, w.values(text), w.options()


@pytest.mark.slow
def test_twenty_thousand_library_inputs(monkeypatch):
    created = [0]
    add = Graph.add

    def counted(self, *args, **kwargs):
        created[0] += 1
        return add(self, *args, **kwargs)
    monkeypatch.setattr(Graph, "add", counted)
    outcomes, failures, current = Counter(), [], [""]

    def campaign() -> None:
        for i, w, fn, text, at, opts in library_inputs(LIBRARY_INPUTS):
            current[0] = f"input {i}: {fn}({text!r}, at={at!r}, {opts!r})"
            created[0] = 0
            try:
                result = run_one(w, fn, text, at, opts)
                outcomes[fn, "ok"] += 1
                size = answer_size(result)
                if size > ELEMENTS_PER_RESULT:
                    failures.append(f"{current[0]}: an answer of {size:,} elements")
            except diffx.DiffxError as exc:
                outcomes[fn, "refused"] += 1
                if not (isinstance(exc.message, str) and exc.message.strip()):
                    failures.append(f"{current[0]}: a DiffxError without a message")
            except Exception as exc:  # noqa: BLE001 - the campaign reports what escaped, with its input
                failures.append(f"{current[0]}: {type(exc).__name__}: {str(exc)[:200]}")
            if created[0] > NODES_PER_INPUT:
                failures.append(f"{current[0]}: created {created[0]:,} graph nodes")
    # about 20 s unloaded: the bound only catches an input that never returns
    finishes(campaign, bound=600, what=lambda: f"the campaign, on {current[0][:300]},")
    assert not failures, f"{len(failures)} inputs broke the promise:\n" + "\n".join(failures[:25])
    assert sum(outcomes.values()) == LIBRARY_INPUTS
    for fn in set(FUNCTIONS_RUN):              # every function both answered and refused
        assert outcomes[fn, "ok"] > 10 and outcomes[fn, "refused"] > 10, (fn, outcomes)


# ---------------------------------------------------------------- the command line
COMMANDS = ["grad", "grad", "compare", "jacobian", "hessian", "graph", "trace", "plot"]
PLAIN = ["sum(x*x)", "sum(sin(x)*y)", "x.x", "sum(A@x[:2])", "mean(exp(x))", "sum(log(abs(x) + 1))", "y^2 + x[0]",
         "sin(x)", "a = x*y\na = a + 1\nsum(a*a)", "sum(relu(x))", "norm(x)", "logsumexp(x)"]


def command_line(rng: random.Random, w: Writer) -> tuple[list[str], bool]:
    """A command, a generated program, values and a combination of flags; whether --json was asked."""
    command = rng.choice(COMMANDS)
    roll = rng.random()
    text = (w.program() if roll < 0.55 else rng.choice(PLAIN) if roll < 0.9 else
            rng.choice(["x\x1b[31m", "x[", "", "sum(x)\x1b]0;title\x07", "1e400*x", "-x"]))
    # an argument starting with "-" is an option to the command line's parser (a user writes `-- -x`)
    args = [command, " " + text if text.startswith("-") else text]
    scalar = command == "plot"
    for name in ("x", "y", "A"):
        if name in text and not (scalar and name == "x"):
            good = {"x": ["0.5,-1,2", "1,2,3", "randn(3)"], "y": ["0.3", "2"], "A": ["[[1,2],[3,4]]", "eye(2)"]}[name]
            args += ["--at", f"{name}={rng.choice(good if rng.random() < 0.85 else ['nan', '[', '1e400', '0.3'])}"]
    if command in ("grad", "compare", "jacobian", "hessian"):
        if rng.random() < 0.9:                    # SymPy only now and then: it is the slow method
            for m in rng.sample(["reverse", "forward", "numeric", "numeric-central"], rng.randint(1, 2)):
                args += ["-m", m]
        else:
            args += ["--symbolic-timeout", "2"]
        if rng.random() < 0.2:
            args += ["--wrt", rng.choice(["x", "y", "q"])]
        if rng.random() < 0.15:
            args += ["--dtype", "float32"]
    if command == "grad" and rng.random() < 0.3:
        args += rng.choice([["--vjp", "1,1,1"], ["--tangent", "x"], ["--order", "2"], ["--numeric", "central"],
                            ["--seed", "3"], ["--order", "3"]])
    if command == "jacobian" and rng.random() < 0.5:
        args += ["--mode", rng.choice(["forward", "reverse", "both", "auto"])]
    if command == "graph" and rng.random() < 0.5:
        args += ["--view", rng.choice(["table", "tree"])]
    if command == "trace" and rng.random() < 0.3:
        args += ["--tangent", "x"]
    if command == "plot":
        hostile = rng.random() < 0.3
        args += [rng.choice(["--from=-inf", "--from=nan", "--from=3"] if hostile else ["--from=-2", "--from=0.1"]),
                 rng.choice(["--to=inf", "--to=1e308"] if hostile else ["--to=2", "--to=3"]),
                 "--points", rng.choice(["1", "30000"] if hostile else ["5", "20"])]
        args += rng.choice([[], ["--order", "2"], ["-m", "numeric"], ["--error", "-m", "numeric"]])
    if rng.random() < 0.1:
        args += ["--limit", rng.choice(["max_nodes=8", "max_output_elements=1", "max_work=10000", "max_memory=200",
                                        "max_chars=1e400", "max_chars=1e300", "max_elements=2", "bogus=1"])]
    as_json = rng.random() < 0.5
    if as_json:
        args.append("--json")
    return args, as_json


@pytest.mark.slow
def test_two_hundred_command_runs(cli):
    rng = random.Random(1202)
    w = Writer(rng)
    codes = Counter()
    for _ in range(COMMAND_RUNS):
        args, as_json = command_line(rng, w)
        r = cli(*args)
        shown = (args, r.exit_code, r.stdout[-500:], r.stderr[-500:])
        assert r.exit_code in (0, 1, 2), shown
        assert "Traceback" not in r.stdout + r.stderr, shown
        if r.exit_code == 2:
            assert r.stderr.startswith("error: "), shown
            assert len(r.stderr.splitlines()[0]) < 2_000, shown
        elif as_json:
            data = json.loads(r.stdout, **STRICT_JSON)       # exactly one strict JSON object and nothing else
            assert isinstance(data, dict) and r.stdout.count("\n") == 1, shown
        assert "\x1b" not in r.stdout + r.stderr, shown      # no escape sequence from the input reaches a terminal
        codes[r.exit_code] += 1
    assert codes[0] > 10 and codes[2] > 10, codes
