import numpy as np
import torch

device = "cuda" if torch.cuda.is_available() else "cpu"
rule_calls = []  # what the vmap rule was handed, for the reader to look at


class NumpySoftmax(torch.autograd.Function):
    """Softmax over the last dimension, computed by NumPy; y = softmax(x)."""

    @staticmethod
    def forward(x):
        z = x.detach().cpu().numpy()
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return torch.from_numpy(e / e.sum(axis=-1, keepdims=True)).to(x.device)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(output)

    @staticmethod
    def backward(ctx, v):  # v^T J = y * (v - <v, y>): PyTorch operations only
        (y,) = ctx.saved_tensors
        return y * (v - (v * y).sum(dim=-1, keepdim=True))

    @staticmethod
    def vmap(info, in_dims, x):
        (x_bdim,) = in_dims  # where the batch dimension of x is (None: not batched)
        rule_calls.append((info.batch_size, info.randomness, in_dims, tuple(x.shape)))
        x = x.movedim(x_bdim, 0)  # batch first: "last dimension" means the same again
        return NumpySoftmax.apply(x), 0  # (output, out_dims): the batch is dim 0


torch.manual_seed(0)
X = torch.randn(5, 3, dtype=torch.float64, device=device)  # 3 vectors of length 5, as columns
Y = torch.func.vmap(NumpySoftmax.apply, in_dims=1)(X)
print("rule got (batch_size, randomness, in_dims, shape):", rule_calls)
assert torch.allclose(Y, torch.softmax(X.T, dim=-1))

x = X[:, 0]
y = torch.softmax(x, dim=-1)
J_exact = torch.diag(y) - torch.outer(y, y)  # the Jacobian of softmax
J_rev = torch.func.jacrev(NumpySoftmax.apply)(x)
assert torch.allclose(J_rev, J_exact)
print("jacrev matches diag(y) - y y^T:", tuple(J_rev.shape), "| rule calls:", len(rule_calls))
