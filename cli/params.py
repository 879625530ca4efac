"""What every command shares: the option declarations, the mapping of flags to library options, and the guard.

A command is a small typed function: it declares its flags with these
aliases, hands them to `run_options` (which builds the one `diffx.Options`
of the run), asks the library for a result and renders it. Nothing here
computes.
"""
from __future__ import annotations

import functools
from contextvars import ContextVar
import inspect
import typing
from dataclasses import replace
from enum import Enum
from typing import Annotated, Any, Callable, Optional

import typer

from diffx import options as make_options
from diffx.errors import DiffxError
from diffx.limits import DEFAULT_LIMITS, with_overrides
from diffx.options import seed_note
from diffx.registry import METHODS
from diffx.numeric import SCHEMES

from . import output

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
Methods = Annotated[Optional[list[str]], typer.Option(
    "--method", "-m", help=f"Methods to run (repeatable): {', '.join(METHODS)}.")]
Vjp = Annotated[Optional[str], typer.Option(
    "--vjp", help="The seed V of the vector-Jacobian product Vᵀ·J of a non-scalar output, like PyTorch's "
                  "y.backward(V).")]
Tangent = Annotated[Optional[list[str]], typer.Option(
    help="Direction t of the Jacobian-vector product J·t: 'x' (ones), 'x=1,0,0', or '1,0,0'.")]
Order = Annotated[int, typer.Option(help="2: the second derivative of a function of one scalar.")]
RandomSeed = Annotated[Optional[int], typer.Option(
    "--random-seed", help="Seed for randn/rand in values and expressions (default 0).")]
Seed = Annotated[Optional[int], typer.Option("--seed", help="Seed for randn/rand (the same as --random-seed).")]
Rtol = Annotated[float, typer.Option(min=0.0, help="Relative tolerance of the agreement verdict.")]
Atol = Annotated[Optional[float], typer.Option(
    min=0.0, help="Absolute tolerance of the agreement verdict (default: 1e-8 × the largest magnitude of the "
                  "reference, at least 1e-12).")]
Json = Annotated[bool, typer.Option("--json", help="Print one strict JSON object and nothing else.")]
Debug = Annotated[bool, typer.Option(help="Show a Python traceback for errors.")]
LimitOpt = Annotated[Optional[list[str]], typer.Option(
    "--limit", help="Raise a resource limit, NAME=N (repeatable): max_chars, max_depth, max_nodes, max_elements, "
                    "max_symbolic_components, symbolic_seconds, max_work, max_memory, max_output_elements.")]
SymbolicTimeout = Annotated[float, typer.Option(
    "--symbolic-timeout", min=0.0, help="Seconds the symbolic method may take before it gives up (0: no limit).")]
Sizes = Annotated[bool, typer.Option("--sizes", help="Count the operations of the naive symbolic derivative, "
                                                     "its CSE form and the AD graph (expression swell).")]
Latex = Annotated[bool, typer.Option("--latex", help="Print the formulas as LaTeX.")]
Pretty = Annotated[bool, typer.Option("--pretty", help="Print the formulas with SymPy's unicode pretty printer.")]
Substitute = Annotated[bool, typer.Option("--substitute", help="Print the symbolic derivative with the point's "
                                                               "numbers for the constants (no matrix form).")]
Strict = Annotated[bool, typer.Option("--strict", help="Count a disagreement at a kink as a failure (exit 1) "
                                                       "instead of explaining it.")]


class Precision(str, Enum):
    float64 = "float64"
    float32 = "float32"


DType = Annotated[Precision, typer.Option(
    "--dtype", help="float32 runs every method in single precision, to see how their errors grow "
                    "(the symbolic reference stays exact).")]
Scheme = Enum("Scheme", {name: name for name in ("auto", *SCHEMES)}, type=str)
Numeric = Annotated[Scheme, typer.Option(
    help="Finite-difference scheme of the numeric method (auto: complex step where the ops allow, "
         "else Richardson extrapolation).")]


# the flags several commands share: name -> (declaration, default); `common(...)` adds them to a command
SHARED: dict[str, tuple[Any, Any]] = {
    "at": (At, None), "wrt": (Wrt, None), "method": (Methods, None), "seed": (Seed, None),
    "random_seed": (RandomSeed, None), "rtol": (Rtol, 1e-6), "atol": (Atol, None),
    "symbolic_timeout": (SymbolicTimeout, 5.0), "sizes": (Sizes, False), "latex": (Latex, False),
    "pretty": (Pretty, False), "strict": (Strict, False), "substitute": (Substitute, False), "dtype": (DType, Precision.float64),
    "limit": (LimitOpt, None), "json_": (Json, False), "debug": (Debug, False),
}


def common(*names: str, **defaults: Any) -> Callable:
    """A command that also takes the shared flags `names` (after its own), handed to it in `**flags`.

    Typer reads a command's parameters from its signature, so the shared ones
    are added to the signature once here instead of being written out in
    every command.
    """
    def wrap(fn: Callable) -> Callable:
        hints = typing.get_type_hints(fn, include_extras=True)
        own = [p.replace(annotation=hints.get(p.name, p.annotation))
               for p in inspect.signature(fn).parameters.values() if p.kind is not p.VAR_KEYWORD]
        extra = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=SHARED[n][0],
                                   default=defaults.get(n, SHARED[n][1])) for n in names]

        @functools.wraps(fn)
        def command(**flags: Any) -> None:
            return fn(**flags)
        command.__signature__ = inspect.Signature(own + extra)
        command.__annotations__ = {p.name: p.annotation for p in own + extra}
        del command.__wrapped__           # the signature above is the command's, not fn's
        return command
    return wrap


NOT_OPTIONS = ("at", "latex", "pretty", "substitute", "json_", "debug")      # shared flags that choose input or output


def run_options(flags: dict[str, Any], **more: Any):
    """The one `diffx.Options` of a command's run: its flags under the library's names.

    The installed command's process ends after one run, so there the symbolic
    time budget is kept by a thread it may abandon (no fork to pay for):
    `main()` says so (`ONE_RUN`). Run any other way (a test
    runner, a batch of many cases), the budget is a forked child that is
    stopped, so no abandoned work piles up. `--seed` is the random seed, or
    for `grad` also a VJP seed (`say_seed=True` says which it took).
    """
    settings = {k: v for k, v in {**flags, **more}.items() if k not in NOT_OPTIONS}
    limits = with_overrides(DEFAULT_LIMITS, settings.pop("limit", None) or [])
    seconds = settings.pop("symbolic_timeout", None)
    if seconds is not None:
        limits = replace(limits, symbolic_seconds=seconds)
    if settings.pop("say_seed", False) and settings.get("seed") is not None:
        LATER.append("note: " + output.flagged(seed_note(settings["seed"])))
    for name in ("dtype", "numeric", "mode"):
        settings[name] = getattr(settings.get(name), "value", settings.get(name))
    settings["methods"] = settings.pop("method", None) or None
    settings.setdefault("isolation", _isolation())
    from diffx.results import OUTPUT_LIMIT
    OUTPUT_LIMIT.set(limits.max_output_elements)     # the run's JSON summarises arrays beyond it (plot, graph)
    return make_options(limits=limits, **settings)


# True in the installed command (`main()` sets it): its process ends after this one run
ONE_RUN: ContextVar[bool] = ContextVar("one_run", default=False)


def _isolation() -> str:
    return "thread" if ONE_RUN.get() else "process"


def formula_style(latex: bool, pretty: bool) -> str:
    from diffx.errors import InputError
    if latex and pretty:
        raise InputError("choose one of --latex and --pretty")
    return "latex" if latex else "pretty" if pretty else "str"


def source(expr: str | None, python: str | None, limit: int | None = None):
    """What to differentiate: the expression text (or stdin, or @FILE), or the function --python names."""
    from diffx.errors import InputError
    if python is not None:
        if expr is not None:
            raise InputError("give either an expression or --python FILE.py:FUNC, not both")
        from diffx import load_function
        return load_function(python)
    if expr is None:
        raise InputError("give an expression (or --python FILE.py:FUNC)")
    return output.read_expression(expr, limit)


LATER: list[str] = []       # notes said once the run is over: an error, if any, is stderr's first line


def guard(debug: bool, body: Callable[[], int]) -> None:
    """Run a command body; a DiffxError becomes one message on stderr and exit 2; Ctrl-C exits 130."""
    LATER.clear()
    try:
        code = body()
    except DiffxError as exc:
        if debug:
            import traceback
            traceback.print_exc()
        output.report_error(exc)
        _say_later()
        raise typer.Exit(output.EXIT_BAD_INPUT) from None
    except KeyboardInterrupt:
        output.note("interrupted")
        raise typer.Exit(output.EXIT_INTERRUPTED) from None
    _say_later()
    raise typer.Exit(code)


def _say_later() -> None:
    while LATER:
        output.note(LATER.pop(0))


def show(result, json_: bool, style: str = "str", view=None) -> int:
    """One comparison, as JSON or as the side-by-side view; the exit status from its verdict."""
    if json_:
        output.emit_json(result.to_dict())
    else:
        from .render import comparison_view
        output.console().print((view or comparison_view)(result, style=style))
    return output.EXIT_OK if result.passed else output.EXIT_DISAGREE
