import copy

import torch
from torch import nn

torch.manual_seed(0)
X = torch.randn(64, 3)
y = torch.randn(64, 1)
model_manual = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1))
model_optim = copy.deepcopy(model_manual)  # identical starting weights
loss_fn = nn.MSELoss()
lr = 0.05

# 1. By hand: w <- w - lr * grad, under no_grad, then clear the gradients
for _ in range(50):
    loss_fn(model_manual(X), y).backward()
    with torch.no_grad():
        for p in model_manual.parameters():
            p.add_(p.grad, alpha=-lr)  # p <- p - lr * grad, rounded once
            p.grad = None

# 2. The same with torch.optim.SGD
# foreach=False: one parameter at a time, the same arithmetic as the loop above
optimizer = torch.optim.SGD(model_optim.parameters(), lr=lr, foreach=False)
for _ in range(50):
    optimizer.zero_grad()
    loss_fn(model_optim(X), y).backward()
    optimizer.step()

pairs = list(zip(model_manual.parameters(), model_optim.parameters()))
identical = all(torch.equal(a, b) for a, b in pairs)
print("manual updates and optim.SGD give bitwise identical weights:", identical)
assert identical
