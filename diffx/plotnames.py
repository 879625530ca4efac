"""The names on a plot: 'f′(x) reverse AD', 'central differences' — shared by the data, the figure and the views.

Kept apart from diffx.plotdata (which computes the curves) so that the
figure can be drawn from a `PlotData`'s display method without importing
the module that builds it.
"""
from __future__ import annotations

from . import registry

PLAIN_NUMERIC = "numeric-central"     # a plot's "numeric": the textbook scheme, whose errors are worth seeing
ORDER_NAMES = {0: "f", 1: "f′", 2: "f″"}


def method_label(name: str) -> str:
    """'reverse AD', 'central differences' (a plot's numeric), 'complex step' (numeric-complex)."""
    return registry.METHODS[PLAIN_NUMERIC if name == "numeric" else name].label


def curve_label(order: int, method: str | None = None, over: str = "x") -> str:
    """The legend text of a curve: 'f(x)', 'f′(x) reverse AD'."""
    return f"{ORDER_NAMES[order]}({over})" + ("" if method is None else f" {method_label(method)}")
