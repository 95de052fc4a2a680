"""The three backward rules of a linear layer, checked against autograd."""

import torch

torch.manual_seed(0)
N, D, K = 5, 3, 4  # batch size, inputs, outputs
X = torch.randn(N, D, requires_grad=True)
W = torch.randn(D, K, requires_grad=True)
b = torch.randn(K, requires_grad=True)

H = X @ W + b  # (N, K); b is broadcast over the N rows
A = torch.relu(H)

# Any upstream gradient G = dL/dA will do: L = sum(G * A) has dL/dA = G.
G = torch.randn(N, K)
grad_X, grad_W, grad_b = torch.autograd.grad(A, (X, W, b), grad_outputs=G)

G_H = G * (H > 0)  # through ReLU: multiply by the 0/1 mask
by_hand = {
    "dL/dW = X^T G_H": (X.T @ G_H, grad_W),  # (D, N) @ (N, K) -> (D, K)
    "dL/dX = G_H W^T": (G_H @ W.T, grad_X),  # (N, K) @ (K, D) -> (N, D)
    "dL/db = sum over rows of G_H": (G_H.sum(dim=0), grad_b),  # (K,)
}
for rule, (manual, auto) in by_hand.items():
    gap = (manual - auto).abs().max().item()
    shape = str(tuple(manual.shape))
    print(f"{rule:30} shape {shape:7} max |manual - autograd| = {gap:.1e}")
