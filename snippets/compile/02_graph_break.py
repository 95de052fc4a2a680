"""A data-dependent `if` breaks a compiled function into two graphs; the gradient is still the eager one."""

import torch
import torch._dynamo

graphs = []  # the operations of every graph Dynamo hands to the backend


def counting(gm, example_inputs):
    graphs.append([getattr(node.target, "__name__", str(node.target)) for node in gm.graph.nodes if node.op in ("call_function", "call_method")])
    return gm.forward  # run the graph as traced


def g(x):
    y = torch.sin(x) * x**2
    if y.sum() > 0:  # Python needs the value of a tensor here
        return (2 * y).sum()
    return (y - 1).sum()


report = torch._dynamo.explain(g)(torch.ones(3))
print("graphs:", report.graph_count, "| breaks:", report.graph_break_count)
print("reason:", report.break_reasons[0].reason)
assert (report.graph_count, report.graph_break_count) == (2, 1)

compiled_g = torch.compile(g, backend=counting)
for start in ([0.5, 1.0, 2.0], [-0.5, -1.0, -2.0]):  # one input per branch
    x = torch.tensor(start, requires_grad=True)
    compiled_g(x).backward()
    (eager_grad,) = torch.autograd.grad(g(x), x)
    assert torch.allclose(x.grad, eager_grad)
for number, ops in enumerate(graphs, start=1):
    print(f"graph {number}: {ops}")
assert len(graphs) == 3  # the part up to the `if`, then one graph per branch taken
