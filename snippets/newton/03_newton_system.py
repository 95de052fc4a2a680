import torch
from torch.func import jacrev


def F(v):
    # Where does the circle x^2 + y^2 = 4 meet the curve y = 1 - e^x?
    x, y = v
    return torch.stack([x**2 + y**2 - 4, torch.exp(x) + y - 1])


def newton_system(F, v0, tol=1e-12, max_steps=50):
    """Solve F(v) = 0: each step solves J_F(v) delta = -F(v)."""
    v = torch.tensor(v0, dtype=torch.float64)
    for k in range(max_steps):
        residual = F(v)
        x, y = v.tolist()
        print(f"step {k}: ({x:.10f}, {y:.10f})  |F| = {residual.norm():.1e}")
        if residual.norm() < tol:
            return v
        J = jacrev(F)(v)  # the 2 x 2 Jacobian from autograd
        v = v + torch.linalg.solve(J, -residual)
    raise RuntimeError(f"no convergence in {max_steps} steps")


solution = newton_system(F, [1.0, -1.0])
x, y = solution
J_hand = torch.tensor([[2 * x, 2 * y], [x.exp(), 1.0]], dtype=torch.float64)
assert torch.allclose(jacrev(F)(solution), J_hand)
print(f"solution: x = {x.item():.6f}, y = {y.item():.6f}")
