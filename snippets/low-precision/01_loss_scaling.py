"""A gradient that underflows to zero in float16, and the same gradient recovered by scaling the loss."""

import torch

x = torch.tensor([3.0, 4.0])


def gradient(low, scale=1.0):
    """Gradient of a tiny loss for float32 parameters whose activations are computed in `low`."""
    w = torch.tensor([1.0, 2.0], requires_grad=True)  # the parameters stay float32
    h = w.to(low) * x.to(low)  # the activations are low precision, as under autocast
    h.retain_grad()
    loss = h.float().sum() * 1e-9  # the loss itself is float32
    (loss * scale).backward()
    return w.grad / scale, h.grad  # unscale before using the gradient


reference, _ = gradient(torch.float32)
fp16, fp16_h = gradient(torch.float16)
bf16, _ = gradient(torch.bfloat16)
fp16_scaled, fp16_scaled_h = gradient(torch.float16, scale=2.0**16)
for label, w_grad, h_grad in [
    ("float32 reference", reference, None),
    ("float16 activations", fp16, fp16_h),
    ("bfloat16 activations", bf16, None),
    ("float16, loss scaled by 2**16", fp16_scaled, fp16_scaled_h),
]:
    h_text = "" if h_grad is None else f"   dL/dh in float16 {h_grad[0]:.4e}"
    print(f"{label:<30} w.grad {w_grad[0]:.4e} {w_grad[1]:.4e}{h_text}")
assert torch.equal(fp16, torch.zeros(2)) and fp16_h.dtype == torch.float16
assert torch.allclose(fp16_scaled, reference, rtol=1e-3) and torch.allclose(bf16, reference, rtol=1e-2)
