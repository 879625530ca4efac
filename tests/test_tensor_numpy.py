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


@pytest.mark.parametrize("call, message", [
    (lambda t: np.fft.fft(t), "numpy's fft on a tensor is not one of diffx's functions"),
    (lambda t: np.add.reduce(t), "numpy's add.reduce on a tensor is not one of diffx's ops"),
    (lambda t: np.exp(t, out=np.zeros(3)), "numpy's exp with out= on a tensor"),
])
def test_what_diffx_has_no_op_for_is_refused_by_name(call, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        call(diffx.tensor([1.0, 2.0, 3.0], requires_grad=True))


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
