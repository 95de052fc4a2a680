import torch
from torch import nn
from torch.func import functional_call, grad

torch.manual_seed(0)
N, D, K = 64, 3, 4
model = nn.Sequential(nn.Linear(D, K), nn.Tanh(), nn.Linear(K, 1))
X = torch.randn(N, D)
y = torch.randn(N, 1)

# The model's state as a plain dict, name -> tensor, cut off from the module's graph
params = {name: p.detach() for name, p in model.named_parameters()}

# functional_call runs the module's forward with these tensors in place of its own
y_hat = functional_call(model, params, (X,))
assert torch.equal(y_hat, model(X))


def loss_fn(params, X, y):
    return ((functional_call(model, params, (X,)) - y) ** 2).mean()


# grad differentiates with respect to argument 0, here the whole dict
grads = grad(loss_fn)(params, X, y)
for name, g in grads.items():
    print(f"{name:9s} parameter {tuple(params[name].shape)}, gradient {tuple(g.shape)}")
assert all(p.grad is None for p in model.parameters())  # grad() left .grad alone

# The same numbers from backward() on the module's own parameters
loss_fn(dict(model.named_parameters()), X, y).backward()
for name, p in model.named_parameters():
    assert torch.allclose(grads[name], p.grad)
print("grad() and backward() agree on all", len(grads), "tensors")
