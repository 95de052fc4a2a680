import torch

# z = x * y with x = w * w, in today's API.
w = torch.tensor(0.5, requires_grad=True)  # leaf, tracked
y = torch.tensor(2.0, requires_grad=True)  # leaf, tracked
x = w * w  # non-leaf: output of an operation
x.retain_grad()  # ask autograd to keep dz/dx as well
z = x * y

z.backward()
for name, t in [("w", w), ("y", y), ("x", x), ("z", z)]:
    kind = "leaf" if t.is_leaf else "non-leaf"
    print(f"{name}: {kind:8}  grad_fn={t.grad_fn.name() if t.grad_fn else None}")

# dz/dw = 2 w y,  dz/dy = x = w^2,  dz/dx = y
print("w.grad =", w.grad.item(), "  expected 2*w*y =", 2 * 0.5 * 2.0)
print("y.grad =", y.grad.item(), " expected w**2  =", 0.5**2)
print("x.grad =", x.grad.item(), "  expected y     =", 2.0)
assert w.grad.item() == 2.0 and y.grad.item() == 0.25 and x.grad.item() == 2.0

# torch.autograd.grad returns a gradient without storing it anywhere.
x2 = w * w
(dz_dx2,) = torch.autograd.grad(x2 * y, x2)
print("dz/dx via autograd.grad =", dz_dx2.item())
