"""Walk the backward graph from the output to the leaves through next_functions."""

import torch

x = torch.tensor(2.0, requires_grad=True)
y = torch.tensor(2.0, requires_grad=True)
f = x**2 + x * y + (x + y) ** 2

names = {id(x): "x", id(y): "y"}


def show(node, depth=0):
    """Print one node and, indented below it, the nodes it passes gradients to."""
    if node is None:  # an input that needs no gradient (a constant)
        return
    label = type(node).__name__
    if hasattr(node, "variable"):  # AccumulateGrad: writes into a leaf's .grad
        label += f" -> {names[id(node.variable)]}.grad"
    print("    " * depth + label)
    for child, _ in node.next_functions:
        show(child, depth + 1)


show(f.grad_fn)
