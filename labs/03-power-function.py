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
# # Lab 3: An integer power as a custom autograd function
#
# You will write $x^p$ for a whole number $p \ge 0$ using nothing but multiplication, wrap
# it in a `torch.autograd.Function` with a hand-written backward pass, and let
# `torch.autograd.gradcheck` confirm that the backward pass is right. How custom functions
# plug into the graph is explained in [the custom functions chapter](../custom-functions.md).
#
# The derivative you will implement is the power rule,
#
# $$
# \frac{d}{dx} x^p = p\, x^{p-1} \quad (p \ge 1), \qquad \frac{d}{dx} x^0 = 0,
# $$
#
# and the backward pass of a function $y = g(x)$ applied elementwise receives
# $\partial L / \partial y$ (called `grad_output`) and returns
# $\partial L / \partial x = \partial L / \partial y \odot g'(x)$.

# %%
import torch
from torch.autograd import gradcheck, gradgradcheck

torch.manual_seed(0)
# gradcheck compares with finite differences, which are only accurate enough in float64.
dtype = torch.float64

# %% [markdown]
# ## Task 1: the power from multiplications
#
# Write `multiply_power(x, p)`: the elementwise power `x ** p` of a tensor `x` for an integer
# `p >= 0`, computed with a loop of multiplications (no `**`, `torch.pow` or `exp`/`log`).
# It must work for integer tensors as well as floating-point ones, and return a tensor of the
# same dtype and shape as `x`.
#
# <details><summary>Hint</summary>
#
# Start from `torch.ones_like(x)`, which already is $x^0$ with the right shape and dtype, and
# multiply by `x` exactly `p` times. Prefer `result = result * x` to `result *= x`: autograd
# will differentiate through this function later, and although the in-place version happens
# to give the right gradient here, an in-place update fails at `backward()` as soon as it
# overwrites a tensor that autograd saved
# ([the version counter](../update-loops.md#modifying-a-tensor-that-backward-needs)).
#
# </details>


# %% tags=["placeholder"]
def multiply_power(x, p):
    # TODO: multiply x by itself; returning x is right only for p == 1.
    return x.clone()


# %% tags=["solution"]
def multiply_power(x, p):
    if p < 0:
        raise ValueError(f"p must be a non-negative integer, got {p}")
    result = torch.ones_like(x)
    for _ in range(p):
        result = result * x
    return result


# %% tags=["check"]
ints = torch.tensor([1, 2, 3])
assert torch.equal(multiply_power(ints, 0), torch.tensor([1, 1, 1])), "x ** 0 must be all ones"
assert torch.equal(multiply_power(ints, 2), torch.tensor([1, 4, 9])), "[1, 2, 3] ** 2 must be [1, 4, 9]"
floats = torch.randn(2, 3)
for p in range(6):
    result = multiply_power(floats, p)
    assert result.shape == floats.shape and result.dtype == floats.dtype, f"for p={p}: got shape {tuple(result.shape)} and dtype {result.dtype}"
    assert torch.allclose(result, floats**p), f"multiply_power(x, {p}) differs from x ** {p}"
print("Task 1 passed.")

# %% [markdown]
# ## Task 2: a `torch.autograd.Function`
#
# Write the class `Power` with three static methods:
#
# - `forward(x, p)` computes the result with `multiply_power`;
# - `setup_context(ctx, inputs, output)` stores what the backward pass needs: the tensor with
#   `ctx.save_for_backward(x)`, the plain integer as an attribute, `ctx.p = p`;
# - `backward(ctx, grad_output)` returns one gradient per input of `forward`: the tensor
#   `grad_output * p * x^(p-1)` for `x`, and `None` for `p`, which is not a tensor.
#
# Build the backward pass from `multiply_power` too, and mind the case $p = 0$, where
# $x^{p-1}$ is not a power you can form from multiplications (and is not needed).
#
# The check runs `gradcheck`, which compares your backward pass with finite differences in
# float64, for $p = 0, \dots, 5$, and `gradgradcheck`, which does the same for the
# derivative of the backward pass itself. The second one passes without extra work as long as
# `backward` is written with ordinary differentiable tensor operations.
#
# <details><summary>Hint</summary>
#
# In `backward`: `(x,) = ctx.saved_tensors`; for `ctx.p == 0` return
# `torch.zeros_like(grad_output), None`; otherwise
# `grad_output * ctx.p * multiply_power(x, ctx.p - 1), None`.
#
# </details>


# %% tags=["placeholder"]
class Power(torch.autograd.Function):
    # TODO: a real forward and backward; these are constant.
    @staticmethod
    def forward(x, p):
        return torch.ones_like(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        pass

    @staticmethod
    def backward(ctx, grad_output):
        return torch.zeros_like(grad_output), None


# %% tags=["solution"]
class Power(torch.autograd.Function):
    @staticmethod
    def forward(x, p):
        return multiply_power(x, p)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, p = inputs
        ctx.save_for_backward(x)
        ctx.p = p

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        if ctx.p == 0:
            return torch.zeros_like(grad_output), None
        return grad_output * ctx.p * multiply_power(x, ctx.p - 1), None


# %% tags=["check"]
power = Power.apply
ints = torch.tensor([1, 2, 3])
assert torch.equal(power(ints, 0), torch.tensor([1, 1, 1])), "Power.apply(x, 0) must be all ones"
assert torch.equal(power(ints, 2), torch.tensor([1, 4, 9])), "Power.apply([1, 2, 3], 2) must be [1, 4, 9]"

x = torch.randn(5, dtype=dtype, requires_grad=True)
y = power(x, 3)
assert type(y.grad_fn).__name__ == "PowerBackward", f"y.grad_fn is {type(y.grad_fn).__name__}, not Power's"
for p in range(6):
    assert gradcheck(lambda t, p=p: power(t, p), (x,), raise_exception=False), f"gradcheck failed for p={p}: backward does not match finite differences"
    assert gradgradcheck(lambda t, p=p: power(t, p), (x,), raise_exception=False), (
        f"gradgradcheck failed for p={p}: is backward built from differentiable tensor operations?"
    )
y.sum().backward()
print("gradient of sum(x^3):", [round(v, 4) for v in x.grad.tolist()])
print("3 x^2              :", [round(v, 4) for v in (3 * x.detach() ** 2).tolist()])
print("Task 2 passed.")

# %% [markdown]
# ## Task 3: use it inside a larger expression
#
# A custom function is an ordinary node of the graph. Compute
# $g(x) = x^5 - 2x^2 + 3$ at the points `xs` below using `Power.apply` for both powers, and get
# $g'(x)$ at every point with one call to `backward`. Store the values in `g_values` and the
# derivatives in `g_derivatives` (both plain tensors without a graph, shape `(4,)`).
#
# <details><summary>Hint</summary>
#
# `g_values` is a vector, so call `backward(torch.ones_like(...))` on it (or `backward()` on
# its sum): each point's value depends only on its own $x$, so the gradient of the sum holds
# all four derivatives. Then `xs.grad` is the derivative vector; use `.detach()` for the
# values.
#
# </details>

# %%
xs = torch.tensor([-1.5, -0.5, 0.5, 2.0], dtype=dtype, requires_grad=True)

# %% tags=["placeholder"]
g_values = torch.zeros(4, dtype=dtype)  # TODO
g_derivatives = torch.zeros(4, dtype=dtype)  # TODO

# %% tags=["solution"]
g = Power.apply(xs, 5) - 2 * Power.apply(xs, 2) + 3
g.backward(torch.ones_like(g))
g_values = g.detach()
g_derivatives = xs.grad.clone()

# %% tags=["check"]
plain = xs.detach()
assert g_values.shape == (4,) and g_derivatives.shape == (4,), "both results must have shape (4,)"
assert torch.allclose(g_values, plain**5 - 2 * plain**2 + 3), f"g_values are wrong: {g_values.tolist()}"
assert torch.allclose(g_derivatives, 5 * plain**4 - 4 * plain), f"g_derivatives are wrong: {g_derivatives.tolist()}; expected 5x^4 - 4x"
print("g'(x) =", [round(v, 4) for v in g_derivatives.tolist()])
print("Task 3 passed.")

# %% [markdown]
# ## Going further
#
# - The loop above needs `p` multiplications. Squaring repeatedly ($x^8 = ((x^2)^2)^2$)
#   needs only about $2 \log_2 p$: rewrite `multiply_power` that way and check that the
#   tests above still pass.
# - Allow negative `p` by computing `1 / multiply_power(x, -p)`. What does the power rule
#   give, and does `gradcheck` agree (keep `x` away from zero)?
