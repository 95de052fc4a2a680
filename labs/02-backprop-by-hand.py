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
# The network maps a batch $X$ of 64 inputs with 3 features to one output per input:
#
# $$
# H = X W_1 + \mathbf{b}_1, \qquad
# A = \max(H, 0), \qquad
# \hat{Y} = A W_2 + \mathbf{b}_2, \qquad
# L = \sum_{i} (\hat{y}_i - y_i)^2 .
# $$
#
# The biases are row vectors: $\mathbf{b}_1$ has shape `(1, 4)` and is added to every row of
# $X W_1$ by broadcasting; $\mathbf{b}_2$ has shape `(1, 1)`. Everything is in float64, so
# that hand-made and automatic gradients can be compared to about twelve digits.

# %%
import torch

torch.manual_seed(0)
batch_size, input_size, hidden_size, output_size = 64, 3, 4, 1

x = torch.randn(batch_size, input_size, dtype=torch.float64)
y = torch.randn(batch_size, output_size, dtype=torch.float64)
params = {
    "w1": torch.randn(input_size, hidden_size, dtype=torch.float64),
    "b1": torch.randn(1, hidden_size, dtype=torch.float64),
    "w2": torch.randn(hidden_size, output_size, dtype=torch.float64),
    "b2": torch.randn(1, output_size, dtype=torch.float64),
}


def forward(x, params):
    """Returns the pre-activation H, the activation A and the output Y_hat."""
    h = x @ params["w1"] + params["b1"]
    a = h.clamp(min=0)
    y_hat = a @ params["w2"] + params["b2"]
    return h, a, y_hat


def loss_fn(y_hat, y):
    return (y_hat - y).pow(2).sum()


_, _, y_hat = forward(x, params)
print("initial loss:", round(loss_fn(y_hat, y).item(), 4))

# %% [markdown]
# ## Task 1: the gradients from autograd
#
# Write `autograd_gradients(x, y, params)`. It returns a dictionary with the same keys as
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
def autograd_gradients(x, y, params):
    # TODO: let autograd compute the four gradients; these zeros are wrong.
    return {name: torch.zeros_like(p) for name, p in params.items()}


# %% tags=["solution"]
def autograd_gradients(x, y, params):
    leaves = {name: p.clone().requires_grad_(True) for name, p in params.items()}
    _, _, y_hat = forward(x, leaves)
    loss_fn(y_hat, y).backward()
    return {name: leaf.grad for name, leaf in leaves.items()}


# %% [markdown]
# The check compares your gradients with central finite differences,
# $\big(L(\theta + \epsilon) - L(\theta - \epsilon)\big) / 2\epsilon$ for every single entry
# $\theta$ of every parameter: slow, but independent of autograd.


# %% tags=["check"]
def finite_difference_gradients(x, y, params, eps=1e-6):
    estimates = {}
    for name, p in params.items():
        estimate = torch.zeros_like(p)
        for index in range(p.numel()):
            shifted = {key: value.clone() for key, value in params.items()}
            shifted[name].view(-1)[index] += eps
            loss_plus = loss_fn(forward(x, shifted)[2], y)
            shifted[name].view(-1)[index] -= 2 * eps
            loss_minus = loss_fn(forward(x, shifted)[2], y)
            estimate.view(-1)[index] = (loss_plus - loss_minus) / (2 * eps)
        estimates[name] = estimate
    return estimates


before = {name: p.clone() for name, p in params.items()}
mine = autograd_gradients(x, y, params)
numeric = finite_difference_gradients(x, y, params)
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
# Write `manual_gradients(x, y, params)`, returning the same dictionary, using only matrix
# products, transposes, sums and the ReLU mask: no `backward()`, no `requires_grad`.
# Work backwards from the loss, one line per intermediate result:
#
# $$
# G = \frac{\partial L}{\partial \hat{Y}} = 2(\hat{Y} - Y), \qquad
# \nabla_{W_2} L = A^\top G, \qquad
# \frac{\partial L}{\partial A} = G\, W_2^\top, \qquad
# \frac{\partial L}{\partial H} = \frac{\partial L}{\partial A} \odot \mathbb{1}[H > 0], \qquad
# \nabla_{W_1} L = X^\top \frac{\partial L}{\partial H}.
# $$
#
# Notice that $\nabla_{W_1} L$ has $X^\top$ in front, the input of the first layer, just as
# $\nabla_{W_2} L$ has $A^\top$, the input of the second layer. (Writing $A^\top$ in both
# places is a common slip; the shapes do not even match here.)
#
# For the biases, remember what broadcasting did in the forward pass: the single row
# $\mathbf{b}_1$ was added to all 64 rows. A parameter used 64 times receives the *sum* of
# the 64 gradients, so $\nabla_{\mathbf{b}_1} L$ is $\partial L / \partial H$ summed over the
# batch dimension only, keeping the shape `(1, 4)`.
#
# <details><summary>Hint</summary>
#
# `grad_h.sum(dim=0, keepdim=True)` sums over the batch and keeps one entry per hidden unit.
# A plain `grad_h.sum()` also adds up the four units, giving one number that would then be
# subtracted from every bias alike: a different, wrong update. The mask
# $\mathbb{1}[H > 0]$ is `(h > 0)`; multiplying by it zeroes the rows and units where the
# ReLU was inactive.
#
# </details>


# %% tags=["placeholder"]
def manual_gradients(x, y, params):
    # TODO: chain rule by hand; these zeros are wrong.
    return {name: torch.zeros_like(p) for name, p in params.items()}


# %% tags=["solution"]
def manual_gradients(x, y, params):
    h, a, y_hat = forward(x, params)
    grad_y_hat = 2 * (y_hat - y)
    grad_a = grad_y_hat @ params["w2"].T
    grad_h = grad_a * (h > 0)
    return {
        "w1": x.T @ grad_h,
        "b1": grad_h.sum(dim=0, keepdim=True),
        "w2": a.T @ grad_y_hat,
        "b2": grad_y_hat.sum(dim=0, keepdim=True),
    }


# %% tags=["check"]
leaves = {name: p.clone().requires_grad_(True) for name, p in params.items()}
loss_fn(forward(x, leaves)[2], y).backward()
by_hand = manual_gradients(x, y, params)
for name, leaf in leaves.items():
    assert by_hand[name].shape == leaf.shape, f"gradient of {name} has shape {tuple(by_hand[name].shape)}, expected {tuple(leaf.shape)}"
    assert torch.allclose(by_hand[name], leaf.grad, rtol=1e-10, atol=1e-10), f"gradient of {name} differs from autograd's:\n{by_hand[name]}\nvs\n{leaf.grad}"
largest = max((by_hand[name] - leaf.grad).abs().max().item() for name, leaf in leaves.items())
print(f"largest difference from autograd: {largest:.1e}")
print("Task 2 passed.")

# %% [markdown]
# What goes wrong with a bias gradient summed over everything? The cell below compares the
# correct step for $\mathbf{b}_1$ with the one you would get from `grad_h.sum()`: the wrong
# version moves all four biases by the same amount, so the units can no longer adjust their
# biases independently.

# %%
correct_b1 = manual_gradients(x, y, params)["b1"]
print("correct gradient for b1 (one entry per unit):", [round(v, 4) for v in correct_b1.flatten().tolist()])
print("sum over batch and units (one number for all):", round(correct_b1.sum().item(), 4))

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
# `loss_fn(forward(x, current)[2], y).item()`, call `grads = gradients(x, y, current)` and
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
        losses.append(loss_fn(forward(x, current)[2], y).item())
        grads = gradients(x, y, current)
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
# - Replace `clamp(min=0)` by a leaky ReLU (`torch.nn.functional.leaky_relu(h, 0.01)`) in
#   `forward` and adapt the mask in `manual_gradients`: what is $\partial A / \partial H$ now?
# - Use the mean instead of the sum in the loss. Which of the four gradients change, and by
#   what factor?
