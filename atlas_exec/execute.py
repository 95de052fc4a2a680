"""Run a page program in a fresh Jupyter kernel, and cache what it printed.

One kernel per page (state flows between the fences of a page, never between
pages), one cell per executed fence, cells run one at a time so that a
failure names the fence that caused it.
"""

from __future__ import annotations

import asyncio
import datetime
import functools
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from . import ENGINE_VERSION
from .fences import executed_fences, fence_source

DEFAULT_TIMEOUT = 120

# Run before the page's first fence, in a namespace of its own so that the
# page program starts from an empty namespace. Warnings print as
# "UserWarning: message": the default format names machine paths.
_KERNEL_SETUP = """
exec('''
import warnings
warnings.formatwarning = lambda message, category, *args, **kwargs: f"{category.__name__}: {message}\\\\n"
warnings.filterwarnings("ignore", category=DeprecationWarning, module="torchviz")
''', {})
"""

# Run after the page's last fence: where the outputs came from.
_KERNEL_STAMP = """
exec('''
import json, platform, torch
device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"
print(json.dumps({"torch": torch.__version__, "device": device, "python": platform.python_version()}))
''', {})
"""

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class PageExecutionError(Exception):
    """A page program failed: the message names the page, the line and the cause."""


@dataclass(frozen=True)
class Cell:
    """What one executed fence sends to the kernel."""

    line: int
    language: str
    code: str
    raises: str | None = None
    timing: bool = False
    timeout: int | None = None

    def kernel_code(self, path: str) -> str:
        """What the kernel runs: the code itself, or for pycon the doctest that checks it."""
        if self.language == "pycon":
            return f'__import__("atlas_exec.pycon", fromlist=["run_pycon"]).run_pycon({self.code!r}, get_ipython().user_ns, {path!r}, {self.line})'
        return self.code


@dataclass
class PageResult:
    outputs: list[list[dict]]  # one list of nbformat outputs per cell
    stamp: dict
    cached: bool = False


def page_cells(text: str, path: str, snippets_dir: Path) -> list[Cell]:
    """The cells of a page program, includes resolved."""
    return [
        Cell(fence.line, fence.language, fence_source(fence, snippets_dir, path), fence.raises, fence.timing, fence.timeout)
        for fence in executed_fences(text, path)
    ]


@functools.cache
def environment() -> dict:
    """What the outputs depend on besides the code: part of every cache key."""
    torch_version = importlib.metadata.version("torch")
    # A +cpu wheel has no CUDA: importing torch only to learn that costs seconds per build.
    if torch_version.endswith("+cpu"):
        device = "CPU"
    else:
        import torch

        device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"
    return {"engine": ENGINE_VERSION, "python": platform.python_version(), "torch": torch_version, "device": device}


def cache_key(path: str, cells: list[Cell]) -> str:
    # Lines only name fences in error messages, and failures are never cached:
    # a prose edit that moves fences keeps the page's outputs.
    code = [{**asdict(cell), "line": None} for cell in cells]
    payload = json.dumps({"page": path, "environment": environment(), "cells": code}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


class ExecutionCache:
    """Executed outputs on disk, one JSON file per page program."""

    def __init__(self, directory: Path):
        self.directory = directory

    def load(self, key: str) -> PageResult | None:
        file = self.directory / f"{key}.json"
        if not file.is_file():
            return None
        data = json.loads(file.read_text(encoding="utf-8"))
        return PageResult(data["outputs"], data["stamp"], cached=True)

    def store(self, key: str, result: PageResult) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        # Written then renamed, so parallel builds never read half a file.
        with tempfile.NamedTemporaryFile("w", dir=self.directory, suffix=".tmp", delete=False, encoding="utf-8") as tmp:
            json.dump({"outputs": result.outputs, "stamp": result.stamp}, tmp)
        os.replace(tmp.name, self.directory / f"{key}.json")


def _error_text(outputs: list[dict]) -> tuple[str, str, str]:
    for output in outputs:
        if output.get("output_type") == "error":
            traceback = _ANSI.sub("", "\n".join(output.get("traceback", [])))
            return output["ename"], output["evalue"], traceback
    return "", "", ""


def _kernel_environment() -> dict:
    env = dict(os.environ)
    # fig.show() in the kernel emits the figure as JSON for the page to draw.
    env["PLOTLY_RENDERER"] = "plotly_mimetype"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env.setdefault("PYTHONHASHSEED", "0")
    # Pages run in parallel, one kernel per core: more threads per kernel only
    # contend (small-tensor loops ran ten times slower), and one thread keeps
    # reductions in the same order as in the tests.
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


async def _run_cells(path: str, cells: list[Cell], cwd: Path, timeout: int) -> PageResult:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(_KERNEL_SETUP)]
    for cell in cells:
        metadata = {"tags": ["raises-exception"]} if cell.raises else {}
        if cell.timeout:
            metadata["timeout"] = cell.timeout
        notebook.cells.append(nbformat.v4.new_code_cell(cell.kernel_code(path), metadata=metadata))
    notebook.cells.append(nbformat.v4.new_code_cell(_KERNEL_STAMP))

    # A kernel of our own over local sockets (IPC) rather than TCP on localhost.
    kernel = AsyncKernelManager(kernel_name="python3", transport="ipc")
    client = NotebookClient(
        notebook,
        km=kernel,
        timeout=timeout,
        timeout_func=lambda nb_cell: nb_cell.metadata.get("timeout", timeout),
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    with tempfile.TemporaryDirectory(prefix="atlas-kernel-") as runtime:
        kernel.connection_file = os.path.join(runtime, "kernel.json")
        try:
            await _run_in_kernel(client, notebook, path, cells, cwd)
        finally:
            if kernel.has_kernel:
                await kernel.shutdown_kernel(now=True)
    stamp = json.loads("".join(out.get("text", "") for out in notebook.cells[-1].outputs))
    stamp["date"] = datetime.date.today().isoformat()
    outputs = [[dict(output) for output in nb_cell.outputs] for nb_cell in notebook.cells[1:-1]]
    return PageResult(outputs, stamp)


async def _run_in_kernel(client: NotebookClient, notebook, path: str, cells: list[Cell], cwd: Path) -> None:
    async with client.async_setup_kernel(env=_kernel_environment(), cwd=str(cwd)):
        for index, nb_cell in enumerate(notebook.cells):
            cell = cells[index - 1] if 0 < index <= len(cells) else None
            where = f"{path}:{cell.line}" if cell else f"{path} (engine setup)"
            try:
                await client.async_execute_cell(nb_cell, index)
            except CellTimeoutError:
                raise PageExecutionError(f"{where}: the fence did not finish within {nb_cell.metadata.get('timeout', client.timeout)} s (timeout)") from None
            except DeadKernelError:
                raise PageExecutionError(f"{where}: the kernel died while running this fence (os._exit, a crash or out of memory)") from None
            except CellExecutionError:
                ename, evalue, traceback = _error_text(nb_cell.outputs)
                raise PageExecutionError(f"{where}: the fence raised {ename}: {evalue}\n\n{traceback}") from None
            if cell and cell.raises:
                ename, evalue, _ = _error_text(nb_cell.outputs)
                if not ename:
                    raise PageExecutionError(f"{where}: the fence should raise {cell.raises} but raised nothing")
                if ename != cell.raises:
                    raise PageExecutionError(f"{where}: the fence should raise {cell.raises} but raised {ename}: {evalue}")


def execute_page(path: str, cells: list[Cell], cwd: Path, timeout: int = DEFAULT_TIMEOUT) -> PageResult:
    """Run one page program in a fresh kernel; raises PageExecutionError."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_run_cells(path, cells, cwd, timeout))
    # The caller already runs an event loop (Jupyter, Playwright's sync API):
    # asyncio.run() refuses to nest, so the page gets a thread and a loop of its own.
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(lambda: asyncio.run(_run_cells(path, cells, cwd, timeout))).result()


@dataclass
class PageJob:
    path: str  # as shown in messages, e.g. docs/graph.md
    cells: list[Cell]


def execute_pages(
    jobs: list[PageJob], cwd: Path, cache: ExecutionCache, timeout: int = DEFAULT_TIMEOUT, workers: int | None = None
) -> tuple[dict[str, PageResult], list[str]]:
    """Execute every page that the cache does not already hold, in parallel.

    Returns the results by path and the error messages of the pages that failed.
    """
    results: dict[str, PageResult] = {}
    pending: list[tuple[PageJob, str]] = []
    for job in jobs:
        key = cache_key(job.path, job.cells)
        cached = cache.load(key)
        if cached:
            results[job.path] = cached
        else:
            pending.append((job, key))

    def run(item: tuple[PageJob, str]) -> tuple[str, PageResult | str]:
        job, key = item
        try:
            result = execute_page(job.path, job.cells, cwd, timeout)
        except PageExecutionError as error:
            return job.path, str(error)
        cache.store(key, result)
        return job.path, result

    errors: list[str] = []
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        for path, outcome in pool.map(run, pending):
            if isinstance(outcome, str):
                errors.append(outcome)
            else:
                results[path] = outcome
    return results, errors
