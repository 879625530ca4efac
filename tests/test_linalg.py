"""The functions people differentiate, in the language and on Tensor: worked examples with closed forms,
singular matrices, refusals, and the parameters of the new ops (norm's ord, einsum's '...', tuple axes).
"""
import numpy as np
import pytest

import diffx

rng = np.random.default_rng(7)


def spd(n, batch=()):
    a = rng.standard_normal(batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def check(expr, reference, rtol=1e-6, **at):
    """Reverse AD equals the closed form, and agrees with finite differences (the comparison's verdict)."""
    got = diffx.grad(expr, **at)
    for name, want in reference.items():
        np.testing.assert_allclose(got[name], want, rtol=rtol, atol=1e-9, err_msg=f"{expr} d/d{name}")
    r = diffx.compare(expr, methods=["reverse", "forward", "numeric"], **at)
    assert r.agree, r.disagreements


# ---------------------------------------------------------------- worked examples
def test_gaussian_log_likelihood_gradient_wrt_the_covariance():
    S, x, mu = spd(3), rng.standard_normal(3), rng.standard_normal(3)
    Si = np.linalg.inv(S)
    d = x - mu
    want = 0.5 * (Si @ np.outer(d, d) @ Si - Si)
    check("-0.5*(logdet(S) + (x - mu).solve(S, x - mu))", {"S": want}, S=S, x=x, mu=mu)
    r = diffx.compare("-0.5*(logdet(S) + (x - mu) . solve(S, x - mu))", S=S, at={"x": x, "mu": mu}, wrt=["S"],
                      methods=["reverse", "symbolic", "numeric"])
    np.testing.assert_allclose(r.methods["reverse"].derivative["S"], want, rtol=1e-9)


def test_softmax_cross_entropy_via_log_softmax():
    z, k = rng.standard_normal(5), 2
    onehot = np.eye(5)[k]
    e = np.exp(z - z.max())
    check("-sum(y * log_softmax(z))", {"z": e / e.sum() - onehot}, z=z, at={"y": onehot}, wrt=["z"])


def test_layer_norm_with_mean_and_var():
    x = rng.standard_normal((2, 4))
    expr = "sum(w * (x - mean(x, axis=-1, keepdims=True)) / sqrt(var(x, axis=-1, keepdims=True) + 1e-5))"
    w = rng.standard_normal((2, 4))
    mu = x.mean(-1, keepdims=True)
    s = np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    xh = (x - mu) / s
    want = (w - w.mean(-1, keepdims=True) - xh * (w * xh).mean(-1, keepdims=True)) / s
    check(expr, {"x": want}, x=x, at={"w": w}, wrt=["x"])


def test_single_head_attention_batched():
    Q, K, V = (rng.standard_normal((2, 3, 4)) for _ in range(3))
    expr = "sum(softmax(Q @ swapaxes(K, -1, -2) / sqrt(4), axis=-1) @ V)"
    S = Q @ np.swapaxes(K, -1, -2) / 2
    P = np.exp(S - S.max(-1, keepdims=True))
    P /= P.sum(-1, keepdims=True)
    G = np.ones((2, 3, 4))
    dP = G @ np.swapaxes(V, -1, -2)
    dS = P * (dP - (dP * P).sum(-1, keepdims=True))
    want = {"Q": dS @ K / 2, "K": np.swapaxes(dS, -1, -2) @ Q / 2, "V": np.swapaxes(P, -1, -2) @ G}
    check(expr, want, Q=Q, K=K, V=V)
    t = {n: diffx.tensor(v, requires_grad=True) for n, v in (("Q", Q), ("K", K), ("V", V))}
    out = (t["Q"] @ t["K"].mT / 2).softmax(-1) @ t["V"]
    out.sum().backward()
    for n in want:
        np.testing.assert_allclose(t[n].grad.numpy(), want[n], rtol=1e-9)


def test_hessians_of_logdet_and_inv_by_forward_over_reverse():
    A = spd(2)
    Ai = np.linalg.inv(A)
    H = diffx.hessian("logdet(A)", A=A)
    # d²logdet/dA_ij dA_kl = -Ai[l, i] Ai[j, k]
    want = -np.einsum("li,jk->ijkl", Ai, Ai)
    np.testing.assert_allclose(H, want, rtol=1e-8, atol=1e-12)
    r = diffx.compare("sum(inv(A))", A=A, kind="hessian", methods=["reverse", "numeric"])
    assert r.agree, r.disagreements


# ---------------------------------------------------------------- singular matrices and bad input
@pytest.mark.parametrize("expr, value", [("sum(inv(A))", "[[1, 2], [2, 4]]"),
                                         ("sum(solve(A, [1, 1]))", "[[1, 2], [2, 4]]"),
                                         ("sum(cholesky(A))", "[[1, 2], [2, 1]]"),
                                         ("logdet(A)", "[[1, 2], [2, 1]]")])
def test_singular_or_indefinite_matrix_is_undefined_naming_the_node(cli, expr, value):
    r = diffx.compare(expr, at=[f"A={value}"], methods=["reverse", "numeric"])
    assert not r.agree
    op = expr.replace("sum(", "").split("(")[0]
    assert r.nonfinite is not None and r.nonfinite["op"] == op, r.nonfinite
    out = cli("grad", expr, "--at", f"A={value}", "-m", "reverse", "-m", "numeric")
    assert out.exit_code == 1 and "undefined" in out.stdout and f"{r.nonfinite['node']} = {op}(" in out.stdout


@pytest.mark.parametrize("expr, message, column", [
    ("einsum('ij,j->k', A, x)", "the output's 'k' is in no input", 14),
    ("einsum('ij;j', A, x)", "einsum subscripts take letters", 10),
    ("einsum('ij,jk,k', A, x)", r"the subscripts name 3 operand\(s\) but einsum got 2", None),
])
def test_malformed_einsum_subscripts_point_into_the_text(cli, expr, message, column):
    with pytest.raises(diffx.ParseError, match=message) as e:
        diffx.parse(expr)
    if column is not None:
        assert e.value.span[0] == column
    r = cli("grad", expr, "--at", "A=eye(2)", "--at", "x=1,2")
    assert r.exit_code == 2 and "^" in r.stderr and message.replace("\\", "") in r.stderr


def test_concatenate_of_mismatched_shapes_names_both(cli):
    r = cli("grad", "sum(concatenate([x, A], axis=1))", "--at", "A=eye(2)", "--at", "x=[[1, 2, 3]]")
    assert r.exit_code == 2 and "(1, 3) and (2, 2)" in r.stderr and len(r.stderr.strip().splitlines()) <= 3


def test_fancy_index_out_of_range(cli):
    r = cli("grad", "sum(x[[0, 5]])", "--at", "x=1,2,3")
    assert r.exit_code == 2 and "index 5 is out of bounds" in r.stderr


def test_parameters_are_checked():
    with pytest.raises(diffx.ParseError, match="keepdims= takes True or False"):
        diffx.parse("sum(x, keepdims=2)")
    with pytest.raises(diffx.ParseError, match="roll takes 2 or 3 arguments, got 1"):
        diffx.parse("roll(x, axis=0)")
    with pytest.raises(diffx.ParseError, match="sum has no argument 'ddof'"):
        diffx.parse("sum(x, ddof=1)")
    with pytest.raises(diffx.ShapeError, match="singular values"):
        diffx.grad("norm(A, 2)", A=np.eye(2))


# ---------------------------------------------------------------- the parameters of the new ops
X = rng.standard_normal((3, 4))


@pytest.mark.parametrize("ord_text, ref", [
    ("1", lambda x: np.sign(x)), ("3", lambda x: np.sign(x) * np.abs(x) ** 2 / np.linalg.norm(x, 3) ** 2),
    ("inf", lambda x: np.sign(x) * (np.abs(x) == np.abs(x).max())),
    ("-inf", lambda x: np.sign(x) * (np.abs(x) == np.abs(x).min()))])
def test_vector_norms(ord_text, ref):
    x = X[0]
    check(f"norm(x, {ord_text})", {"x": ref(x)}, x=x)


@pytest.mark.parametrize("ord_text", ["'fro'", "1", "-1", "inf", "-inf"])
def test_matrix_norms_agree_with_numpy_and_differences(ord_text):
    ord_value = {"'fro'": "fro", "inf": np.inf, "-inf": -np.inf}.get(ord_text, None) or float(ord_text)
    v = diffx.evaluate(f"linalg.norm(A, {ord_text})", A=X)
    assert float(np.asarray(v)) == pytest.approx(np.linalg.norm(X, ord_value))
    r = diffx.compare(f"norm(A, ord={ord_text})", A=X, methods=["reverse", "forward", "numeric"])
    assert r.agree, r.disagreements


@pytest.mark.parametrize("subscripts, shapes", [
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 2)]), ("ij,ij->", [(3, 4), (3, 4)]), ("ii->i", [(3, 3)]),
    ("ij->", [(3, 4)]), ("i,j", [(3,), (2,)]), ("bij,bjk", [(2, 3, 4), (2, 4, 2)])])
def test_einsum_forms(subscripts, shapes):
    ops = {f"a{k}": rng.standard_normal(s) for k, s in enumerate(shapes)}
    names = ", ".join(ops)
    expr = f"sum(c * einsum('{subscripts}', {names}))"
    out_shape = np.shape(np.einsum(subscripts, *ops.values()))
    r = diffx.compare(expr, at={**ops, "c": rng.standard_normal(out_shape)}, wrt=list(ops),
                      methods=["reverse", "forward", "numeric"])
    assert r.agree, r.disagreements


def test_tuple_axes_keepdims_and_ddof_match_numpy():
    x = rng.standard_normal((2, 3, 4))
    for expr, ref in [("sum(x, axis=(0, 2), keepdims=True)", x.sum((0, 2), keepdims=True)),
                      ("std(x, axis=(1, 2), ddof=1)", x.std((1, 2), ddof=1)),
                      ("var(x, 0)", x.var(0)), ("max(x, axis=-1)", x.max(-1)), ("cumsum(x)", np.cumsum(x)),
                      ("logsumexp(x, axis=(0, 1))", np.log(np.exp(x).sum((0, 1))))]:
        np.testing.assert_allclose(diffx.evaluate(expr, x=x), ref, rtol=1e-12, err_msg=expr)


def test_fancy_index_with_repeats_adds_gradients_and_none_and_ellipsis():
    x = rng.standard_normal((3, 4))
    g = diffx.grad("sum(x[[0, 0, 2]])", x=x)["x"]
    np.testing.assert_array_equal(g, np.array([[2.0] * 4, [0.0] * 4, [1.0] * 4]))
    assert np.shape(diffx.evaluate("x[None, ..., 1]", x=x)) == (1, 3)
    check("sum(x[..., [1, 3]] ^ 2)", {"x": 2 * x * np.array([0, 1, 0, 1])}, x=x)


def test_constants_can_be_bound_and_inf_nan_exist():
    assert float(diffx.evaluate("e = x - 1; pi = 2*e; pi + e", x=3.0)) == 6.0
    assert float(diffx.evaluate("e")) == pytest.approx(np.e)
    assert float(diffx.evaluate("min(x, inf)", x=2.0)) == 2.0
    assert np.isnan(float(diffx.evaluate("nan + x", x=1.0)))
    with pytest.raises(diffx.ParseError, match="cannot bind 'True'"):
        diffx.parse("True = 1; True")


def test_clip_passes_gradient_one_at_its_bounds_as_pytorch():
    g = diffx.grad("sum(clip(x, 0, 1))", x=[-1.0, 0.0, 0.5, 1.0, 2.0])["x"]
    np.testing.assert_array_equal(g, [0, 1, 1, 1, 0])
    t = diffx.tensor([-1.0, 0.0, 0.5, 1.0, 2.0], requires_grad=True)
    t.clamp(min=0).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [0, 1, 1, 1, 1])


# ---------------------------------------------------------------- Tensor: PyTorch's names and in-place ops
def test_tensor_pytorch_names():
    a = rng.standard_normal((2, 3))
    t = diffx.tensor(a, requires_grad=True)
    assert t.std(1).tolist() == pytest.approx(a.std(1, ddof=1).tolist())
    assert t.std(1, unbiased=False).tolist() == pytest.approx(a.std(1).tolist())
    assert t.var(dim=0, keepdim=True, correction=0).shape == (1, 3)
    assert t.permute(1, 0).shape == (3, 2) and t.transpose(0, 1).shape == (3, 2) and t.mT.shape == (3, 2)
    assert t.unsqueeze(0).shape == (1, 2, 3) and t.flip(0).tolist()[0] == a[1].tolist()
    assert diffx.cat([t, t], dim=0).shape == (4, 3) and t.repeat(2, 1).shape == (4, 3)
    assert diffx.where(t > 0, t, 0.0).shape == (2, 3) and diffx.maximum(t, 0.0).shape == (2, 3)
    m = diffx.tensor(spd(2), requires_grad=True)
    diffx.linalg.det(m).backward()
    np.testing.assert_allclose(m.grad.numpy(), np.linalg.det(m.numpy()) * np.linalg.inv(m.numpy()).T)
    for name in ("tan", "asin", "acos", "atan", "sinh", "cosh", "log2", "log10", "sign", "softplus", "softmax",
                 "log_softmax", "logsumexp", "clamp", "flip", "permute", "squeeze"):
        assert callable(getattr(t, name)), name


def test_inplace_on_an_intermediate_records_a_node_as_pytorch():
    x = diffx.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    b = a * 3
    a += 1
    a *= a
    (a.sum() + b.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (x.numpy() + 1) + 3)
    with pytest.raises(diffx.InputError, match="a leaf Variable that requires grad is being used in an in-place"):
        x += 1
    with diffx.no_grad():
        x -= 0.5 * x.grad
    assert x.tolist() == pytest.approx([1 - 0.5 * 7, 2 - 0.5 * 9])
