"""diffx: differentiate one expression three ways and see inside.

    >>> import diffx
    >>> diffx.grad("2*x.x", x=[0, 1, 2, 3])["x"]
    array([ 0.,  4.,  8., 12.])
"""
from .api import compare, compare_file, evaluate, grad, hessian, inspect_graph, jacobian, jvp, parse, problem, trace, vjp
from .errors import (DiffxError, InputError, LimitError, NotScalarError, ParseError, RuleError, ShapeError,
                     UnknownNameError)
from .graph import Graph, Node
from .limits import Limits
from .ops import OPS
from .results import GradResult, MethodResult
from .tensor import (Tensor, arange, cos, dot, exp, linspace, log, matmul, mean, no_grad, norm, ones, randn, relu,
                     reshape, show, sigmoid, sin, sqrt, sum, tanh, tensor, zeros)

__all__ = [
    "compare", "compare_file", "evaluate", "grad", "hessian", "inspect_graph", "jacobian", "jvp", "parse", "problem",
    "trace", "vjp",
    "DiffxError", "InputError", "LimitError", "NotScalarError", "ParseError", "RuleError", "ShapeError",
    "UnknownNameError", "Graph", "Node", "Limits", "OPS", "GradResult", "MethodResult",
    "plot_data", "Tensor", "tensor", "arange", "ones", "zeros", "randn", "linspace", "no_grad", "show",
    "dot", "matmul", "sigmoid", "exp", "log", "sin", "cos", "tanh", "relu", "sqrt", "sum", "mean", "norm", "reshape",
]
__version__ = "0.1.0"


def __getattr__(name: str):
    """`diffx.plot_data` is loaded on first use: plotting code stays out of start-up."""
    if name == "plot_data":
        from .plotdata import plot_data
        return plot_data
    raise AttributeError(f"module 'diffx' has no attribute {name!r}")
