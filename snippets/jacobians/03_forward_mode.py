import torch
import torch.autograd.forward_ad as fwAD
from torch.func import jvp

torch.manual_seed(0)


def f(x):
    # f: R^3 -> R^2, the same function as in the reverse-mode example
    return torch.stack([x[0] * x[1] * x[2], x[0] ** 2 + torch.sin(x[2])])


x = torch.tensor([1.0, 2.0, 3.0])
u = torch.randn(3)  # a direction in input space

# Dual numbers: x + eps*u goes in, f(x) + eps*(J u) comes out
with fwAD.dual_level():
    x_dual = fwAD.make_dual(x, u)
    y_dual = f(x_dual)
    y, Ju_dual = fwAD.unpack_dual(y_dual)

# The functional form: returns (f(x), J u) in one forward pass
y_func, Ju_func = jvp(f, (x,), (u,))

x1, x2, x3 = x
J = torch.tensor([[x2 * x3, x1 * x3, x1 * x2], [2 * x1, 0.0, torch.cos(x3)]])
print("u        =", u)
print("dual     =", Ju_dual)
print("func.jvp =", Ju_func)
print("J @ u    =", J @ u)
assert torch.allclose(Ju_dual, J @ u) and torch.allclose(Ju_func, J @ u)
assert torch.equal(y, y_func)
