"""The common statement in one loop: arithmetic on numbers and names, parsed with two explicit stacks.

A mixin of the parser (`parser._Parser`). Programs of many lines (an unrolled
loop, a logistic map, generated code) are mostly statements such as
`l = 3.7*l*(1 - l)`: numbers, names, infix and prefix operators, `^` and
parentheses. The recursive descent spends six calls on each operand of those;
this loop reads each token once, keeping pending operators on a stack
(operator precedence, the shunting yard), and builds exactly the nodes the
descent builds, in the same order, with the same spans, labels and folded
constants (`tests/test_fastpaths.py` compares the two on generated programs).

Anything else in the statement (a call, an index, a bracket, a dot, a comma,
a name that is a function, a nesting past `DEEPEST`, any mistake) undoes what
the loop made and leaves the statement to the descent, which says what is
wrong with its own message and caret, or parses what the loop does not read.
"""
from __future__ import annotations

import numpy as np

from .errors import LimitError
from .graph import Node
from .names import CONSTANTS, FUNCTIONS, GENERATORS
from .ops import OPS

_PREFIX, _POW, _OPEN = 5, 6, 0         # stack entries' precedence: a pending '-'/'+', '^', '('
DEEPEST = 48                           # pending prefixes, powers and brackets the loop keeps; deeper: the descent


def constant_leaf(node) -> bool:
    """A constant leaf (a number or an array literal), which the parser may fold."""
    op = OPS[node.op]
    return op.kind == "leaf" and not op.free


class Flat:
    """What the loop needs of the parser: tokens, i, graph, env, constant, limits (see `parser._Parser`)."""

    def flat_statement(self, binary: dict):
        """Parse the statement at the cursor: ("bound", name) or ("output", (node, span)), or None with the
        cursor, nodes and variables as they were (then the descent parses it)."""
        graph = self.graph
        mark, start, known = len(graph.nodes), self.i, len(graph.variables)
        try:
            result = self._flat(binary)
        except LimitError:
            result = None
        if result is None:
            del graph.nodes[mark:]
            for name in list(graph.variables)[known:]:
                del graph.variables[name]
            self.i = start
        return result

    def _flat(self, binary: dict):
        tokens, i = self.tokens, self.i
        target = None
        kind, text = tokens[i][0], tokens[i][1]
        if kind == "name" and tokens[i + 1][1] == "=" and tokens[i + 1][0] == "op":
            if text in FUNCTIONS or text in GENERATORS or text in CONSTANTS:
                return None
            target, i = text, i + 2
        graph, env = self.graph, self.env
        nodes = graph.nodes
        full = self.limits.max_nodes      # at it the loop stops: the descent reports the limit, with its span
        array, f64 = np.asarray, np.float64

        def add(op, inputs, span):
            n = len(nodes)
            if n >= full:
                raise LimitError("the graph is full")   # never shown: flat_statement hands over to the descent
            nodes.append(Node(n, op, inputs, {}, None, span))
            return n
        deepest = min(DEEPEST, self.limits.max_depth)
        values: list = []                  # (node, span start, span end)
        pending: list = []                 # (precedence, op name or None, token start)
        depth = 0
        operand = True
        while True:
            kind, text, s, e = tokens[i]
            if operand:
                if kind == "number":
                    n = len(nodes)
                    if n >= full:
                        return None
                    nodes.append(Node(n, "const", (), {"value": array(float(text), dtype=f64)}, None, (s, e)))
                    values.append((n, s, e))
                elif kind == "name":
                    after = tokens[i + 1][1]
                    if after == "(" or after == "." or after == "[":
                        return None
                    node = env.get(text)
                    if node is None:
                        if text in CONSTANTS:
                            node = graph.const(CONSTANTS[text], span=(s, e), label=text)
                        elif text in FUNCTIONS or text in GENERATORS or self.constant:
                            return None
                        else:
                            node = graph.var(text, (s, e))
                    values.append((node, s, e))
                elif kind == "op" and (text == "-" or text == "+" or text == "("):
                    depth += 1
                    if depth > deepest:
                        return None
                    pending.append((_OPEN if text == "(" else _PREFIX, text, s))
                    i += 1
                    continue
                else:
                    return None
                operand = False
                i += 1
                continue
            if kind == "op" and (text == "^" or text == "**"):
                depth += 1
                if depth > deepest:
                    return None
                pending.append((_POW, "pow", s))
                operand = True
                i += 1
                continue
            rule = binary.get(text) if kind == "op" and text != "." else None
            if rule is None and text != ")" and kind != "sep" and kind != "end":
                return None
            bound = 1 if rule is None else rule[0]      # a ')' or the end: everything down to a '('
            while pending and pending[-1][0] >= bound:  # the operators that bind tighter apply now
                prec, op, start = pending.pop()
                if prec == _PREFIX:
                    self._prefix(op, start, values, add, nodes)
                    depth -= 1
                    continue
                right, _, end = values.pop()
                left, begin, _ = values.pop()
                n = len(nodes)
                if n >= full:
                    return None
                nodes.append(Node(n, op, (left, right), {}, None, (begin, end)))
                values.append((n, begin, end))
                if prec == _POW:
                    depth -= 1
            if rule is not None:
                pending.append((rule[0], rule[1], s))
                operand = True
            elif text == ")":
                if not pending:
                    return None
                depth -= 1
                node, _, _ = values.pop()
                values.append((node, pending.pop()[2], e))
            elif pending:
                return None                # a '(' left open
            else:
                break
            i += 1
        self.i = i
        node, s, e = values[0]
        if target is None:
            return "output", (node, (s, e))
        if nodes[node].label is None:
            nodes[node].label = target
        env[target] = node
        return "bound", target

    @staticmethod
    def _prefix(op: str, start: int, values: list, add, nodes) -> None:
        """Apply a pending '-' or '+' to the value it takes ('-' of a fresh number folds into the number)."""
        node, _, e = values.pop()
        if op == "+":
            values.append((node, start, e))
            return
        fresh = nodes[node]
        if constant_leaf(fresh) and fresh.label is None and node == len(nodes) - 1:
            fresh.params["value"] = -fresh.params["value"]
            fresh.span = (start, e)
            values.append((node, start, e))
            return
        values.append((add("neg", (node,), (start, e)), start, e))
