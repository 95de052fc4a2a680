"""Leaves, requires_grad and grad_fn on a one-layer model."""

import torch

torch.manual_seed(0)

x = torch.ones(5)  # input: data, not optimised
target = torch.zeros(3)  # expected output
w = torch.randn(5, 3, requires_grad=True)  # parameters we want gradients for
b = torch.randn(3, requires_grad=True)

z = x @ w + b  # logits
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, target)

for name, t in [("x", x), ("w", w), ("b", b), ("z", z), ("loss", loss)]:
    node = type(t.grad_fn).__name__ if t.grad_fn is not None else None
    print(f"{name:>4}: is_leaf={t.is_leaf!s:5} requires_grad={t.requires_grad!s:5} grad_fn={node}")

loss.backward()
print("dloss/db =", b.grad)
print("w.grad has the shape of w:", tuple(w.grad.shape))
