"""Kink rules: the data an op entry declares about where it is not differentiable.

They live beside the op table (which imports them), not with the diagnostics
that apply them, so the table depends on nothing above it. Every rule is
built with keywords: a rule is read far more often than it is written.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .forwards import kept
from .records import dataclass  # dataclasses' own, made without compiling source


@dataclass(frozen=True, kw_only=True)
class KinkRule:
    """One kind of kink of one input of an op (the same for every element that sits at it)."""

    input: int                      # which input of the op the kink is in
    where: Callable[..., Any]        # (y, *inputs, **params) -> bool array: the elements at the kink
    left: float | None              # one-sided derivatives along that input (None: not defined there)
    right: float | None
    subdifferential: str | None     # e.g. "[-1, 1]"; None where there is none
    convention: float | str         # what diffx's AD uses
    pytorch: str
    jax: str
    note: str = ""
    # the switching surface: (inputs, their tangents) -> (u, u̇), the kink where u = 0; finite differences keep
    # their steps below |u|/|u̇| so that no stencil straddles it (None: the rule gives no distance)
    surface: Callable[[list, list], tuple] | None = None


def at_zero(*, left, right, subdifferential, convention, pytorch, jax, note="", input=0) -> tuple[KinkRule, ...]:
    """A kink where one input is exactly 0 (abs, relu, sqrt, sign)."""
    return (KinkRule(input=input, where=lambda y, *xs, **p: np.asarray(xs[input]) == 0, left=left, right=right,
                     subdifferential=subdifferential, convention=convention, pytorch=pytorch, jax=jax, note=note,
                     surface=lambda xs, ts: (xs[input], ts[input])),)


def at_tie(*, left, right, subdifferential, convention, pytorch, jax, note="") -> tuple[KinkRule, ...]:
    """Both inputs of a two-input op, where they are equal (maximum, minimum, comparisons)."""
    where = lambda y, a, b, **p: np.broadcast_to(np.asarray(a) == np.asarray(b), np.shape(y))  # noqa: E731
    return tuple(KinkRule(input=k, where=where, left=left, right=right, subdifferential=subdifferential,
                          convention=convention, pytorch=pytorch, jax=jax, note=note,
                          surface=lambda xs, ts: (np.subtract(xs[0], xs[1]), np.subtract(ts[0], ts[1])))
                 for k in (0, 1))


def reduction_tie(*, note: str) -> tuple[KinkRule, ...]:
    """A max/min reduction where several elements share the extreme value."""
    def where(y, x, axis=None, **p):
        x = np.asarray(x)
        hits = x == np.reshape(y, kept(x.shape, axis))
        counts = np.sum(hits, axis=axis, keepdims=True)
        return hits & (counts > 1)
    return (KinkRule(input=0, where=where, left=0.0, right=1.0,
                     subdifferential="the convex hull of the tied elements' unit vectors", convention="1/k each",
                     pytorch="split evenly (amax)", jax="split evenly", note=note),)


def jumps(*, where, note, input=0, left=0.0, right=0.0, convention=0.0, pytorch="0", jax="0") -> tuple[KinkRule, ...]:
    """A jump (floor, round, %): not continuous there, with the same derivative on each side."""
    return (KinkRule(input=input, where=where, left=left, right=right, subdifferential=None,
                     convention=convention, pytorch=pytorch, jax=jax, note=note),)
