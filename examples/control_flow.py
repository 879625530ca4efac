"""The lesson's control-flow functions, for `diffx grad --python examples/control_flow.py:f --at a=0.7`.

f doubles b until its norm reaches 1000, then keeps it or scales it by 100 by the sign of its sum:
f is piecewise linear in a, so on the path taken its derivative is f(a) / a.
"""


def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


def g(x):
    """The exercise's second function: square, then double until the norm passes 2500."""
    y = x * x
    while y.norm() < 2500:
        y = y * 2
    if y.sum() > 5000:
        return y
    return y * 3


def step(x):
    """A branch that a finite-difference step can flip: 0.5 sits right at the switch."""
    if x > 0.5:
        return x * x
    return x * 3
