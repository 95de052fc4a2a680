import torch


class BernoulliST(torch.autograd.Function):
    """Sample b ~ Bernoulli(p) forward; pass the gradient straight through."""

    @staticmethod
    def forward(p):
        return torch.bernoulli(p)

    @staticmethod
    def setup_context(ctx, inputs, output):
        pass  # the backward needs nothing from the forward

    @staticmethod
    def backward(ctx, grad_b):
        return grad_b  # pretend db/dp = 1, the derivative of E[b] = p


torch.manual_seed(0)
n, d = 256, 8
x = torch.randn(n, d)
y = x[:, :3].sum(dim=1)  # only the first 3 features matter


def train(sample, steps=150):
    """Learn gate logits theta.

    Each sample keeps feature j with probability sigmoid(theta_j).
    """
    torch.manual_seed(1)
    theta = torch.zeros(d, requires_grad=True)
    opt = torch.optim.Adam([theta], lr=0.1)
    losses = []
    for _ in range(steps):
        gate = sample(torch.sigmoid(theta).expand(n, d))
        loss = ((x * gate).sum(dim=1) - y).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return torch.sigmoid(theta).detach(), losses


keep_st, loss_st = train(BernoulliST.apply)
keep_plain, loss_plain = train(torch.bernoulli)
print("keep prob, straight-through:", [round(v, 2) for v in keep_st.tolist()])
print("keep prob, plain bernoulli :", [round(v, 2) for v in keep_plain.tolist()])
print(f"last loss: STE {loss_st[-1]:.3f}, plain {loss_plain[-1]:.3f}")
