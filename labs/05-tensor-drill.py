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
# # Lab 5: Tensor shapes and broadcasting drill
#
# Most bugs in tensor code are shape bugs, and the fastest way to avoid them is to know the
# shape of a result before running the line. In this drill you read short expressions
# (indexing, slicing, joining, reductions, broadcasting), write down the shape you expect,
# and only then let the check tell you which predictions were wrong. Finally you use
# broadcasting for something useful. Everything used here is explained in
# [the tensors chapter](../tensors.md).
#
# How to answer: each task has a dictionary `predicted` whose values start as `None`.
# Replace each `None` by the shape you expect, as a tuple of ints, for example `(2, 3)`.
# A one-dimensional result of length 6 is `(6,)` (mind the comma) and a zero-dimensional
# tensor (a single number) has shape `()`. Where PyTorch refuses to evaluate the expression,
# write `"error"`.

# %%
import torch

torch.manual_seed(0)


def shape_of(expression):
    """The shape that calling `expression` produces, as a tuple, or "error" if PyTorch refuses."""
    try:
        return tuple(expression().shape)
    except RuntimeError:
        return "error"


def wrong_predictions(predicted, drill):
    """A readable list of the predictions that do not match the real shapes."""
    assert set(predicted) == set(drill), f"predicted must have exactly the keys {sorted(drill)}"
    unanswered = sorted(key for key, value in predicted.items() if value is None)
    if unanswered:
        return [f"no prediction yet for {', '.join(unanswered)}"]
    return [
        f"{key}: you predicted {predicted[key]!r}, the result is {shape_of(drill[key])!r}" for key in sorted(drill) if predicted[key] != shape_of(drill[key])
    ]


# %% [markdown]
# ## Task 1: indexing and slicing
#
# `x` below holds the numbers 0 to 11 arranged as 2 blocks of 3 rows of 2 columns; `-1` in
# `view` means "whatever size makes the element count work". Reminders:
#
# - an integer index removes its dimension, a slice `a:b` keeps it (with `b - a` entries);
# - `...` stands for "all the dimensions I did not mention", and `None` inserts a new
#   dimension of size 1;
# - indexing with a boolean tensor of the same shape picks the matching elements into a
#   one-dimensional result; indexing with a list of integers picks whole slices;
# - `x.take_along_dim(indices, dim)` picks along `dim`: `indices` is broadcast against `x`
#   in every other dimension, and the result takes its size along `dim` from `indices`.

# %%
x = torch.arange(12).view(-1, 3, 2)
indices = torch.tensor([0, 1, 0])

indexing_drill = {
    "a": lambda: torch.arange(12).view(-1, 3, 2),
    "b": lambda: x[0, 1:3, :2],
    "c": lambda: x[:, :, 1],
    "d": lambda: x[..., 1],
    "e": lambda: x[1],
    "f": lambda: x[:, None, 0],
    "g": lambda: x[0, 0, 0],
    "h": lambda: x[x > 5],
    "i": lambda: x[[0, 1, 0]],
    "j": lambda: x.take_along_dim(indices.view(-1, 1, 1), dim=0),
    "k": lambda: x.take_along_dim(indices.view(1, -1, 1), dim=1),
    "l": lambda: x.take_along_dim(indices.view(1, 1, -1), dim=2),
}

# %% tags=["placeholder"]
predicted = {  # TODO: replace each None
    "a": None,  # torch.arange(12).view(-1, 3, 2)
    "b": None,  # x[0, 1:3, :2]
    "c": None,  # x[:, :, 1]
    "d": None,  # x[..., 1]
    "e": None,  # x[1]
    "f": None,  # x[:, None, 0]
    "g": None,  # x[0, 0, 0]
    "h": None,  # x[x > 5]
    "i": None,  # x[[0, 1, 0]]
    "j": None,  # x.take_along_dim(indices.view(-1, 1, 1), dim=0)
    "k": None,  # x.take_along_dim(indices.view(1, -1, 1), dim=1)
    "l": None,  # x.take_along_dim(indices.view(1, 1, -1), dim=2)
}

# %% tags=["solution"]
predicted = {
    "a": (2, 3, 2),  # torch.arange(12).view(-1, 3, 2)
    "b": (2, 2),  # x[0, 1:3, :2]
    "c": (2, 3),  # x[:, :, 1]
    "d": (2, 3),  # x[..., 1]
    "e": (3, 2),  # x[1]
    "f": (2, 1, 2),  # x[:, None, 0]
    "g": (),  # x[0, 0, 0]
    "h": (6,),  # x[x > 5]
    "i": (3, 3, 2),  # x[[0, 1, 0]]
    "j": (3, 3, 2),  # x.take_along_dim(indices.view(-1, 1, 1), dim=0)
    "k": (2, 3, 2),  # x.take_along_dim(indices.view(1, -1, 1), dim=1)
    "l": (2, 3, 3),  # x.take_along_dim(indices.view(1, 1, -1), dim=2)
}

# %% tags=["check"]
mistakes = wrong_predictions(predicted, indexing_drill)
assert not mistakes, "\n".join(mistakes)
print("Task 1 passed: all 12 shapes predicted correctly.")

# %% [markdown]
# <details><summary>Why c and d agree, and why j, k and l differ</summary>
#
# `x[..., 1]` expands to `x[:, :, 1]` because `x` has three dimensions. In `j`, the
# indices have shape `(3, 1, 1)`: three picks along dimension 0, broadcast over the other two
# dimensions of `x`, so the result is `(3, 3, 2)`. In `k` and `l` the three picks go along
# dimension 1 and 2 instead, replacing the size of that dimension by 3.
#
# </details>
#
# ## Task 2: joining, reshaping and reducing
#
# Here `m` has shape `(3, 2)`. `torch.cat` joins along an existing dimension, `torch.stack`
# creates a new one; `keepdim=True` keeps a reduced dimension with size 1; `@` is matrix
# multiplication, which for more than two dimensions works on the last two and broadcasts
# the rest.

# %%
m = torch.randn(3, 2)
batch = torch.randn(4, 3, 2)

joining_drill = {
    "a": lambda: torch.cat([m, m + 1], dim=0),
    "b": lambda: torch.cat([m, m + 1], dim=1),
    "c": lambda: torch.stack([m, m + 1], dim=0),
    "d": lambda: torch.stack([m, m + 1], dim=2),
    "e": lambda: m.T,
    "f": lambda: m.reshape(-1),
    "g": lambda: m.unsqueeze(1),
    "h": lambda: m.sum(dim=0),
    "i": lambda: m.sum(dim=0, keepdim=True),
    "j": lambda: m.mean(),
    "k": lambda: m @ m.T,
    "l": lambda: batch @ torch.randn(2, 5),
    "m": lambda: m @ m,
}

# %% tags=["placeholder"]
predicted = {  # TODO: replace each None
    "a": None,  # torch.cat([m, m + 1], dim=0)
    "b": None,  # torch.cat([m, m + 1], dim=1)
    "c": None,  # torch.stack([m, m + 1], dim=0)
    "d": None,  # torch.stack([m, m + 1], dim=2)
    "e": None,  # m.T
    "f": None,  # m.reshape(-1)
    "g": None,  # m.unsqueeze(1)
    "h": None,  # m.sum(dim=0)
    "i": None,  # m.sum(dim=0, keepdim=True)
    "j": None,  # m.mean()
    "k": None,  # m @ m.T
    "l": None,  # batch @ torch.randn(2, 5)
    "m": None,  # m @ m
}

# %% tags=["solution"]
predicted = {
    "a": (6, 2),  # torch.cat([m, m + 1], dim=0)
    "b": (3, 4),  # torch.cat([m, m + 1], dim=1)
    "c": (2, 3, 2),  # torch.stack([m, m + 1], dim=0)
    "d": (3, 2, 2),  # torch.stack([m, m + 1], dim=2)
    "e": (2, 3),  # m.T
    "f": (6,),  # m.reshape(-1)
    "g": (3, 1, 2),  # m.unsqueeze(1)
    "h": (2,),  # m.sum(dim=0)
    "i": (1, 2),  # m.sum(dim=0, keepdim=True)
    "j": (),  # m.mean()
    "k": (3, 3),  # m @ m.T
    "l": (4, 3, 5),  # batch @ torch.randn(2, 5)
    "m": "error",  # m @ m
}

# %% tags=["check"]
mistakes = wrong_predictions(predicted, joining_drill)
assert not mistakes, "\n".join(mistakes)
print("Task 2 passed: all 13 shapes predicted correctly.")

# %% [markdown]
# ## Task 3: broadcasting
#
# An elementwise operation on two tensors of different shapes lines the shapes up from the
# **right**. Going from the last dimension to the first, each pair of sizes must be equal,
# or one of them must be 1 (it is stretched to the other, without copying data), or one
# tensor has run out of dimensions (it is treated as size 1). The result takes, for each
# pair, the size that is not 1 (or the common size when they are equal); that is not always
# the larger one, since 0 against 1 gives 0. Anything else is an error.
#
# A size of 0 is not special: it follows the same rule, so an empty tensor broadcasts with
# size 1 (giving size 0), matches size 0, and fails against any other size. Predict the shape of `a + b` for
# each pair, or `"error"`.

# %%
pairs = {
    "a": ((5, 7, 3), (5, 7, 3)),
    "b": ((0,), (2, 2)),
    "c": ((5, 3, 4, 1), (3, 1, 1)),
    "d": ((5, 2, 4, 1), (3, 1, 1)),
    "e": ((3, 1), (4,)),
    "f": ((3,), (3, 1)),
    "g": ((0,), (1,)),
    "h": ((2, 1, 3), (4, 1)),
    "i": ((), (2, 3)),
    "j": ((4, 3), (4,)),
}
broadcast_drill = {key: (lambda left=left, right=right: torch.empty(left) + torch.empty(right)) for key, (left, right) in pairs.items()}

# %% tags=["placeholder"]
predicted = {  # TODO: replace each None
    "a": None,  # (5, 7, 3) + (5, 7, 3)
    "b": None,  # (0,) + (2, 2)
    "c": None,  # (5, 3, 4, 1) + (3, 1, 1)
    "d": None,  # (5, 2, 4, 1) + (3, 1, 1)
    "e": None,  # (3, 1) + (4,)
    "f": None,  # (3,) + (3, 1)
    "g": None,  # (0,) + (1,)
    "h": None,  # (2, 1, 3) + (4, 1)
    "i": None,  # () + (2, 3)
    "j": None,  # (4, 3) + (4,)
}

# %% tags=["solution"]
predicted = {
    "a": (5, 7, 3),  # (5, 7, 3) + (5, 7, 3)
    "b": "error",  # (0,) + (2, 2)
    "c": (5, 3, 4, 1),  # (5, 3, 4, 1) + (3, 1, 1)
    "d": "error",  # (5, 2, 4, 1) + (3, 1, 1)
    "e": (3, 4),  # (3, 1) + (4,)
    "f": (3, 3),  # (3,) + (3, 1)
    "g": (0,),  # (0,) + (1,)
    "h": (2, 4, 3),  # (2, 1, 3) + (4, 1)
    "i": (2, 3),  # () + (2, 3)
    "j": "error",  # (4, 3) + (4,)
}

# %% tags=["check"]
mistakes = wrong_predictions(predicted, broadcast_drill)
assert not mistakes, "\n".join(mistakes)
print("Task 3 passed: all 10 shapes predicted correctly.")

# %% [markdown]
# Pair `f` is the classic trap: adding a column `(3, 1)` to a vector `(3,)` does not add
# them entry by entry but builds a full `(3, 3)` table. It happens, for example, when a
# prediction of shape `(n, 1)` is subtracted from targets of shape `(n,)`: no error, just an
# `(n, n)` matrix and a wrong loss.
#
# ## Task 4: pairwise distances with broadcasting
#
# Write `pairwise_squared_distances(a, b)` for point sets `a` of shape `(n, d)` and `b` of
# shape `(k, d)`. It returns the `(n, k)` matrix whose entry $(i, j)$ is
# $\lVert \mathbf{a}_i - \mathbf{b}_j \rVert^2$, without any Python loop.
#
# <details><summary>Hint</summary>
#
# Give the two sets different new dimensions so that their difference is a tensor of shape
# `(n, k, d)`: `a[:, None, :] - b[None, :, :]`. Square it and sum over the last dimension.
#
# </details>


# %% tags=["placeholder"]
def pairwise_squared_distances(a, b):
    # TODO: broadcast instead of returning zeros.
    return torch.zeros(a.shape[0], b.shape[0])


# %% tags=["solution"]
def pairwise_squared_distances(a, b):
    differences = a[:, None, :] - b[None, :, :]
    return differences.pow(2).sum(dim=-1)


# %% tags=["check"]
points_a = torch.randn(5, 3)
points_b = torch.randn(4, 3)
distances = pairwise_squared_distances(points_a, points_b)
assert distances.shape == (5, 4), f"expected shape (5, 4), got {tuple(distances.shape)}"
expected = torch.cdist(points_a, points_b) ** 2
assert torch.allclose(distances, expected, atol=1e-5), "the distances differ from torch.cdist(a, b) ** 2"
assert torch.allclose(pairwise_squared_distances(points_a, points_a).diagonal(), torch.zeros(5)), "the distance of a point to itself must be 0"
print("Task 4 passed.")

# %% [markdown]
# ## Going further
#
# - Which of the expressions in Task 1 return a *view* that shares memory with `x`, and which
#   a copy? Find out by writing into the result (`result.fill_(-1)`) and printing `x`.
# - `torch.broadcast_shapes((5, 1, 4), (3, 1))` computes a broadcast shape without creating
#   any tensor. Use it to check your answers to Task 3 one by one.
