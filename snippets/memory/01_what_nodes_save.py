"""Which tensors (and which scalars) each backward node keeps, and how its derivative is made from them."""

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
saved_tensors = {}
for label, out in outputs.items():
    node = out.grad_fn
    saved = {name: getattr(node, name) for name in sorted(dir(node)) if name.startswith("_saved_")}
    tensors = [name for name, value in saved.items() if isinstance(value, torch.Tensor)]
    scalars = [f"{name}={value}" for name, value in saved.items() if value is not None and name not in tensors]
    empty = [name for name, value in saved.items() if value is None]  # a slot for a tensor not needed here
    saved_tensors[label] = tensors
    line = f"{label:8} {node.name():14} tensors: {', '.join(tensors) or '-':28}"
    line += f" scalars: {', '.join(scalars) or '-'}" + (f"  (empty: {', '.join(empty)})" if empty else "")
    print(line)
assert saved_tensors["x + w"] == [] and saved_tensors["x * c"] == ["_saved_other"]

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
