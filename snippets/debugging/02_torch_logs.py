"""Log every node the backward pass runs with TORCH_LOGS="+autograd", to see where a float64 creeps in."""

import os
import re
import subprocess
import sys

# The program to debug. The planted bug: a float64 constant promotes everything after it.
program = """
import torch
w = torch.ones(3, requires_grad=True)            # float32
scale = torch.full((3,), 0.5, dtype=torch.float64)  # float64 by mistake
y = (torch.tanh(w) * scale).sum()
y.backward()
print(w.grad.dtype)
"""
# TORCH_LOGS is read when torch is imported, so the program runs in a fresh process.
run = subprocess.run(
    [sys.executable, "-c", program],
    env={**os.environ, "TORCH_LOGS": "+autograd"},
    capture_output=True,
    text=True,
    check=True,
)
executed = [line.split("Executing: ", 1)[1] for line in run.stderr.splitlines() if "Executing: " in line]
for line in executed:
    print(re.sub(r"<(\w+) object at 0x[0-9a-f]+>", r"\1", line))  # drop the memory address
print("w.grad dtype:", run.stdout.strip())
assert any("f64" in line for line in executed) and run.stdout.strip() == "torch.float32"
