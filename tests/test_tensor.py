"""The traced Tensor: each line of the lesson's semantics, with diffx for torch."""
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import diffx
from diffx import no_grad, tensor

ROOT = Path(__file__).resolve().parents[1]


def test_first_gradient():
    x = diffx.arange(4.0)
    x.requires_grad_(True)
    assert x.grad is None
    y = 2 * diffx.dot(x, x)
    assert y.item() == 28 and repr(y.grad_fn) == "<MulBackward>" and "grad_fn=<MulBackward>" in repr(y)
    y.backward()
    assert x.grad.tolist() == [0, 4, 8, 12] and bool((x.grad == 4 * x).all())


def test_gradients_accumulate_and_reset():
    x = diffx.arange(4.0, requires_grad=True)
    x.sum().backward()
    x.sum().backward()
    assert x.grad.tolist() == [2, 2, 2, 2]
    x.grad.zero_()
    x.sum().backward()
    assert x.grad.tolist() == [1, 1, 1, 1]
    x.grad = None
    (x * x).sum().backward()
    assert x.grad.tolist() == [0, 2, 4, 6]


def test_non_scalar_backward():
    x = tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    with pytest.raises(diffx.NotScalarError, match=r"pass gradient=.*\.sum\(\)\.backward\(\)"):
        (x * x).backward()
    (2 * x).view(2, 2).backward(tensor([[1, 0.1], [0.01, 0.001]]))
    np.testing.assert_allclose(x.grad.numpy(), [2, 0.2, 0.02, 0.002], rtol=1e-15)
    with pytest.raises(diffx.InputError, match="gradient has shape"):
        (2 * x).backward(tensor([1.0, 2.0]))


def test_backward_twice_needs_retain_graph():
    x = diffx.arange(4.0, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(diffx.DiffxError, match="retain_graph=True"):
        y.backward()
    with pytest.raises(RuntimeError):          # PyTorch code catching RuntimeError still works
        y.backward()
    x.grad = None
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [0, 4, 8, 12]


def test_detach():
    x = diffx.arange(4.0, requires_grad=True)
    y = x * x
    u = y.detach()
    assert u.grad_fn is None and not u.requires_grad
    z = u * x
    z.sum().backward()
    assert x.grad.tolist() == u.tolist() == [0, 1, 4, 9]


def test_no_grad():
    x = tensor(1.0, requires_grad=True)
    y1 = x ** 2
    with no_grad():
        y2 = x ** 3
    y3 = y1 + y2
    assert (y1.requires_grad, y2.requires_grad, y3.requires_grad) == (True, False, True)
    y3.backward()
    assert x.grad.item() == 2


def test_leaves_grad_fn_and_non_leaf_grad_warning():
    x = diffx.ones(2, 2, requires_grad=True)
    y = x + 2
    assert x.is_leaf and not y.is_leaf and repr(y.grad_fn) == "<AddBackward>" and x.grad_fn is None
    y.sum().backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert y.grad is None
    assert "retain_grad()" in str(caught[0].message)
    z = x * 3
    z.retain_grad()
    (z * z).sum().backward()
    assert z.grad.tolist() == [[6, 6], [6, 6]]


def test_integer_tensor_refuses_requires_grad():
    with pytest.raises(diffx.InputError, match="only floating-point tensors can require gradients.*arange\\(4.0\\)"):
        diffx.arange(4).requires_grad_(True)


def test_data_is_not_recorded():
    x = diffx.ones(1, requires_grad=True)
    y = 2 * x
    x.data *= 100
    y.backward()
    assert x.tolist() == [100] and x.grad.tolist() == [2]
    with pytest.raises(diffx.InputError, match="in-place"):
        x *= 2


def test_other_rendering_of_the_lesson():
    x = diffx.ones(2, 2, requires_grad=True)
    z = (x + 2) * (x + 2) * 3
    out = z.mean()
    assert z.tolist() == [[27, 27], [27, 27]] and out.item() == 27
    out.backward()
    assert x.grad.tolist() == [[4.5, 4.5], [4.5, 4.5]]
    x.sum().backward()
    assert x.grad.tolist() == [[5.5, 5.5], [5.5, 5.5]]


def test_comparisons_bool_indexing_and_methods():
    x = tensor([1.0, -2.0, 3.0], requires_grad=True)
    assert bool(x[0] > 0) and not bool(x[1] > 0)
    with pytest.raises(diffx.InputError, match="ambiguous"):
        bool(x > 0)
    y = (x.exp().sum() + x.sin().sum() + x.abs().sum() + x.relu().sum() + x.tanh().sum() + x.sigmoid().sum()
         + x.norm() + x.mean() + x[1:].sum() + x.T.dot(x) + x.reshape(3, 1).sum())
    y.backward()
    s = 1 / (1 + np.exp(-x.numpy()))
    want = (np.exp(x.numpy()) + np.cos(x.numpy()) + np.sign(x.numpy()) + (x.numpy() > 0) +
            (1 - np.tanh(x.numpy()) ** 2) + s * (1 - s) + x.numpy() / np.linalg.norm(x.numpy()) + 1 / 3 +
            np.array([0, 1, 1]) + 2 * x.numpy() + 1)
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-14)
    assert diffx.sigmoid(tensor(0.0)).item() == 0.5 and x.numel() == 3


def test_show_and_graph_use_the_graph_renderer(capsys):
    x = diffx.arange(4.0, requires_grad=True)
    y = 2 * diffx.dot(x, x)
    y.backward(retain_graph=True)
    rep = y.graph()
    assert [n.op for n in rep.nodes] == ["var", "dot", "const", "mul"]
    assert rep.nodes[0].adjoint.tolist() == [0, 4, 8, 12]
    diffx.show(y)
    out = capsys.readouterr().out
    assert "dot" in out and "[0, 4, 8, 12]" in out


def test_control_flow_twenty_random_points():
    from examples_control_flow import f
    rng = np.random.default_rng(7)
    for a0 in rng.standard_normal(20) * 3:
        a = tensor(a0, requires_grad=True)
        d = f(a)
        d.backward()
        k = a.grad.item()
        # exactly the path's factor 2^n (times 100 for negative a), which d / a equals up to its rounding
        assert k == 2.0 ** round(np.log2(k / (1 if a0 > 0 else 100))) * (1 if a0 > 0 else 100)
        assert abs(k - (d / a).item()) <= np.spacing(k) * 2
        r = diffx.compare(f, a=a0, methods=["reverse", "symbolic", "numeric"])
        assert r.agree, (a0, r.disagreements, r.warnings)
        for m in r.methods.values():
            assert m.gradient["a"] == pytest.approx(d.item() / a0, rel=1e-6)


def test_api_with_a_callable():
    def h(u, v):
        return (u * v).sum() + u.exp().sum()
    g = diffx.grad(h, u=[1.0, 2.0], v=[3.0, 4.0])
    np.testing.assert_allclose(g["u"], [3 + np.e, 4 + np.e ** 2])
    assert g["v"].tolist() == [1, 2]


def test_lesson_script_prints_the_lessons_numbers():
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "lesson.py")], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    for line in [
        "1. x = [0.0, 1.0, 2.0, 3.0] x.grad = None",
        "2. y = 28.0 grad_fn = <MulBackward>",
        "2. x.grad = [0.0, 4.0, 8.0, 12.0] x.grad == 4x: True",
        "3. x.grad after x.sum(): [1.0, 1.0, 1.0, 1.0]",
        "3. again without zero_(): [2.0, 2.0, 2.0, 2.0]",
        "4. x.grad of sum(x*x): [0.0, 2.0, 4.0, 6.0]",
        "5. x.grad == u: True [0.0, 1.0, 4.0, 9.0]",
        "5. y.sum().backward(): x.grad == 2x: True",
        "7. y.grad_fn = <AddBackward> x.is_leaf = True y.is_leaf = False",
        "7. z = [[27.0, 27.0], [27.0, 27.0]] out = 27.0",
        "7. x.grad = [[4.5, 4.5], [4.5, 4.5]]",
        "7. after x.sum().backward(): [[5.5, 5.5], [5.5, 5.5]]",
        "7. zeroed and again: [[1.0, 1.0], [1.0, 1.0]]",
        "8. x.grad = [2.0, 0.2, 0.02, 0.002]",
        "9. requires_grad: True False True",
        "9. x.grad = 2.0",
        "10. x = [100.0] x.grad = [2.0]",
        "11. W.grad shape (4, 5) b.grad shape (4, 1) b.grad by hand: True",
        "exercise. backward twice with retain_graph: [0.0, 4.0, 8.0, 12.0]",
        "exercise. a third time: GraphFreedError",
        "exercise. g: y = 4608.0 x.grad = 3072.0 == 2y/x: True",
        "exercise. d sin/dx by AD == cos(x): True",
    ]:
        assert line in out, line
    assert "6. a.grad == d / a: True" in out
    assert "exercise. vector a: a.grad all equal: True" in out


def test_python_cli(cli):
    path = ROOT / "examples" / "control_flow.py"
    r = cli("grad", "--python", f"{path}:f", "--at", "a=0.7")
    assert r.exit_code == 0, r.stderr
    for text in ("reverse", "symbolic", "numeric", "2048", "line 10: while b.norm() < 1000:",
                 "10× True, 1× False", "graph of the path taken", "✓ agree: all"):
        assert text in r.stdout, text
    d = json.loads(cli("grad", "--python", f"{path}:f", "--at", "a=0.7", "--json").stdout)
    assert d["methods"]["reverse"]["gradient"] == {"a": 2048} and d["path"][0]["true"] == 10
    g = json.loads(cli("graph", "--python", f"{path}:f", "--at", "a=0.7", "--json").stdout)
    assert g["nodes"][0]["label"] == "a" and g["nodes"][0]["adjoint"] == 2048
    c = json.loads(cli("compare", "--python", f"{path}:f", "--at", "a=0.7", "--json").stdout)
    assert "complex step cannot run a Python function" in c["methods"]["numeric-complex"]["skipped"]


def test_python_path_change_warning(cli):
    path = ROOT / "examples" / "control_flow.py"
    d = json.loads(cli("grad", "--python", f"{path}:step", "--at", "x=0.5", "--json").stdout)
    assert any("took another path" in n and "line 31" in n for n in d["notes"])
    # 0.5 is the switch: x*x is 0.25 just above it and 3x is 1.5 at it, so f jumps there: no derivative
    assert d["verdict"] == "undefined" and "jumps" in d["verdicts"]["x"]["reason"]


def test_python_errors(cli, tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(a):\n    b = a * 2\n    return b / undefined_name\n")
    r = cli("grad", "--python", f"{bad}:f", "--at", "a=1")
    assert r.exit_code == 2
    assert "error in f: NameError" in r.stderr and f'File "{bad}", line 3, in f' in r.stderr
    assert "return b / undefined_name" in r.stderr and "diffx/" not in r.stderr
    assert "has no function 'g'" in cli("grad", "--python", f"{bad}:g", "--at", "a=1").stderr
    assert "no value for a" in cli("grad", "--python", f"{bad}:f").stderr
    assert "write FILE.py:FUNCTION" in cli("grad", "--python", "nocolon", "--at", "a=1").stderr
    assert "either an expression or --python" in cli("grad", "x", "--python", f"{bad}:f").stderr
