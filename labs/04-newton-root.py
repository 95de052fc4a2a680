# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 4: Finding a root by bisection and by Newton's method
#
# You will find the only real root of a polynomial to five decimal places twice: by
# bisection, which needs nothing but the sign of the function, and by Newton's method, which
# also needs the derivative and gets it from autograd. Then you will compare how many
# iterations each takes and how long each runs. The method is explained in
# [the Newton chapter](../newton.md).
#
# The polynomial, called $p$ as in the chapter (`poly` in the code), is
#
# $$
# p(x) = x^7 + 5x^3 + 17x - 9, \qquad p'(x) = 7x^6 + 15x^2 + 17 .
# $$
#
# Every term of $p'$ is non-negative and the last one is $17$, so $p' > 0$ everywhere: $p$ is
# strictly increasing and crosses zero exactly once. Since $p(0) = -9 < 0$ and
# $p(1) = 14 > 0$, the root lies in $[0, 1]$. The cell below confirms the derivative with
# autograd.

# %%
import numpy as np
import plotly.graph_objects as go
import torch
from torch.utils import benchmark


def poly(x):
    """Works on Python floats and on tensors alike."""
    return x**7 + 5 * x**3 + 17 * x - 9


points = torch.linspace(-2, 2, 41, dtype=torch.float64, requires_grad=True)
(derivative,) = torch.autograd.grad(poly(points).sum(), points)
plain = points.detach()
assert torch.allclose(derivative, 7 * plain**6 + 15 * plain**2 + 17)
assert derivative.min() >= 17
assert poly(0.0) < 0 < poly(1.0)
print("p(0) =", poly(0.0), " p(1) =", poly(1.0))

# The checks compare your answers with the real root found by an unrelated method:
# numpy.roots computes all seven complex roots of the polynomial from its coefficients.
all_roots = np.roots([1, 0, 0, 0, 5, 0, 17, -9])
reference = float(all_roots[np.abs(all_roots.imag) < 1e-9].real[0])

# %% [markdown]
# ## Task 1: bisection
#
# Write `bisection(f, lo, hi, tol)` for a function `f` with `f(lo) < 0 < f(hi)` or
# `f(lo) > 0 > f(hi)`. In each iteration take the midpoint of the bracket, keep the half whose
# ends still have opposite signs, and record the midpoint. Stop once the bracket is shorter
# than `2 * tol`. Return the list of all midpoints as Python floats; the last one is the
# answer, and the length of the list is the number of iterations.
#
# <details><summary>Hint</summary>
#
# Plain Python floats are enough here: `mid = (lo + hi) / 2`; if `f(mid)` has the same sign
# as `f(lo)` the root is in the right half (`lo = mid`), otherwise in the left one
# (`hi = mid`). Each iteration halves the bracket, so going from length 1 to $2 \cdot 10^{-7}$
# takes about $\log_2(5 \cdot 10^6) \approx 22$ iterations.
#
# </details>


# %% tags=["placeholder"]
def bisection(f, lo, hi, tol=1e-7):
    # TODO: halve the bracket until it is short enough; this returns the left end.
    return [lo]


# %% tags=["solution"]
def bisection(f, lo, hi, tol=1e-7):
    lo_is_negative = f(lo) < 0
    midpoints = []
    while hi - lo > 2 * tol:
        mid = (lo + hi) / 2
        midpoints.append(mid)
        if (f(mid) < 0) == lo_is_negative:
            lo = mid
        else:
            hi = mid
    return midpoints


# %% tags=["check"]
bisection_steps = bisection(poly, 0.0, 1.0)
bisection_root = float(bisection_steps[-1])
assert round(bisection_root, 5) == round(reference, 5), (
    f"bisection gives {bisection_root:.7f}, where f = {poly(bisection_root):.3g}: not the root to 5 decimals"
)
assert abs(poly(bisection_root)) < 1e-5, f"f(root) = {poly(bisection_root):.3g} is not close to 0"
cube_root_two = float(bisection(lambda t: t**3 - 2, 0.0, 2.0)[-1])
assert abs(cube_root_two - 2 ** (1 / 3)) < 1e-6, "bisection fails on x^3 - 2 (decreasing brackets?)"
print(f"bisection: root {bisection_root:.5f} after {len(bisection_steps)} iterations")
print("Task 1 passed.")

# %% [markdown]
# ## Task 2: Newton's method with autograd
#
# Newton's method replaces $f$ by its tangent at the current guess and jumps to where the
# tangent crosses zero:
#
# $$
# x_{k+1} = x_k - \frac{f(x_k)}{f'(x_k)} .
# $$
#
# Write `newton(f, x0, tol, max_iter)`. Keep the current guess in a float64 tensor with
# `requires_grad=True`, get $f'(x_k)$ by calling `backward()` on $f(x_k)$, and stop as soon as
# a step is shorter than `tol` (or after `max_iter` steps). Return the list of guesses after
# each step, $x_1, x_2, \dots$, as Python floats; again the last one is the answer.
#
# <details><summary>Hint</summary>
#
# - The update must not become part of the graph: do it inside `with torch.no_grad():`,
#   in place (`x -= step`), so that `x` stays the same leaf tensor.
# - `backward()` adds into `x.grad`: reset it with `x.grad.zero_()` after every step, or the
#   next derivative will be the sum of all previous ones.
# - `f` may use any torch function, so always call it on the tensor, never on a float.
#
# </details>


# %% tags=["placeholder"]
def newton(f, x0, tol=1e-7, max_iter=50):
    # TODO: Newton steps with the derivative from autograd; this returns the start.
    return [x0]


# %% tags=["solution"]
def newton(f, x0, tol=1e-7, max_iter=50):
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    guesses = []
    for _ in range(max_iter):
        value = f(x)
        value.backward()
        with torch.no_grad():
            step = value / x.grad
            x -= step
        x.grad.zero_()
        guesses.append(x.item())
        if abs(step.item()) < tol:
            break
    return guesses


# %% tags=["check"]
newton_steps = newton(poly, 0.0)
newton_root = float(newton_steps[-1])
assert round(newton_root, 5) == round(reference, 5), f"Newton gives {newton_root:.7f}, where f = {poly(newton_root):.3g}: not the root to 5 decimals"
assert abs(poly(newton_root)) < 1e-5, f"f(root) = {poly(newton_root):.3g} is not close to 0"
fixed_point = float(newton(lambda t: torch.cos(t) - t, 1.0)[-1])
assert abs(fixed_point - 0.7390851332) < 1e-6, "newton fails on cos(x) - x (is it using autograd?)"
assert len(newton_steps) < len(bisection_steps), f"Newton took {len(newton_steps)} iterations and bisection {len(bisection_steps)}: Newton should need fewer"
print(f"Newton: root {newton_root:.5f} after {len(newton_steps)} iterations (bisection: {len(bisection_steps)})")
print("Task 2 passed.")

# %% [markdown]
# The figure shows the distance to the root after each iteration on a logarithmic scale.
# Bisection halves its bracket at every iteration, so its error follows a straight line
# downwards (with small ups and downs: the midpoint may land closer to the root than the
# bracket guarantees). Near the root, Newton roughly *doubles* the number of correct digits
# at every step, so its curve bends down sharply until it reaches the limit of float64
# (values below $10^{-16}$ are drawn at $10^{-16}$).

# %%
fig = go.Figure()
for name, steps in [("bisection", bisection(poly, 0.0, 1.0)), ("Newton", newton(poly, 0.0))]:
    errors = [max(abs(float(s) - reference), 1e-16) for s in steps]
    fig.add_trace(go.Scatter(x=list(range(1, len(steps) + 1)), y=errors, mode="lines+markers", name=name))
fig.update_layout(
    title=dict(text="Distance to the root"),
    xaxis_title="iteration",
    yaxis=dict(title=dict(text="|x_k - root|"), type="log", exponentformat="power"),
    legend=dict(orientation="h", yanchor="top", y=-0.2, x=0),
    margin=dict(l=60, r=20, t=60, b=50),
)
fig.show()

# %% [markdown]
# ## Task 3: which one is faster?
#
# Fewer iterations do not automatically mean less time: what matters is iterations times the
# cost of one iteration. A bisection step evaluates $f$ once on a Python float. A Newton step
# builds a small autograd graph, runs the backward pass and updates a tensor. The cell below
# measures both with `torch.utils.benchmark` (in a notebook, `%timeit bisection(poly, 0.0, 1.0)`
# does the same job). Run it and compare the time *per iteration* as well as the total.
#
# Timings depend on the machine and vary from run to run, which is why nothing here is
# asserted.

# %% tags=["timing"]
solvers = {"bisection": lambda: bisection(poly, 0.0, 1.0), "Newton": lambda: newton(poly, 0.0)}
for name, solve in solvers.items():
    iterations = len(solve())
    measurement = benchmark.Timer("solve()", globals={"solve": solve}).blocked_autorange(min_run_time=0.2)
    total_us = measurement.median * 1e6
    print(f"{name:>9}: {total_us:8.1f} us in total, {total_us / iterations:7.1f} us per iteration ({iterations} iterations)")

# %% [markdown]
# <details><summary>Discussion</summary>
#
# Newton wins on iterations by a wide margin, and that is what carries over to expensive
# problems: when one evaluation of $f$ takes seconds (a simulation, a large model), the
# number of evaluations decides. For a seven-term polynomial of one variable, each
# evaluation costs next to nothing, and the fixed overhead of autograd per step (creating
# graph nodes, running the backward pass) can outweigh the saved iterations; compare your
# numbers per iteration above. Newton's method also needs a good start and a non-vanishing
# derivative, while bisection only needs a sign change.
#
# </details>
#
# ## Going further
#
# - Write the derivative by hand (`7 * x**6 + 15 * x**2 + 17`) and run Newton on plain Python
#   floats. How does its time compare now?
# - Start Newton at $x_0 = 5$: how many iterations does it need? Far from the root the
#   $x^7$ term dominates, so $p(x) / p'(x) \approx x / 7$: each of the first steps removes
#   only about a seventh of $x$.
