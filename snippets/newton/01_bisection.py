import torch


def p(x):
    return x**7 + 5 * x**3 + 17 * x - 9


def bisection(f, a, b, tol=5e-6):
    """Halve [a, b] until its midpoint is within tol of the root."""
    a = torch.tensor(a, dtype=torch.float64)
    b = torch.tensor(b, dtype=torch.float64)
    f_a = f(a)
    assert f_a * f(b) < 0, "the bracket must contain a sign change"
    midpoints = []
    while (b - a) / 2 > tol:
        m = (a + b) / 2
        f_m = f(m)
        midpoints.append(m.item())
        if f_a * f_m <= 0:  # the sign change is in the left half
            b = m
        else:
            a, f_a = m, f_m
    return (a + b) / 2, midpoints


root, midpoints = bisection(p, 0.0, 1.0)
print(f"bisection: root = {root.item():.5f}, {len(midpoints)} evaluations of p")
print(f"p(root) = {p(root).item():.2e}")
