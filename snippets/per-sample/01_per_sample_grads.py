import torch
from torch import nn
from torch.func import functional_call, grad, vmap

torch.manual_seed(0)
N, D, K = 64, 3, 4
model = nn.Sequential(nn.Linear(D, K), nn.Tanh(), nn.Linear(K, 1))
X = torch.randn(N, D)
y = torch.randn(N, 1)
params = {name: p.detach() for name, p in model.named_parameters()}


def sample_loss(params, x, t):
    # One example: x has shape (D,), t shape (1,). The model sees a batch of one.
    y_hat = functional_call(model, params, (x.unsqueeze(0),))
    return ((y_hat - t.unsqueeze(0)) ** 2).mean()


# in_dims: the same params for every example (None), X and y split along dim 0
per_sample_grads = vmap(grad(sample_loss), in_dims=(None, 0, 0))
G = per_sample_grads(params, X, y)
for name, g in G.items():
    print(f"{name:9s} {tuple(g.shape)}")

# The reference: one backward pass per example, in a Python loop
for i in range(N):
    loss_i = sample_loss(dict(model.named_parameters()), X[i], y[i])
    grads_i = torch.autograd.grad(loss_i, list(model.parameters()))
    for g, g_i in zip(G.values(), grads_i):
        assert torch.allclose(g[i], g_i, atol=1e-6)

# The loss of the batch is the mean of the example losses, so its gradient
# is the mean of the per-sample gradients
batch_grads = torch.autograd.grad(((model(X) - y) ** 2).mean(), list(model.parameters()))
for g, g_batch in zip(G.values(), batch_grads):
    assert torch.allclose(g.mean(dim=0), g_batch, atol=1e-6)
print(f"{N} per-sample gradients match the loop; their mean is the batch gradient")
