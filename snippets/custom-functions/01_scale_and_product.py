import torch


class ScaleBy(torch.autograd.Function):
    """y = c * x for a tensor x and a plain Python number c."""

    @staticmethod
    def forward(x, c):
        return x * c

    @staticmethod
    def setup_context(ctx, inputs, output):
        _, c = inputs
        ctx.c = c  # a number, not a tensor: an attribute is the right place

    @staticmethod
    def backward(ctx, grad_y):
        # One gradient per input of forward; c is not a tensor, so None.
        return grad_y * ctx.c, None


class Product(torch.autograd.Function):
    """y = a * b elementwise, for two tensors of the same shape."""

    @staticmethod
    def forward(a, b):
        return a * b

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*inputs)  # tensors go through save_for_backward

    @staticmethod
    def backward(ctx, grad_y):
        a, b = ctx.saved_tensors
        grad_a = grad_y * b if ctx.needs_input_grad[0] else None
        grad_b = grad_y * a if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = ScaleBy.apply(x, 4.0)
y.sum().backward()
print("ScaleBy:", y.tolist(), "grad:", x.grad.tolist(), "node:", y.grad_fn.name())

a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = torch.tensor([10.0, 20.0, 30.0], requires_grad=True)
Product.apply(a, b).sum().backward()
print("Product: grad a =", a.grad.tolist(), " grad b =", b.grad.tolist())
