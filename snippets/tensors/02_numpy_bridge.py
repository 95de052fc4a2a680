import numpy as np
import torch

arr = np.zeros(3)

# from_numpy wraps the same memory: a write on one side shows on the other.
shared = torch.from_numpy(arr)
shared[0] = 1.0  # write through the tensor
arr[1] = 2.0  # write through the array
print("array:", arr, "| tensor:", shared)

# .numpy() also shares memory (for a CPU tensor that does not require grad).
t = torch.arange(3.0)
back = t.numpy()
t.add_(10)  # in-place: same memory
print("after t.add_(10), back =", back)

# These make copies, so later writes do not travel:
copied = torch.tensor(arr)  # torch.tensor always copies
converted = torch.from_numpy(arr).float()  # float64 -> float32: new memory
arr[2] = 3.0
print("arr =", arr, "| copied =", copied.tolist(), "| converted =", converted.tolist())
