"""Gradient descent on a complex parameter z, minimising the real loss |z - c|^2."""

import torch

c = torch.tensor(3.0 - 1.0j)
lr = 0.1


def descend(direction, steps):
    """Take `steps` steps z <- z - lr * direction(z.grad), starting from z = 0."""
    z = torch.zeros((), dtype=torch.complex64, requires_grad=True)
    for _ in range(steps):
        (grad,) = torch.autograd.grad((z - c).abs() ** 2, z)
        with torch.no_grad():
            z -= lr * direction(grad)
    return z.detach()


z = descend(lambda grad: grad, steps=100)
print("z -= lr * z.grad:        z =", z, " |z - c| < 1e-5:", abs(z - c).item() < 1e-5)
assert abs(z - c) < 1e-5
assert abs(abs(descend(lambda grad: grad, steps=10) - c) - 0.8**10 * abs(c)) < 1e-5  # 0.8 per step

# torch.optim.SGD takes the same steps: it needs nothing special for complex parameters.
w = torch.zeros((), dtype=torch.complex64, requires_grad=True)
optimizer = torch.optim.SGD([w], lr=lr)
for _ in range(100):
    optimizer.zero_grad()
    ((w - c).abs() ** 2).backward()
    optimizer.step()
assert torch.allclose(w.detach(), z)

# Stepping along the conjugate (the dL/dz convention of other libraries) climbs in the imaginary direction.
z_conj = descend(lambda grad: grad.conj(), steps=20)
print("z -= lr * z.grad.conj(): z =", z_conj, " |z - c| =", round(abs(z_conj - c).item(), 2))
assert abs(abs(z_conj - c) - 1.2**20) < 0.1  # the imaginary error grew by 1.2 per step
