"""Activation checkpointing: fewer saved tensors, paid for with a second forward pass."""

import copy

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint, checkpoint_sequential

torch.manual_seed(0)
N, K, depth = 256, 256, 8
X, y = torch.randn(N, K), torch.randn(N, K)
plain = nn.Sequential(*[layer for _ in range(depth) for layer in (nn.Linear(K, K), nn.Tanh())])


def run(model, forward):
    """Saved bytes (parameters left out), Linear forward calls and gradients of one training step."""
    parameters = {p.untyped_storage().data_ptr() for p in model.parameters()}
    storages, calls = {}, []

    def pack(tensor):
        if tensor.untyped_storage().data_ptr() not in parameters:
            storages[tensor.untyped_storage().data_ptr()] = tensor.untyped_storage().nbytes()
        return tensor

    hooks = [m.register_forward_hook(lambda *args: calls.append(1)) for m in model if isinstance(m, nn.Linear)]
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        loss = ((forward(model, X) - y) ** 2).mean()
    loss.backward()
    for hook in hooks:
        hook.remove()
    return sum(storages.values()) / 2**20, len(calls), [p.grad for p in model.parameters()]


strategies = {
    "no checkpointing": lambda m, x: m(x),
    "whole model": lambda m, x: checkpoint(m, x, use_reentrant=False),
    "4 segments": lambda m, x: checkpoint_sequential(m, 4, x, use_reentrant=False),
}
results = {name: run(copy.deepcopy(plain), forward) for name, forward in strategies.items()}
for name, (mib, calls, _) in results.items():
    print(f"{name:16}: {mib:5.2f} MiB saved for backward, {calls:2} Linear forward calls")

base_mib, base_calls, base_grads = results["no checkpointing"]
for name, (_, _, grads) in results.items():
    assert all(torch.allclose(g, b) for g, b in zip(grads, base_grads)), name  # same gradients
assert results["whole model"][0] < base_mib / 4 and results["whole model"][1] == 2 * base_calls
assert results["4 segments"][1] == base_calls + 6  # 3 of the 4 segments, 2 Linear layers each
