import torch

x = torch.arange(6).reshape(2, 3)
print("x =", x.tolist(), " stride", x.stride())

# view/reshape keep the row-major reading order 0, 1, 2, 3, 4, 5 ...
print("x.view(3, 2) =", x.view(3, 2).tolist())
# ... transpose swaps the axes: it reads the columns of x as rows.
print("x.t()        =", x.t().tolist())

# A view shares memory with its base: writing through it changes y.
y = torch.arange(6).reshape(2, 3)
v = y.view(3, 2)
v[0, 0] = 100
print("after v[0, 0] = 100, y =", y.tolist())

# Transposing only swaps the strides; the memory is not moved, so the
# elements are no longer in row-major order: the tensor is not contiguous.
xt = x.t()
print("xt stride", xt.stride(), "contiguous:", xt.is_contiguous())

# reshape copies when it must; contiguous() makes the row-major copy explicitly.
flat = xt.reshape(6)
print("xt.reshape(6) =", flat.tolist(), "= xt.contiguous().view(6):", torch.equal(flat, xt.contiguous().view(6)))

# permute generalises transpose: images from (N, H, W, C) to (N, C, H, W).
images = torch.zeros(8, 32, 32, 3)
print("permuted:", images.permute(0, 3, 1, 2).shape)
