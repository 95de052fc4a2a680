"""A two-layer ReLU regression network: backward by hand vs autograd."""

import torch

torch.manual_seed(0)
N, D, K = 64, 3, 8  # batch size, inputs, hidden units
X = torch.randn(N, D)
y = torch.sin(2 * X[:, :1]) + 0.5 * X[:, 1:2] * X[:, 2:3]  # (N, 1) target
init = {
    "W1": torch.randn(D, K) / D**0.5,
    "b1": 0.1 * torch.randn(K),
    "W2": torch.randn(K, 1) / K**0.5,
    "b2": torch.zeros(1),
}


def manual_loss_and_grads(X, y, W1, b1, W2, b2):
    # forward, keeping what the backward pass needs
    H1 = X @ W1 + b1  # (N, K)
    A = torch.relu(H1)  # (N, K)
    y_hat = A @ W2 + b2  # (N, 1)
    loss = ((y_hat - y) ** 2).sum()
    # backward, from the loss down to the first layer
    G_yhat = 2 * (y_hat - y)  # (N, 1)
    grad_W2 = A.T @ G_yhat  # (K, N) @ (N, 1) -> (K, 1)
    grad_b2 = G_yhat.sum(dim=0)  # (1,)
    G_A = G_yhat @ W2.T  # (N, 1) @ (1, K) -> (N, K)
    G_H1 = G_A * (H1 > 0)  # (N, K), the ReLU mask
    grad_W1 = X.T @ G_H1  # (D, N) @ (N, K) -> (D, K)
    grad_b1 = G_H1.sum(dim=0)  # (K,)
    return loss, {"W1": grad_W1, "b1": grad_b1, "W2": grad_W2, "b2": grad_b2}


def autograd_loss_and_grads(X, y, W1, b1, W2, b2):
    leaves = [p.detach().requires_grad_() for p in (W1, b1, W2, b2)]
    W1, b1, W2, b2 = leaves
    loss = ((torch.relu(X @ W1 + b1) @ W2 + b2 - y) ** 2).sum()
    loss.backward()
    return loss, dict(zip(["W1", "b1", "W2", "b2"], [p.grad for p in leaves]))


results = {}
for dtype in (torch.float32, torch.float64):
    params = {name: p.to(dtype) for name, p in init.items()}
    _, manual = manual_loss_and_grads(X.to(dtype), y.to(dtype), **params)
    _, auto = autograd_loss_and_grads(X.to(dtype), y.to(dtype), **params)
    results[dtype] = manual, auto

cols = ("param", "shape", "f32 |manual-autograd|", "f64 |manual-autograd|")
print(f"{cols[0]:5} {cols[1]:7} {cols[2]:>22} {cols[3]:>22} {'|f32-f64|':>10}")
for name, p in init.items():
    (m32, a32), (m64, a64) = results[torch.float32], results[torch.float64]
    assert m32[name].shape == p.shape  # a gradient has its parameter's shape
    d32 = (m32[name] - a32[name]).abs().max().item()
    d64 = (m64[name] - a64[name]).abs().max().item()
    rounding = (m32[name].double() - m64[name]).abs().max().item()
    shape = str(tuple(p.shape))
    print(f"{name:5} {shape:7} {d32:>22.1e} {d64:>22.1e} {rounding:>10.1e}")
    assert d32 < 1e-4 and d64 < 1e-12
