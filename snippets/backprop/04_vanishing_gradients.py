"""Gradient norm per layer: a deep sigmoid network vs a deep ReLU network."""

# --8<-- [start:measure]
import plotly.graph_objects as go
import torch
from torch import nn

torch.manual_seed(0)
depth, width = 10, 32
inputs = torch.randn(64, width)
targets = torch.randn(64, 1)


def weight_grad_norms(activation, init=None):
    torch.manual_seed(0)  # the same draws for every network
    layers = [nn.Linear(width, width) for _ in range(depth)]
    layers.append(nn.Linear(width, 1))
    if init is not None:
        for layer in layers:
            init(layer.weight)
    blocks = [m for layer in layers[:-1] for m in (layer, activation())]
    net = nn.Sequential(*blocks, layers[-1])
    loss = ((net(inputs) - targets) ** 2).mean()
    loss.backward()
    return [layer.weight.grad.norm().item() for layer in layers]


he = lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu")
norms = {"sigmoid": weight_grad_norms(nn.Sigmoid), "ReLU, He init": weight_grad_norms(nn.ReLU, he)}
for name, v in norms.items():
    print(f"{name:14s} first layer {v[0]:.1e}  last layer {v[-1]:.1e}  ratio {v[-1] / v[0]:.1e}")
# --8<-- [end:measure]

# --8<-- [start:plot]
layer = list(range(1, depth + 2))
fig = go.Figure([go.Scatter(x=layer, y=v, mode="lines+markers", name=name) for name, v in norms.items()])
fig.update_layout(
    title="Gradient norm of each layer's weights",
    xaxis_title="layer (1 = next to the input)",
    yaxis_title="‖∇<sub>W</sub> L‖ (log scale)",
    yaxis_type="log",
    legend=dict(orientation="h", y=-0.25),
)
fig.show()
# --8<-- [end:plot]
