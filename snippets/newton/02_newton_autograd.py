import torch


def p(x):
    return x**7 + 5 * x**3 + 17 * x - 9


def newton(f, x0, tol=5e-6, max_steps=100):
    """Newton's method; the derivative f'(x) comes from autograd."""
    x = torch.tensor(x0, dtype=torch.float64)
    iterates = [x.item()]
    for _ in range(max_steps):
        x.requires_grad_(True)
        y = f(x)
        (slope,) = torch.autograd.grad(y, x)  # f'(x), not written by hand
        with torch.no_grad():  # the update itself must not be recorded
            step = y / slope
            x = x - step
        iterates.append(x.item())
        if abs(step.item()) < tol:
            return x, iterates
    raise RuntimeError(f"no convergence in {max_steps} steps")


root, iterates = newton(p, 1.0)
print(f"Newton: root = {root.item():.5f} in {len(iterates) - 1} steps from 1")
for k, x_k in enumerate(iterates):
    print(f"  x_{k} = {x_k:.12f}")
