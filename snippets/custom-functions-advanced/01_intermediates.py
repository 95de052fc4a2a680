import torch
from torch.autograd import gradgradcheck


class CubeSavesIntermediate(torch.autograd.Function):  # the older style: ctx in forward
    @staticmethod
    def forward(ctx, x):
        dy_dx = 3 * x**2  # forward runs with grad mode off: no history
        ctx.save_for_backward(dy_dx)
        return x**3

    @staticmethod
    def backward(ctx, grad_y):
        (dy_dx,) = ctx.saved_tensors
        return grad_y * dy_dx


class CubeReturnsIntermediate(torch.autograd.Function):
    @staticmethod
    def forward(x):
        return x**3, 3 * x**2  # the intermediate 3x^2 as a second output

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0], output[1])

    @staticmethod
    def backward(ctx, grad_y, grad_dy_dx):
        x, dy_dx = ctx.saved_tensors
        return grad_y * dy_dx + grad_dy_dx * 6 * x  # 6x = d(3x^2)/dx


class CubeMarksIntermediate(CubeReturnsIntermediate):
    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.mark_non_differentiable(output[1])  # the only change
        ctx.save_for_backward(inputs[0], output[1])


x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
cubes = {
    "saves the intermediate": CubeSavesIntermediate.apply,
    "returns it": lambda t: CubeReturnsIntermediate.apply(t)[0],
    "returns it, marked": lambda t: CubeMarksIntermediate.apply(t)[0],
}
print("exact second derivative 30 x^4:", (30 * x**4).tolist())
for name, cube in cubes.items():
    (first,) = torch.autograd.grad((cube(x) ** 2).sum(), x, create_graph=True)  # L = sum x^6
    (second,) = torch.autograd.grad(first.sum(), x)
    assert torch.allclose(first, 6 * x**5)  # the first derivative is right in all three
    print(f"{name:23s}", second.tolist(), "gradgradcheck:", gradgradcheck(cube, (x,), raise_exception=False))
