"""Start-up costs only what the command uses: checked by the modules a run imports and by what its cheap exit
keeps (statuses, complete output, finished files), never by a clock (the times are in benchmarks/run.py).

The command runs as installed (`cli.app:main` as a script's last statement, here `python -m cli`-like) in a
fresh interpreter; a probe wrapped round `os._exit` reports the modules loaded at the moment the process ends.
"""
from __future__ import annotations

import dataclasses
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import given, settings, strategies as st

from diffx import records

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
PROBE = """\
import os, sys
WATCH = ("sympy", "plotext", "matplotlib", "diffx.symbolic_methods", "diffx.matrixform", "diffx.tensor_functions",
         "cli.plot", "cli.check", "json")
def report(how):
    loaded = sorted(m for m in WATCH if m in sys.modules)
    import json
    sys.stderr.write("PROBE " + json.dumps({"how": how, "loaded": loaded}) + "\\n")
    sys.stderr.flush()
_exit = os._exit
os._exit = lambda status: (report("cheap exit"), _exit(status))
sys.argv = ["diffx", *sys.argv[1:]]
from cli.app import main
try:
    main()
except SystemExit:
    report("interpreter exit")
    raise
"""


def run(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    """The installed command on `args` in a fresh interpreter: the process, and what the probe saw at exit."""
    script = tmp_path / "diffx_probe.py"
    script.write_text(PROBE)
    done = subprocess.run([sys.executable, str(script), *args], cwd=ROOT, env=ENV, capture_output=True, text=True,
                          timeout=300)
    probes = [line for line in done.stderr.splitlines() if line.startswith("PROBE ")]
    assert len(probes) == 1, done.stderr[-3000:]
    return done, json.loads(probes[0][len("PROBE "):])


@pytest.mark.parametrize("method", ["reverse", "numeric"])
def test_one_method_without_sympy_imports_no_sympy_and_no_plotting(tmp_path, method):
    done, seen = run(tmp_path, "grad", "2*x.x", "--at", "0,1,2,3", "--method", method)
    assert done.returncode == 1, done.stderr[-2000:]          # one method alone: inconclusive
    assert "x[3]            12" in done.stdout and "inconclusive" in done.stdout
    assert seen["how"] == "cheap exit"
    # nothing of SymPy, the matrix form, plotting, the other commands, the tensor API or json
    assert seen["loaded"] == [], seen


def test_the_main_job_uses_sympy_but_not_plotting(tmp_path):
    done, seen = run(tmp_path, "grad", "2*x.x", "--at", "0,1,2,3")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "✓ agree: all 4 methods agree" in done.stdout and "symbolic ∂f/∂x = 4*x" in done.stdout
    assert "sympy" in seen["loaded"] and "diffx.matrixform" in seen["loaded"]
    assert not {"plotext", "matplotlib", "cli.plot", "cli.check"} & set(seen["loaded"]), seen


@pytest.mark.parametrize("args, status", [
    (["grad", "relu(x) - relu(-x)", "--at", "0", "-m", "reverse", "-m", "numeric"], 1),
    (["grad", "2*x."], 2),
    (["grad", "sin(x)", "--at", "1", "--json", "-m", "reverse", "-m", "forward"], 0),
    (["nosuch"], 2),
])
def test_the_cheap_exit_keeps_statuses_and_every_byte_of_output(tmp_path, cli, args, status):
    done, seen = run(tmp_path, *args)
    assert seen["how"] == "cheap exit"
    assert done.returncode == status, done.stderr[-2000:]
    same = cli(*args)                                 # the application itself, in this process
    assert same.exit_code == status
    errors = [line for line in done.stderr.rstrip().splitlines() if not line.startswith("PROBE ")]
    assert errors[-1:] == same.stderr.rstrip().splitlines()[-1:]
    if "--json" in args:                              # the whole document arrived (times aside, the same)
        ours, theirs = json.loads(done.stdout), json.loads(same.stdout)
        assert ours.pop("methods").keys() == theirs.pop("methods").keys() and ours == theirs
    else:
        ours, theirs = done.stdout.rstrip().splitlines(), same.stdout.rstrip().splitlines()
        assert len(ours) == len(theirs) and ours[-1:] == theirs[-1:], done.stdout[-800:]


def test_files_are_written_whole_before_the_cheap_exit(tmp_path):
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps([{"expr": "x*x", "at": {"x": 3.0}}, {"expr": "sin(x)", "at": {"x": 0.5}}]))
    out = tmp_path / "out.json"
    done, seen = run(tmp_path, "compare", "--file", str(cases), "--output", str(out), "-m", "reverse",
                     "-m", "numeric", "--jobs", "1")
    assert seen["how"] == "cheap exit" and done.returncode == 0, done.stderr[-2000:]
    written = json.loads(out.read_text())
    assert len(written["cases"]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.json", "diffx_probe.py", "out.json"]


def test_a_users_python_function_gets_the_usual_exit(tmp_path):
    """User code may leave exit handlers and buffered files: with --python the interpreter's exit runs them."""
    user = tmp_path / "loss.py"
    user.write_text("import atexit\natexit.register(lambda: print('the user exit handler ran'))\n"
                    "def loss(x):\n    return x * x\n")
    done, seen = run(tmp_path, "grad", "--python", f"{user}:loss", "--at", "x=2", "-m", "reverse", "-m", "forward")
    assert done.returncode == 0, done.stderr[-2000:]
    assert seen["how"] == "interpreter exit" and done.stdout.rstrip().endswith("the user exit handler ran")


def test_main_called_from_code_that_goes_on_returns_by_systemexit(tmp_path):
    """`main()` inside a program (not its last statement) keeps Python's own exit, so the program goes on."""
    code = ("import sys\nsys.argv = ['diffx', 'grad', 'x*x', '--at', '2', '-m', 'reverse', '-m', 'forward']\n"
            "from cli.app import main\ntry:\n    main()\nexcept SystemExit as stop:\n"
            "    print('went on, status', stop.code)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=ENV, capture_output=True, text=True,
                          timeout=300)
    assert done.stdout.rstrip().endswith("went on, status 0"), done.stderr[-2000:]


def test_the_lazy_package_namespace_is_the_eager_one():
    code = ("import diffx, diffx.pyfunc, diffx.tensor, sys\n"
            "loaded = 'diffx.tensor_functions' in sys.modules\n"
            "from diffx import *\n"
            "print(loaded, callable(diffx.tensor), diffx.tensor is tensor, diffx.trace.__module__,\n"
            "      diffx.problem.__module__, diffx.options.__module__, diffx.ones(2).shape, 'sin' in diffx.__all__,\n"
            "      'sin' in dir(diffx), diffx.linalg.det.__name__, diffx.plot_data.__name__,\n"
            "      diffx.ops_linalg.__name__)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=ENV, capture_output=True, text=True,
                          timeout=300)
    assert done.stdout.split() == ["False", "True", "True", "diffx.api", "diffx.api", "diffx.options", "(2,)",
                                   "True", "True", "linalg.det", "plot_data", "diffx.ops_linalg"], done.stderr


# ---------------------------------------------------------------- diffx.records is dataclasses' dataclass
def pair(**settings):
    """The same class body made by dataclasses.dataclass and by diffx.records.dataclass."""
    made = []
    for make in (dataclasses.dataclass, records.dataclass):
        namespace: dict = {}
        exec("from __future__ import annotations\nfrom dataclasses import field\n"
             "class C:\n"
             "    a: int\n"
             "    b: object = None\n"
             "    c: list = field(default_factory=list)\n"
             "    d: str = field(default='d', repr=False, compare=False)\n"
             "    e: int = field(default=0, init=False)\n"
             "    def __post_init__(self):\n"
             "        object.__setattr__(self, 'e', len(self.c))\n", namespace)
        made.append(make(namespace["C"], **settings))
    return made


@pytest.mark.parametrize("settings", [{}, {"frozen": True}, {"kw_only": True}, {"frozen": True, "kw_only": True}])
def test_records_behave_as_dataclasses(settings):
    theirs, ours = pair(**settings)
    assert ours.__init__.__code__.co_filename == records.__file__       # made here, not by compiling source
    assert ours.__doc__ == theirs.__doc__ and inspect.signature(ours) == inspect.signature(theirs)
    for make in pair(**settings):
        x = make(a=1, c=[1, 2])
        assert repr(x) == "C(a=1, b=None, c=[1, 2], e=2)"
        assert x == make(a=1, c=[1, 2], d="other") and x != make(a=2, c=[1, 2]) and x != (1, None, [1, 2], 2)
        assert [f.name for f in dataclasses.fields(x)] == ["a", "b", "c", "d", "e"]
        assert dataclasses.asdict(x) == {"a": 1, "b": None, "c": [1, 2], "d": "d", "e": 2}
        assert dataclasses.is_dataclass(make) and dataclasses.replace(x, b=3) == make(a=1, b=3, c=[1, 2])
        assert make.__match_args__ == (() if settings.get("kw_only") else ("a", "b", "c", "d"))
        assert not hasattr(make, "c") and make.d == "d" and make.e == 0      # class attributes: the defaults
        assert make(a=1).c is not make(a=1).c                                # a fresh default each time
        if settings.get("frozen"):
            with pytest.raises(dataclasses.FrozenInstanceError):
                x.a = 5
            with pytest.raises(dataclasses.FrozenInstanceError):
                del x.a
            assert hash(make(a=1, c=(1, 2))) == hash((1, None, (1, 2), 2))    # d is not compared, so not hashed
            with pytest.raises(TypeError):
                hash(x)                                                      # a list inside
        else:
            x.a = 5
            assert x.a == 5 and make.__hash__ is None
        with pytest.raises(TypeError, match="missing"):
            make()
        with pytest.raises(TypeError, match="unexpected keyword argument 'zz'"):
            make(a=1, zz=2)
        with pytest.raises(TypeError, match="positional"):
            make(1, 2, 3, 4, 5)
        if not settings.get("kw_only"):
            assert make(1, 2) == make(a=1, b=2)
            with pytest.raises(TypeError, match="multiple values"):
                make(1, a=1)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.integers(), st.text(max_size=3), st.none(), st.tuples(st.integers())), min_size=2,
                max_size=2), st.booleans())
def test_records_equal_and_hash_as_dataclasses(values, frozen):
    theirs, ours = pair(frozen=frozen)
    a, b = values
    for x, y in ((theirs(a=a, b=b), theirs(a=b, b=a)), (ours(a=a, b=b), ours(a=b, b=a))):
        assert (x == y) == ((a, b) == (b, a))
    assert repr(theirs(a=a, b=b)) == repr(ours(a=a, b=b))
    if frozen:
        assert hash(theirs(a=a, b=b, c=())) == hash(ours(a=a, b=b, c=()))


def test_records_hand_uncovered_classes_to_dataclasses():
    class S:
        a: int

    class V:
        n: ClassVar[int] = 3
        a: int = 0
    slotted = records.dataclass(S, slots=True)
    assert slotted.__slots__ == ("a",) and slotted(1).a == 1
    with_classvar = records.dataclass(V)
    assert [f.name for f in dataclasses.fields(with_classvar)] == ["a"] and with_classvar.n == 3
    assert with_classvar.__init__.__code__.co_filename != records.__file__     # dataclasses' own

    class Shared:
        a: list = []
    with pytest.raises(ValueError, match="mutable default <class 'list'> for field a is not allowed"):
        records.dataclass(Shared)
