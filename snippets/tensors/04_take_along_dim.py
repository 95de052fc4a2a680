import torch

x = torch.arange(12).view(2, 3, 2)  # shape (2, 3, 2)
idx = torch.tensor([0, 1, 0])

# The same three indices, laid along each axis in turn.
along_0 = x.take_along_dim(idx.view(3, 1, 1), dim=0)
along_1 = x.take_along_dim(idx.view(1, 3, 1), dim=1)
along_2 = x.take_along_dim(idx.view(1, 1, 3), dim=2)
print(along_0)  # the first and last rows of the table, in full
print(along_2)

# With an index that varies along one axis only, each result is plain indexing:
assert torch.equal(along_0, x[idx])  # slices x[0], x[1], x[0]
assert torch.equal(along_1, x[:, idx])
assert torch.equal(along_2, x[:, :, idx])

# The real use: a different index at every position, e.g. the argmax.
torch.manual_seed(0)
scores = torch.randperm(12).view(2, 3, 2)
best = scores.argmax(dim=1, keepdim=True)  # shape (2, 1, 2)
picked = scores.take_along_dim(best, dim=1)
assert torch.equal(picked, scores.max(dim=1, keepdim=True).values)
print("scores =", scores.tolist(), "| argmax along dim 1:", best.tolist(), "-> values", picked.tolist())
