"""Generated expressions: reverse AD, forward AD, SymPy and finite differences agree."""
import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import diffx
from bounded import SYMBOLIC_ROOM

ROOMY = diffx.Limits(symbolic_seconds=SYMBOLIC_ROOM)     # every method must run: SymPy's budget is no issue here

leaves = st.sampled_from(["x", "y", "x", "y", "2", "0.5", "3"])
unary = st.sampled_from(["sin({})", "cos({})", "tanh({})", "sigmoid({})", "exp(sin({}))", "sqrt(1 + ({})^2)",
                         "log(2 + cos({}))", "-({})", "atan({})", "softplus({})", "({})^2"])
binary = st.sampled_from(["({}) + ({})", "({}) - ({})", "({}) * ({})", "({}) / (1 + ({})^2)",
                          "({}) * ({}) + 1", "max({}, {})"])   # a kink where both sides meet: explained, not a failure


def extend(children):
    return st.one_of(
        st.builds(lambda f, a: f.format(a), unary, children),
        st.builds(lambda f, a, b: f.format(a, b), binary, children, children),
    )


scalar_exprs = st.recursive(leaves, extend, max_leaves=8)
points = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expr=scalar_exprs, x=points, y=points)
def test_scalar_expressions_agree(expr, x, y):
    graph = diffx.parse(expr)
    values = {k: v for k, v in {"x": x, "y": y}.items() if k in graph.variables}
    assume(values)
    r = diffx.compare(graph, methods=["reverse", "forward", "symbolic", "numeric"], rtol=1e-5, atol=1e-6,
                      limits=ROOMY, **values)
    assume(np.all(np.isfinite(np.asarray(r.value))) and abs(float(r.value)) < 1e6)
    for m in r.methods.values():
        assert m.ran, m.skipped
    assert r.passed, (expr, values, r.verdict, r.verdicts)


vector_exprs = st.sampled_from([
    "sum({f}(x))", "x.{f}(x)", "mean({f}(x) * x)", "norm({f}(x) + 3)", "logsumexp({f}(x))",
    "sum(softmax({f}(x)) * x)", "prod({f}(x) + 2)", "sum(A @ {f}(x))", "x.T @ A.T @ A @ {f}(x)",
])
functions = st.sampled_from(["sin", "cos", "tanh", "sigmoid", "exp", "atan", "softplus"])


@settings(max_examples=40, deadline=None)
@given(template=vector_exprs, f=functions, seed=st.integers(0, 2**16))
def test_vector_expressions_agree(template, f, seed):
    rng = np.random.default_rng(seed)
    expr = template.format(f=f)
    graph = diffx.parse(expr)
    values = {"x": rng.uniform(-1.5, 1.5, 3), "A": rng.uniform(-1, 1, (2, 3))}
    values = {k: v for k, v in values.items() if k in graph.variables}
    r = diffx.compare(graph, methods=["reverse", "forward", "symbolic", "numeric"], rtol=1e-5, atol=1e-6,
                      limits=ROOMY, **values)
    assert r.passed, (expr, r.verdict, r.verdicts)
    assert all(m.ran for m in r.methods.values())
