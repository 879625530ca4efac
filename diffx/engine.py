"""The three sweeps over a graph: values forward, tangents forward, adjoints back.

Every sweep is a loop over the node list (already topologically ordered), and
every op is applied through the op table, so a sweep knows nothing about any
particular op. Rules run on whatever the values are: numpy arrays for plain
numbers, traced values when a derivative must itself be differentiable.
"""
from __future__ import annotations

import math
import sys
import warnings
from contextlib import contextmanager
from typing import Any, Sequence

import numpy as np

from .errors import InputError, LimitError, RuleError, ShapeError
from .limits import how_to_raise
from .graph import Graph, Node
from .ops import OPS, P
from .scalars import all_scalar, scalar_reverse, scalar_values

@contextmanager
def quiet():
    """No numpy warnings: a NaN or ∞ is reported as data (and traced to its origin), never as warning text."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


_FORWARD = {name: op.forward for name, op in OPS.items()}
_DISPATCH = {name: getattr(P, name) for name, op in OPS.items() if op.forward is not None}


def evaluate(graph: Graph, env: dict[str, Any], overrides: dict[int, Any] | None = None,
             upto: int | None = None, traced: bool = False, dtype=None, keep: list | None = None) -> list:
    """Forward pass: the value of every node, given a value for every variable.

    `overrides` pins nodes to given values (how the numeric method keeps a
    detached sub-expression frozen at the point while it perturbs inputs).
    With `traced`, ops go through the `P` dispatchers, so traced values
    record themselves; plain numbers skip that indirection. With `dtype`
    (float32), every value is rounded to it, constants included. With `keep`
    (`reverse_reads`), a value no later op and no reverse rule reads is
    released once its last consumer has run (`released`): what a gradient's
    own forward pass keeps.
    """
    if not (traced or overrides or upto is not None or dtype is not None) and all_scalar(graph, env):
        values = scalar_values(graph, env)
        if values is not None:
            return values
    table = _DISPATCH if traced else _FORWARD
    nodes = graph.nodes if upto is None else graph.nodes[:upto + 1]
    values: list = [None] * len(nodes)
    overrides = overrides or {}
    plan = _release_plan(graph, keep) if keep is not None and not (traced or overrides or upto is not None) else None
    kept = work = 0
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
                work = _check_memory(graph, node, args, kept, work)
                try:
                    values[node.id] = table[node.op](*args, **node.params)
                except (ValueError, IndexError, TypeError) as exc:
                    raise _shape_error(graph, node, args, exc) from None
                except MemoryError:
                    raise LimitError(f"{node.name} needs more memory than this machine has",
                                     source=graph.source, span=node.span) from None
            if dtype is not None:
                values[node.id] = _cast(values[node.id], dtype)
            kept += getattr(values[node.id], "nbytes", 0)
            if plan is not None and plan[node.id]:
                for j in plan[node.id]:
                    values[j] = released(values[j])
    return values


# ---------------------------------------------------------------- what a gradient's sweeps keep
RELEASE_BYTES = 1 << 16     # smaller values are kept: releasing one costs about what it saves


def reverse_reads(graph: Graph, needs: list) -> list[bool]:
    """Which values the reverse sweep towards the nodes `needs` marks reads, beyond shapes: the output, and what
    the entries' `vjp_reads` name (y, input positions; None: all) of every node that passes a contribution."""
    keep = [False] * len(graph.nodes)
    keep[graph.output] = True
    for node in graph.nodes[:graph.output + 1]:
        op = OPS[node.op]
        if not node.inputs or not any(needs[j] and op.vjp_rule(k) is not None for k, j in enumerate(node.inputs)):
            continue
        reads = op.vjp_reads
        if reads is None:
            reads = ("y", *range(len(node.inputs)))
        for r in reads:
            if r == "y":
                keep[node.id] = True
            elif r < len(node.inputs):
                keep[node.inputs[r]] = True
    return keep


def _release_plan(graph: Graph, keep: list) -> list:
    """For each node, the computed values to release once it is computed: those it is the last consumer of (or
    that nothing consumes) that `keep` does not mark."""
    last = list(range(len(graph.nodes)))
    for node in graph.nodes:
        for j in node.inputs:
            last[j] = node.id
    plan: list = [()] * len(graph.nodes)
    for node in graph.nodes:
        if node.inputs and not keep[node.id]:
            i = last[node.id]
            plan[i] = (*plan[i], node.id)
    return plan


_STAND_INS: dict = {}        # (dtype, shape) -> its read-only stand-in, shared (a few dozen at most)


def released(v):
    """A float array's stand-in once its elements are no longer needed: NaN of its shape and dtype, broadcast
    from one element (a rule may still read its shape; one that read its elements would show NaN)."""
    if type(v) is not np.ndarray or v.dtype.kind not in "fc" or v.nbytes < RELEASE_BYTES:
        return v
    key = (v.dtype, v.shape)
    stand_in = _STAND_INS.get(key)
    if stand_in is None:
        if len(_STAND_INS) >= 64:
            _STAND_INS.clear()
        stand_in = _STAND_INS[key] = np.broadcast_to(np.full((), np.nan, dtype=v.dtype), v.shape)
    return stand_in


def _check_memory(graph: Graph, node: Node, args: list, kept: int, work: int) -> int:
    """Refuse a node whose value would bring the values kept so far, and their adjoints, past max_memory, or
    the elements read so far past max_work (a thousand sums of one large array); the work done so far.

    Checked before numpy allocates, from a bound of the node's size (as the
    element limit is): the product of its inputs' sizes for a pointwise op
    (their broadcast when that is too coarse), else its largest input.
    """
    sizes = [getattr(a, "size", 1) for a in args]
    op, memory = OPS[node.op], graph.limits.max_memory
    bound = math.prod(sizes) if op.pointwise and len(args) > 1 else max(sizes, default=1)
    work += sum(sizes)
    if work > graph.limits.max_work:
        raise LimitError(f"the forward pass has read {work:,} elements by {node.name}, past the limit max_work "
                         f"({how_to_raise('max_work')})", source=graph.source, span=node.span)
    if 16 * bound + 2 * kept <= memory:
        return work
    try:
        if op.out_size is not None:
            bound = op.out_size([_shape(a) for a in args], node.params)
        elif op.pointwise and len(args) > 1:
            bound = math.prod(np.broadcast_shapes(*(_shape(a) for a in args)))
    except (ValueError, IndexError, TypeError):
        return work                        # the op itself will report the mismatch
    if 16 * bound + 2 * kept > memory:
        raise LimitError(f"{node.name} would bring the values kept and their adjoints (what a reverse sweep holds) "
                         f"past {memory:,} bytes, the limit max_memory ({how_to_raise('max_memory')})",
                         source=graph.source, span=node.span)
    return work


def contribution(graph: Graph, node: Node, k: int, seed, y, args: list):
    """What input k of `node` receives from the node's adjoint `seed`, by the op's own reverse rule, with the
    input values `args` (the real ones, or altered ones when `diffx check` tests a hypothesis about a mistake)."""
    op = OPS[node.op]
    return _apply(graph, node, op, op.vjp_rule(k), k, seed, y, args, _shape(args[k]), P.sum_to, "reverse")


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
    """The value of a node that depends on no variable (for constant arguments).

    Only the node's own ancestors are walked (a stack, then their ids in order), so the cost is the size of the
    constant's expression, not of the graph built so far: 10,000 constant indices stay linear.
    """
    needed, stack = set(), [node_id]
    while stack:
        i = stack.pop()
        if i not in needed:
            needed.add(i)
            stack.extend(graph.nodes[i].inputs)
    values: dict[int, Any] = {}
    with np.errstate(all="ignore"):
        for node in (graph.nodes[i] for i in sorted(needed)):
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
             dtype=None, only: Sequence[int] | None = None, release: bool = False) -> list:
    """Reverse sweep: the adjoint d(seed . output)/d(node) of every node.

    With `wrt`, only nodes that lie between those nodes and the output are
    visited (what a gradient needs); without it, every node that reaches the
    output gets its adjoint (what the graph view shows). Nodes reached only
    through `detach`, or not at all, keep `None`. `on_step(node, k, g, c)` is
    told of every contribution c that input k of node receives (the trace view).
    With `only`, the adjoints of other nodes are dropped once the sweep has
    passed them (they come back None); with `release`, so are the entries of
    `values` (the list is the caller's to give up: a lean problem's). Either
    way the arithmetic, and so every adjoint kept, is the same.
    """
    n = len(graph.nodes)
    needs = graph.depends_on(wrt) if wrt is not None else [True] * n
    adj: list = [None] * n
    adj[graph.output] = seed
    if on_step is None and dtype is None and scalar_reverse(graph, values, adj, needs):
        return adj
    with np.errstate(all="ignore"):
        _reverse_sweep(graph, values, adj, needs, on_step, dtype, None if only is None else set(only), release)
    return adj


def _reverse_sweep(graph: Graph, values: Sequence, adj: list, needs: list, on_step, dtype, only=None,
                   release: bool = False) -> None:
    out = graph.output
    for node in reversed(graph.nodes[:out + 1]):
        i = node.id
        g, y = adj[i], values[i]
        if only is not None and i not in only:
            adj[i] = None                 # no later node adds to it: its consumers come after it
        if release and i != out:
            values[i] = None              # nor reads it: its own rules run now, its consumers' have run
        if g is None or not node.inputs:
            continue
        op = OPS[node.op]
        args = [values[j] for j in node.inputs]
        if op.cotangent is not None:
            g = op.cotangent(g)
        for k, j in enumerate(node.inputs):
            rule = op.vjp_rule(k)
            if rule is None or not needs[j]:
                continue
            c = _apply(graph, node, op, rule, k, g, y, args, _shape(args[k]), P.sum_to, "reverse")
            if dtype is not None:
                c = _cast(c, dtype)
            if on_step is not None:
                on_step(node, k, g, c)
            if adj[j] is None:
                adj[j] = c
            elif _ours(adj, j, c):
                np.add(adj[j], c, out=adj[j])   # the sum written over an adjoint no one else holds
            else:
                adj[j] = adj[j] + c
            c = None
        g = y = args = None


_REFCOUNT = getattr(sys, "getrefcount", None) if sys.implementation.name == "cpython" and \
    sys.version_info < (3, 14) else None        # 3.14 may leave stack references uncounted


def _ours(adj: list, j: int, c) -> bool:
    """adj[j] may take adj[j] + c in place: a float array that owns its data and that nothing but this list
    refers to (no forward value, user input, view or other adjoint is it), of the sum's shape and dtype."""
    a = adj[j]
    return (_REFCOUNT is not None and type(a) is np.ndarray and type(c) is np.ndarray and a.flags.owndata
            and a.flags.writeable and a.shape == c.shape and a.dtype.kind in "fc"
            and np.result_type(a, c) == a.dtype and _REFCOUNT(a) == 3)   # the list, `a`, the call's argument


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
        try:
            size = op.out_size([_shape(a) for a in args], node.params)
        except (ValueError, IndexError, TypeError):
            return                         # shapes the op does not take: the op itself will report them
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
