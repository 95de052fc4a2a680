"""Which tensors each backward node keeps, and how its derivative is made from them."""

import torch

x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
w = torch.tensor([3.0, -1.0, 0.5], requires_grad=True)
c = torch.tensor([3.0, -1.0, 0.5])  # a constant: no gradient wanted

outputs = {
    "exp(x)": torch.exp(x),
    "sin(x)": torch.sin(x),
    "tanh(x)": torch.tanh(x),
    "relu(x)": torch.relu(x),
    "x * w": x * w,
    "x * c": x * c,
    "x + w": x + w,
    "x ** 2": x**2,
}
for label, out in outputs.items():
    node = out.grad_fn
    slots = sorted(name for name in dir(node) if name.startswith("_saved_"))
    kept = [name for name in slots if getattr(node, name) is not None]
    empty = [name for name in slots if name not in kept]
    note = f"  (empty: {', '.join(empty)})" if empty else ""
    print(f"{label:8} {node.name():14} keeps {', '.join(kept)}{note}")

# Each derivative, written with what the node saved, agrees with autograd.
ones = torch.ones(3)
exp_node, sin_node, tanh_node = (outputs[k].grad_fn for k in ("exp(x)", "sin(x)", "tanh(x)"))
checks = {
    "exp": (outputs["exp(x)"], exp_node._saved_result),  # d/dx e^x = e^x, the output
    "sin": (outputs["sin(x)"], torch.cos(sin_node._saved_self)),  # d/dx sin x = cos x, from the input
    "tanh": (outputs["tanh(x)"], 1 - tanh_node._saved_result**2),  # 1 - tanh^2, from the output
}
for name, (out, by_hand) in checks.items():
    (autograd,) = torch.autograd.grad(out, x, ones)
    assert torch.allclose(autograd, by_hand), name
print("exp, sin and tanh derivatives rebuilt from the saved tensors match autograd")
