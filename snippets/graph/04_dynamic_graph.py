"""The graph is recorded anew on every forward pass, following Python's control flow."""

import torch


def grow(x, limit=10.0):
    """Double x until its magnitude exceeds limit: the number of steps depends on x."""
    steps = 0
    while x.abs() < limit:
        x = x * 2
        steps += 1
    return x, steps


def graph_length(node):
    """Number of operations on the path from the output back to the leaf."""
    count = 0
    while node is not None and node.next_functions:
        count += 1
        node = node.next_functions[0][0]
    return count


for start in (0.3, 1.5, 4.0):
    x = torch.tensor(start, requires_grad=True)
    y, steps = grow(x)
    y.backward()
    print(f"x={start}: {steps} doublings, {graph_length(y.grad_fn)} nodes, dy/dx={x.grad.item():g} (2**{steps}={2**steps})")
