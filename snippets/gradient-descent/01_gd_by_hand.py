import torch


def f(x):
    """f(x1, x2) = sin x1 cos x2 + sin(x1/2) cos(x2/2), on the last axis of x."""
    x1, x2 = x[..., 0], x[..., 1]
    return torch.sin(x1) * torch.cos(x2) + torch.sin(x1 / 2) * torch.cos(x2 / 2)


def descend(start, eta=0.2, steps=100):
    """Plain gradient descent from `start`; returns the path, shape (steps + 1, 2)."""
    x = torch.tensor(start, requires_grad=True)
    path = [x.detach().clone()]
    for _ in range(steps):
        y = f(x)
        y.backward()  # x.grad now holds the gradient of f at x
        with torch.no_grad():  # the update itself must not enter the graph
            x -= eta * x.grad
        x.grad.zero_()  # backward adds to .grad: reset it for the next step
        path.append(x.detach().clone())
    return torch.stack(path)


path = descend([2.0, 5.0])
x_min = path[-1]
print("start:", path[0].tolist())
print("end  :", [round(v, 4) for v in x_min.tolist()], " f =", round(f(x_min).item(), 4))

# At a minimum the gradient vanishes
x = x_min.clone().requires_grad_()
f(x).backward()
print("gradient norm at the end below 1e-5:", x.grad.norm().item() < 1e-5)
