"""The `diffx` command: the Typer application, one small typed function per command (one file each).

`app` (what tests and `CliRunner` invoke) has every command; the installed
command (`main`) builds an application with only the command it was asked
for, so a `grad` run never imports the plotting, checking or graph-drawing
commands, and leaves without the interpreter's teardown.
"""
from __future__ import annotations

import typer

HELP = "Differentiate one expression three ways (reverse AD, SymPy, finite differences) and see inside."
COMMANDS = ("grad", "compare", "jacobian", "hessian", "trace", "graph", "plot", "check")


def _command(name: str):
    """The command function `name`, importing only its own module."""
    if name == "grad":
        from .grad import grad as fn
    elif name == "compare":
        from .compare import compare as fn
    elif name == "jacobian":
        from .jacobian import jacobian as fn
    elif name == "hessian":
        from .hessian import hessian as fn
    elif name == "trace":
        from .trace import trace as fn
    elif name == "graph":
        from .graph import graph as fn
    elif name == "plot":
        from .plot import plot as fn
    else:
        from .check import check as fn
    return fn


def build(names=COMMANDS) -> typer.Typer:
    """A Typer application with the commands `names` (all of them by default), in `COMMANDS` order."""
    application = typer.Typer(help=HELP, no_args_is_help=True, add_completion=False,
                              pretty_exceptions_enable=False, rich_markup_mode=None)
    for name in COMMANDS:
        if name in names:
            application.command()(_command(name))
    application.callback()(_group)
    return application


def _group() -> None:
    """Differentiate one expression three ways (reverse AD, SymPy, finite differences) and see inside."""


def __getattr__(name: str):
    """`cli.app.app`, every command's application, is built on first use (tests, `CliRunner`)."""
    if name == "app":
        application = globals()["app"] = build()
        return application
    raise AttributeError(f"module 'cli.app' has no attribute {name!r}")


def main() -> None:
    """The installed `diffx` command: one command's application, run once.

    Run as a script's last statement (the installed `diffx`, `python -m cli`), it then flushes stdout and
    stderr and ends the process at once: the interpreter's teardown (collecting every object of numpy and
    SymPy nobody will use again) costs more than a small command's work. The exit status is the one the
    command raised; files are written (atomically) before the command returns, so none is left half done.
    """
    import gc
    import os
    import sys
    # one command, then the process ends: cyclic garbage is collected far less often than a long-lived program
    # needs (SymPy's import and work would otherwise set off a full collection over every object many times)
    gc.set_threshold(100_000, 50, 1000)
    # numpy's OpenBLAS keeps a worker thread spinning for about 0.1 s after numpy loads, on a core this short
    # run needs (2 cores here): it sleeps at once instead, and still works in parallel (the user's setting wins)
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
    wanted = sys.argv[1] if len(sys.argv) > 1 else None
    application = build((wanted,) if wanted in COMMANDS else COMMANDS)   # typer inspects every command it builds
    from .params import ONE_RUN
    ONE_RUN.set(True)                # this process ends after the command: abandoned symbolic work ends with it
    if not _last_statement_of_a_script(sys._getframe(1)):
        application()
        return
    try:
        application()
        status = 0
    except SystemExit as stop:
        status = stop.code
    _leave(status)


def _last_statement_of_a_script(caller) -> bool:
    """Called from the top level of a script file (the installed `diffx`, `cli/__main__.py`), where nothing
    but the exit follows; not from `python -c`, a test or a function that goes on after `main()`."""
    return caller.f_code.co_name == "<module>" and caller.f_globals.get("__name__") == "__main__" \
        and caller.f_globals.get("__file__") is not None


def _nothing_else_runs_at_exit() -> bool:
    """No user code ran (`--python`, `--expect-python`: its files and handlers get the usual exit), no exit
    handler is registered (multiprocessing's, logging's, coverage's), no tracer, no thread the interpreter
    would wait for: then leaving at once skips only the collection of objects nobody uses again."""
    import atexit
    import sys
    count = getattr(atexit, "_ncallbacks", None)
    if "diffx.pyfunc" in sys.modules or count is None or count() or sys.gettrace() or sys.getprofile():
        return False
    threading = sys.modules.get("threading")
    return threading is None or not any(t.is_alive() and not t.daemon for t in threading.enumerate()
                                        if t is not threading.main_thread())


def _leave(status) -> None:
    """End the process with `status` (as `sys.exit` reads it) once stdout and stderr are flushed."""
    import os
    import sys
    if status is None:
        code = 0
    elif isinstance(status, int):
        code = status % 256          # what the operating system keeps of sys.exit(status)
    else:                            # sys.exit("message"): the message on stderr, status 1
        code = None
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        code = None                  # a closed pipe: the interpreter's own exit reports it as it always has
    if code is None or not _nothing_else_runs_at_exit():
        sys.exit(status)
    os._exit(code)


if __name__ == "__main__":
    main()
