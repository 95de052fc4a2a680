import torch

device = "cuda" if torch.cuda.is_available() else "cpu"


def f(x):
    x1, x2 = x[..., 0], x[..., 1]
    return torch.sin(x1) * torch.cos(x2) + torch.sin(x1 / 2) * torch.cos(x2 / 2)


def descend_many(starts, eta=0.5, steps=100):
    """Gradient descent from every row of `starts` (n, 2) at once."""
    X = starts.clone().requires_grad_()
    for _ in range(steps):
        F = f(X)  # shape (n,): one value per start
        F.backward(torch.ones_like(F))  # = F.sum().backward(): every row's gradient
        with torch.no_grad():
            X -= eta * X.grad
        X.grad.zero_()
    return X.detach()


torch.manual_seed(0)
starts = 10 * torch.rand(200, 2, device=device)  # 200 starts in [0, 10]^2
ends = descend_many(starts)

# Group the end points into distinct minima (same point to 2 decimals)
minima, counts = torch.unique(ends.round(decimals=2) + 0.0, dim=0, return_counts=True)
print(" x1      x2      f(x)     starts")
for m, c in zip(minima.cpu().tolist(), counts.tolist()):
    print(f"{m[0]:6.2f}  {m[1]:6.2f}  {f(torch.tensor(m)).item():7.4f}  {c:4d}")
