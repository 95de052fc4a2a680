"""Forward and backward hooks on the layers of a small network: what each one receives."""

import warnings

import torch
from torch import nn

torch.manual_seed(0)
N, D, K = 8, 3, 5
X, y = torch.randn(N, D), torch.randn(N, 1)
model = nn.Sequential(nn.Linear(D, K), nn.ReLU(), nn.Linear(K, 1))

activations = {}  # layer name -> its output, kept for inspection after the pass
events = []  # (hook kind, layer name, shapes it received)


def shapes(tensors):
    return [None if t is None else tuple(t.shape) for t in tensors]


for name, layer in model.named_children():
    layer.register_forward_pre_hook(lambda mod, args, name=name: events.append(("forward pre", name, shapes(args))))
    layer.register_forward_hook(lambda mod, args, out, name=name: activations.update({name: out.detach()}))
    layer.register_full_backward_pre_hook(lambda mod, g_out, name=name: events.append(("backward pre", name, shapes(g_out))))
    layer.register_full_backward_hook(lambda mod, g_in, g_out, name=name: events.append(("backward", name, shapes(g_in))))

# Layer 0 gets None for its input gradient (X does not require it), and PyTorch warns about that.
warnings.filterwarnings("ignore", message="Full backward hook is firing")
loss = ((model(X) - y) ** 2).mean()
loss.backward()

for kind, name, received in events:
    print(f"{kind:13} layer {name}: {received}")
print(f"ReLU outputs that are exactly 0: {(activations['1'] == 0).float().mean().item():.2f}")
assert [name for kind, name, _ in events if kind == "forward pre"] == ["0", "1", "2"]  # forward order
assert list(activations) == ["0", "1", "2"]  # the forward hooks stored the outputs in the same order
assert [name for kind, name, _ in events if kind == "backward"] == ["2", "1", "0"]  # reverse order
