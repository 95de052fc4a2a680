import torch


class Power(torch.autograd.Function):
    """x ** p for an integer p >= 0, using multiplications only."""

    @staticmethod
    def forward(x, p):
        if p < 0:
            raise ValueError(f"p must be a non-negative integer, got {p}")
        result, square = torch.ones_like(x), x
        while p:  # square-and-multiply: about 2 log2(p) products
            if p % 2:
                result = result * square
            square = square * square
            p //= 2
        return result

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, p = inputs
        ctx.save_for_backward(x)
        ctx.p = p

    @staticmethod
    def backward(ctx, grad_y):
        (x,) = ctx.saved_tensors
        if ctx.p == 0:
            return torch.zeros_like(grad_y), None
        # d/dx x^p = p x^(p-1); Power.apply keeps this differentiable again.
        return grad_y * ctx.p * Power.apply(x, ctx.p - 1), None


# The asserts of the exercise, on an integer tensor
ints = torch.tensor([1, 2, 3])
assert torch.all(Power.apply(ints, 0) == torch.tensor([1, 1, 1]))
assert torch.all(Power.apply(ints, 2) == torch.tensor([1, 4, 9]))

x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
Power.apply(x, 5).sum().backward()
print("x^5       :", Power.apply(x, 5).tolist())
print("grad      :", x.grad.tolist())
print("5 x^4     :", (5 * x.detach() ** 4).tolist())

xd = torch.linspace(-1.5, 1.5, 7, dtype=torch.float64, requires_grad=True)
for p in range(6):
    assert torch.autograd.gradcheck(Power.apply, (xd, p))
    assert torch.autograd.gradgradcheck(Power.apply, (xd, p))
print("gradcheck and gradgradcheck pass for p = 0..5")
