"""numpy's functions on tensors record as diffx's ops: a loss written in plain numpy is differentiated as it is."""
import json

import numpy as np
import pytest

import diffx
from diffx.errors import InputError

RNG = np.random.default_rng(3)
W1, W2, X, B = RNG.standard_normal((4, 3)), RNG.standard_normal((1, 4)), RNG.standard_normal((3, 5)), RNG.standard_normal((4, 1))


def numpy_loss(W1, W2, X, b):
    h = np.tanh(W1 @ X + b)
    s = 1.0 / (1.0 + np.exp(-(W2 @ h)))
    return np.mean(s ** 2) + 0.1 * np.sum(np.maximum(h, 0.0)) + np.linalg.norm(W1) / 7


def numpy_backward(W1, W2, X, b):
    """The same gradient written out by hand (what a user checks)."""
    z = W1 @ X + b
    h = np.tanh(z)
    s = 1.0 / (1.0 + np.exp(-(W2 @ h)))
    gs = 2 * s / s.size
    ga = gs * s * (1 - s)
    gh = W2.T @ ga + 0.1 * (h > 0)
    gz = gh * (1 - h * h)
    return {"W1": gz @ X.T + W1 / (7 * np.linalg.norm(W1)), "W2": ga @ h.T, "b": gz.sum(axis=1, keepdims=True)}


def test_a_numpy_loss_gives_the_hand_written_gradient_and_the_language_s():
    at = {"W1": W1, "W2": W2, "X": X, "b": B}
    got = diffx.grad(numpy_loss, wrt=["W1", "W2", "b"], **at)
    want = numpy_backward(**at)
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-12, atol=1e-14)
    text = diffx.grad("mean((1/(1 + exp(-(W2@tanh(W1@X + b)))))^2) + 0.1*sum(maximum(tanh(W1@X + b), 0))"
                      " + norm(W1)/7", wrt=["W1", "W2", "b"], **at)
    for name in want:
        np.testing.assert_allclose(got[name], text[name], rtol=1e-13, atol=1e-15)
    assert diffx.compare(numpy_loss, wrt=["W1", "W2", "b"], **at).verdict == "agree"


@pytest.mark.parametrize("f, want", [
    (lambda t: np.float64(2.0) * t + np.ones(3) * t, lambda x: np.full(3, 3.0)),     # numpy scalars and arrays first
    (lambda t: np.sum(np.sin(t) * np.cos(t)), lambda x: np.cos(2 * x)),
    (lambda t: np.sum(t, axis=0, keepdims=True).sum() + np.max(t), lambda x: 1 + (x == x.max())),
    (lambda t: np.dot(t, t) + np.prod(np.abs(t)), lambda x: 2 * x + np.prod(np.abs(x)) / x),
    (lambda t: np.std(t), lambda x: (x - x.mean()) / (x.size * np.std(x))),          # numpy's ddof=0, not torch's
])
def test_numpy_functions_and_ufuncs_on_one_tensor(f, want):
    x = np.array([0.3, -1.2, 2.0])
    t = diffx.tensor(x, requires_grad=True)
    y = f(t)
    assert isinstance(y, diffx.Tensor)
    y.sum().backward() if y.shape else y.backward()
    np.testing.assert_allclose(t.grad.numpy(), want(x), rtol=1e-12, atol=1e-14)


def test_numpy_questions_about_a_tensor_are_answered_from_its_data():
    t = diffx.tensor(np.ones((2, 3)), requires_grad=True)
    assert np.shape(t) == (2, 3) and np.ndim(t) == 2 and np.size(t) == 6
    assert np.zeros_like(t).shape == (2, 3) and not isinstance(np.zeros_like(t), diffx.Tensor)


SAME_AS_NUMPY = {
    "np.max(t, 0)": lambda a: np.max(a, 0), "np.amin(t, 1)": lambda a: np.amin(a, 1),
    "np.repeat(t, 2)": lambda a: np.repeat(a, 2), "np.repeat(t, 2, axis=0)": lambda a: np.repeat(a, 2, axis=0),
    "np.transpose(t)": lambda a: np.transpose(a), "np.transpose(t, (1, 0))": lambda a: np.transpose(a, (1, 0)),
    "np.clip(t, a_min=0, a_max=2)": lambda a: np.clip(a, a_min=0, a_max=2), "np.clip(t, 0, 2)": lambda a: np.clip(a, 0, 2),
    "np.sum(t, 0)": lambda a: np.sum(a, 0), "np.mean(t, 1, keepdims=True)": lambda a: np.mean(a, 1, keepdims=True),
    "np.where(t > 0, t, 0)": lambda a: np.where(a > 0, a, 0), "np.ones(3) > t[0]": lambda a: np.ones(3) > a[0],
    "np.linalg.norm(t, 1)": lambda a: np.linalg.norm(a, 1), "np.std(t, correction=1)": lambda a: np.std(a, correction=1),
    "np.var(t, axis=0, ddof=1)": lambda a: np.var(a, axis=0, ddof=1), "np.matmul(t, t.T)": lambda a: np.matmul(a, a.T),
    "np.stack([t, t])": lambda a: np.stack([a, a]), "np.concatenate([t, t], axis=1)": lambda a: np.concatenate([a, a], axis=1),
    "np.einsum('ij,kj->ik', t, t)": lambda a: np.einsum("ij,kj->ik", a, a), "np.reshape(t, (6,))": lambda a: np.reshape(a, (6,)),
    "np.linalg.norm(t, 1, axis=(1, 0))": lambda a: np.linalg.norm(a, 1, axis=(1, 0)),
    "np.linalg.norm(t, inf, axis=(1, 0))": lambda a: np.linalg.norm(a, np.inf, axis=(1, 0)),
    "np.cumsum(t, axis=1)": lambda a: np.cumsum(a, axis=1), "np.prod(t, axis=1)": lambda a: np.prod(a, axis=1),
}


@pytest.mark.parametrize("name", SAME_AS_NUMPY)
def test_a_numpy_call_on_a_tensor_computes_what_numpy_computes(name):
    """numpy's arguments are bound by numpy's signature: np.max(t, 0) is a max along axis 0, never the
    elementwise max of t and 0; np.repeat is numpy's, not PyTorch's (which tiles)."""
    a = np.array([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]])
    got = SAME_AS_NUMPY[name](diffx.tensor(a, requires_grad=True))
    want = np.asarray(SAME_AS_NUMPY[name](a), dtype=np.float64)
    assert isinstance(got, diffx.Tensor)
    np.testing.assert_allclose(got.numpy().astype(np.float64), want, rtol=1e-15)
    assert got.shape == want.shape


def test_a_numpy_max_along_an_axis_is_differentiated_as_one():
    a = np.array([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]])
    r = diffx.compare(lambda X: np.sum(np.max(X, 0)), X=a)
    assert float(r.value) == 12.0 and r.verdict == "agree"
    np.testing.assert_array_equal(r.methods["reverse"].derivative["X"], [[0, 0, 1], [1, 1, 0]])


@pytest.mark.parametrize("call, message", [
    (lambda t: np.fft.fft(t), "numpy's fft on a tensor is not one of diffx's functions"),
    (lambda t: np.add.reduce(t), "numpy's add.reduce on a tensor is not one of diffx's ops"),
    (lambda t: np.exp(t, out=np.zeros(3)), "numpy's exp writing into an array"),
    (lambda t: np.sum(t, initial=1.0), "numpy's sum with initial= on a tensor"),
    (lambda t: np.argmax(t), "numpy's argmax on a tensor is not one of diffx's functions"),
])
def test_what_diffx_has_no_op_for_is_refused_by_name(call, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        call(diffx.tensor([1.0, 2.0, 3.0], requires_grad=True))


def test_adding_a_tensor_into_a_numpy_array_in_place_says_how_to_write_it():
    acc = np.zeros(3)
    with pytest.raises(InputError, match="in-place operator such as \\+= on a numpy array.*write a = a \\+ t"):
        acc += diffx.tensor([1.0, 2.0, 3.0], requires_grad=True)


def test_diffx_check_takes_a_numpy_loss_and_its_numpy_backward(cli, tmp_path):
    model = tmp_path / "model.py"
    model.write_text("import numpy as np\n\n"
                     "def loss(W, x):\n    return np.sum(np.tanh(W @ x))\n\n"
                     "def grad(W, x):\n    g = 1 - np.tanh(W @ x) ** 2\n    return {'W': np.outer(g, x)}\n\n"
                     "def wrong(W, x):\n    g = 1 - np.tanh(W @ x) ** 2\n    return {'W': np.outer(x, g)}\n")
    args = ["check", "--python", f"{model}:loss", "--at", "W=[[1,2],[3,4]]*0.1", "--at", "x=1,-1", "--wrt", "W",
            "--points", "2", "--json"]
    r = cli(*args, "--expect-python", f"{model}:grad")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["ok"] is True
    r = cli(*args, "--expect-python", f"{model}:wrong")
    assert r.exit_code == 1 and json.loads(r.stdout)["variables"]["W"]["diagnosis"][0]["kind"] == "transpose"
