"""A warm parent that forks one fresh process per page program.

Starting an interpreter, importing torch and starting a Jupyter kernel cost
more than most pages take to run. This server pays for them once: it imports
the libraries pages use (never touching a CUDA device, whose context would
not survive a fork), then forks a child per page. Each child is a fresh
process with nothing shared: it runs the page in runner.PageProcess and
exits. The server is single-threaded (a select loop), so a fork never copies
a lock held by another thread.

Protocol, JSON lines: the client writes ``{"job": id, "cells": [...],
"timeout": s}`` to the server's stdin; the server answers ``{"job": id,
"outputs": [[...] per cell], "failure": {...} | null, "stamp": {...},
"dependencies": [...]}`` on its stdout. Run as ``python -m atlas_exec.forkserver ROOT``.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import selectors
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

# Imported once by the server, so that no page pays for them. torch's lazily
# imported submodules that the chapters use are listed too.
PRELOAD = (
    "torch",
    "torch.func",
    "torch.autograd.forward_ad",
    "torch.autograd.functional",
    "torch.utils.data",
    "torch.utils.checkpoint",
    "numpy",
    "plotly.graph_objects",
    "plotly.io",
    "plotly.subplots",
    "torchviz",
    "graphviz",
    "IPython.core.interactiveshell",
    "atlas_exec.runner",
)


def preload() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in PRELOAD:
            try:
                importlib.import_module(name)
            except ImportError:
                pass  # a page that needs it fails with the real error
    import plotly.io

    plotly.io.renderers.default = "plotly_mimetype"  # fig.show() publishes the figure for the page to draw
    _warm_up()


def _warm_up() -> None:
    """Pay once what torch and Plotly otherwise do lazily on first use, in every page process.

    The first torch.func.grad call of a process takes seconds, jacfwd most of
    one, a first Plotly figure a tenth. Each call here is on a CPU tensor of
    a few elements (no CUDA context: it would not survive a fork) and leaves
    no state a page can see; every page process still starts from a fresh
    fork with its own seeds and namespace.
    """
    import plotly.graph_objects as go
    import torch

    x = torch.ones(3)
    torch.func.grad(lambda t: t.sin().sum())(x)
    torch.func.jacrev(torch.sin)(x)
    torch.func.jacfwd(torch.sin)(x)
    torch.func.hessian(lambda t: t.sin().sum())(x)
    torch.func.jvp(torch.sin, (x,), (x,))
    torch.func.vmap(torch.sin)(x.reshape(3, 1))
    torch.autograd.functional.jacobian(torch.sin, x)
    leaf = torch.ones(3, requires_grad=True)
    (leaf * 2).sum().backward()
    go.Figure(go.Scatter(x=[0, 1], y=[0, 1])).to_plotly_json()
    # The IPython shell (a process-wide singleton) exists before the fork: each
    # page process gets its own copy, with an empty namespace it alone fills.
    from .runner import _shell

    _shell()


def _json_value(value):
    """What JSON cannot hold, as Jupyter sends it: bytes (a PNG from a formatter) as base64, anything else as its text."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)


def _write(fd: int, message: dict) -> None:
    data = (json.dumps(message, default=_json_value) + "\n").encode()
    while data:
        written = os.write(fd, data)
        data = data[written:]


def run_child(root: Path, cells: list[dict], channel: int, scratch: str) -> None:
    """In the forked child: run the page, report, exit without returning to the server's loop."""
    from .runner import DONE, PageProcess

    status = 0
    try:
        process = PageProcess(root, lambda message: _write(channel, message), scratch)
        failure = process.run(cells)
        _write(channel, {"event": DONE, "stamp": process.stamp(), "dependencies": process.dependencies(), "failed": failure is not None})
    except BaseException as error:  # noqa: BLE001 - reported to the server, which names the fence
        status = 1
        try:
            _write(channel, {"event": "crash", "message": f"{type(error).__name__}: {error}"})
        except Exception:  # noqa: BLE001 - the channel itself failed: the server sees a child that ended
            pass
    finally:
        os._exit(status)


class Job:
    """One page program running in a child, as the server sees it."""

    def __init__(self, message: dict, pid: int, channel: int, scratch: str):
        self.id, self.cells, self.pid, self.channel, self.scratch = message["job"], message["cells"], pid, channel, scratch
        self.default_timeout = message.get("timeout", 120)
        self.buffer = b""
        self.outputs: list[list[dict]] = []
        self.failure: dict | None = None
        self.cell = -1
        self.deadline: float | None = None
        self.done: dict | None = None
        self.crash: str | None = None  # the engine's own error in the child, if any

    def start_cell(self, index: int) -> None:
        self.cell = index
        self.deadline = time.monotonic() + (self.cells[index].get("timeout") or self.default_timeout)

    def receive(self, data: bytes) -> None:
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        for line in lines:
            event = json.loads(line)
            if event["event"] == "start":
                self.start_cell(event["cell"])
            elif event["event"] == "cell":
                self.outputs.append(event["outputs"])
                self.failure = event["failure"]
                self.deadline = None
            elif event["event"] == "done":
                self.done = event
            elif event["event"] == "crash":
                self.crash = event["message"]

    def ended(self, kind: str, message: str) -> None:
        """The child stopped before reporting DONE: a timeout or a death."""
        index = max(self.cell, 0)
        where = self.cells[index]["where"] if self.cells else ""
        self.outputs = self.outputs[:index]
        self.failure = {"kind": kind, "cell": index, "where": where, "message": message, "details": ""}

    def result(self) -> dict:
        done = self.done or {}
        return {
            "job": self.id,
            "outputs": self.outputs,
            "failure": self.failure,
            "stamp": done.get("stamp"),
            "dependencies": done.get("dependencies", []),
        }


def _stop(job: Job) -> None:
    for target in (lambda: os.killpg(job.pid, signal.SIGKILL), lambda: os.kill(job.pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass
    try:
        os.waitpid(job.pid, 0)
    except ChildProcessError:
        pass


def serve(root: Path) -> None:
    preload()
    selector = selectors.DefaultSelector()
    selector.register(0, selectors.EVENT_READ, None)
    jobs: dict[int, Job] = {}
    control = b""
    while True:
        deadlines = [job.deadline for job in jobs.values() if job.deadline]
        wait = 0.2 if jobs else None
        if deadlines:
            wait = max(0.0, min(min(deadlines) - time.monotonic(), wait))
        for key, _ in selector.select(wait):
            if key.data is None:
                data = os.read(0, 1 << 16)
                if not data:  # the client went away
                    for job in jobs.values():
                        _stop(job)
                        shutil.rmtree(job.scratch, ignore_errors=True)
                    return
                control += data
                *lines, control = control.split(b"\n")
                for line in lines:
                    job = _fork(root, json.loads(line))
                    jobs[job.channel] = job
                    selector.register(job.channel, selectors.EVENT_READ, job)
            else:
                job = key.data
                data = os.read(job.channel, 1 << 16)
                if data:
                    job.receive(data)
        now = time.monotonic()
        for channel, job in list(jobs.items()):
            finished = job.done is not None
            if not finished and job.deadline and now > job.deadline:
                timeout = job.cells[job.cell].get("timeout") or job.default_timeout
                job.ended("timeout", f'the fence did not finish within {timeout} s (timeout; a slow fence can ask for more with timeout="300")')
                finished = True
            elif not finished:
                pid, status = os.waitpid(job.pid, os.WNOHANG)
                if pid:
                    # Read what the child wrote before it ended.
                    while data := _read_ready(job.channel):
                        job.receive(data)
                    if job.done is None and job.crash:
                        job.ended("died", f"the engine failed in the page process ({job.crash}); please report it")
                    elif job.done is None:
                        job.ended("died", f"the page process ended while running this fence ({_status(status)}: os._exit, a crash or out of memory)")
                    finished = True
            if finished:
                selector.unregister(channel)
                _stop(job)  # the child, and any worker it left behind
                os.close(channel)
                shutil.rmtree(job.scratch, ignore_errors=True)
                del jobs[channel]
                _write(1, job.result())


def _read_ready(fd: int) -> bytes:
    os.set_blocking(fd, False)
    try:
        return os.read(fd, 1 << 16)
    except BlockingIOError:
        return b""


def _status(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.WEXITSTATUS(status)}"


def _fork(root: Path, message: dict) -> Job:
    read, write = os.pipe()
    # Made by the server, removed by it after the child is gone: a child stopped
    # at a timeout cannot clean up after itself.
    scratch = tempfile.mkdtemp(prefix="atlas-page-")
    pid = os.fork()
    if pid == 0:
        os.close(read)
        run_child(root, message["cells"], write, scratch)
    os.close(write)
    return Job(message, pid, read, scratch)


if __name__ == "__main__":
    # Nothing may write to the control channel but the server itself.
    sys.stdout = sys.stderr
    serve(Path(sys.argv[1]))
