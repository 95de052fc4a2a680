import torch
from torch.func import grad, hessian, jvp

torch.manual_seed(0)


def rosenbrock(x):
    # Chained Rosenbrock function R^n -> R; its Hessian is tridiagonal
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


n = 5
x = torch.randn(n, dtype=torch.float64)
v = torch.randn(n, dtype=torch.float64)

# Reverse-over-reverse: differentiate the gradient's dot product with v
x_leaf = x.clone().requires_grad_(True)
(g,) = torch.autograd.grad(rosenbrock(x_leaf), x_leaf, create_graph=True)
(hvp_double_backward,) = torch.autograd.grad(g @ v, x_leaf)

# Forward-over-reverse: push the direction v through the gradient function
_, hvp_forward_over_reverse = jvp(grad(rosenbrock), (x,), (v,))

H = hessian(rosenbrock)(x)  # the full n x n matrix, for checking only
products = {
    "double backward": hvp_double_backward,
    "forward-over-reverse": hvp_forward_over_reverse,
    "H @ v": H @ v,
}
for name, hv in products.items():
    print(f"{name:>20s}:", [round(value, 3) for value in hv.tolist()])
assert torch.allclose(hvp_double_backward, H @ v)
assert torch.allclose(hvp_forward_over_reverse, H @ v)
