"""`diffx graph`: every node of the computation graph, as a table, a tree, JSON, DOT, Mermaid, SVG or PNG."""
from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from diffx.errors import InputError

from . import output
from .params import OptionalExpr, Python, common, guard, run_options, source


class View(str, Enum):
    table = "table"
    tree = "tree"
    code = "code"


@common("at", "seed", "random_seed", "limit", "json_", "debug")
def graph(
    expr: OptionalExpr = None,
    python: Python = None,
    view: Annotated[View, typer.Option(
        help="table: a flat list in evaluation order; tree: from the output; code: the forward pass and the "
             "reverse sweep as the straight-line Python diffx compiles.")] = View.table,
    format_: Annotated[Optional[str], typer.Option(
        "--format", "-f", help="table, tree, json, dot (Graphviz), mermaid, markdown (fenced Mermaid), "
                               "svg or png (both need the Graphviz 'dot' program), or html (a page that steps "
                               "through the forward pass and the reverse sweep).")] = None,
    out: Annotated[Optional[str], typer.Option(
        "--out", "-o", help="Write to FILE; the format follows the extension "
                            "(.dot .gv .svg .png .mmd .md .json .html).")] = None,
    **flags: Any,
) -> None:
    """The computation graph: every node's op, inputs, shape, value and adjoint, as a table, tree or picture.

    Example: diffx graph "2*x.x" --at 0,1,2,3 --out graph.svg   (or --out graph.html: a page to step through)
    """
    def body() -> int:
        from diffx.graphview import report
        from diffx.problem import build
        fmt = graph_format(format_, view.value, flags["json_"], out)
        p = build(source(expr, python), flags["at"] or [], run_options(flags))
        if fmt == "html":
            from diffx.page import page
            _deliver(page(p), out)
            return output.EXIT_OK
        if fmt == "code":
            from diffx.codegen import program
            _deliver(program(p.graph, p.wrt, p.point, p.values).text + "\n", out)
            return output.EXIT_OK
        return write_graph(report(p.graph, p.values), fmt, out)
    guard(flags["debug"], body)


GRAPH_FORMATS = ("table", "tree", "json", "dot", "mermaid", "markdown", "svg", "png", "html", "code")
SUFFIXES = {".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png", ".mmd": "mermaid", ".mermaid": "mermaid",
            ".md": "markdown", ".markdown": "markdown", ".json": "json", ".html": "html", ".htm": "html",
            ".py": "code"}
TEXT_FORMATS = ("json", "dot", "mermaid", "markdown")


def graph_format(fmt: str | None, view: str, json_: bool, out: str | None) -> str:
    """The one output format that --format, --out's extension, --json and --view ask for."""
    if fmt is not None and fmt not in GRAPH_FORMATS:
        raise InputError(f"--format {fmt}: choose from {', '.join(GRAPH_FORMATS)}")
    asked = {"--format": fmt, "--json": "json" if json_ else None,
             "--view": view if view in ("tree", "code") else None,
             "--out": SUFFIXES.get(Path(out).suffix.lower()) if out else None}
    wanted = {v for v in asked.values() if v}
    if len(wanted) > 1:
        said = ", ".join(f"{k} {v}" if k != "--json" else k for k, v in asked.items() if v)
        raise InputError(f"these options ask for different outputs: {said}")
    if out and not wanted:
        raise InputError(f"--out {out}: cannot tell the format from the extension; use "
                         f"{', '.join(SUFFIXES)}, or give --format")
    return wanted.pop() if wanted else "table"


def write_graph(rep, fmt: str, out: str | None) -> int:
    """Send the graph in `fmt` to --out, or to stdout (the terminal views and the text formats)."""
    if fmt in ("table", "tree"):
        return _write_view(rep, fmt, out)
    if fmt in TEXT_FORMATS:
        _deliver(graph_text(rep, fmt), out)
        return output.EXIT_OK
    return _write_image(rep, fmt, out)


def graph_text(rep, fmt: str) -> str:
    import json
    from diffx import export
    makers = {"json": lambda: json.dumps(rep.to_dict(), allow_nan=False) + "\n",
              "dot": lambda: export.to_dot(rep),
              "mermaid": lambda: export.to_mermaid(rep),
              "markdown": lambda: export.to_mermaid(rep, fenced=True)}
    return makers[fmt]()


def _write_view(rep, fmt: str, out: str | None) -> int:
    from .render import graph_table, graph_tree
    view = graph_tree(rep) if fmt == "tree" else graph_table(rep)
    if out is None:
        output.console().print(view)
        return output.EXIT_OK
    from rich.console import Console
    with _open(out, "w") as fh:
        Console(file=fh, width=120, no_color=True, highlight=False, emoji=False).print(view)
    output.note(f"wrote {out}")
    return output.EXIT_OK


def _write_image(rep, fmt: str, out: str | None) -> int:
    """SVG or PNG through Graphviz; without `dot`, the DOT text is saved so it can be drawn later."""
    from diffx import export
    if out is None and fmt == "png":
        raise InputError("PNG is binary: give a file with --out graph.png")
    text = export.to_dot(rep)
    try:
        image = export.render(text, fmt)
    except export.GraphvizMissing as exc:
        if out is None:
            raise InputError(f"{exc.message}; or write the DOT text with --format dot") from None
        dot_path = Path(out).with_suffix(".dot")
        _deliver(text, str(dot_path), say=False)
        raise InputError(f"{exc.message}; wrote {dot_path} instead, which draws with: "
                         f"dot -T{fmt} {dot_path} -o {out}") from None
    if out is None:
        _stdout(image.decode("utf-8"))
    else:
        _deliver(image, out)
    return output.EXIT_OK


def _stdout(text: str) -> None:
    sys.stdout.write(text)


def _deliver(content: str | bytes, out: str | None, say: bool = True) -> None:
    """Text or bytes to the --out file (then a note on stderr), or text to stdout."""
    if out is None:
        _stdout(content)
        return
    with _open(out, "wb" if isinstance(content, bytes) else "w") as fh:
        fh.write(content)
    if say:
        output.note(f"wrote {out}")


def _open(path: str, mode: str):
    try:
        return open(path, mode, **({} if "b" in mode else {"encoding": "utf-8"}))
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
