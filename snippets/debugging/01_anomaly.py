"""A NaN gradient from a hand-written norm, found by anomaly detection."""

import warnings

import torch


def length(v):
    return torch.sqrt((v**2).sum())  # the planted bug: not differentiable at v = 0


v = torch.zeros(3, requires_grad=True)
length(v).backward()
print("gradient of the hand-written norm at 0:", v.grad.tolist())

v.grad = None
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        with torch.autograd.detect_anomaly():  # check_nan=True by default
            length(v).backward()
    except RuntimeError as error:
        print("anomaly detection:", error)

# The forward traceback of the failing node arrives as a warning: keep the frames of this code.
report = next(str(w.message) for w in caught if "Traceback of forward call" in str(w.message))
frames = [line for line in report.splitlines() if line.strip().startswith("File ") and "site-packages" not in line]
print("PowBackward0 was created in the function:", frames[-1].split(" in ")[-1])

v.grad = None
torch.linalg.vector_norm(v).backward()
print("gradient of torch.linalg.vector_norm at 0:", v.grad.tolist())
