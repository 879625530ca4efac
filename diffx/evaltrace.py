"""The evaluation trace in the textbook's layout (Baydin et al. 2018, tables 2-3).

Inputs are v₋ₙ₊₁ … v₀, intermediates v₁, v₂, …; constants appear by value.
The primal trace lists each vᵢ = op(…) with its value; the tangent trace
each v̇ᵢ as a sum of ∂vᵢ/∂vⱼ·v̇ⱼ; the adjoint trace, in reverse order, each
chain-rule update v̄ⱼ = v̄ⱼ + v̄ᵢ·∂vᵢ/∂vⱼ as the reverse sweep performed it.
The numbers come from the engine's own sweeps (through their step hooks)
and the op table's rules; nothing here differentiates on its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .engine import backward, forward_tangents
from .estimate import check
from .graph import Node
from .engine import quiet
from .problem import Problem
from .ops import OPS
from .results import SCHEMA_VERSION, jsonable, output_limit, summary_note

_SUB = str.maketrans("-0123456789", "₋₀₁₂₃₄₅₆₇₈₉")


def num(v) -> str:
    a = np.asarray(v, dtype=np.float64)
    if a.ndim == 0:
        return f"{float(a):.6g}"
    return np.array2string(a, separator=", ", threshold=8, formatter={"float_kind": lambda x: f"{x:.4g}"})


def operand(v) -> str:
    """A number as an operand: negative numbers in parentheses, 1·(-1) not 1·-1."""
    text = num(v)
    return f"({text})" if text.startswith("-") else text


@dataclass
class Row:
    node: str            # plain id of the node the row is about, e.g. "v-1"
    text: str            # the line as the textbook writes it
    value: np.ndarray

    def to_dict(self) -> dict:
        return {"node": self.node, "text": self.text, "value": jsonable(self.value)}


@dataclass
class Trace:
    expr: str
    at: dict
    tangent: dict
    names: dict[str, str]                   # graph id -> textbook name
    primal: list[Row] = field(default_factory=list)
    tangents: list[Row] = field(default_factory=list)
    adjoints: list[Row] = field(default_factory=list)
    cost: dict = field(default_factory=dict)
    output_limit: int | None = None         # max_output_elements of the run: larger arrays are summarised in JSON

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:   # Jupyter (diffx.htmlview)
        from .htmlview import trace_bundle
        return trace_bundle(self)

    def to_dict(self) -> dict:
        with output_limit(self.output_limit):
            return summary_note({
                "schema_version": SCHEMA_VERSION, "expr": self.expr, "at": jsonable(self.at),
                "tangent": jsonable(self.tangent), "names": self.names,
                "primal": [r.to_dict() for r in self.primal], "tangent_trace": [r.to_dict() for r in self.tangents],
                "adjoint_trace": [r.to_dict() for r in self.adjoints], "cost": self.cost})


def trace(p: Problem, tangent: dict[str, np.ndarray]) -> Trace:
    """The primal, tangent (along `tangent`) and adjoint traces of a problem, with their costs.

    Its work is one tangent pass and one reverse sweep, refused beforehand past max_work (`diffx.estimate`).
    """
    check(p, "forward", "jvp")
    check(p, "reverse", "gradient")
    with quiet():
        return _trace(p, tangent)


def _trace(p: Problem, tangent: dict[str, np.ndarray]) -> Trace:
    g = p.graph
    index: dict[int, int] = {}
    for k, name in enumerate(g.variables):
        index[g.variables[name]] = k - len(g.variables) + 1
    step = 1
    for node in g.nodes:
        if OPS[node.op].kind != "leaf":
            index[node.id] = step
            step += 1

    def v(i: int) -> str:
        if i in index:
            return f"v{index[i]}".translate(_SUB)
        return num(g.nodes[i].params["value"])       # a constant, by value

    # every node has a plain name: a constant output (`a = x; 2`) is written by its id
    plain = {n.name: f"v{index[n.id]}" if n.id in index else n.name for n in g.nodes}
    t = Trace(g.source, p.point, tangent, plain, output_limit=p.limits.max_output_elements)

    for name, i in g.variables.items():
        t.primal.append(Row(plain[g.nodes[i].name], f"{v(i)} = {name} = {num(p.values[i])}", p.values[i]))
    for node in g.nodes:
        if node.id in index and OPS[node.op].kind != "leaf":
            with_values = g.rhs(node, lambda i: operand(p.values[i]))
            t.primal.append(Row(plain[node.name], f"{v(node.id)} = {g.rhs(node, v)} = {with_values} = "
                                f"{num(p.values[node.id])}", p.values[node.id]))

    t.tangents, tangent_ops = _tangent_rows(p, tangent, v, plain)
    t.adjoints, adjoint_ops, stored = _adjoint_rows(p, v, plain)
    t.cost = {
        "forward_ops": sum(1 for n in g.nodes if OPS[n.op].kind != "leaf"),
        "tangent_ops": tangent_ops,
        "adjoint_ops": adjoint_ops,
        "values_stored": len(stored),
        "scalars_stored": int(sum(np.size(p.values[i]) for i in stored)),
    }
    return t


def _partial(node: Node, k: int, values, rule) -> np.ndarray | None:
    """∂vᵢ/∂vⱼ as a number when both are scalars (a rule applied to a unit seed)."""
    args = [values[i] for i in node.inputs]
    y = values[node.id]
    if np.ndim(y) or np.ndim(args[k]):
        return None
    extra = {"argnum": k} if OPS[node.op].variadic else {}
    try:
        return rule(np.ones(()), y, *args, **extra, **node.params)     # a unit seed an index rule can index
    except (ValueError, IndexError, TypeError, ArithmeticError):
        return None           # no number for the partial: the row shows the contribution itself


def _tangent_rows(p: Problem, tangent: dict, v, plain) -> tuple[list[Row], int]:
    g = p.graph
    steps: dict[int, list] = {}
    seeds = {g.variables[name]: np.asarray(d, dtype=np.float64) for name, d in tangent.items()}
    tangents = forward_tangents(g, p.values, seeds,
                                on_step=lambda node, k, tk, c: steps.setdefault(node.id, []).append((k, tk, c)))
    rows = []
    for name, i in g.variables.items():
        d = tangents[i] if tangents[i] is not None else np.zeros(np.shape(p.values[i]))
        rows.append(Row(plain[g.nodes[i].name], f"{_dot(v(i))} = {_dot(name)} = {num(d)}", d))
    for node in g.nodes:
        if OPS[node.op].kind == "leaf":
            continue
        parts, nums = [], []
        for k, tk, c in steps.get(node.id, []):
            j = node.inputs[k]
            d = _partial(node, k, p.values, OPS[node.op].jvp_rule(k))
            parts.append(f"∂{v(node.id)}/∂{v(j)}·{_dot(v(j))}")
            nums.append(f"{operand(d)}·{operand(tk)}" if d is not None else operand(c))
        value = tangents[node.id] if tangents[node.id] is not None else np.zeros(np.shape(p.values[node.id]))
        text = f"{_dot(v(node.id))} = " + (" + ".join(parts) + " = " + " + ".join(nums) + " = " if parts else "")
        rows.append(Row(plain[node.name], text + num(value), value))
    return rows, sum(len(s) for s in steps.values())


def _adjoint_rows(p: Problem, v, plain) -> tuple[list[Row], int, set]:
    g = p.graph
    out = g.output
    rows = [Row(plain[g.nodes[out].name], f"{_bar(v(out))} = ȳ = {num(np.ones(np.shape(p.output)))}",
                np.ones(np.shape(p.output)))]
    running: dict[int, np.ndarray] = {}
    stored: set[int] = set()

    def step(node: Node, k: int, gbar, c) -> None:
        j = node.inputs[k]
        stored.update((node.id, *node.inputs))
        d = _partial(node, k, p.values, OPS[node.op].vjp_rule(k))
        chain = f"{_bar(v(node.id))}·∂{v(node.id)}/∂{v(j)}"
        numbers = f"{operand(gbar)}·{operand(d)}" if d is not None else operand(c)
        if j in running:
            total = running[j] + c
            text = f"{_bar(v(j))} = {_bar(v(j))} + {chain} = {num(running[j])} + {numbers} = {num(total)}"
        else:
            total = c
            text = f"{_bar(v(j))} = {chain} = {numbers}" + ("" if d is None else f" = {num(c)}")
        running[j] = np.asarray(total)
        rows.append(Row(plain[g.nodes[j].name], text, np.asarray(total)))

    ids = [g.variables[name] for name in p.wrt]
    adj = backward(g, p.values, np.ones(np.shape(p.output)), wrt=ids, on_step=step)
    for name, i in zip(p.wrt, ids):
        a = adj[i] if adj[i] is not None else np.zeros(np.shape(p.values[i]))
        rows.append(Row(plain[g.nodes[i].name], f"{_bar(name)} = {_bar(v(i))} = {num(a)}", np.asarray(a)))
    return rows, len(rows) - 1 - len(ids), stored


def _dot(name: str) -> str:
    return name[0] + "\u0307" + name[1:]


def _bar(name: str) -> str:
    return name[0] + "\u0304" + name[1:]
