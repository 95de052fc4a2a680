import torch
from torch.func import jacfwd, jacrev

torch.manual_seed(0)
n, m = 3, 4
A = torch.randn(m, n)


def f(x):
    # f: R^n -> R^m, a linear map followed by an elementwise nonlinearity
    return torch.tanh(A @ x)


x = torch.randn(n, requires_grad=True)

# 1. Row by row: row i of J is e_i^T J, one reverse pass per output
y = f(x)
rows = []
for i in range(m):
    e_i = torch.zeros(m)
    e_i[i] = 1.0
    (row,) = torch.autograd.grad(y, x, grad_outputs=e_i, retain_graph=True)
    rows.append(row)
J_loop = torch.stack(rows)

# 2. The autograd.functional helper
J_functional = torch.autograd.functional.jacobian(f, x)

# 3. and 4. torch.func transforms: reverse mode and forward mode
J_rev = jacrev(f)(x)
J_fwd = jacfwd(f)(x)

# By hand: d tanh(a)/da = 1 - tanh(a)^2, so J = diag(1 - y^2) A
J_hand = (1 - y.detach() ** 2)[:, None] * A

print("J has shape", tuple(J_loop.shape), "= (m, n)")
print(J_hand)
ways = {
    "loop": J_loop,
    "functional": J_functional,
    "jacrev": J_rev,
    "jacfwd": J_fwd,
}
for name, J in ways.items():
    assert torch.allclose(J, J_hand, atol=1e-6), name
print("all four agree with the hand-derived Jacobian")
