"""The autograd lesson (Dive into Deep Learning), cell by cell, with diffx in place of torch.

    python examples/lesson.py

Each line printed is one of the lesson's results; tests/test_lesson.py runs this script and checks them.
"""
import numpy as np

import diffx
from diffx import no_grad, tensor

# 1-2. the gradient of y = 2 xᵀx
x = diffx.arange(4.0)
x.requires_grad_(True)
print("1. x =", x.tolist(), "x.grad =", x.grad)
y = 2 * diffx.dot(x, x)
print("2. y =", y.item(), "grad_fn =", y.grad_fn)
y.backward()
print("2. x.grad =", x.grad.tolist(), "x.grad == 4x:", bool((x.grad == 4 * x).all()))

# 3. gradients accumulate unless reset
x.grad.zero_()
y = x.sum()
y.backward()
print("3. x.grad after x.sum():", x.grad.tolist())
y = x.sum()
y.backward()
print("3. again without zero_():", x.grad.tolist())

# 4. a non-scalar output: sum it (or pass a gradient)
x.grad.zero_()
y = x * x
y.sum().backward()
print("4. x.grad of sum(x*x):", x.grad.tolist())

# 5. detach
x.grad.zero_()
y = x * x
u = y.detach()
z = u * x
z.sum().backward()
print("5. x.grad == u:", bool((x.grad == u).all()), x.grad.tolist())
x.grad.zero_()
y.sum().backward()
print("5. y.sum().backward(): x.grad == 2x:", bool((x.grad == 2 * x).all()))


# 6. Python control flow: the gradient of the path taken
def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


a = diffx.randn(size=(), seed=0, requires_grad=True)
d = f(a)
d.backward()
print("6. a.grad == d / a:", bool(a.grad == d / a), "a.grad =", a.grad.item())

# 7. the other rendering: mean of 3 (x + 2)^2 at ones(2, 2)
x = diffx.ones(2, 2, requires_grad=True)
y = x + 2
print("7. y.grad_fn =", y.grad_fn, "x.is_leaf =", x.is_leaf, "y.is_leaf =", y.is_leaf)
z = y * y * 3
out = z.mean()
print("7. z =", z.tolist(), "out =", out.item())
out.backward()
print("7. x.grad =", x.grad.tolist())
out2 = x.sum()
out2.backward()
print("7. after x.sum().backward():", x.grad.tolist())
x.grad.zero_()
x.sum().backward()
print("7. zeroed and again:", x.grad.tolist())

# 8. backward with a weight vector
x = tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
y = 2 * x
z = y.view(2, 2)
v = tensor([[1.0, 0.1], [0.01, 0.001]])
z.backward(v)
print("8. x.grad =", x.grad.tolist())

# 9. no_grad
x = tensor(1.0, requires_grad=True)
y1 = x ** 2
with no_grad():
    y2 = x ** 3
y3 = y1 + y2
print("9. requires_grad:", y1.requires_grad, y2.requires_grad, y3.requires_grad)
y3.backward()
print("9. x.grad =", x.grad.item())

# 10. .data changes the value without being recorded
x = diffx.ones(1, requires_grad=True)
y = 2 * x
x.data *= 100
y.backward()
print("10. x =", x.tolist(), "x.grad =", x.grad.tolist())

# 11. a layer: mean(sigmoid(W @ X + b))
X = diffx.randn(5, 3, seed=1, requires_grad=True)
W = diffx.randn(4, 5, seed=2, requires_grad=True)
b = diffx.randn(4, 1, seed=3, requires_grad=True)
A = diffx.sigmoid(W @ X + b)
loss = A.mean()
loss.backward()
s = A.numpy()
print("11. W.grad shape", W.grad.shape, "b.grad shape", b.grad.shape,
      "b.grad by hand:", bool(np.allclose(b.grad.numpy(), (s * (1 - s)).sum(1, keepdims=True) / s.size)))

# exercises: backward twice needs retain_graph
x = diffx.arange(4.0, requires_grad=True)
y = (x * x).sum()
y.backward(retain_graph=True)
y.backward()
print("exercise. backward twice with retain_graph:", x.grad.tolist())
try:
    y.backward()
except diffx.DiffxError as exc:
    print("exercise. a third time:", type(exc).__name__)

# exercise: a as a random vector; every component gets the same power-of-two factor
a = diffx.randn(size=(10,), seed=5, requires_grad=True)
d = f(a)
d.sum().backward()
print("exercise. vector a: a.grad all equal:", bool(np.all(a.grad.numpy() == a.grad.numpy()[0])),
      "factor", a.grad.numpy()[0])


# exercise: another control-flow function
def g(x):
    y = x * x
    while y.norm() < 2500:
        y = y * 2
    return y


x = tensor(3.0, requires_grad=True)
y = g(x)
y.backward()
print("exercise. g: y =", y.item(), "x.grad =", x.grad.item(), "== 2y/x:", bool(x.grad == 2 * y / x))

# exercise: sin and its derivative without using cos, over the whole grid in one backward()
x = diffx.linspace(-20, 20, 401, requires_grad=True)
y = diffx.sin(x)
y.sum().backward()
print("exercise. d sin/dx by AD == cos(x):", bool(np.allclose(x.grad.numpy(), np.cos(x.numpy()), atol=1e-12)))
