import numpy as np
import torch

# From Python data: the dtype is inferred from the values.
from_list = torch.tensor([[1, 2, 3], [4, 5, 6]])

# From NumPy: torch.tensor copies; the float64 dtype of NumPy is kept.
from_numpy = torch.tensor(np.array([0.5, 1.5]))

# From other tensors: arithmetic, joining, and the *_like family.
doubled = from_list * 2
joined = torch.cat([from_list, doubled], dim=0)
same_shape_zeros = torch.zeros_like(from_list, dtype=torch.float32)

# Constants.
ones = torch.ones(2, 3)
identity = torch.eye(3, dtype=torch.int64)
sevens = torch.full((2, 2), 7.0)
grid = torch.linspace(0, 1, steps=5)  # 5 points, both ends included
steps = torch.arange(0, 10, 3)  # like range(): end excluded

# Random values: seed first, so every run draws the same numbers.
torch.manual_seed(0)
uniform = torch.rand(3)  # U[0, 1)
normal = torch.randn(2, 2)  # N(0, 1)
coins = torch.bernoulli(torch.full((2, 4), 0.25))  # 1 with probability 0.25

made = dict(from_numpy=from_numpy, same_shape_zeros=same_shape_zeros, identity=identity)
for name, t in made.items():
    print(f"{name:17} shape={tuple(t.shape)!s:8} dtype={t.dtype}")
print("grid =", grid.tolist(), "| steps =", steps.tolist())
print("coins =", coins.tolist())
