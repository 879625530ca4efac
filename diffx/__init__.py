"""diffx: differentiate one expression three ways and see inside.

    >>> import diffx
    >>> diffx.grad("2*x.x", x=[0, 1, 2, 3])["x"]
    array([ 0.,  4.,  8., 12.])
"""
import sys

from .api import compare, compare_file, evaluate, grad, hessian, inspect_graph, jacobian, jvp, parse, problem, trace, vjp
from .options import Options, options
from .problem import Problem
from .errors import (DiffxError, InputError, LimitError, NotScalarError, ParseError, RuleError, ShapeError,
                     UnknownNameError)
from .graph import Graph, Node
from .limits import Limits
from .ops import OPS
from .results import Comparison, GradResult, MethodResult
from .tensor import METHODS as _METHODS, Tensor, no_grad

# the submodule diffx.tensor is loaded above, so no later import rebinds the name: `diffx.tensor` is the function
# (diffx.tensor_functions, loaded on first use with the other tensor functions, below)
del globals()["tensor"]

_API = [
    "compare", "compare_file", "evaluate", "grad", "hessian", "inspect_graph", "jacobian", "jvp", "parse", "problem",
    "trace", "vjp", "options", "Options", "Problem", "load_function",
    "DiffxError", "InputError", "LimitError", "NotScalarError", "ParseError", "RuleError", "ShapeError",
    "UnknownNameError", "Graph", "Node", "Limits", "OPS", "Comparison", "GradResult", "MethodResult",
    "plot_data", "export_html", "Tensor", "no_grad", "check", "testing", "grad_fn",
]
__version__ = "0.1.0"


def _tensor_functions() -> list[str]:
    """Bind tensor(), ones(), ..., one function per language name (diffx.tensor_functions) into the package."""
    import importlib                        # not `from . import`: that asks this __getattr__ first, and recurses
    tensor_functions = importlib.import_module(f"{__name__}.tensor_functions")
    globals().update({name: getattr(tensor_functions, name) for name in tensor_functions.__all__})
    return tensor_functions.__all__


_METHODS.load = _tensor_functions         # a Tensor asked for t.sum() before any tensor function was used


def __getattr__(name: str):
    """What start-up does not need is loaded on first use: the tensor functions (`diffx.ones`, `diffx.sin`,
    ... and `__all__`, which lists them), `diffx.plot_data`, `diffx.export_html` and `diffx.load_function`,
    and any submodule (`diffx.ops_linalg`)."""
    if name == "__all__":
        value = globals()["__all__"] = [*_API, *_tensor_functions()]
        return value
    if name == "grad_fn":                    # compiled sweeps (diffx.codegen, loaded by the first call)
        from .api import grad_fn
        return grad_fn
    if name == "plot_data":
        from .plotdata import plot_data
        return plot_data
    if name == "export_html":                # the stepping page: diffx.page, loaded when asked for
        from .page import export_html
        return export_html
    if name == "check":                      # diffx.check(f, expect=…, at=…): is your derivative right?
        from .checking import check
        return check
    if name == "load_function":              # runs a user's file: its imports stay out of start-up too
        from .pyfunc import load
        return load
    if not name.startswith("__"):
        import importlib.util
        module = f"{__name__}.{name}"      # a submodule not loaded yet (diffx.tensor is loaded: the name is a function)
        if module not in sys.modules and importlib.util.find_spec(module) is not None:
            return importlib.import_module(module)
        if name in _tensor_functions():
            return globals()[name]
    raise AttributeError(f"module 'diffx' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__getattr__("__all__")})
