"""diffx: differentiate one expression three ways and see inside.

    >>> import diffx
    >>> diffx.grad("2*x.x", x=[0, 1, 2, 3])["x"]
    array([ 0.,  4.,  8., 12.])
"""
from .api import compare, compare_file, evaluate, grad, hessian, inspect_graph, jacobian, jvp, parse, problem, trace, vjp
from .options import Options, options
from .problem import Problem
from .errors import (DiffxError, InputError, LimitError, NotScalarError, ParseError, RuleError, ShapeError,
                     UnknownNameError)
from .graph import Graph, Node
from .limits import Limits
from .ops import OPS
from .results import Comparison, GradResult, MethodResult
from . import tensor_functions as _tensor_functions
from .tensor import Tensor, no_grad
from .tensor_functions import *  # noqa: F401,F403 - tensor(), ones(), ..., and one function per language name

__all__ = [
    "compare", "compare_file", "evaluate", "grad", "hessian", "inspect_graph", "jacobian", "jvp", "parse", "problem",
    "trace", "vjp", "options", "Options", "Problem", "load_function",
    "DiffxError", "InputError", "LimitError", "NotScalarError", "ParseError", "RuleError", "ShapeError",
    "UnknownNameError", "Graph", "Node", "Limits", "OPS", "Comparison", "GradResult", "MethodResult",
    "plot_data", "export_html", "Tensor", "no_grad", *_tensor_functions.__all__,
]
__version__ = "0.1.0"


def __getattr__(name: str):
    """`diffx.plot_data`, `diffx.export_html` and `diffx.load_function` are loaded on first use: their code stays out of start-up."""
    if name == "plot_data":
        from .plotdata import plot_data
        return plot_data
    if name == "export_html":                # the stepping page: diffx.page, loaded when asked for
        from .page import export_html
        return export_html
    if name == "load_function":              # runs a user's file: its imports stay out of start-up too
        from .pyfunc import load
        return load
    raise AttributeError(f"module 'diffx' has no attribute {name!r}")
