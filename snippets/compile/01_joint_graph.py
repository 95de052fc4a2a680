"""The joint graph AOTAutograd traces for f(x) = sum(sin(x) * x**2), and the forward and backward graphs it is cut into."""

import torch
from functorch.compile import make_boxed_func, min_cut_rematerialization_partition
from torch._dynamo.backends.common import aot_autograd


def describe(gm):
    """An FX graph one line per operation, `name = op(arguments)`, and what it returns."""
    lines = [f"inputs: {', '.join(n.name for n in gm.graph.nodes if n.op == 'placeholder')}"]
    for node in gm.graph.nodes:
        if node.op == "call_function":
            op = node.target.overloadpacket.__name__  # aten.pow.Tensor_Scalar -> "pow"
            lines.append(f"  {node.name} = {op}({', '.join(str(a) for a in node.args)})")
        elif node.op == "output":
            lines.append(f"returns: {node.args[0]}")
    return "\n".join(lines)


captured = {}  # graph name -> the FX graph AOTAutograd handed over


def keep(name):
    def compiler(gm, example_inputs):
        captured[name] = gm
        return make_boxed_func(gm.forward)  # run the graph as it is, op by op, with the usual kernels

    return compiler


def partition(joint, joint_inputs, **options):
    captured["joint"] = joint
    return min_cut_rematerialization_partition(joint, joint_inputs, **options)  # what aot_eager uses


inspector = aot_autograd(fw_compiler=keep("forward"), bw_compiler=keep("backward"), partition_fn=partition)


def f(x):
    return (torch.sin(x) * x**2).sum()


x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
out = torch.compile(f, backend=inspector)(x)
assert sorted(captured) == ["forward", "joint"]  # the backward graph is handed over at the first backward()
out.backward()
for name in ("joint", "forward", "backward"):
    print(f"--- {name} graph\n{describe(captured[name])}")
expected = torch.cos(x) * x**2 + 2 * x * torch.sin(x)
assert torch.allclose(x.grad, expected.detach())
