import torch
from torch.autograd import gradcheck


class ScaledTanh(torch.autograd.Function):
    """y = c * tanh(a * x) elementwise, for tensors x, a and a Python number c."""

    @staticmethod
    def forward(x, a, c):
        return c * torch.tanh(a * x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, a, c = inputs
        ctx.save_for_backward(x, a)  # what backward will read
        ctx.save_for_forward(x, a)  # what jvp will read: a list of its own
        ctx.c = c

    @staticmethod
    def backward(ctx, grad_y):  # v  ->  v^T J, one result per input
        x, a = ctx.saved_tensors
        slope = ctx.c * (1 - torch.tanh(a * x) ** 2)
        return grad_y * slope * a, grad_y * slope * x, None

    @staticmethod
    def jvp(ctx, x_t, a_t, c_t):  # one tangent per input  ->  J u, one per output
        x, a = ctx.saved_tensors
        slope = ctx.c * (1 - torch.tanh(a * x) ** 2)
        return slope * (a * x_t + x * a_t)


torch.manual_seed(0)
x = torch.randn(5, dtype=torch.float64, requires_grad=True)
a = torch.randn(5, dtype=torch.float64, requires_grad=True)
passed = gradcheck(ScaledTanh.apply, (x, a, 2.0), check_forward_ad=True)
print("gradcheck of backward and jvp:", passed)

# One forward pass gives y and J u, with u = (u_x, u_a) a tangent for (x, a)
x0, a0 = x.detach(), a.detach()
u_x, u_a = torch.randn(2, 5, dtype=torch.float64)
y, y_t = torch.func.jvp(lambda x, a: ScaledTanh.apply(x, a, 2.0), (x0, a0), (u_x, u_a))
expected = 2.0 * (1 - torch.tanh(a0 * x0) ** 2) * (a0 * u_x + x0 * u_a)
print("J u from jvp:", [round(v, 4) for v in y_t.tolist()])
assert torch.allclose(y, 2.0 * torch.tanh(a0 * x0)) and torch.allclose(y_t, expected)
