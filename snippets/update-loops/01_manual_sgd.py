import torch

# Linear regression by hand: L(w) = mean((X w - y)^2), gradient (2/n) X^T (X w - y).
torch.manual_seed(0)
X = torch.randn(50, 2)
w_true = torch.tensor([2.0, -1.0])
y = X @ w_true + 0.01 * torch.randn(50)

w = torch.zeros(2, requires_grad=True)
lr = 0.1
for step in range(100):
    loss = ((X @ w - y) ** 2).mean()
    loss.backward()
    if step == 0:  # autograd agrees with the formula
        with torch.no_grad():
            by_hand = 2 / len(y) * X.T @ (X @ w - y)
        assert torch.allclose(w.grad, by_hand, atol=1e-6)
    with torch.no_grad():  # the update itself must not be recorded
        w -= lr * w.grad  # in place: w stays the same leaf tensor
    w.grad.zero_()  # backward adds to .grad, so reset it every step
    if step % 25 == 0:
        print(f"step {step:3}: loss {loss.item():.5f}")

print("w =", [round(v, 3) for v in w.tolist()], "| leaf:", w.is_leaf, "| requires_grad:", w.requires_grad)
assert torch.allclose(w, w_true, atol=0.01)
