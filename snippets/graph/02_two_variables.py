"""f(x, y) = x^2 + xy + (x + y)^2 at (2, 2): autograd against the partials by hand."""

import torch

x = torch.tensor(2.0, requires_grad=True)
y = torch.tensor(2.0, requires_grad=True)

a = x**2
b = x * y
c = x + y
d = a + b
e = c**2
f = d + e
print("f(2, 2) =", f.item())

f.backward()

by_hand_x = 2 * x + y + 2 * (x + y)  # df/dx
by_hand_y = x + 2 * (x + y)  # df/dy
print("df/dx: autograd", x.grad.item(), "| by hand", by_hand_x.item())
print("df/dy: autograd", y.grad.item(), "| by hand", by_hand_y.item())
assert x.grad.item() == by_hand_x.item() == 14.0
assert y.grad.item() == by_hand_y.item() == 10.0
