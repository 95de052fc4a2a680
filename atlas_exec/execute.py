"""Execute page programs: one fresh process per page, forked from a warm server.

The build (plugin.py) and the tests (tests/page_program.py) both call
``execute_pages``/``run_page``: one execution path, so they cannot disagree
about a page. A result is reused from the cache when its key proves it is
the same code, files and environment.
"""

from __future__ import annotations

import atexit
import datetime
import functools
import hashlib
import importlib.metadata
import itertools
import json
import logging
import os
import platform
import subprocess
import sys
import threading
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from pathlib import Path

from . import ENGINE_VERSION
from .cache import ExecutionCache, PageResult, file_hash
from .errors import Failure
from .fences import Fence, fence_source

DEFAULT_TIMEOUT = 120
log = logging.getLogger("mkdocs.plugins.atlas_exec")


@dataclass(frozen=True)
class Cell:
    """What one executed fence runs, and how messages name it."""

    line: int  # opening line of the fence in the page
    language: str  # "python" or "pycon"
    code: str
    file: str  # file of the code's lines: the page, or the included snippet
    lines: tuple[int, ...]  # the line of ``file`` that each line of ``code`` comes from
    where: str  # docs/page.md:LINE, or for an include "docs/page.md:LINE (snippets/x.py)"
    raises: str | None = None
    timing: bool = False
    timeout: int | None = None
    replay: str | None = None  # the scalar whose backward pass is recorded after the cell runs


def page_cells(fences: list[Fence], path: str, snippets_dir: Path) -> list[Cell]:
    """The cells of a page program, includes resolved (FenceError for a missing include)."""
    cells = []
    for fence in fences:
        source = fence_source(fence, snippets_dir, path)
        where = f"{path}:{fence.line}" + (f" (includes {source.file})" if fence.include else "")
        cells.append(Cell(fence.line, fence.language, source.code, source.file, source.lines, where, fence.raises, fence.timing, fence.timeout, fence.replay))
    return cells


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
    # Lines only name fences in messages: a prose edit that moves fences keeps
    # the page's outputs (a stored failure is checked against its lines).
    code = [{key: value for key, value in asdict(cell).items() if key not in ("line", "lines", "where")} for cell in cells]
    payload = json.dumps({"page": path, "environment": environment(), "cells": code}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def page_environment() -> dict:
    """The environment of the fork server and so of every page process."""
    env = dict(os.environ)
    env["PLOTLY_RENDERER"] = "plotly_mimetype"  # fig.show() publishes the figure for the page to draw
    env["PYTHONHASHSEED"] = "0"  # set order, dict of sets: the same output on every build
    # Pages run in parallel, one process per core: more threads per page only
    # contend, and one thread keeps reductions in the same order everywhere.
    env["OMP_NUM_THREADS"] = "1"
    env["MKL_NUM_THREADS"] = "1"
    env.pop("MPLBACKEND", None)
    return env


class ForkServer:
    """The client side of forkserver.py: submit a page program, get a Future of its result."""

    def __init__(self, root: Path):
        self.root = root
        self._process = subprocess.Popen(
            [sys.executable, "-m", "atlas_exec.forkserver", str(root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=root,
            env=page_environment(),
        )
        self._pending: dict[int, Future] = {}
        self._ids = itertools.count()
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True, name="atlas-forkserver").start()

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def submit(self, cells: list[Cell], timeout: int) -> Future:
        future: Future = Future()
        with self._lock:
            job = next(self._ids)
            self._pending[job] = future
            message = {"job": job, "timeout": timeout, "cells": [asdict(cell) for cell in cells]}
            self._process.stdin.write((json.dumps(message) + "\n").encode())
            self._process.stdin.flush()
        return future

    def _read(self) -> None:
        for line in self._process.stdout:
            message = json.loads(line)
            with self._lock:
                future = self._pending.pop(message["job"])
            future.set_result(message)
        with self._lock:
            pending, self._pending = list(self._pending.values()), {}
        for future in pending:
            future.set_exception(RuntimeError("the page execution server stopped (see the output above)"))

    def close(self) -> None:
        if self.alive:
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()


_servers: dict[tuple, ForkServer] = {}
_servers_lock = threading.Lock()


def fork_server(root: Path) -> ForkServer:
    """The process's server for ``root`` and the current environment variables: started
    once, kept warm (across rebuilds under ``mkdocs serve``)."""
    key = (root, tuple(sorted(page_environment().items())))
    with _servers_lock:
        server = _servers.get(key)
        if server is None or not server.alive:
            log.info("atlas-exec: starting the page server (imports torch once for every page)")
            server = _servers[key] = ForkServer(root)
        return server


@atexit.register
def _close_servers() -> None:
    for server in _servers.values():
        server.close()


def _result(message: dict, root: Path) -> PageResult:
    failure = Failure.from_dict(message["failure"]) if message["failure"] else None
    stamp = message["stamp"]
    if stamp is not None:
        stamp["date"] = datetime.date.today().isoformat()
    dependencies = {name: file_hash(root / name) for name in message["dependencies"]}
    return PageResult(message["outputs"], stamp, failure, dependencies)


@dataclass
class PageJob:
    path: str  # as messages name it, e.g. docs/graph.md
    cells: list[Cell]


def execute_pages(jobs: list[PageJob], root: Path, cache: ExecutionCache, timeout: int = DEFAULT_TIMEOUT, workers: int | None = None) -> dict[str, PageResult]:
    """The result of every page program: from the cache where it is still true, else run.

    At most ``workers`` pages run at once (default: one per core). A failed
    page's result carries its Failure; deterministic failures are cached too.
    """
    results: dict[str, PageResult] = {}
    pending: list[tuple[PageJob, str, list[int]]] = []
    for job in jobs:
        key, lines = cache_key(job.path, job.cells), [cell.line for cell in job.cells]
        cached = cache.load(job.path, key, lines)
        if cached:
            results[job.path] = cached
        else:
            pending.append((job, key, lines))
    if not pending:
        return results
    fresh = run_fresh([job for job, _, _ in pending], root, timeout, workers)
    for (job, key, lines), result in zip(pending, fresh):
        if result.failure is None or result.failure.deterministic:
            cache.store(job.path, key, lines, result)
        results[job.path] = result
    return results


def run_fresh(jobs: list[PageJob], root: Path, timeout: int = DEFAULT_TIMEOUT, workers: int | None = None) -> list[PageResult]:
    """Run page programs without the cache, at most ``workers`` at once; results in the order of ``jobs``."""
    server = fork_server(root)
    slots = threading.Semaphore(workers or os.cpu_count() or 1)
    futures = []
    for job in jobs:
        slots.acquire()
        future = server.submit(job.cells, timeout)
        future.add_done_callback(lambda _: slots.release())
        futures.append(future)
    return [_result(future.result(), root) for future in futures]


def run_page(path: str, cells: list[Cell], root: Path, cache: ExecutionCache, timeout: int = DEFAULT_TIMEOUT) -> PageResult:
    """One page program, as the build would run it (or its cached result)."""
    return execute_pages([PageJob(path, cells)], root, cache, timeout)[path]
