"""An optimizer step inside backward: each parameter is updated as soon as its gradient is ready."""

import copy

import torch
from torch import nn

torch.manual_seed(0)
N, D, K = 32, 128, 128
X, y = torch.randn(N, D), torch.randn(N, 1)
hidden = [layer for _ in range(4) for layer in (nn.Linear(K, K), nn.ReLU())]
reference = nn.Sequential(nn.Linear(D, K), nn.ReLU(), *hidden, nn.Linear(K, 1))
fused = copy.deepcopy(reference)


def grad_bytes(model):
    """Bytes held by the .grad tensors of model right now."""
    return sum(p.grad.numel() * p.grad.element_size() for p in model.parameters() if p.grad is not None)


# The usual loop: backward fills every .grad, then one optimizer updates all parameters.
optimizer = torch.optim.SGD(reference.parameters(), lr=0.01, momentum=0.9)
for _ in range(3):
    optimizer.zero_grad()
    ((reference(X) - y) ** 2).mean().backward()
    peak_reference = grad_bytes(reference)  # every gradient is alive at this point
    optimizer.step()

# Fused: one optimizer per parameter, stepped by a hook that then frees the gradient.
optimizers = {p: torch.optim.SGD([p], lr=0.01, momentum=0.9) for p in fused.parameters()}
peak_fused = 0


def step_and_free(p):
    global peak_fused
    peak_fused = max(peak_fused, grad_bytes(fused))  # p.grad is ready, earlier ones are gone
    optimizers[p].step()
    p.grad = None


for p in fused.parameters():
    p.register_post_accumulate_grad_hook(step_and_free)
for _ in range(3):
    ((fused(X) - y) ** 2).mean().backward()  # no optimizer.step(), no zero_grad()

same = all(torch.equal(a, b) for a, b in zip(reference.parameters(), fused.parameters()))
print(f"same parameters after 3 steps: {same}")
print(f"gradient memory at its peak: {peak_reference / 1024:.1f} KiB usual, {peak_fused / 1024:.1f} KiB fused")
sizes = [p.numel() * p.element_size() for p in fused.parameters()]
assert same and peak_reference == sum(sizes) and peak_fused < 2 * max(sizes) < peak_reference / 2
