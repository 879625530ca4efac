"""Assertions for a test suite, in the form `numpy.testing` users know: `assert_derivative(f, expected, at=…)`
passes silently when your derivative is right and raises `AssertionError` with the diagnosis when it is not.

    def test_my_backward():
        diffx.testing.assert_derivative(loss, loss_grad, at={"W": W, "x": x})
"""
from __future__ import annotations

from typing import Any, Callable, Mapping


def assert_derivative(f: Any, expected: Mapping[str, str] | str | Callable, at: Mapping[str, Any] | None = None, *,
                      points: int = 5, **kw) -> None:
    """Raise `AssertionError` unless `expected` is the derivative of `f` at `at` and at `points - 1` nearby points.

    `f` is diffx-language text or a Python function of numpy arrays; `expected` is {name: formula text}, one
    formula, or a Python gradient function (returning an array, a tuple in argument order or a dict by name).
    Options (`rtol`, `atol`, `wrt`, `kind`, `strict`, `random_seed`, …) are those of `diffx.check`.
    """
    from .checking import check
    if callable(expected):
        r = check(f, at, expect_python=expected, points=points, **kw)
    else:
        r = check(f, at, expect=expected, points=points, **kw)
    if r.passed:
        return
    lines = [f"the expected derivative is not the derivative of {r.expr} ({r.verdict}):"]
    lines += [f"  {d}" for d in r.diagnosis] or [f"  {row['variable']} at point {row['point']}: {row['note']}"
                                                  for row in r.table if row["verdict"] != "agree" and row["note"]]
    raise AssertionError("\n".join(lines))
