"""The three sweeps over a graph: values forward, tangents forward, adjoints back.

Every sweep is a loop over the node list (already topologically ordered), and
every op is applied through the op table, so a sweep knows nothing about any
particular op. Rules run on whatever the values are: numpy arrays for plain
numbers, traced values when a derivative must itself be differentiable.
"""
from __future__ import annotations

import math
import warnings
from contextlib import contextmanager
from typing import Any, Sequence

import numpy as np

from .errors import InputError, LimitError, RuleError, ShapeError
from .limits import how_to_raise
from .graph import Graph, Node
from .ops import OPS, P

@contextmanager
def quiet():
    """No numpy warnings: a NaN or ∞ is reported as data (and traced to its origin), never as warning text."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


_FORWARD = {name: op.forward for name, op in OPS.items()}
_DISPATCH = {name: getattr(P, name) for name, op in OPS.items() if op.forward is not None}


def evaluate(graph: Graph, env: dict[str, Any], overrides: dict[int, Any] | None = None,
             upto: int | None = None, traced: bool = False, dtype=None) -> list:
    """Forward pass: the value of every node, given a value for every variable.

    `overrides` pins nodes to given values (how the numeric method keeps a
    detached sub-expression frozen at the point while it perturbs inputs).
    With `traced`, ops go through the `P` dispatchers, so traced values
    record themselves; plain numbers skip that indirection. With `dtype`
    (float32), every value is rounded to it, constants included.
    """
    table = _DISPATCH if traced else _FORWARD
    nodes = graph.nodes if upto is None else graph.nodes[:upto + 1]
    values: list = [None] * len(nodes)
    overrides = overrides or {}
    with np.errstate(all="ignore"):
        for node in nodes:
            if node.id in overrides:
                values[node.id] = overrides[node.id]
            elif OPS[node.op].free:
                try:
                    values[node.id] = env[node.label]
                except KeyError:
                    raise InputError(f"no value for variable {node.label!r}") from None
            else:
                args = [values[i] for i in node.inputs]
                _check_size(graph, node, args)
                try:
                    values[node.id] = table[node.op](*args, **node.params)
                except (ValueError, IndexError, TypeError) as exc:
                    raise _shape_error(graph, node, args, exc) from None
                except MemoryError:
                    raise LimitError(f"{node.name} needs more memory than this machine has",
                                     source=graph.source, span=node.span) from None
            if dtype is not None:
                values[node.id] = _cast(values[node.id], dtype)
    return values


def _apply(graph: Graph, node: Node, op, rule, k: int, seed, y, args: list, shape: tuple, fit, mode: str):
    """One rule's contribution for input k, fitted to `shape` (summed down or broadcast up)."""
    try:
        c = rule(seed, y, *args, argnum=k, **node.params) if op.variadic else rule(seed, y, *args, **node.params)
        return c if _shape(c) == shape else fit(c, shape=shape)
    except (ValueError, IndexError, TypeError, ArithmeticError) as exc:
        raise _rule_error(graph, node, mode, exc) from None


def _shape(v) -> tuple:
    """np.shape without its overhead for the arrays and numpy scalars that values almost always are."""
    shape = getattr(v, "shape", None)
    return shape if shape is not None else np.shape(v)


def _cast(v, dtype):
    """A value rounded to `dtype` (a complex value to the complex type of the same precision)."""
    a = np.asarray(v)
    if np.iscomplexobj(a):
        return a.astype(np.result_type(dtype, np.complex64))
    return a.astype(dtype, copy=False) if np.issubdtype(a.dtype, np.floating) or a.dtype == bool else a


def evaluate_constant(graph: Graph, node_id: int):
    """The value of a node that depends on no variable (for constant arguments)."""
    needed = [False] * (node_id + 1)
    needed[node_id] = True
    for node in reversed(graph.nodes[:node_id + 1]):
        if needed[node.id]:
            for i in node.inputs:
                needed[i] = True
    values: dict[int, Any] = {}
    with np.errstate(all="ignore"):
        for node in graph.nodes[:node_id + 1]:
            if not needed[node.id]:
                continue
            if OPS[node.op].free:
                raise InputError(f"{node.label!r} is a variable, but a constant is needed here",
                                 source=graph.source, span=node.span)
            args = [values[i] for i in node.inputs]
            try:
                values[node.id] = OPS[node.op].forward(*args, **node.params)
            except (ValueError, IndexError, TypeError) as exc:
                raise _shape_error(graph, node, args, exc) from None
    return values[node_id]


def backward(graph: Graph, values: Sequence, seed, wrt: Sequence[int] | None = None, on_step=None,
             dtype=None) -> list:
    """Reverse sweep: the adjoint d(seed . output)/d(node) of every node.

    With `wrt`, only nodes that lie between those nodes and the output are
    visited (what a gradient needs); without it, every node that reaches the
    output gets its adjoint (what the graph view shows). Nodes reached only
    through `detach`, or not at all, keep `None`. `on_step(node, k, g, c)` is
    told of every contribution c that input k of node receives (the trace view).
    """
    n = len(graph.nodes)
    needs = graph.depends_on(wrt) if wrt is not None else [True] * n
    adj: list = [None] * n
    adj[graph.output] = seed
    with np.errstate(all="ignore"):
        _reverse_sweep(graph, values, adj, needs, on_step, dtype)
    return adj


def _reverse_sweep(graph: Graph, values: Sequence, adj: list, needs: list, on_step, dtype) -> None:
    for node in reversed(graph.nodes[:graph.output + 1]):
        g = adj[node.id]
        if g is None or not node.inputs:
            continue
        op = OPS[node.op]
        args = [values[i] for i in node.inputs]
        y = values[node.id]
        for k, j in enumerate(node.inputs):
            rule = op.vjp_rule(k)
            if rule is None or not needs[j]:
                continue
            c = _apply(graph, node, op, rule, k, g, y, args, _shape(args[k]), P.sum_to, "reverse")
            if dtype is not None:
                c = _cast(c, dtype)
            if on_step is not None:
                on_step(node, k, g, c)
            adj[j] = c if adj[j] is None else adj[j] + c


def forward_tangents(graph: Graph, values: Sequence, seeds: dict[int, Any], on_step=None, dtype=None) -> list:
    """Forward-mode sweep: the tangent of every node, given tangents of some nodes.

    A node whose inputs all have no tangent has none (`None`), so one pass
    costs only the nodes that depend on the seeded inputs. `on_step(node, k,
    t, c)` is told of every contribution c from input k (the trace view).
    """
    tangents: list = [None] * len(graph.nodes)
    with np.errstate(all="ignore"):
        _tangent_sweep(graph, values, seeds, tangents, on_step, dtype)
    return tangents


def _tangent_sweep(graph: Graph, values: Sequence, seeds: dict[int, Any], tangents: list, on_step, dtype) -> None:
    for node in graph.nodes:
        if node.id in seeds:
            tangents[node.id] = seeds[node.id]
            continue
        if not node.inputs:
            continue
        op = OPS[node.op]
        total = None
        args = [values[i] for i in node.inputs]
        y = values[node.id]
        for k, j in enumerate(node.inputs):
            t = tangents[j]
            rule = op.jvp_rule(k)
            if t is None or rule is None:
                continue
            c = _apply(graph, node, op, rule, k, t, y, args, _shape(y), P.broadcast_to, "forward")
            if dtype is not None:
                c = _cast(c, dtype)
            if on_step is not None:
                on_step(node, k, t, c)
            total = c if total is None else total + c
        tangents[node.id] = total


def _check_size(graph: Graph, node: Node, args: list) -> None:
    """Refuse an op that would make more elements than the limit, before numpy allocates them.

    An op that can grow declares `out_size`; a pointwise op of several inputs
    makes the broadcast of their shapes (never more than their sizes' product,
    so the common small case costs one multiplication); any other op makes no
    more elements than its largest input.
    """
    op = OPS[node.op]
    if op.out_size is not None:
        size = op.out_size([_shape(a) for a in args], node.params)
    elif op.pointwise and len(args) > 1:
        if math.prod(getattr(a, "size", 1) for a in args) <= graph.limits.max_elements:
            return
        try:
            size = math.prod(np.broadcast_shapes(*(_shape(a) for a in args)))
        except ValueError:
            return                         # the op itself will report the mismatch
    else:
        return
    if size > graph.limits.max_elements:
        raise LimitError(f"{node.name} would make {size:,} elements; the limit is {graph.limits.max_elements:,} "
                         f"({how_to_raise('max_elements')})", source=graph.source, span=node.span)


def _rule_error(graph: Graph, node: Node, mode: str, exc: Exception) -> RuleError:
    """A derivative rule that could not run here (a bug of ours, or an input no rule foresaw): said, not crashed."""
    return RuleError(f"the {mode}-mode rule of {OPS[node.op].display} at {node.name} failed: "
                     f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
                     source=graph.source, span=node.span)


def _shape_error(graph: Graph, node: Node, args: list, exc: Exception) -> ShapeError:
    op = OPS[node.op]
    shapes = " and ".join(str(tuple(np.shape(a))) for a in args)
    detail = " ".join(str(exc).split("\n")[0].split())
    message = f"cannot apply {op.what} to shapes {shapes}: {detail}" if args else f"{op.what}: {detail}"
    return ShapeError(message, source=graph.source, span=node.span)
