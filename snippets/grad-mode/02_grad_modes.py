import torch

w = torch.tensor([1.0, 2.0], requires_grad=True)

# 1. A context manager: nothing inside the block is recorded.
with torch.no_grad():
    inside = w * 2
print("inside no_grad           :", inside.requires_grad)


# 2. A decorator: the whole function runs without recording.
@torch.no_grad()
def predict(t):
    return t * 2


print("decorated function       :", predict(w).requires_grad)

# 3. enable_grad switches recording back on inside a no_grad region.
with torch.no_grad():
    with torch.enable_grad():
        nested = w * 2
    after = w * 2
print("enable_grad in no_grad   :", nested.requires_grad)
print("no_grad after enable_grad:", after.requires_grad)


# 4. set_grad_enabled takes a flag: one code path for training and evaluation.
def forward(t, training):
    with torch.set_grad_enabled(training):
        return (t**2).sum()


print("training=True            :", forward(w, training=True).requires_grad)
print("training=False           :", forward(w, training=False).requires_grad)
print("outside every block      :", (w * 2).requires_grad)
