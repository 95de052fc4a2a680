import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))

# Freeze the first layer (think: a pretrained feature extractor).
for p in model[0].parameters():
    p.requires_grad_(False)
trainable = [p for p in model.parameters() if p.requires_grad]
print("trainable parameters:", sum(p.numel() for p in trainable), "of", sum(p.numel() for p in model.parameters()))

frozen_before = model[0].weight.clone()
head_before = model[2].weight.clone()
optimizer = torch.optim.SGD(trainable, lr=0.1)  # give it only what should move

x, target = torch.randn(16, 4), torch.randn(16, 1)
for step in range(5):
    optimizer.zero_grad()
    loss = ((model(x) - target) ** 2).mean()
    loss.backward()
    optimizer.step()
    print(f"step {step}: loss {loss.item():.4f}")

print("frozen layer grad     :", model[0].weight.grad)
print("frozen layer unchanged:", torch.equal(model[0].weight, frozen_before))
print("head changed          :", not torch.equal(model[2].weight, head_before))
