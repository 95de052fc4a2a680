import copy

import torch
from torch import nn

device = "cuda" if torch.cuda.is_available() else "cpu"


class TwoLayerNet(nn.Module):
    def __init__(self, n_in=3, n_hidden=16, n_out=1):
        super().__init__()
        self.hidden = nn.Linear(n_in, n_hidden)
        self.out = nn.Linear(n_hidden, n_out)

    def forward(self, x):
        return self.out(torch.relu(self.hidden(x)))


torch.manual_seed(0)
X = torch.randn(64, 3, device=device)
y = X[:, :1] * X[:, 1:2] + 0.5 * X[:, 2:3] + 0.1 * torch.randn(64, 1, device=device)
start = TwoLayerNet().to(device)  # every run starts from these same weights


def train(make_optimizer, steps=150):
    model = copy.deepcopy(start)
    optimizer = make_optimizer(model.parameters())
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()  # clear the .grad of every parameter
        loss = loss_fn(model(X), y)  # forward
        loss.backward()  # gradients of the loss
        optimizer.step()  # update every parameter
        losses.append(loss.item())
    return model, losses


runs = {
    "SGD lr=0.05": lambda p: torch.optim.SGD(p, lr=0.05),
    "SGD+momentum lr=0.05": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
    "Adam lr=0.01": lambda p: torch.optim.Adam(p, lr=0.01),
    "Adam lr=1e-6": lambda p: torch.optim.Adam(p, lr=1e-6),
}
curves = {}
for name, make in runs.items():
    _, curves[name] = train(make)
    print(f"{name:<22} loss {curves[name][0]:.4f} -> {curves[name][-1]:.4f}")
