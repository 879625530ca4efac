"""The shape of the code: no import cycle, no UI library in the library, short modules, no module named
like the standard library's, and the reverse-mode command never importing SymPy.

Each rule is a checker function run on this repository; each checker is also run on a small known-bad
tree written in tmp_path, so a checker that stopped seeing anything would fail here too.
"""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("diffx", "cli")
LIBRARY = "diffx"
UI_LIBRARIES = ("typer", "rich", "plotext")
MAX_LINES = 400


# ---------------------------------------------------------------- reading the tree
@dataclass(frozen=True)
class Import:
    """One imported module name, where it is imported, and whether only a type checker runs it."""
    module: str                # absolute dotted name, relative imports resolved
    path: Path
    line: int
    names: tuple[str, ...]     # for `from module import a, b`: a, b (each may be a submodule)
    typing_only: bool          # inside `if TYPE_CHECKING:`


def modules(root: Path, packages=PACKAGES) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file under each package (a package is its __init__)."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(name: str, path: Path) -> list[Import]:
    """Every import in the module, at any depth (functions, classes, branches, try blocks), including
    `importlib.import_module("x")` and `__import__("x")` with a literal name."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[Import] = []

    def absolute(module: str | None, level: int) -> str:
        if not level:
            return module or ""
        base = package.split(".")
        if level > 1:
            base = base[:len(base) - (level - 1)]
        return ".".join(base + ([module] if module else []))

    def visit(node: ast.AST, typing_only: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(alias.name, path, node.lineno, (), typing_only))
        elif isinstance(node, ast.ImportFrom):
            found.append(Import(absolute(node.module, node.level), path, node.lineno,
                                tuple(a.name for a in node.names), typing_only))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__"):
                found.append(Import(node.args[0].value, path, node.lineno, (), typing_only))
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, typing_only)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, typing_only)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), False)
    return found


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def import_graph(root: Path, packages=PACKAGES) -> dict[str, dict[str, str]]:
    """Module -> {module of the tree it imports: "file:line" of the first such import}.

    `import a.b.c` and `from a.b.c import x` run a, a.b and a.b.c; `from a import b` runs a, then a.b
    when a.b is a module. A package the importing module is itself inside is already being imported
    when the module runs, so it is no edge unless named (`from . import name` of a non-module name
    is an edge to the package). Imports a type checker alone runs (`if TYPE_CHECKING:`) are no edge."""
    mods = modules(root, packages)
    graph: dict[str, dict[str, str]] = {name: {} for name in mods}
    for name, path in mods.items():
        inside = set(_ancestors(name))
        for imp in imports_of(name, path):
            if imp.typing_only:
                continue
            where = f"{path.relative_to(root)}:{imp.line}"
            named = [f"{imp.module}.{n}" for n in imp.names if f"{imp.module}.{n}" in mods]
            targets = [a for a in _ancestors(imp.module) if a not in inside]
            if not imp.names or len(named) < len(imp.names) or imp.module not in inside:
                targets.append(imp.module)
            for target in targets + named:
                if target in mods and target != name:
                    graph[name].setdefault(target, where)
    return graph


def cycles(graph: dict[str, dict[str, str]]) -> list[tuple[list[str], list[str]]]:
    """Each group of modules that import each other (Tarjan's strongly connected components), with one
    way round it (a list of modules, the first repeated at the end)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(v: str) -> None:          # recursion depth is at most the number of modules
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return [(group, _one_cycle(graph, group)) for group in sorted(groups)]


def _one_cycle(graph: dict[str, dict[str, str]], group: list[str]) -> list[str]:
    """A shortest way round from the group's first module back to it, inside the group."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v]):
                if w == start:
                    return paths[v] + [start]
                if w in members and w not in paths:
                    paths[w] = paths[v] + [w]
                    nxt.append(w)
        frontier = nxt
    raise AssertionError(f"no way round {group}")      # a strongly connected group always has one


def describe(graph: dict[str, dict[str, str]], group: list[str], way: list[str]) -> str:
    """The group's modules, then one way round with the import that makes each step."""
    steps = " -> ".join(f"{a} ({graph[a][b]})" for a, b in zip(way, way[1:])) + f" -> {way[-1]}"
    return f"{', '.join(group)}: {steps}"


def forbidden_imports(root: Path, package: str, banned=UI_LIBRARIES) -> list[str]:
    """"file:line imports X" for every import of a banned top-level package, at any depth, even
    one only a type checker runs."""
    found = []
    for name, path in modules(root, (package,)).items():
        for imp in imports_of(name, path):
            top = imp.module.split(".")[0]
            if top in banned:
                found.append(f"{path.relative_to(root)}:{imp.line} imports {imp.module}")
    return found


def long_modules(root: Path, packages=PACKAGES, limit=MAX_LINES) -> list[str]:
    found = []
    for path in modules(root, packages).values():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            found.append(f"{path.relative_to(root)}: {lines} lines")
    return found


def stdlib_namesakes(root: Path, package: str = LIBRARY) -> list[str]:
    """Modules (and subpackages) whose own name is a standard-library module's: `inspect.py` is
    `import inspect` for any script run from inside the package's folder, and a trap for readers."""
    return sorted(f"{path.relative_to(root)} is named like the standard library's {name.rsplit('.', 1)[-1]}"
                  for name, path in modules(root, (package,)).items()
                  if "." in name and name.rsplit(".", 1)[-1] in sys.stdlib_module_names)


# ---------------------------------------------------------------- the rules, on this repository
def test_no_import_cycle():
    graph = import_graph(ROOT)
    found = cycles(graph)
    assert not found, "modules that import each other (a cycle):\n" + \
        "\n".join(describe(graph, group, way) for group, way in found)


def test_the_library_imports_no_ui_library():
    found = forbidden_imports(ROOT, LIBRARY)
    assert not found, f"{LIBRARY}/ must not import {', '.join(UI_LIBRARIES)} (they belong in cli/):\n" + \
        "\n".join(found)


def test_no_module_is_over_400_lines():
    """The library and the CLI, and the tests and benchmarks that read them."""
    found = long_modules(ROOT, PACKAGES + ("tests", "benchmarks"))
    assert not found, f"modules over {MAX_LINES} lines (split them):\n" + "\n".join(found)


def test_no_library_module_shares_a_standard_library_name():
    found = stdlib_namesakes(ROOT)
    assert not found, "\n".join(found)


def test_reverse_mode_command_never_imports_sympy():
    """The installed entry point (cli.app:main) on the README's main job, reverse mode only, in a fresh
    interpreter: it answers, and SymPy is never imported."""
    probe = "\n".join([
        "import json, sys",
        "sys.argv = ['diffx', 'grad', '2*x.x', '--at', '0,1,2,3', '--method', 'reverse', '--method', 'forward']",
        "from cli.app import main",
        "try:",
        "    main()",
        "    code = 0",
        "except SystemExit as stop:",
        "    code = stop.code or 0",
        "print(json.dumps({'code': code, 'sympy': sorted(m for m in sys.modules if m.split('.')[0] == 'sympy')}))",
    ])
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"})
    assert done.returncode == 0, done.stderr[-3000:]
    *shown, last = done.stdout.strip().splitlines()
    outcome = json.loads(last)
    assert outcome["code"] == 0 and "12" in "\n".join(shown), (done.stdout, done.stderr)
    assert outcome["sympy"] == [], f"--method reverse imported {outcome['sympy'][:5]}"


# ---------------------------------------------------------------- the checkers see a known-bad tree
def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_cycle_checker_finds_cycles_through_functions_and_relative_imports(tmp_path):
    write_tree(tmp_path, {
        "lib/__init__.py": "from .a import f\nfrom . import c\nthing = 1\n",
        "lib/a.py": "from .b import g\n\ndef f():\n    return g()\n",
        "lib/b.py": "def g():\n    from . import a      # inside a function: still a cycle\n    return a\n",
        "lib/c.py": "from . import thing\n",                       # a name of the package: lib/__init__ imports c
        "lib/d.py": "from . import a\nfrom lib.b import g\nimport lib.sub.e\n",   # submodules: no edge to lib
        "lib/sub/__init__.py": "",
        "lib/sub/e.py": "from ..a import f\nfrom .. import c\n",
        "lib/typed.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .typed2 import T\n",
        "lib/typed2.py": "from .typed import X\n",
        "app/__init__.py": "",
        "app/main.py": "import lib\nfrom lib import d\n",
    })
    graph = import_graph(tmp_path, ("lib", "app"))
    assert graph["lib.b"] == {"lib.a": "lib/b.py:2"}
    assert graph["lib.c"] == {"lib": "lib/c.py:1"}
    assert graph["lib.d"] == {"lib.a": "lib/d.py:1", "lib.b": "lib/d.py:2", "lib.sub": "lib/d.py:3",
                              "lib.sub.e": "lib/d.py:3"}
    assert graph["lib.sub.e"] == {"lib.a": "lib/sub/e.py:1", "lib.c": "lib/sub/e.py:2"}
    assert graph["lib.typed"] == {}
    assert graph["app.main"] == {"lib": "app/main.py:1", "lib.d": "app/main.py:2"}
    found = cycles(graph)
    assert found == [(["lib", "lib.c"], ["lib", "lib.c", "lib"]), (["lib.a", "lib.b"], ["lib.a", "lib.b", "lib.a"])]
    assert describe(graph, *found[1]) == "lib.a, lib.b: lib.a (lib/a.py:1) -> lib.b (lib/b.py:2) -> lib.a"
    write_tree(tmp_path, {"lib/b.py": "def g():\n    return 1\n", "lib/c.py": "x = 1\n"})
    assert cycles(import_graph(tmp_path, ("lib", "app"))) == []


def test_ui_checker_finds_imports_at_any_depth(tmp_path):
    write_tree(tmp_path, {
        "lib/__init__.py": "import richer\nimport typing\n",
        "lib/show.py": "def show():\n    import rich.console\n    return rich.console\n",
        "lib/plot.py": "class P:\n    def draw(self):\n        try:\n            from plotext import plot\n"
                       "        except ImportError:\n            pass\n",
        "lib/cmd.py": "import importlib\n\ndef run():\n    return importlib.import_module('typer')\n",
    })
    assert sorted(forbidden_imports(tmp_path, "lib")) == [
        "lib/cmd.py:4 imports typer", "lib/plot.py:4 imports plotext", "lib/show.py:2 imports rich.console"]


def test_length_checker_finds_a_401_line_module(tmp_path):
    write_tree(tmp_path, {"lib/__init__.py": "", "lib/long.py": "x = 1\n" * 401, "lib/ok.py": "x = 1\n" * 400})
    assert long_modules(tmp_path, ("lib",)) == ["lib/long.py: 401 lines"]


def test_namesake_checker_finds_stdlib_names(tmp_path):
    write_tree(tmp_path, {"lib/__init__.py": "", "lib/inspect.py": "", "lib/json/__init__.py": "",
                          "lib/graphview.py": ""})
    assert stdlib_namesakes(tmp_path, "lib") == ["lib/inspect.py is named like the standard library's inspect",
                                                 "lib/json/__init__.py is named like the standard library's json"]
