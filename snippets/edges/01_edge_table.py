"""Every gradient at its edge point, next to what the documented rules give."""

import torch
import torch.nn.functional as F

torch.manual_seed(0)


def grads(f, *points):
    """The gradient of f(*points).sum() for each input, as text, or 'error' if backward raises."""
    xs = [torch.tensor(p, requires_grad=True) for p in points]
    try:
        f(*xs).sum().backward()
    except RuntimeError:
        return "error"
    return ", ".join(f"{v:g}" for x in xs for v in x.grad.flatten().tolist())


def corner(name, f, x0, h=1e-3):
    """A corner of a piecewise-linear f: rules 2 and 3 pick the point nearest 0 between the one-sided slopes."""
    x = torch.tensor(x0, dtype=torch.float64)
    left, right = ((f(x) - f(x - h)) / h).item(), ((f(x + h) - f(x)) / h).item()
    return name, f"x = {x0:g}", grads(f, x0), f"{min(max(0.0, min(left, right)), max(left, right)):g}"


rows = [  # operation, point, autograd's gradient, what the rules give ("any": rule 5 allows any value)
    corner("relu(x)", torch.relu, 0.0),
    corner("abs(x)", torch.abs, 0.0),
    corner("leaky_relu(x, 0.1)", lambda t: F.leaky_relu(t, 0.1), 0.0),
    corner("hardtanh(x)", F.hardtanh, 1.0),
    corner("clamp(x, 0, 1)", lambda t: t.clamp(0, 1), 0.0),
    corner("clamp(x, 0, 1)", lambda t: t.clamp(0, 1), 1.0),
    corner("maximum(x, 0)", lambda t: torch.maximum(t, torch.zeros(())), 0.0),
    ("maximum(a, b)", "a = b = 1", grads(torch.maximum, 1.0, 1.0), "0.5, 0.5"),
    ("max(x)", "x = [1, 3, 3]", grads(torch.max, [1.0, 3.0, 3.0]), "0, 0.5, 0.5"),
    ("max(x, dim=0)", "x = [1, 3, 3]", grads(lambda x: x.max(dim=0).values, [1.0, 3.0, 3.0]), "0, 0.5, 0.5"),
    ("amax(x, dim=0)", "x = [1, 3, 3]", grads(lambda x: x.amax(dim=0), [1.0, 3.0, 3.0]), "0, 0.5, 0.5"),
    ("max_pool1d(x, 2)", "x = [0, 0]", grads(lambda x: F.max_pool1d(x[None, None], 2), [0.0, 0.0]), "0.5, 0.5"),
    ("sqrt(x)", "x = 0", grads(torch.sqrt, 0.0), "inf"),
    ("sqrt(a) + log(b)", "a = b = -1", grads(lambda a, b: a.sqrt() + b.log(), -1.0, -1.0), "any"),
    ("vector_norm(v)", "v = 0", grads(torch.linalg.vector_norm, [0.0, 0.0]), "0, 0"),
    ("sqrt((v**2).sum())", "v = 0", grads(lambda v: (v**2).sum().sqrt(), [0.0, 0.0]), "nan, nan"),
    ("hypot(a, b)", "a = b = 0", grads(torch.hypot, 0.0, 0.0), "0, 0"),
    ("where(x > 0, sqrt(x), 0)", "x = 0", grads(lambda x: torch.where(x > 0, x.sqrt(), 0.0), 0.0), "nan"),
    ("round(x) + floor(x)", "x = 0.5, 1", grads(lambda x: x.round() + x.floor(), [0.5, 1.0]), "0, 0"),
    ("x // 2", "x = 1", grads(lambda x: x // 2, 1.0), "0"),
    ("bernoulli(p)", "p = 0.5", grads(torch.bernoulli, 0.5), "error"),
    ("normal(mean, std)", "0, 1", grads(torch.normal, 0.0, 1.0), "error"),
]
print(f"{'operation':<25} {'at':<14} {'autograd':<13} {'rules':<13} agrees")
for name, point, got, rule in rows:
    print(f"{name:<25} {point:<14} {got:<13} {rule:<13} {'yes' if rule in ('any', got) else 'NO'}")
