import time

import torch

device = "cuda" if torch.cuda.is_available() else "cpu"


def best_time(fn, repeat=5):
    """Fastest of `repeat` runs, in seconds; waits for the GPU to finish."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        if device == "cuda":
            torch.cuda.synchronize()  # GPU calls return before work ends
        times.append(time.perf_counter() - start)
    return min(times)


torch.manual_seed(0)
a_cpu = torch.randn(1024, 1024)
b_cpu = torch.randn(1024, 1024)

# Crossing devices: copy both 4 MiB matrices (a no-op if device is the CPU).
t_copy = best_time(lambda: (a_cpu.to(device), b_cpu.to(device)))
a, b = a_cpu.to(device), b_cpu.to(device)
a @ b  # warm-up: the first call on a GPU also initialises its libraries

t_cpu = best_time(lambda: a_cpu @ b_cpu)
t_dev = best_time(lambda: a @ b)
print(f"1024x1024 matmul: {t_cpu * 1e3:.3f} ms on the CPU, {t_dev * 1e3:.3f} ms on {device}; copying a and b there: {t_copy * 1e3:.3f} ms")
if device == "cuda":
    assert t_dev < t_cpu, "a GPU should beat the CPU on a 1024x1024 matmul"
