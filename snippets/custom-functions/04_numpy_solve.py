import numpy as np
import torch
from torch.autograd.function import once_differentiable

device = "cuda" if torch.cuda.is_available() else "cpu"


class NumpySolve(torch.autograd.Function):
    """x = A^{-1} b computed by NumPy; A is (n, n), b is (n, k)."""

    @staticmethod
    def forward(A, b):
        x = np.linalg.solve(A.detach().cpu().numpy(), b.detach().cpu().numpy())
        return torch.from_numpy(x).to(b.device)

    @staticmethod
    def setup_context(ctx, inputs, output):
        A, _ = inputs
        ctx.save_for_backward(A, output)

    @staticmethod
    @once_differentiable  # this backward leaves PyTorch: no graph for it
    def backward(ctx, grad_x):
        A, x = (t.cpu().numpy() for t in ctx.saved_tensors)
        grad_b = np.linalg.solve(A.T, grad_x.cpu().numpy())  # A^{-T} g
        grad_A = -grad_b @ x.T  # -(A^{-T} g) x^T
        back = grad_x.device
        return tuple(torch.from_numpy(g).to(back) for g in (grad_A, grad_b))


torch.manual_seed(0)
eye = torch.eye(4, dtype=torch.float64, device=device)
A = torch.randn(4, 4, dtype=torch.float64, device=device) + 4 * eye
A.requires_grad_()
b = torch.randn(4, 2, dtype=torch.float64, device=device, requires_grad=True)

x = NumpySolve.apply(A, b)
print("solves A x = b:", torch.allclose(A @ x, b))

NumpySolve.apply(A, b).pow(2).sum().backward()
grad_A, grad_b = A.grad.clone(), b.grad.clone()
A.grad, b.grad = None, None
# PyTorch's own solve as the reference
torch.linalg.solve(A, b).pow(2).sum().backward()
same = torch.allclose(grad_A, A.grad) and torch.allclose(grad_b, b.grad)
print("same gradients as torch.linalg.solve:", same)
assert same
print("gradcheck:", torch.autograd.gradcheck(NumpySolve.apply, (A, b)))
