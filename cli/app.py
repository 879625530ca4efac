"""The `diffx` command: small typed functions, one per command."""
from __future__ import annotations

from dataclasses import replace
from enum import Enum
from typing import Annotated, Callable, Optional

import typer

import numpy as np

from diffx.errors import DiffxError, InputError
from diffx.functions import Seeded
from diffx.limits import DEFAULT_LIMITS, Limits, with_overrides
from diffx.methods import DEFAULT_METHODS, Problem
from diffx.parser import parse
from diffx.values import bind, choose_wrt, read_at, read_directions

from . import output

app = typer.Typer(
    help="Differentiate one expression three ways (reverse AD, SymPy, finite differences) and see inside.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None,
)


class Method(str, Enum):
    reverse = "reverse"
    forward = "forward"
    symbolic = "symbolic"
    numeric = "numeric"


class View(str, Enum):
    table = "table"
    tree = "tree"


class Mode(str, Enum):
    auto = "auto"
    forward = "forward"
    reverse = "reverse"
    both = "both"


Expr = Annotated[str, typer.Argument(help="The expression or program; '-' reads standard input, '@FILE' a file.",
                                     show_default=False)]
OptionalExpr = Annotated[Optional[str], typer.Argument(
    help="The expression or program; '-' reads standard input, '@FILE' a file (or use --python).",
    show_default=False)]
Python = Annotated[Optional[str], typer.Option(
    "--python", help="Differentiate a Python function instead: FILE.py:FUNC, called with tensors named by its "
                     "parameters (--at a=0.7). This runs FILE.py, as `python FILE.py` would.")]
At = Annotated[Optional[list[str]], typer.Option(
    "--at", help="Values: '0,1,2,3' for the one variable, or 'x=0,1,2,3' (repeat for several). "
                 "A value may be '[[1,2],[3,4]]', 'arange(4)', 'randn(4,5)', ...")]
Wrt = Annotated[Optional[str], typer.Option(help="Variables to differentiate, comma-separated (default all).")]
Methods = Annotated[Optional[list[Method]], typer.Option("--method", "-m", help="Methods to run (repeatable).")]
Seed = Annotated[int, typer.Option("--seed", help="Seed for randn/rand in values and expressions.")]
Rtol = Annotated[float, typer.Option(min=0.0, help="Relative tolerance of the agreement verdict.")]
Atol = Annotated[float, typer.Option(min=0.0, help="Absolute tolerance of the agreement verdict.")]
Json = Annotated[bool, typer.Option("--json", help="Print one strict JSON object and nothing else.")]
Debug = Annotated[bool, typer.Option(help="Show a Python traceback for errors.")]
LimitOpt = Annotated[Optional[list[str]], typer.Option(
    "--limit", help="Raise a resource limit, NAME=N (repeatable): max_chars, max_depth, max_nodes, max_elements, "
                    "max_symbolic_components, symbolic_seconds.")]
SymbolicTimeout = Annotated[float, typer.Option(
    "--symbolic-timeout", min=0.0, help="Seconds the symbolic method may take before it gives up (0: no limit).")]
Sizes = Annotated[bool, typer.Option("--sizes", help="Count the operations of the naive symbolic derivative, "
                                                     "its CSE form and the AD graph (expression swell).")]


class Style(str, Enum):
    text = "text"
    latex = "latex"
    pretty = "pretty"


Formulas = Annotated[Style, typer.Option("--formulas", help="How to print symbolic formulas.")]
Latex = Annotated[bool, typer.Option("--latex", help="Print the formulas as LaTeX.")]
class Precision(str, Enum):
    float64 = "float64"
    float32 = "float32"


DType = Annotated[Precision, typer.Option(
    "--dtype", help="float32 runs every method in single precision, to see how their errors grow "
                    "(the symbolic reference stays exact).")]
Strict = Annotated[bool, typer.Option("--strict", help="Count a disagreement at a kink as a failure (exit 1) "
                                                       "instead of explaining it.")]
Pretty = Annotated[bool, typer.Option("--pretty", help="Print the formulas with SymPy's unicode pretty printer.")]


class Scheme(str, Enum):
    auto = "auto"
    forward = "forward"
    backward = "backward"
    central = "central"
    richardson = "richardson"
    complex = "complex"


def _style(latex: bool, pretty: bool) -> str:
    if latex and pretty:
        raise InputError("choose one of --latex and --pretty")
    return "latex" if latex else "pretty" if pretty else "str"


def _problem(expr: str | None, at: list[str] | None, wrt: str | None, seed: int,
             limits: Limits = DEFAULT_LIMITS, python: str | None = None,
             dtype: str = "float64") -> tuple[Problem, Seeded]:
    """The expression (or the Python function) at the point, evaluated once."""
    rng = Seeded(seed)
    if python is not None:
        if expr is not None:
            raise InputError("give either an expression or --python FILE.py:FUNC, not both")
        if dtype != "float64":
            raise InputError("--dtype float32 works on expressions; a Python function runs in float64")
        from diffx import pyfunc
        fn = pyfunc.load(python)
        return pyfunc.trace(fn, read_at(at or [], fn.parameters, rng=rng, limits=limits), wrt, limits), rng
    if expr is None:
        raise InputError("give an expression (or --python FILE.py:FUNC)")
    text = output.read_expression(expr)
    graph = parse(text, limits=limits, rng=rng)
    point = read_at(at or [], graph.variables, rng=rng, limits=limits)
    point = bind(graph, point, rng=rng, limits=limits)
    return Problem.build(graph, point, choose_wrt(graph, wrt), limits, None if dtype == "float64" else np.float32), rng


def _limits(symbolic_timeout: float | None = None, settings: list[str] | None = None) -> Limits:
    limits = with_overrides(DEFAULT_LIMITS, settings or [])
    return limits if symbolic_timeout is None else replace(limits, symbolic_seconds=symbolic_timeout)


def _guard(debug: bool, body: Callable[[], int]) -> None:
    """Run a command body; a DiffxError becomes one message on stderr and exit 2."""
    try:
        code = body()
    except DiffxError as exc:
        if debug:
            import traceback
            traceback.print_exc()
        output.report_error(exc)
        raise typer.Exit(output.EXIT_BAD_INPUT) from None
    raise typer.Exit(code)


def _show(result, json_: bool, style: str = "str", view=None) -> int:
    """One result, as JSON or as the side-by-side view; the exit status from its verdict."""
    if json_:
        output.emit_json(result.to_dict())
    else:
        from .render import comparison_view
        output.console().print((view or comparison_view)(result, style=style))
    return output.EXIT_OK if result.agree else output.EXIT_DISAGREE


def _names(method: list[Method] | None, default) -> list[str]:
    return [m.value for m in method] if method else list(default)


@app.command()
def grad(
    expr: OptionalExpr = None,
    at: At = None,
    python: Python = None,
    wrt: Wrt = None,
    method: Methods = None,
    seed: Annotated[Optional[str], typer.Option(
        "--seed", help="An integer: the random seed for randn/rand (default 0). A vector or array "
                       "('1,1,1,1', '[[1,0.1],[0.01,0.001]]', 'ones(4)'): the seed V of the vector-Jacobian "
                       "product Vᵀ·J of a non-scalar output, like PyTorch's y.backward(V).")] = None,
    vjp: Annotated[Optional[str], typer.Option(
        "--vjp", help="The seed V of the vector-Jacobian product, unambiguously (--seed V also takes it).")] = None,
    tangent: Annotated[Optional[list[str]], typer.Option(
        help="Direction t of the Jacobian-vector product J·t: 'x' (ones), 'x=1,0,0', or '1,0,0'.")] = None,
    order: Annotated[int, typer.Option(help="2: the second derivative of a function of one scalar.")] = 1,
    numeric: Annotated[Scheme, typer.Option(
        help="Finite-difference scheme of the numeric column (auto: complex step where the ops allow, "
             "else Richardson extrapolation).")] = Scheme.auto,
    rtol: Rtol = 1e-6,
    atol: Atol = 1e-8,
    symbolic_timeout: SymbolicTimeout = 5.0,
    sizes: Sizes = False,
    latex: Latex = False,
    pretty: Pretty = False,
    strict: Strict = False,
    dtype: DType = Precision.float64,
    limit: LimitOpt = None,
    json_: Json = False,
    debug: Debug = False,
) -> None:
    """The gradient of a scalar expression by every method, side by side, with a verdict.

    Example: diffx grad "2*x.x" --at 0,1,2,3
    """
    def body() -> int:
        from diffx import api
        random_seed, vjp_seed = api._split_seed(seed)
        if vjp is not None:
            if vjp_seed is not None:
                raise InputError("give the VJP seed once: --vjp V, or --seed V")
            vjp_seed = vjp
        p, rng = _problem(expr, at, wrt, random_seed, _limits(symbolic_timeout, limit), python, dtype.value)
        p.want_sizes, p.numeric_scheme = sizes, None if numeric is Scheme.auto else numeric.value
        if order not in (1, 2):
            raise InputError(f"--order {order}: diffx computes first and second derivatives (1 or 2)")
        if tangent:
            t = read_directions(tangent, p.graph, p.point, rng=rng)
            r = api.jvp_compare(p, t, _names(method, ("forward", "reverse", "symbolic", "numeric")),
                                rtol=rtol, atol=atol)
        elif vjp_seed is not None:
            r = api.vjp_compare(p, vjp_seed, _names(method, DEFAULT_METHODS), rtol=rtol, atol=atol, rng=rng)
        elif order == 2:
            if sum(int(p.point[k].size) for k in p.wrt) != 1:
                raise InputError("--order 2 takes a function of one scalar; for more inputs use diffx hessian")
            r = api.hessian_compare(p, _names(method, ("reverse", "symbolic", "numeric")), rtol=rtol, atol=atol)
        else:
            r = api.compare_problem(p, _names(method, DEFAULT_METHODS), rtol=rtol, atol=atol, strict=strict)
        code = _show(r, json_, _style(latex, pretty))
        if python is not None and not json_:
            from diffx.inspect import report
            from .render import graph_table
            output.console().print("", graph_table(report(p.graph, p.values), title="graph of the path taken"))
        return code
    _guard(debug, body)


@app.command()
def compare(
    expr: Annotated[Optional[str], typer.Argument(
        help="The expression ('-' standard input, '@FILE' a file); omit it with --file.", show_default=False)] = None,
    at: At = None,
    wrt: Wrt = None,
    python: Python = None,
    method: Annotated[Optional[list[str]], typer.Option(
        "--method", "-m", help="Methods to run (repeatable): reverse, forward, symbolic, numeric-forward, "
                               "numeric-backward, numeric-central, numeric-richardson, numeric-complex.")] = None,
    file: Annotated[Optional[str], typer.Option(
        "--file", help="Run many cases from a .toml ([[case]] tables), .json or .jsonl file.")] = None,
    output_path: Annotated[Optional[str], typer.Option(
        "--output", help="With --file: also write the results to a .json or .csv file (atomically).")] = None,
    seed: Seed = 0,
    rtol: Rtol = 1e-6,
    atol: Atol = 1e-8,
    symbolic_timeout: SymbolicTimeout = 5.0,
    sizes: Sizes = False,
    latex: Latex = False,
    pretty: Pretty = False,
    strict: Strict = False,
    dtype: DType = Precision.float64,
    limit: LimitOpt = None,
    json_: Json = False,
    debug: Debug = False,
) -> None:
    """Every method and variant on one expression: result, errors against the reference, estimates, cost.

    Example: diffx compare "exp(x)/sqrt(sin(x)^3+cos(x)^3)" --at 1.5
    """
    def body() -> int:
        from diffx import api
        from diffx.methods import ALL_METHODS
        names = method or list(ALL_METHODS)
        limits = _limits(symbolic_timeout, limit)
        if file is not None:
            if expr is not None:
                raise InputError("give either an expression or --file, not both")
            return _batch(file, names, limits, seed, output_path, json_)
        if output_path is not None:
            raise InputError("--output goes with --file")
        p, _ = _problem(expr, at, wrt, seed, limits, python, dtype.value)
        p.want_sizes = sizes
        from .render import compare_view
        return _show(api.compare_problem(p, names, rtol=rtol, atol=atol, strict=strict), json_,
                     _style(latex, pretty), compare_view)
    _guard(debug, body)


def _batch(path: str, methods: list[str], limits: Limits, seed: int, output_path: str | None, json_: bool) -> int:
    """Run a batch file with a progress bar on stderr; a summary table (or JSON) on stdout."""
    from diffx import batch
    cases = batch.read_cases(path)
    if output_path is not None and not output_path.lower().endswith((".json", ".csv")):
        raise InputError(f"--output {output_path}: write .json or .csv")
    from .render import batch_table, progress
    result = batch.BatchResult()
    try:
        with progress(len(cases)) as advance:
            batch.run_batch(cases, methods, limits=limits, seed=seed, on_case=advance, into=result)
    finally:
        if output_path is not None:
            batch.save(result, output_path)
    if json_:
        output.emit_json(result.to_dict())
    else:
        output.console().print(batch_table(result))
    counts = result.summary
    return (output.EXIT_BAD_INPUT if counts["error"] else
            output.EXIT_DISAGREE if counts["disagree"] else output.EXIT_OK)


@app.command()
def jacobian(
    expr: Expr,
    at: At = None,
    wrt: Wrt = None,
    mode: Annotated[Mode, typer.Option(help="AD mode: forward (a pass per input), reverse (a sweep per output), "
                                            "auto (fewer passes), both.")] = Mode.auto,
    method: Methods = None,
    seed: Seed = 0,
    rtol: Rtol = 1e-6,
    atol: Atol = 1e-8,
    limit: LimitOpt = None,
    json_: Json = False,
    debug: Debug = False,
) -> None:
    """The Jacobian of a vector (or matrix) output by AD, SymPy and finite differences.

    Example: diffx jacobian "[x[0]*x[1], sin(x[2])]" --at 1,2,3
    """
    def body() -> int:
        from diffx import api
        p, _ = _problem(expr, at, wrt, seed, _limits(None, limit))
        names = _names(method, ()) or None
        return _show(api.jacobian_compare(p, names, mode=mode.value, rtol=rtol, atol=atol), json_)
    _guard(debug, body)


@app.command()
def hessian(
    expr: Expr,
    at: At = None,
    wrt: Wrt = None,
    method: Methods = None,
    seed: Seed = 0,
    rtol: Rtol = 1e-6,
    atol: Atol = 1e-6,
    limit: LimitOpt = None,
    json_: Json = False,
    debug: Debug = False,
) -> None:
    """The Hessian of a scalar output: forward-over-reverse AD, SymPy, finite differences of the gradient.

    Example: diffx hessian "x^2*y + y^3" --at x=1 --at y=2
    """
    def body() -> int:
        from diffx import api
        p, _ = _problem(expr, at, wrt, seed, _limits(None, limit))
        return _show(api.hessian_compare(p, _names(method, ("reverse", "symbolic", "numeric")),
                                         rtol=rtol, atol=atol), json_)
    _guard(debug, body)


@app.command()
def trace(
    expr: Expr,
    at: At = None,
    tangent: Annotated[Optional[list[str]], typer.Option(
        help="Input direction of the tangent trace: 'x' (ones) or 'x=1,0,0' (default: the first variable).")] = None,
    seed: Seed = 0,
    limit: LimitOpt = None,
    json_: Json = False,
    debug: Debug = False,
) -> None:
    """The evaluation trace: primal, tangent and adjoint traces in the textbook's layout, with costs.

    Example: diffx trace "log(x1) + x1*x2 - sin(x2)" --at x1=2 --at x2=5 --tangent x1
    """
    def body() -> int:
        from diffx.evaltrace import trace as make_trace
        p, rng = _problem(expr, at, None, seed, _limits(None, limit))
        p.require_scalar()
        first = next(iter(p.graph.variables), None)
        directions = read_directions(tangent or ([first] if first else []), p.graph, p.point, rng=rng)
        t = make_trace(p, directions)
        if json_:
            output.emit_json(t.to_dict())
        else:
            from .render import trace_view
            output.console().print(trace_view(t))
        return output.EXIT_OK
    _guard(debug, body)


@app.command()
def graph(
    expr: OptionalExpr = None,
    at: At = None,
    python: Python = None,
    view: Annotated[View, typer.Option(help="table: a flat list in evaluation order; tree: from the output.")] = View.table,
    format_: Annotated[Optional[str], typer.Option(
        "--format", "-f", help="table, tree, json, dot (Graphviz), mermaid, markdown (fenced Mermaid), "
                               "svg or png (both need the Graphviz 'dot' program).")] = None,
    out: Annotated[Optional[str], typer.Option(
        "--out", "-o", help="Write to FILE; the format follows the extension (.dot .gv .svg .png .mmd .md .json).")] = None,
    seed: Seed = 0,
    limit: LimitOpt = None,
    json_: Json = False,
    debug: Debug = False,
) -> None:
    """The computation graph: every node's op, inputs, shape, value and adjoint, as a table, tree or picture.

    Example: diffx graph "2*x.x" --at 0,1,2,3 --out graph.svg
    """
    def body() -> int:
        from diffx.inspect import report
        from .pictures import graph_format, write_graph
        fmt = graph_format(format_, view.value, json_, out)
        p, _ = _problem(expr, at, None, seed, _limits(None, limit), python=python)
        return write_graph(report(p.graph, p.values), fmt, out)
    _guard(debug, body)


from . import pictures  # noqa: E402,F401  (registers `diffx plot`)


@app.callback()
def _group() -> None:
    """Differentiate one expression three ways (reverse AD, SymPy, finite differences) and see inside."""


def main() -> None:
    import sys
    from diffx import budget
    budget.ISOLATION = "thread"      # the process ends after one command: no fork needed to stop SymPy
    wanted = sys.argv[1] if len(sys.argv) > 1 else None
    names = [info.name or info.callback.__name__ for info in app.registered_commands]
    if wanted in names:              # typer inspects every command it builds: build only the one asked for
        app.registered_commands[:] = [i for i in app.registered_commands if (i.name or i.callback.__name__) == wanted]
    app()


if __name__ == "__main__":
    main()
