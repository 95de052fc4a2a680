"""Count the bytes a forward pass saves for backward, as a network gets deeper."""

# --8<-- [start:measure]
import plotly.graph_objects as go
import torch
from torch import nn

torch.manual_seed(0)
K = 256  # width of every layer


def saved_activation_bytes(model, inputs):
    """Bytes of the distinct tensors that autograd saves during model(inputs), parameters left out."""
    parameters = {p.untyped_storage().data_ptr() for p in model.parameters()}
    storages = {}  # one entry per memory block: a tensor saved by two nodes counts once

    def pack(tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in parameters:
            storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model(inputs)
    return sum(storages.values())


depths, batches = [1, 2, 4, 8, 16], [64, 1024]
saved = {N: [] for N in batches}  # MiB saved for backward, per batch size N and depth
weights = []  # MiB of parameters, per depth
for depth in depths:
    model = nn.Sequential(*[layer for _ in range(depth) for layer in (nn.Linear(K, K), nn.ReLU())])
    for N in batches:
        saved[N].append(saved_activation_bytes(model, torch.randn(N, K)) / 2**20)
    weights.append(sum(p.numel() * p.element_size() for p in model.parameters()) / 2**20)
    print(f"depth {depth:2}: parameters {weights[-1]:6.3f} MiB, saved for backward " + ", ".join(f"{saved[N][-1]:6.3f} MiB at batch {N}" for N in batches))

# One (N, K) float32 tensor per layer, plus the input: N * K * 4 bytes * (depth + 1).
for N in batches:
    assert all(s * 2**20 == N * K * 4 * (d + 1) for s, d in zip(saved[N], depths))
# --8<-- [end:measure]

# --8<-- [start:plot]
fig = go.Figure()
for N in batches:
    fig.add_scatter(x=depths, y=saved[N], mode="lines+markers", name=f"saved for backward, batch {N}")
fig.add_scatter(x=depths, y=weights, mode="lines+markers", name="parameters (any batch)")
fig.update_layout(title="Memory kept for backward vs depth", xaxis_title="layers", yaxis_title="MiB")
fig.show()
# --8<-- [end:plot]
