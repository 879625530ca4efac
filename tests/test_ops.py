"""Every op of the table, enumerated: reverse, forward, SymPy and finite differences agree.

A new op cannot be added without a sample here (the first test fails) and
without all of its rules passing the checks below.
"""
from dataclasses import replace

import numpy as np
import pytest

from diffx.comparison import compare
from diffx.engine import backward, evaluate, forward_tangents
from diffx.graph import Graph
from diffx.limits import DEFAULT_LIMITS
from diffx.options import options
from diffx.problem import evaluated
from diffx.ops import OPS

rng = np.random.default_rng(1234)


def u(*shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, size=shape)


def away(*shape):
    """Values kept away from 0 (for kinks at zero)."""
    v = u(*shape, lo=0.3, hi=2.0)
    return v * np.where(rng.random(shape) < 0.5, -1, 1)


# op name -> (inputs, params)
SAMPLES = {
    "add": ([u(3), u(2, 3)], {}),          # broadcasting
    "sub": ([u(2, 3), u(3)], {}),
    "mul": ([u(2, 1), u(3)], {}),
    "div": ([u(3), away(3)], {}),
    "pow": ([u(3, lo=0.5, hi=2.0), u(3)], {}),
    "neg": ([u(2, 2)], {}),
    "abs": ([away(4)], {}),
    "sign": ([away(4)], {}),
    "floor": ([u(4) + 0.01], {}),
    "relu": ([away(4)], {}),
    "maximum": ([u(4), u(4)], {}),
    "minimum": ([u(4), u(1)], {}),
    "where": ([np.array([1.0, 0.0, 1.0, 0.0]), u(4), u(4)], {}),
    "sum": ([u(2, 3)], {"axis": 1, "keepdims": True}),
    "mean": ([u(2, 3, 2)], {"axis": (0, 2)}),
    "prod": ([u(2, 3, 2)], {"axis": (0, 2), "keepdims": True}),
    "amax": ([u(2, 3)], {"axis": 1}),
    "amin": ([u(2, 3, 2)], {"axis": (1, 2), "keepdims": True}),
    "norm": ([u(3, 2)], {"axis": 0, "ord": 3.0}),
    "variance": ([u(2, 3)], {"axis": 1, "ddof": 1}),
    "std": ([u(2, 3, 2)], {"axis": (0, 2), "keepdims": True}),
    "logsumexp": ([u(2, 3)], {"axis": 1, "keepdims": True}),
    "softmax": ([u(2, 3)], {"axis": 1}),
    "log_softmax": ([u(2, 3)], {"axis": -1}),
    "cumsum": ([u(2, 3)], {"axis": 1}),
    "cumprod": ([u(2, 3, lo=0.5, hi=2.0)], {}),
    "mod": ([np.array([0.7, -1.3, 2.9]), np.array([0.5, 0.9, -1.1])], {}),
    "atan2": ([u(4), u(4, lo=0.5, hi=2.0)], {}),
    "hypot": ([away(3), u(3)], {}),
    "clip": ([np.array([-1.5, -0.2, 0.4, 1.7]), np.array([-1.0]), np.array([1.0, 1.0, 0.2, 1.2])], {}),
    "elu": ([away(4)], {"alpha": 0.7}),
    "leaky_relu": ([away(4)], {"negative_slope": 0.2}),
    "dot": ([u(2, 3), u(3)], {}),
    "matmul": ([u(2, 2, 3), u(3, 4)], {}),
    "outer": ([u(3), u(2)], {}),
    "trace": ([u(2, 3, 3)], {"offset": 1, "axis1": 1, "axis2": 2}),
    "inv": ([2 * np.eye(3) + u(3, 3, lo=-0.4, hi=0.4)], {}),
    "det": ([2 * np.eye(3) + u(3, 3, lo=-0.4, hi=0.4)], {}),
    "logdet": ([2 * np.eye(3) + u(3, 3, lo=-0.4, hi=0.4)], {}),
    "slogdet": ([np.array([[0.3, 1.2], [1.1, -0.4]])], {}),
    "solve": ([2 * np.eye(3) + u(3, 3, lo=-0.4, hi=0.4), u(3, 2)], {}),
    "cholesky": ([3 * np.eye(3) + u(3, 3, lo=-0.5, hi=0.5)], {}),
    "einsum": ([u(3, 3), u(3, 2)], {"subscripts": "ii,ij->j"}),
    "tensordot": ([u(2, 3, 2), u(3, 2, 2)], {"axes": 2}),
    "kron": ([u(2, 2), u(2, 3)], {}),
    "cross": ([u(3), u(2, 3)], {}),
    "transpose": ([u(2, 3)], {}),
    "permute": ([u(2, 3, 4)], {"axes": (1, 2, 0)}),
    "swapaxes": ([u(2, 3, 4)], {"axis1": 0, "axis2": 2}),
    "moveaxis": ([u(2, 3, 4)], {"source": 0, "destination": -1}),
    "reshape": ([u(2, 3)], {"shape": (3, 2)}),
    "squeeze": ([u(2, 1, 3)], {"axis": 1}),
    "expand_dims": ([u(2, 3)], {"axis": 1}),
    "index": ([u(3, 4)], {"key": (np.array([0, 2, 0]), slice(1, 3))}),
    "stack": ([u(2), u(2), u(2)], {"axis": -1}),
    "concatenate": ([u(2, 3), u(2, 1)], {"axis": 1}),
    "flip": ([u(2, 3)], {"axis": 1}),
    "roll": ([u(2, 3)], {"shift": (1,), "axis": 1}),
    "repeat": ([u(2, 3)], {"repeats": 2, "axis": 0}),
    "tile": ([u(2, 3)], {"reps": (2, 1, 2)}),
    "diag": ([u(3)], {"k": 1}),
    "diagonal": ([u(2, 3, 4)], {"offset": 1, "axis1": 1, "axis2": 2}),
    "tril": ([u(3, 4)], {"k": -1}),
    "triu": ([u(3, 4)], {"k": 1}),
    "detach": ([u(3)], {}),
    "broadcast_to": ([u(3, 1)], {"shape": (2, 3, 4)}),
    "sum_to": ([u(2, 3, 4)], {"shape": (3, 1)}),
    "scatter": ([u(2)], {"shape": (3, 2), "key": (1,)}),
    "prod_others": ([u(2, 3, lo=0.5, hi=2.0)], {"axis": 1}),
}
for _c in ("lt", "le", "gt", "ge", "eq", "ne"):
    SAMPLES[_c] = ([u(4), u(4)], {})


def sample(name):
    if name in SAMPLES:
        inputs, params = SAMPLES[name]
        return [np.array(a) for a in inputs], params
    op = OPS[name]
    lo, hi = op.domain
    return [u(2, 3, lo=lo, hi=hi)], {}


TABLE = [name for name, op in OPS.items() if op.kind != "leaf"]


def test_every_op_has_a_sample_and_both_rules():
    for name in TABLE:
        op = OPS[name]
        assert name in SAMPLES or (op.kind == "elementwise" and op.arity == 1), f"add a sample for {name}"
        assert len(op.vjp) == len(op.jvp), name
        for r, f in zip(op.vjp, op.jvp):
            assert (r is None) == (f is None), f"{name}: reverse and forward rules must both exist or both be None"
        assert op.display and op.doc, name


def one_op_problem(name):
    """sum(c * op(inputs)) as a graph, with a random cotangent c."""
    inputs, params = sample(name)
    g = Graph(source=name)
    ids = [g.var(f"a{k}") for k in range(len(inputs))]
    y = g.add(name, tuple(ids), params)
    y_value = evaluate(g, {f"a{k}": v for k, v in enumerate(inputs)})[y]
    c = g.const(u(*np.shape(y_value)))
    g.output = g.add("sum", (g.add("mul", (c, y)),))
    point = {f"a{k}": v for k, v in enumerate(inputs)}
    wrt = [f"a{k}" for k in range(len(inputs))]
    return evaluated(g, point, wrt, options(limits=DEFAULT_LIMITS)), inputs, params


@pytest.mark.parametrize("name", TABLE)
def test_forward_and_reverse_rules_are_transposes(name):
    """<J t, c> == <t, J^T c> for random t and c (the check_grads contract)."""
    inputs, params = sample(name)
    g = Graph()
    ids = [g.var(f"a{k}") for k in range(len(inputs))]
    g.output = g.add(name, tuple(ids), params)
    values = evaluate(g, {f"a{k}": v for k, v in enumerate(inputs)})
    y = values[g.output]
    c = u(*np.shape(y))
    adj = backward(g, values, c, wrt=ids)
    for k, i in enumerate(ids):
        t = u(*np.shape(inputs[k]))
        jt = forward_tangents(g, values, {i: t})[g.output]
        lhs = 0.0 if jt is None else float(np.sum(np.asarray(jt) * c))
        rhs = 0.0 if adj[i] is None else float(np.sum(np.asarray(adj[i]) * t))
        assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-12), f"{name} input {k}"


@pytest.mark.parametrize("name", TABLE)
def test_rules_match_finite_differences_and_sympy(name):
    p, inputs, params = one_op_problem(name)
    r = compare(replace(p, options=options(p.options, methods=["reverse", "forward", "symbolic", "numeric"],
                                             rtol=1e-6, atol=1e-7)))
    assert r.methods["reverse"].ran and r.methods["forward"].ran and r.methods["numeric"].ran
    if OPS[name].sym is None:
        assert OPS[name].kind == "internal", f"{name} needs a SymPy translation"
        assert "no SymPy translation" in r.methods["symbolic"].skipped
    else:
        assert r.methods["symbolic"].ran, r.methods["symbolic"].skipped
    assert r.agree, r.disagreements


@pytest.mark.parametrize("name", [n for n in TABLE if OPS[n].sym is not None])
def test_sympy_translation_matches_numpy_forward(name):
    from diffx import symbolic
    p, inputs, params = one_op_problem(name)
    out, syms = symbolic.translate(p.graph, p.values, p.point, p.wrt)
    sp = symbolic.sympy()
    subs = {s: sp.Float(float(v), 30) for k in p.wrt for s, v in zip(np.ravel(syms[k]), np.ravel(p.point[k]))}
    assert symbolic.to_float(out.item().xreplace(subs)) == pytest.approx(float(p.output), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", TABLE)
def test_reverse_rules_are_differentiable(name):
    """Forward-over-reverse (the rules run on traced values) matches differences of the gradient."""
    from diffx import ad, numeric_methods
    p, inputs, params = one_op_problem(name)
    h = ad.hessian_reverse(p).derivative
    n = numeric_methods.hessian(p).derivative
    for key in h:
        np.testing.assert_allclose(h[key], n[key], rtol=1e-5, atol=1e-6, err_msg=f"{name} {key}")


@pytest.mark.parametrize("name", TABLE)
def test_output_size_is_declared_where_it_can_grow(name):
    """The element limit sees every op: `out_size` gives the real size; an op without it never grows.

    Pointwise ops of several inputs make the broadcast of their shapes (the engine's generic rule);
    any other op without `out_size` must make no more elements than its largest input.
    """
    op = OPS[name]
    inputs, params = sample(name)
    y = np.asarray(op.forward(*inputs, **params))
    shapes = [np.shape(a) for a in inputs]
    if op.out_size is not None:
        assert op.out_size(shapes, params) == y.size, f"{name}: out_size disagrees with the forward"
    elif op.pointwise and len(inputs) > 1:
        assert y.size == int(np.prod(np.broadcast_shapes(*shapes))), name
    else:
        assert y.size <= max(np.size(a) for a in inputs), (
            f"{name} makes {y.size} elements from inputs of at most {max(np.size(a) for a in inputs)}: "
            "declare out_size, or the element limit does not see it")


@pytest.mark.parametrize("name", [n for n in TABLE if OPS[n].out_size is not None])
def test_the_element_limit_refuses_a_growing_op(name):
    from diffx.errors import LimitError
    from diffx.limits import Limits
    inputs, params = sample(name)
    size = OPS[name].out_size([np.shape(a) for a in inputs], params)
    g = Graph(limits=Limits(max_elements=size - 1))
    g.output = g.add(name, tuple(g.var(f"a{k}") for k in range(len(inputs))), params)
    with pytest.raises(LimitError, match="elements; the limit is"):
        evaluate(g, {f"a{k}": v for k, v in enumerate(inputs)})
