"""On a CUDA machine: every snippet and every page program also runs on the GPU,
and prints the same numbers as on the CPU.

Tolerance: two printed numbers agree when |gpu - cpu| <= 1e-4 + 1e-3 * |cpu|
(math.isclose with rel_tol=1e-3, abs_tol=1e-4): float32 kernels on a GPU sum
in another order than on a CPU, and the printed values are rounded anyway.
Fences marked `timing`, and snippets shown only in them, print durations and
are not compared. The CPU run is the same code with CUDA hidden
(CUDA_VISIBLE_DEVICES=""), on the same machine.

Run with `pytest -m gpu`; without CUDA these tests are skipped.
"""

from __future__ import annotations

import functools
import math
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from atlas_exec.cache import PageResult
from atlas_exec.execute import Cell, PageJob, page_cells, run_fresh
from atlas_exec.labs import lab_cells, page_notebook
from tests.conftest import ROOT
from tests.page_program import site


def executed_fences(text: str, path: str):
    return site()[0].fences(text, path)


REL_TOL, ABS_TOL = 1e-3, 1e-4
SNIPPETS = ROOT / "snippets"
PAGES = sorted((ROOT / "docs").rglob("*.md"))
LABS = sorted((ROOT / "labs").glob("*.py"))

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

# What names a device rather than a value: tensor reprs, device strings, memory addresses.
_DEVICE_TEXT = re.compile(r",?\s*device='cuda:\d+'|\bcuda:\d+\b|\b0x[0-9a-f]+\b", re.I)
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|\bnan\b|[-+]?\binf\b")


def printed_numbers(text: str) -> list[float]:
    return [float(number) for number in _NUMBER.findall(_DEVICE_TEXT.sub("", text))]


def number_mismatches(gpu_text: str, cpu_text: str) -> list[str]:
    """What differs between the numbers of two printouts, beyond the tolerance; empty when they agree."""
    gpu, cpu = printed_numbers(gpu_text), printed_numbers(cpu_text)
    if len(gpu) != len(cpu):
        return [f"{len(gpu)} numbers on the GPU, {len(cpu)} on the CPU"]
    return [
        f"number {index + 1}: GPU {on_gpu!r}, CPU {on_cpu!r}"
        for index, (on_gpu, on_cpu) in enumerate(zip(gpu, cpu))
        if not (math.isclose(on_gpu, on_cpu, rel_tol=REL_TOL, abs_tol=ABS_TOL) or (math.isnan(on_gpu) and math.isnan(on_cpu)))
    ]


def test_number_mismatches_applies_the_tolerance():
    """The comparison itself (runs everywhere): equal within tolerance passes, a real difference does not."""
    assert number_mismatches("loss 0.12346 tensor([1., 2.], device='cuda:0')", "loss 0.12345 tensor([1., 2.])") == []
    assert number_mismatches("grad 1.0e-05", "grad 1.9e-05") == []  # below the absolute tolerance
    assert number_mismatches("loss 0.1250", "loss 0.1260") == ["number 1: GPU 0.125, CPU 0.126"]
    assert number_mismatches("1 2", "1 2 3") == ["2 numbers on the GPU, 3 on the CPU"]


def _cpu_environment() -> dict:
    return {**os.environ, "CUDA_VISIBLE_DEVICES": ""}


@functools.cache
def _timing_only_snippets() -> set[str]:
    """Snippets that pages show only in `timing` fences: what they print are durations."""
    timing, other = set(), set()
    for page in PAGES:
        for fence in executed_fences(page.read_text(encoding="utf-8"), page.relative_to(ROOT).as_posix()):
            if fence.include:
                (timing if fence.timing else other).add(fence.include.partition(":")[0])
    return timing - other


def _snippets() -> list[str]:
    return [path.relative_to(SNIPPETS).as_posix() for path in sorted(SNIPPETS.rglob("*.py"))]


@pytest.fixture(scope="session")
def snippet_runs() -> dict[str, dict[str, subprocess.CompletedProcess]]:
    """Every snippet run as a reader runs it, on the GPU and with CUDA hidden, in parallel."""

    def run(name: str, env: dict | None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(SNIPPETS / name)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)

    names = _snippets()
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        gpu = dict(zip(names, pool.map(lambda name: run(name, None), names)))
        cpu = dict(zip(names, pool.map(lambda name: run(name, _cpu_environment()), names)))
    return {name: {"gpu": gpu[name], "cpu": cpu[name]} for name in names}


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize("name", _snippets())
def test_snippet_prints_the_same_numbers_on_gpu_and_cpu(snippet_runs, name):
    gpu, cpu = snippet_runs[name]["gpu"], snippet_runs[name]["cpu"]
    assert gpu.returncode == 0, f"snippets/{name} failed on the GPU:\n{gpu.stderr[-4000:]}"
    assert cpu.returncode == 0, f"snippets/{name} failed on the CPU:\n{cpu.stderr[-4000:]}"
    if name in _timing_only_snippets():
        return
    mismatches = number_mismatches(gpu.stdout, cpu.stdout)
    assert not mismatches, f"snippets/{name}:\n" + "\n".join(mismatches) + f"\n\nGPU:\n{gpu.stdout}\nCPU:\n{cpu.stdout}"


def _output_text(output: dict) -> str:
    """The numbers-bearing text of one Jupyter output; graph drawings are compared by the browser tests."""
    if output["output_type"] == "stream":
        return output["text"]
    if output["output_type"] == "error":
        return f"{output['ename']}: {output['evalue']}"
    data = output.get("data", {})
    if "application/vnd.plotly.v1+json" in data:
        figure = data["application/vnd.plotly.v1+json"]
        return repr(figure.get("data", []))
    if "image/svg+xml" in data:
        return ""
    return str(data.get("text/plain", ""))


@pytest.fixture(scope="session")
def page_runs() -> dict[str, tuple[list[Cell], PageResult, PageResult]]:
    """Every page program (chapters and labs) executed on the GPU, then again with CUDA hidden (pages in parallel)."""
    paths = [page.relative_to(ROOT).as_posix() for page in PAGES]
    jobs = [PageJob(path, page_cells(executed_fences((ROOT / path).read_text(encoding="utf-8"), path), path, SNIPPETS)) for path in paths]
    jobs = [job for job in jobs if job.cells]
    jobs += [PageJob(lab.relative_to(ROOT).as_posix(), lab_cells(page_notebook(lab), lab.relative_to(ROOT).as_posix())) for lab in LABS]
    gpu = run_fresh(jobs, ROOT)
    # Another environment, so another fork server: one whose pages see no CUDA device.
    hidden = pytest.MonkeyPatch()
    hidden.setenv("CUDA_VISIBLE_DEVICES", "")
    try:
        cpu = run_fresh(jobs, ROOT)
    finally:
        hidden.undo()
    failures = [str(result.failure) for result in gpu + cpu if result.failure]
    assert not failures, "\n\n".join(failures)
    return {job.path: (job.cells, on_gpu, on_cpu) for job, on_gpu, on_cpu in zip(jobs, gpu, cpu)}


def _executed_pages() -> list[str]:
    pages = [page.relative_to(ROOT).as_posix() for page in PAGES if executed_fences(page.read_text(encoding="utf-8"), page.relative_to(ROOT).as_posix())]
    return pages + [lab.relative_to(ROOT).as_posix() for lab in LABS]


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize("path", _executed_pages())
def test_page_program_prints_the_same_numbers_on_gpu_and_cpu(page_runs, path):
    cells, gpu, cpu = page_runs[path]
    assert gpu.stamp["device"] != "CPU" and cpu.stamp["device"] == "CPU", (gpu.stamp, cpu.stamp)
    problems = []
    for cell, on_gpu, on_cpu in zip(cells, gpu.outputs, cpu.outputs):
        if cell.timing:
            continue
        gpu_text, cpu_text = "\n".join(map(_output_text, on_gpu)), "\n".join(map(_output_text, on_cpu))
        problems += [f"{path}:{cell.line}: {mismatch}" for mismatch in number_mismatches(gpu_text, cpu_text)]
    assert not problems, "\n".join(problems)
