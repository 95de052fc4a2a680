import copy

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

torch.manual_seed(0)
E, N, D, K = 10, 64, 3, 4  # E models of the same architecture
models = [nn.Sequential(nn.Linear(D, K), nn.Tanh(), nn.Linear(K, 1)) for _ in range(E)]
X_ens = torch.randn(N, D)  # one batch that every model sees

# Every parameter of the E models, stacked along a new leading dimension
stacked_params, stacked_buffers = stack_module_state(models)
for name, p in stacked_params.items():
    print(f"{name:9s} {tuple(p.shape)}")
print("buffers:", stacked_buffers)
assert all(p.is_leaf and p.requires_grad for p in stacked_params.values())

# A skeleton with the structure and no data: functional_call supplies every tensor
base = copy.deepcopy(models[0]).to("meta")
assert base[0].weight.is_meta


def run_one(params, buffers, x):
    return functional_call(base, (params, buffers), (x,))


# Map over the models (dim 0 of every stacked tensor), not over X_ens
predictions = vmap(run_one, in_dims=(0, 0, None))(stacked_params, stacked_buffers, X_ens)
print("predictions:", tuple(predictions.shape))
expected = torch.stack([m(X_ens) for m in models])
assert torch.allclose(predictions, expected, atol=1e-6)
print(f"one vmap call gives the outputs of all {E} models")
