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
# # Lab 1: Gradient descent on a bumpy surface
#
# You will minimise a function of two variables with plain gradient descent, letting autograd
# supply every gradient: first from one starting point, then from several (to see that the
# answer depends on where you start), and finally from hundreds of starting points at once,
# without a Python loop over them. The ideas behind each step are explained in
# [the gradient descent chapter](../gradient-descent.md).
#
# The surface is
#
# $$
# f(\mathbf{x}) = \sin x_1 \cos x_2 + \sin\tfrac{x_1}{2} \cos\tfrac{x_2}{2},
# \qquad \mathbf{x} = (x_1, x_2),
# $$
#
# and one step of gradient descent with learning rate $\eta$ is
#
# $$
# \mathbf{x}_{t+1} = \mathbf{x}_t - \eta \, \nabla_{\mathbf{x}} f(\mathbf{x}_t).
# $$
#
# How to work: fill in the cells marked `# TODO`, then run the check cell below each one.
# A check that passes prints a short confirmation; one that fails raises an `AssertionError`
# saying what is still wrong.

# %%
import plotly.graph_objects as go
import torch

torch.manual_seed(0)


def f(x1, x2):
    """The surface; x1 and x2 are tensors of the same shape (scalars included)."""
    return torch.sin(x1) * torch.cos(x2) + torch.sin(x1 / 2) * torch.cos(x2 / 2)


def contour_figure(title):
    """A contour map of f over [0, 10] x [0, 10] on a 60 x 60 grid."""
    grid = torch.linspace(0, 10, 60)
    x1_grid, x2_grid = torch.meshgrid(grid, grid, indexing="xy")
    fig = go.Figure(
        go.Contour(
            x=grid.tolist(),
            y=grid.tolist(),
            z=f(x1_grid, x2_grid).tolist(),
            colorscale="Viridis",
            colorbar=dict(title=dict(text="f")),
            ncontours=20,
        )
    )
    fig.update_layout(
        title=dict(text=title),
        xaxis_title="x1",
        yaxis_title="x2",
        legend=dict(orientation="h", yanchor="top", y=-0.15, x=0),
        margin=dict(l=50, r=20, t=60, b=50),
    )
    return fig


fig = contour_figure("Contour map of f")
fig.show()

# %% [markdown]
# Dark regions are valleys. There are several of them, separated by ridges and saddle points,
# so "the" minimum a descent finds depends on where it starts.
#
# ## Task 1: descend from one starting point
#
# Write `descend(x1_start, x2_start, lr, steps)`. It starts at the point
# $(x_1, x_2)$ = `(x1_start, x2_start)` (two Python floats) and takes `steps` gradient
# descent steps with learning rate `lr`. It returns the whole trajectory as a tensor of shape
# `(steps + 1, 2)`: row 0 is the starting point, row $t$ the point after $t$ steps.
#
# - Make `x1` and `x2` tensors with `requires_grad=True`, evaluate `f(x1, x2)` and call
#   `backward()` on the value: autograd fills `x1.grad` and `x2.grad`.
# - Update the variables inside `with torch.no_grad():`, so that the update itself is not
#   recorded in the graph.
# - Reset the gradients after each step with `x1.grad.zero_()` (with no "s":
#   [the `zeros_()` typo](../tensors.md#zero_-not-zeros_)). `backward()` *adds* into `.grad`
#   ([gradients accumulate](../graph.md#gradients-accumulate)), so without the reset every
#   step would use the sum of all gradients so far.
#
# <details><summary>Hint</summary>
#
# Collect the points in a Python list of pairs, appending `(x1.item(), x2.item())` after
# each step, and turn it into a tensor with `torch.tensor(points)` at the end.
# The defaults `lr=0.2, steps=200` are enough for this surface.
#
# </details>


# %% tags=["placeholder"]
def descend(x1_start, x2_start, lr=0.2, steps=200):
    # TODO: take `steps` gradient descent steps; this version never moves.
    return torch.tensor([[x1_start, x2_start]]).repeat(steps + 1, 1)


# %% tags=["solution"]
def descend(x1_start, x2_start, lr=0.2, steps=200):
    x1 = torch.tensor(x1_start, requires_grad=True)
    x2 = torch.tensor(x2_start, requires_grad=True)
    points = [(x1_start, x2_start)]
    for _ in range(steps):
        value = f(x1, x2)
        value.backward()
        with torch.no_grad():
            x1 -= lr * x1.grad
            x2 -= lr * x2.grad
        x1.grad.zero_()
        x2.grad.zero_()
        points.append((x1.item(), x2.item()))
    return torch.tensor(points)


# %% [markdown]
# The check starts from a random point of $[0, 10]^2$ and verifies that the end of your
# trajectory is a true local minimum: the gradient there is (almost) zero and the Hessian,
# computed by autograd, has only positive eigenvalues.

# %% tags=["check"]
start = 10 * torch.rand(2)
path = descend(*start.tolist())
assert path.shape == (201, 2), f"expected a (201, 2) trajectory for 200 steps, got {tuple(path.shape)}"
assert torch.allclose(path[0], start), "row 0 of the trajectory must be the starting point"
end = path[-1].clone().requires_grad_(True)
(grad_at_end,) = torch.autograd.grad(f(end[0], end[1]), end)
assert grad_at_end.norm() < 1e-3, (
    f"the gradient at the end point still has norm {grad_at_end.norm():.3g}; the descent has not converged (is the point moving at all?)"
)
assert f(*path[-1]) < f(*path[0]), "f must be lower at the end than at the start"
hessian = torch.autograd.functional.hessian(lambda p: f(p[0], p[1]), path[-1])
assert torch.linalg.eigvalsh(hessian).min() > 0, "the end point is a saddle point, not a minimum"
print(f"start ({start[0]:.3f}, {start[1]:.3f}) -> minimum f = {f(*path[-1]):.4f} at ({path[-1, 0]:.4f}, {path[-1, 1]:.4f})")
print("Task 1 passed.")

# %% [markdown]
# ## Task 2: several starting points
#
# Run `descend` from each row of `starts` (six random points of $[0, 10]^2$) and collect the
# six trajectories in the list `paths`. The figure below draws them on the contour map.
# Then answer the question: **does every run reach the same minimum?** Set `n_minima` to the
# number of *different* end points (two end points closer than 0.01 count as one).
#
# <details><summary>Hint</summary>
#
# `starts.tolist()` gives six `[x1, x2]` pairs. For counting, keep a list of distinct end
# points and add an end point only if `(end - known).norm() > 0.01` for every point already
# in the list.
#
# </details>

# %%
starts = 10 * torch.rand(6, 2)

# %% tags=["placeholder"]
paths = []  # TODO: one trajectory per row of `starts`
n_minima = 0  # TODO: how many different minima did the six runs reach?

# %% tags=["solution"]
paths = [descend(x1, x2) for x1, x2 in starts.tolist()]
distinct_ends = []
for path in paths:
    if all((path[-1] - known).norm() > 0.01 for known in distinct_ends):
        distinct_ends.append(path[-1])
n_minima = len(distinct_ends)

# %%
fig = contour_figure("Descent from six random starts")
for number, path in enumerate(paths, start=1):
    shown = path[::4]  # every 4th step keeps the figure light
    fig.add_trace(go.Scatter(x=shown[:, 0].tolist(), y=shown[:, 1].tolist(), mode="lines+markers", marker=dict(size=4), name=f"run {number}"))
fig.update_xaxes(range=[0, 10])
fig.update_yaxes(range=[0, 10])
fig.show()

# %% tags=["check"]
assert len(paths) == len(starts), f"expected {len(starts)} trajectories, got {len(paths)}"
for number, (path, start) in enumerate(zip(paths, starts), start=1):
    assert torch.allclose(path[0], start), f"trajectory {number} does not begin at starts[{number - 1}]"
ends = torch.stack([path[-1] for path in paths])
close = torch.cdist(ends, ends) < 0.01
# An end point is the first of its group when no earlier end point lies within 0.01 of it.
first_of_group = ~torch.tril(close, diagonal=-1).any(dim=1)
expected = int(first_of_group.sum())
assert n_minima == expected, f"n_minima is {n_minima}, but the six end points form {expected} groups"
print(f"The six runs reached {n_minima} different minima.")
print("Task 2 passed.")

# %% [markdown]
# Not every run ends in the same valley: gradient descent only ever goes downhill from where
# it is, so each start is drawn into the minimum whose *basin of attraction* contains it.
# Which basin that is depends on the ridges between the valleys, not on which valley is
# deepest.
#
# ## Task 3: many starting points at once
#
# Loops over starting points are slow in Python. Write `descend_batch(starts, lr, steps)`,
# where `starts` has shape `(n, 2)` (one starting point per row), that updates all `n`
# points together in each step and returns the `n` end points, shape `(n, 2)`. There must be
# no loop over the rows, only the loop over steps. Do not modify `starts` itself.
#
# `f(x[:, 0], x[:, 1])` now returns a vector of `n` values, and `backward()` needs a scalar
# (or an explicit vector to multiply with). Since row $i$ of the result depends only on
# row $i$ of `x`, calling `values.backward(torch.ones_like(values))` (equivalently,
# `values.sum().backward()`) gives every row its own gradient in `x.grad`.
#
# <details><summary>Hint</summary>
#
# Start from `x = starts.clone().requires_grad_(True)`. The step is then a single line,
# `x -= lr * x.grad`, inside `torch.no_grad()`. Return `x.detach()`.
#
# </details>


# %% tags=["placeholder"]
def descend_batch(starts, lr=0.2, steps=200):
    # TODO: descend all rows at once; this version returns the starts unchanged.
    return starts.clone()


# %% tags=["solution"]
def descend_batch(starts, lr=0.2, steps=200):
    x = starts.clone().requires_grad_(True)
    for _ in range(steps):
        values = f(x[:, 0], x[:, 1])
        values.backward(torch.ones_like(values))
        with torch.no_grad():
            x -= lr * x.grad
        x.grad.zero_()
    return x.detach()


# %% tags=["check"]
many_starts = 10 * torch.rand(400, 2)
untouched = many_starts.clone()
many_ends = descend_batch(many_starts)
assert torch.equal(many_starts, untouched), "descend_batch must not modify its input"
assert many_ends.shape == many_starts.shape, f"expected end points of shape {tuple(many_starts.shape)}, got {tuple(many_ends.shape)}"
probe = many_ends.clone().requires_grad_(True)
(grads,) = torch.autograd.grad(f(probe[:, 0], probe[:, 1]).sum(), probe)
not_converged = int((grads.norm(dim=1) > 1e-3).sum())
assert not_converged == 0, f"{not_converged} of 400 end points are not stationary points of f"
assert (f(many_ends[:, 0], many_ends[:, 1]) <= f(many_starts[:, 0], many_starts[:, 1])).all(), "some end points are higher than their starts"
print("Task 3 passed.")

# %% [markdown]
# The figure colours each of the 400 starting points by the value of $f$ at the minimum it
# ran into. Points of one colour form the basins of attraction; their borders run along the
# ridges of the contour map.

# %%
fig = go.Figure(
    go.Scatter(
        x=many_starts[:, 0].tolist(),
        y=many_starts[:, 1].tolist(),
        mode="markers",
        marker=dict(
            size=6,
            color=f(many_ends[:, 0], many_ends[:, 1]).tolist(),
            colorscale="Viridis",
            colorbar=dict(title=dict(text="f at the end")),
        ),
        name="start",
    )
)
fig.update_layout(
    title=dict(text="Where 400 starts end up"),
    xaxis_title="x1 at the start",
    yaxis_title="x2 at the start",
    margin=dict(l=50, r=20, t=60, b=50),
)
fig.show()

# %% [markdown]
# ## Going further
#
# - Run `descend` with larger learning rates, such as `lr=1.0` or `lr=3.0`, and plot the
#   trajectories. From which $\eta$ on does the descent stop settling in a minimum?
# - Replace the hand-written update with `torch.optim.SGD([x], lr=0.2)`
#   (`optimizer.zero_grad()`, `values.sum().backward()`, `optimizer.step()`) and check that
#   you get the same end points.
