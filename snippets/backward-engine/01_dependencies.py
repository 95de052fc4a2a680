"""How the engine schedules a graph with a shared subexpression: dependency counts and the order nodes run in."""

import torch

x = torch.tensor([0.3, 0.7], requires_grad=True)
a = x * 2  # shared: used by sin, exp and the final addition
b, c = a.sin(), a.exp()
L = (b * c + a).sum()

labels = {L.grad_fn: "L = sum(.)", a.grad_fn: "a = x * 2", b.grad_fn: "b = sin(a)", c.grad_fn: "c = exp(a)"}
labels[L.grad_fn.next_functions[0][0]] = "b * c + a"
labels[L.grad_fn.next_functions[0][0].next_functions[0][0]] = "b * c"
labels[a.grad_fn.next_functions[0][0]] = "x.grad (AccumulateGrad)"

# Dependencies: how many edges of the graph lead into each node, found by a walk from the root.
dependencies, stack, seen = {node: 0 for node in labels}, [L.grad_fn], set()
while stack:
    node = stack.pop()
    if node in seen:
        continue
    seen.add(node)
    for child, _ in node.next_functions:
        if child is not None:
            dependencies[child] += 1
            stack.append(child)

order, received = [], {}


def log_arrival(label):
    def prehook(grad_outputs):
        order.append(label)
        received[label] = grad_outputs[0]

    return prehook


for node, label in labels.items():
    node.register_prehook(log_arrival(label))

L.backward()
for step, label in enumerate(order, start=1):
    node = next(n for n, name in labels.items() if name == label)
    print(f"{step}. {label:25} {type(node).__name__:15} waited for {dependencies[node]} gradient(s)")

# Every node ran once, and a = x * 2 only after all three of its consumers.
assert sorted(order) == sorted(labels.values())
assert order.index("a = x * 2") > max(order.index(n) for n in ("b = sin(a)", "c = exp(a)", "b * c + a"))
# What it received is the sum of the three contributions: c cos a + b e^a + 1.
a_, b_, c_ = a.detach(), b.detach(), c.detach()
assert torch.allclose(received["a = x * 2"], c_ * torch.cos(a_) + b_ * torch.exp(a_) + 1)
