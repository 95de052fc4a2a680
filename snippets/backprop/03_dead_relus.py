"""Dead ReLU units on sparse inputs, and LeakyReLU on the same problem."""

import torch
from torch import nn

torch.manual_seed(0)
n_examples, n_inputs, n_hidden = 256, 10, 100
# sparse, non-negative inputs: about 80% of the entries are exactly zero
keep = torch.rand(n_examples, n_inputs) < 0.2
inputs = torch.rand(n_examples, n_inputs) * keep
targets = 2 * inputs[:, :1] + torch.sin(3 * inputs[:, 1:2])


def train(activation, steps=200, lr=0.1):
    torch.manual_seed(1)  # the same initial weights for both activations
    net = nn.Sequential(nn.Linear(n_inputs, n_hidden), activation, nn.Linear(n_hidden, 1))
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((net(inputs) - targets) ** 2).mean()
        loss.backward()
        optimizer.step()
    first = net[0]
    # one flag per hidden unit
    negative_everywhere = (first(inputs) <= 0).all(dim=0)
    no_weight_grad = (first.weight.grad == 0).all(dim=1)
    zero_gradient = no_weight_grad & (first.bias.grad == 0)
    return {
        "negative on every input": negative_everywhere.float().mean().item(),
        "zero gradient": zero_gradient.float().mean().item(),
        "final loss": loss.item(),
    }


results = {"ReLU": train(nn.ReLU()), "LeakyReLU": train(nn.LeakyReLU(0.01))}
for name, r in results.items():
    print(f"{name:10s}", "  ".join(f"{k}: {v:.3g}" for k, v in r.items()))
