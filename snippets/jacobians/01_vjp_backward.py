import torch

torch.manual_seed(0)


def f(x):
    # f: R^3 -> R^2, small enough to write its Jacobian by hand
    return torch.stack([x[0] * x[1] * x[2], x[0] ** 2 + torch.sin(x[2])])


x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
v = torch.randn(2)  # one weight per output

# Reverse mode: backward(v) leaves v^T J in x.grad
y = f(x)
y.backward(v)
vjp_backward = x.grad.clone()

# The same product returned instead of accumulated into .grad
(vjp_grad,) = torch.autograd.grad(f(x), x, grad_outputs=v)

# The Jacobian written by hand, formed here only to check the product
x1, x2, x3 = x.detach()
J = torch.tensor([[x2 * x3, x1 * x3, x1 * x2], [2 * x1, 0.0, torch.cos(x3)]])

print("v         =", v)
print("backward  =", vjp_backward)
print("grad      =", vjp_grad)
print("v @ J     =", v @ J)
assert torch.allclose(vjp_backward, v @ J)
assert torch.allclose(vjp_grad, v @ J)
