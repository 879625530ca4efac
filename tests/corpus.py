"""Smooth expressions with derivatives known in closed form (the accuracy corpus).

Each case: expression, point (values), and the exact gradient as numpy code.
"""
import numpy as np

S = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731

A = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
W = np.array([[0.3, -0.2], [0.1, 0.4], [-0.5, 0.6]])


def _nd(s, c):
    """d/dx of exp(x)/sqrt(sin(x)^3 + cos(x)^3)."""
    f = np.exp(s) / np.sqrt(np.sin(s) ** 3 + np.cos(s) ** 3)
    g = np.sin(s) ** 3 + np.cos(s) ** 3
    dg = 3 * np.sin(s) ** 2 * np.cos(s) - 3 * np.cos(s) ** 2 * np.sin(s)
    return f * (1 - dg / (2 * g))


CORPUS = [
    ("exp(x)", {"x": 0.7}, lambda x: {"x": np.exp(x)}),
    ("log(x)", {"x": 2.3}, lambda x: {"x": 1 / x}),
    ("sin(x)", {"x": 1.1}, lambda x: {"x": np.cos(x)}),
    ("cos(x)", {"x": -0.4}, lambda x: {"x": -np.sin(x)}),
    ("tan(x)", {"x": 0.5}, lambda x: {"x": 1 / np.cos(x) ** 2}),
    ("x^3", {"x": 1.7}, lambda x: {"x": 3 * x ** 2}),
    ("sqrt(x)", {"x": 3.0}, lambda x: {"x": 0.5 / np.sqrt(x)}),
    ("exp(x)/sqrt(sin(x)^3+cos(x)^3)", {"x": 1.5}, lambda x: {"x": _nd(x, None)}),
    ("atan(x)", {"x": 0.3}, lambda x: {"x": 1 / (1 + x * x)}),
    ("sinh(x)", {"x": 0.8}, lambda x: {"x": np.cosh(x)}),
    ("cosh(x)", {"x": -1.2}, lambda x: {"x": np.sinh(x)}),
    ("tanh(x)", {"x": 0.6}, lambda x: {"x": 1 - np.tanh(x) ** 2}),
    ("sigmoid(x)", {"x": 0.9}, lambda x: {"x": S(x) * (1 - S(x))}),
    ("softplus(x)", {"x": -0.5}, lambda x: {"x": S(x)}),
    ("log(1 + x^2)", {"x": 1.3}, lambda x: {"x": 2 * x / (1 + x * x)}),
    ("x*exp(-x^2)", {"x": 0.4}, lambda x: {"x": np.exp(-x * x) * (1 - 2 * x * x)}),
    ("sin(x)*exp(x)", {"x": 2.0}, lambda x: {"x": np.exp(x) * (np.sin(x) + np.cos(x))}),
    ("1/(1 + x^2)", {"x": 0.5}, lambda x: {"x": -2 * x / (1 + x * x) ** 2}),
    ("x^x", {"x": 1.5}, lambda x: {"x": x ** x * (np.log(x) + 1)}),
    ("2^x", {"x": 0.3}, lambda x: {"x": 2 ** x * np.log(2)}),
    ("asin(x)", {"x": 0.3}, lambda x: {"x": 1 / np.sqrt(1 - x * x)}),
    ("acos(x)", {"x": -0.2}, lambda x: {"x": -1 / np.sqrt(1 - x * x)}),
    ("log2(x)", {"x": 5.0}, lambda x: {"x": 1 / (x * np.log(2))}),
    ("log10(x)", {"x": 7.0}, lambda x: {"x": 1 / (x * np.log(10))}),
    ("exp(sin(x))", {"x": 0.9}, lambda x: {"x": np.cos(x) * np.exp(np.sin(x))}),
    ("sqrt(1 + x^2)", {"x": 2.0}, lambda x: {"x": x / np.sqrt(1 + x * x)}),
    ("(x^2 + 1)^(1/3)", {"x": 1.0}, lambda x: {"x": 2 * x / 3 * (x * x + 1) ** (-2 / 3)}),
    ("x^2*y + y^3", {"x": 1.0, "y": 2.0}, lambda x, y: {"x": 2 * x * y, "y": x * x + 3 * y * y}),
    ("sum(exp(x))", {"x": np.array([0.1, 0.2, 0.3])}, lambda x: {"x": np.exp(x)}),
    ("x.x", {"x": np.array([0.5, -1.5, 2.0])}, lambda x: {"x": 2 * x}),
    ("logsumexp(x)", {"x": np.array([0.5, -1.0, 1.5])}, lambda x: {"x": np.exp(x) / np.exp(x).sum()}),
    ("norm(x)", {"x": np.array([1.0, -2.0, 0.5])}, lambda x: {"x": x / np.linalg.norm(x)}),
    ("sum(A@x)", {"A": A, "x": np.array([0.3, 0.1, -0.2])},
     lambda A, x: {"A": np.outer(np.ones(2), x), "x": A.T @ np.ones(2)}),
    ("mean(sin(X))", {"X": np.array([[0.1, 0.2], [0.3, 0.4]])}, lambda X: {"X": np.cos(X) / 4}),
    ("prod(x)", {"x": np.array([1.5, 0.5, 2.0])}, lambda x: {"x": np.prod(x) / x}),
    ("sum(tanh(W@x))", {"W": W, "x": np.array([0.7, -0.3])},
     lambda W, x: {"W": np.outer(1 - np.tanh(W @ x) ** 2, x), "x": W.T @ (1 - np.tanh(W @ x) ** 2)}),
    ("mean(sigmoid(W@x + 1))", {"W": W, "x": np.array([0.2, 0.9])},
     lambda W, x: {"W": np.outer(S(W @ x + 1) * (1 - S(W @ x + 1)), x) / 3,
                   "x": W.T @ (S(W @ x + 1) * (1 - S(W @ x + 1))) / 3}),
]


def exact(case):
    expr, point, grad = case
    return grad(*(np.asarray(v, dtype=np.float64) for v in point.values()))


def relative_error(got: dict, want: dict) -> float:
    """The largest relative error over all elements (absolute where the exact value is 0)."""
    worst = 0.0
    for k, w in want.items():
        g, w = np.asarray(got[k], dtype=np.float64), np.asarray(w, dtype=np.float64)
        worst = max(worst, float(np.max(np.abs(g - w) / np.maximum(np.abs(w), 1.0e-300))))
    return worst
