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
# # Lab 2: Backpropagation by hand
#
# You will compute the gradients of a small two-layer network, biases included, twice: once
# with autograd and once by hand with the chain rule in matrix form. Then you will train the
# network with each set of gradients and confirm that both runs end with the same parameters.
# The mechanics are explained in [the backpropagation chapter](../backprop.md).
#
# The network and its letters are those of the chapter (see the site's
# [conventions](../index.md#conventions)): a batch $X \in \mathbb{R}^{N \times D}$ of $N = 64$
# examples with $D = 3$ features, $K = 4$ hidden ReLU units and one output per example:
#
# $$
# H_1 = X W_1 + \mathbf{1}\mathbf{b}_1^\top, \qquad
# A = \operatorname{ReLU}(H_1), \qquad
# \hat{\mathbf{y}} = A W_2 + b_2 \mathbf{1}, \qquad
# L = \textstyle\sum_{n} (\hat{y}_n - y_n)^2 .
# $$
#
# In code, `W1` is `(D, K)`, `b1` is `(K,)` and is added to every row of `X @ W1` by
# broadcasting, `W2` is `(K, 1)`, `b2` is `(1,)`, and `y` and `y_hat` are `(N, 1)` columns.
# Everything is in float64, so that hand-made and automatic gradients can be compared to
# about twelve digits.

# %%
import torch

torch.manual_seed(0)
N, D, K = 64, 3, 4  # examples, input features, hidden units

X = torch.randn(N, D, dtype=torch.float64)
y = torch.randn(N, 1, dtype=torch.float64)
params = {
    "W1": torch.randn(D, K, dtype=torch.float64),
    "b1": torch.randn(K, dtype=torch.float64),
    "W2": torch.randn(K, 1, dtype=torch.float64),
    "b2": torch.randn(1, dtype=torch.float64),
}


def forward(X, params):
    """Returns the pre-activation H1, the activation A and the output y_hat."""
    H1 = X @ params["W1"] + params["b1"]
    A = torch.relu(H1)  # its gradient at 0 is 0, matching the mask H1 > 0 below
    y_hat = A @ params["W2"] + params["b2"]
    return H1, A, y_hat


def loss_fn(y_hat, y):
    return (y_hat - y).pow(2).sum()


_, _, y_hat = forward(X, params)
print("initial loss:", round(loss_fn(y_hat, y).item(), 4))

# %% [markdown]
# ## Task 1: the gradients from autograd
#
# Write `autograd_gradients(X, y, params)`. It returns a dictionary with the same keys as
# `params` holding $\nabla_{W_1} L$, $\nabla_{\mathbf{b}_1} L$, $\nabla_{W_2} L$ and
# $\nabla_{\mathbf{b}_2} L$, computed by autograd. It must not change the tensors in `params`
# (they do not require gradients, and should stay that way).
#
# <details><summary>Hint</summary>
#
# Make leaf copies that record operations:
# `leaves = {name: p.clone().requires_grad_(True) for name, p in params.items()}`.
# Run `forward` and `loss_fn` on them, call `backward()` on the loss and read each
# `leaves[name].grad`.
#
# </details>


# %% tags=["placeholder"]
def autograd_gradients(X, y, params):
    # TODO: let autograd compute the four gradients; these zeros are wrong.
    return {name: torch.zeros_like(p) for name, p in params.items()}


# %% tags=["solution"]
def autograd_gradients(X, y, params):
    leaves = {name: p.clone().requires_grad_(True) for name, p in params.items()}
    _, _, y_hat = forward(X, leaves)
    loss_fn(y_hat, y).backward()
    return {name: leaf.grad for name, leaf in leaves.items()}


# %% [markdown]
# The check compares your gradients with central finite differences,
# $\big(L(\theta + \epsilon) - L(\theta - \epsilon)\big) / 2\epsilon$ for every single entry
# $\theta$ of every parameter: slow, but independent of autograd.


# %% tags=["check"]
def finite_difference_gradients(X, y, params, eps=1e-6):
    estimates = {}
    for name, p in params.items():
        estimate = torch.zeros_like(p)
        for index in range(p.numel()):
            shifted = {key: value.clone() for key, value in params.items()}
            shifted[name].view(-1)[index] += eps
            loss_plus = loss_fn(forward(X, shifted)[2], y)
            shifted[name].view(-1)[index] -= 2 * eps
            loss_minus = loss_fn(forward(X, shifted)[2], y)
            estimate.view(-1)[index] = (loss_plus - loss_minus) / (2 * eps)
        estimates[name] = estimate
    return estimates


before = {name: p.clone() for name, p in params.items()}
mine = autograd_gradients(X, y, params)
numeric = finite_difference_gradients(X, y, params)
for name in params:
    assert torch.equal(params[name], before[name]) and not params[name].requires_grad, f"autograd_gradients changed params[{name!r}]; work on copies"
    assert mine[name].shape == params[name].shape, f"gradient of {name} has shape {tuple(mine[name].shape)}, expected {tuple(params[name].shape)}"
    assert torch.allclose(mine[name], numeric[name], rtol=1e-6, atol=1e-6), (
        f"gradient of {name} disagrees with finite differences:\n{mine[name]}\nvs\n{numeric[name]}"
    )
print("Task 1 passed.")

# %% [markdown]
# ## Task 2: the same gradients by hand
#
# Write `manual_gradients(X, y, params)`, returning the same dictionary, using only matrix
# products, transposes, sums and the ReLU mask: no `backward()`, no `requires_grad`.
# Work backwards from the loss, one line per intermediate result, with
# $G_Z = \partial L / \partial Z$ as in the chapter:
#
# $$
# G_{\hat{\mathbf{y}}} = 2(\hat{\mathbf{y}} - \mathbf{y}), \qquad
# \nabla_{W_2} L = A^\top G_{\hat{\mathbf{y}}}, \qquad
# G_A = G_{\hat{\mathbf{y}}}\, W_2^\top, \qquad
# G_{H_1} = G_A \odot M,\ M = [H_1 > 0], \qquad
# \nabla_{W_1} L = X^\top G_{H_1}.
# $$
#
# The biases were broadcast over the batch in the forward pass, so their gradients are
# column sums, $G_{H_1}$ summed over dimension 0 only (why, and what a plain `.sum()` does
# instead: [the chapter](../backprop.md#summing-the-bias-gradient-over-the-wrong-axis)).
#
# <details><summary>Hint</summary>
#
# `G_H1.sum(dim=0)` has shape `(K,)`, like `b1`, and `G_yhat.sum(dim=0)` has shape `(1,)`,
# like `b2`. The mask $M$ is `(H1 > 0)`, the mask of `torch.relu`
# ([why not `>=`](../backprop.md#non-differentiable-steps)).
#
# </details>


# %% tags=["placeholder"]
def manual_gradients(X, y, params):
    # TODO: chain rule by hand; these zeros are wrong.
    return {name: torch.zeros_like(p) for name, p in params.items()}


# %% tags=["solution"]
def manual_gradients(X, y, params):
    H1, A, y_hat = forward(X, params)
    G_yhat = 2 * (y_hat - y)  # (N, 1)
    G_A = G_yhat @ params["W2"].T  # (N, K)
    G_H1 = G_A * (H1 > 0)  # (N, K), the ReLU mask
    return {
        "W1": X.T @ G_H1,  # (D, K)
        "b1": G_H1.sum(dim=0),  # (K,)
        "W2": A.T @ G_yhat,  # (K, 1)
        "b2": G_yhat.sum(dim=0),  # (1,)
    }


# %% tags=["check"]
leaves = {name: p.clone().requires_grad_(True) for name, p in params.items()}
loss_fn(forward(X, leaves)[2], y).backward()
by_hand = manual_gradients(X, y, params)
for name, leaf in leaves.items():
    assert by_hand[name].shape == leaf.shape, f"gradient of {name} has shape {tuple(by_hand[name].shape)}, expected {tuple(leaf.shape)}"
    assert torch.allclose(by_hand[name], leaf.grad, rtol=1e-10, atol=1e-10), f"gradient of {name} differs from autograd's:\n{by_hand[name]}\nvs\n{leaf.grad}"
largest = max((by_hand[name] - leaf.grad).abs().max().item() for name, leaf in leaves.items())
print(f"largest difference from autograd: {largest:.1e}")
print("Task 2 passed.")

# %% [markdown]
# ## Task 3: train with either set of gradients
#
# Write `train(params, gradients, lr, steps)`. Starting from copies of `params`, it takes
# `steps` plain gradient descent steps, $\theta \leftarrow \theta - \eta \nabla_\theta L$, for
# all four parameters, using the function `gradients` (either `manual_gradients` or
# `autograd_gradients`) to get them. It returns the trained parameters and the list of
# `steps` losses, each computed *before* its step.
#
# If your gradients are right, training with the hand-made ones and with autograd's gives the
# same parameters up to rounding. If they drift apart, suspect the bias gradient first
# (see [summing it over the wrong axis](../backprop.md#summing-the-bias-gradient-over-the-wrong-axis)).
#
# <details><summary>Hint</summary>
#
# `current = {name: p.clone() for name, p in params.items()}`; in each step record
# `loss_fn(forward(X, current)[2], y).item()`, call `grads = gradients(X, y, current)` and
# update every entry: `current[name] = current[name] - lr * grads[name]`.
#
# </details>


# %% tags=["placeholder"]
def train(params, gradients, lr=1e-3, steps=200):
    # TODO: gradient descent; this version returns the start and no losses.
    return {name: p.clone() for name, p in params.items()}, []


# %% tags=["solution"]
def train(params, gradients, lr=1e-3, steps=200):
    current = {name: p.clone() for name, p in params.items()}
    losses = []
    for _ in range(steps):
        losses.append(loss_fn(forward(X, current)[2], y).item())
        grads = gradients(X, y, current)
        current = {name: current[name] - lr * grads[name] for name in current}
    return current, losses


# %% tags=["check"]
trained_by_hand, losses_by_hand = train(params, manual_gradients)
trained_by_autograd, losses_by_autograd = train(params, autograd_gradients)
assert len(losses_by_hand) == 200, f"expected 200 losses, got {len(losses_by_hand)}"
assert losses_by_hand[-1] < 0.8 * losses_by_hand[0], (
    f"the loss went from {losses_by_hand[0]:.3f} to {losses_by_hand[-1]:.3f}: training does not work (are Tasks 1 and 2 solved?)"
)
for name in params:
    assert torch.allclose(trained_by_hand[name], trained_by_autograd[name], rtol=1e-9, atol=1e-9), (
        f"after training, {name} differs between manual and autograd gradients"
    )
print(f"loss {losses_by_hand[0]:.3f} -> {losses_by_hand[-1]:.3f} with either set of gradients")
print("Task 3 passed.")

# %% [markdown]
# ## Going further
#
# - Replace `torch.relu` by a leaky ReLU (`torch.nn.functional.leaky_relu(H1, 0.01)`) in
#   `forward` and adapt the mask in `manual_gradients`: what is $\partial A / \partial H$ now?
# - Use the mean instead of the sum in the loss. Which of the four gradients change, and by
#   what factor?
