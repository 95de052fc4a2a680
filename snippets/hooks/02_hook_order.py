"""Register every kind of backward hook on a three-node graph and log the order they fire in."""

import torch

log = []
x = torch.tensor([0.5, 1.0], requires_grad=True)
y = x * 2
z = y.sin()
loss = z.sum()

sin_node, mul_node = z.grad_fn, y.grad_fn
accumulate_x = mul_node.next_functions[0][0]  # the AccumulateGrad node that writes x.grad

# Registered in a scrambled order on purpose: the order of registration across
# different kinds of hooks does not decide the order in which they fire.
accumulate_x.register_hook(lambda grad_inputs, grad_outputs: log.append("AccumulateGrad: node hook"))
x.register_post_accumulate_grad_hook(lambda tensor: log.append("x: post-accumulate-grad hook"))
x.register_hook(lambda grad: log.append("x: tensor hook"))
mul_node.register_hook(lambda grad_inputs, grad_outputs: log.append("MulBackward0: node hook"))
mul_node.register_prehook(lambda grad_outputs: log.append("MulBackward0: node pre-hook"))
y.register_hook(lambda grad: log.append("y: tensor hook"))
sin_node.register_hook(lambda grad_inputs, grad_outputs: log.append("SinBackward0: node hook"))
sin_node.register_prehook(lambda grad_outputs: log.append("SinBackward0: node pre-hook"))
z.register_hook(lambda grad: log.append("z: tensor hook"))

loss.backward()
for number, event in enumerate(log, start=1):
    print(number, event)
