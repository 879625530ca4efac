"""Matrix-calculus rules in SymPy's matrix notation, as the op entries' `matrix` fields name them.

No longer read: the matrix form is now derived by running the op table's own
reverse rules on symbolic matrix values (`diffx.matrixform`), which needs no
per-op rule and no SymPy, and `closed_form` is printed from that result
(`diffx.mprint.sympy_notation`). These functions stay only while the `matrix=`
fields of the op table still name them; retiring the field is a change to
the op table. Each takes (sp, args, ranks, shapes, params).
"""
from __future__ import annotations


def plus(sp, args, ranks, shapes, params):
    return args[0] + args[1]


def minus(sp, args, ranks, shapes, params):
    return args[0] - args[1]


def negative(sp, args, ranks, shapes, params):
    return -args[0]


def scale(sp, args, ranks, shapes, params):
    """A product with a scalar on one side; an elementwise product of arrays has no matrix form."""
    if ranks[0] and ranks[1]:
        raise TypeError("elementwise product of arrays")
    return args[0] * args[1]


def quotient(sp, args, ranks, shapes, params):
    if ranks[1]:
        raise TypeError("division by an array")
    return args[0] / args[1]


def product(sp, args, ranks, shapes, params):
    """numpy dot and @ with vectors as columns: x.y is xᵀy, x@A is Aᵀx."""
    (a, b), (ra, rb) = args, ranks
    if ra == 1 and rb == 1:
        return a.T * b
    if ra == 1 and rb == 2:
        return b.T * a
    return a * b


def transposed(sp, args, ranks, shapes, params):
    return args[0].T if ranks[0] == 2 else args[0]


def total(sp, args, ranks, shapes, params):
    """sum over all elements: 1ᵀ·x or 1ᵀ·A·1, with named ones-vectors."""
    if params.get("axis") is not None:
        raise TypeError("a sum along one axis")
    a, ra, shape = args[0], ranks[0], shapes[0]
    if ra == 0:
        return a
    left = sp.MatrixSymbol(f"ones{shape[0]}", shape[0], 1)
    right = sp.MatrixSymbol(f"ones{shape[1]}", shape[1], 1) if ra == 2 else sp.Identity(1)
    return left.T * a * right
