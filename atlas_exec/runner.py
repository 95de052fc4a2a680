"""Inside the page process: run a page program's cells as Jupyter runs notebook cells.

The process is a fresh fork of the fork server (see forkserver.py), so its
state is its own. Cells run in an IPython shell, which gives the notebook
semantics a reader has in Jupyter or Colab: the value of a last expression is
displayed, ``display()`` and magics such as ``%timeit`` work, and rich
objects (Plotly figures, torchviz graphs) publish their MIME bundles. What a
cell prints and displays is captured in order as nbformat outputs.

Policies that differ from a notebook, because a page is built unattended:
``input()`` fails at once, and ``quit()``, ``exit()`` and ``sys.exit()`` fail
the fence (a page program runs every fence).
"""

from __future__ import annotations

import linecache
import os
import signal
import sys
import traceback
import warnings
from pathlib import Path

from .errors import Failure
from .paths import PathCleaner

# What a child reports through its event channel, one JSON object per line.
START, CELL, DONE = "start", "cell", "done"


class InputNotAvailable(RuntimeError):
    """input() was called: nobody can answer at build time."""


class SpawnedProcessFailed(RuntimeError):
    """A process started with 'spawn' could not find a name defined on the page."""


class _Capture:
    """sys.stdout / sys.stderr of the page: each write becomes a stream output, in order."""

    def __init__(self, name: str, outputs: list[dict], fd: int):
        self.name, self._outputs, self._fd, self._pid = name, outputs, fd, os.getpid()
        self.encoding, self.errors = "utf-8", "replace"

    def write(self, text: str) -> int:
        if os.getpid() != self._pid:  # a forked worker of the page: its own fd, captured below
            return os.write(self._fd, text.encode("utf-8", "replace"))
        if text:
            outputs = self._outputs
            if outputs and outputs[-1]["output_type"] == "stream" and outputs[-1]["name"] == self.name:
                outputs[-1]["text"] += text
            else:
                outputs.append({"output_type": "stream", "name": self.name, "text": text})
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._fd

    @property
    def closed(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False


class _Descriptors:
    """File descriptors 1 and 2 of the page process (C code, subprocesses) go to files read after each cell."""

    def __init__(self, directory: str):
        self.files = {}
        for fd, name in ((1, "stdout"), (2, "stderr")):
            path = os.path.join(directory, name)
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
            self.files[name] = [path, 0]

    def drain(self, outputs: list[dict]) -> None:
        for name, entry in self.files.items():
            path, offset = entry
            with open(path, "rb") as file:
                file.seek(offset)
                data = file.read()
            entry[1] = offset + len(data)
            if data:
                outputs.append({"output_type": "stream", "name": name, "text": data.decode("utf-8", "replace")})


def _shell():
    """An IPython shell that captures what cells display, the way ipykernel's does."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            self.shell.atlas_outputs.append({"output_type": "display_data", "data": data, "metadata": metadata or {}})

        def clear_output(self, wait=False):
            self.shell.atlas_outputs.clear()

    class Hook(DisplayHook):
        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            self.shell.atlas_outputs.append(
                {"output_type": "execute_result", "data": format_dict, "metadata": md_dict or {}, "execution_count": self.shell.execution_count}
            )

        def finish_displayhook(self):
            self._is_active = False

    config = Config()
    config.HistoryManager.enabled = False  # no sqlite file shared by forked processes
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.xmode = "plain"
    # The singleton: display() publishes through InteractiveShell.instance().
    shell = InteractiveShell.instance(config=config, display_pub_class=Publisher, displayhook_class=Hook)
    shell.atlas_outputs = []
    # The engine formats tracebacks itself, without its own frames or machine paths;
    # IPython's formatting would only cost time.
    shell.showtraceback = lambda *args, **kwargs: None
    shell.showsyntaxerror = lambda *args, **kwargs: None
    return shell


class PageProcess:
    """Runs the cells of one page program in this process and reports each through ``emit``."""

    def __init__(self, root: Path, emit, scratch: str, isolated: bool = True):
        """``emit(message)`` sends one event (a dict) to the server; ``scratch`` is a folder of
        this process's own. ``isolated=False`` skips the process-wide setup, to run several
        pages in one process (the benchmark's lower bound, never the build)."""
        self.root, self.emit, self.isolated = root, emit, isolated
        self.clean = PathCleaner(root)
        self.code_names: dict[str, tuple[str, list[int]]] = {}  # compiled name -> (file, its line of each code line)
        self.read: set[str] = set()
        self.preloaded = set(sys.modules)  # the server's imports are not the page's
        self.outputs: list[dict] = []
        if isolated:
            self._isolate(scratch)
        sys.stdout = _Capture("stdout", self.outputs, 1)
        sys.stderr = _Capture("stderr", self.outputs, 2)
        self.shell = _shell()
        if not isolated:
            self.shell.reset()  # the process's one shell: the previous page's names go
        self.shell.atlas_outputs = self.outputs
        self.shell.compile.get_code_name = lambda raw, transformed, number: self._current_name
        self._current_name = "<cell>"
        self._setup_namespace()

    # --- process-wide setup (a forked child only) ---------------------------

    def _isolate(self, scratch: str) -> None:
        os.setpgid(0, 0)  # the page and any worker it starts can be stopped together
        stdin = os.open(os.devnull, os.O_RDONLY)
        os.dup2(stdin, 0)
        os.close(stdin)
        self.descriptors = _Descriptors(scratch)
        os.chdir(self.root)
        sys.argv = [""]
        # A fresh kernel draws its seeds anew; a fork would inherit its parent's.
        import numpy
        import torch

        torch.seed()
        numpy.random.seed()
        torch.set_num_threads(1)
        warnings.resetwarnings()
        warnings.simplefilter("default", DeprecationWarning, append=False)
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="torchviz")
        # "UserWarning: message": the default format names machine paths.
        warnings.formatwarning = lambda message, category, *args, **kwargs: f"{category.__name__}: {message}\n"
        sys.addaudithook(self._audit)
        self._guard_spawn(scratch)

    def _audit(self, event: str, args: tuple) -> None:
        """Remember every file the page program opens for reading (the cache depends on them)."""
        if event != "open":
            return
        path, mode, flags = args
        if not isinstance(path, (str, bytes, os.PathLike)):
            return
        reading = ("r" in mode or "+" in mode) if isinstance(mode, str) else (flags & (os.O_WRONLY | os.O_RDWR)) != os.O_WRONLY
        if reading:
            self.read.add(os.path.abspath(os.fsdecode(path)))

    def _guard_spawn(self, scratch: str) -> None:
        """A process started with 'spawn' cannot see names defined on the page.

        In a notebook its pool hangs while its workers die one after another
        (their pickled task names ``__main__.f``, which the new interpreter
        lacks). Here the new interpreter's ``__main__`` is atlas_exec.spawned_main,
        which reports the missing name to this process; the fence fails at once.
        """
        import multiprocessing.spawn

        report = os.path.join(scratch, "spawn-report")
        os.environ["ATLAS_SPAWN_REPORT"] = report
        os.environ["ATLAS_PAGE_PID"] = str(os.getpid())
        original = multiprocessing.spawn.get_preparation_data

        def preparation_data(name):
            data = original(name)
            data.pop("init_main_from_path", None)
            data["init_main_from_name"] = "atlas_exec.spawned_main"
            return data

        multiprocessing.spawn.get_preparation_data = preparation_data

        def spawned_process_failed(signum, frame):
            with open(report, encoding="utf-8") as file:
                raise SpawnedProcessFailed(file.read().strip())

        signal.signal(signal.SIGUSR1, spawned_process_failed)

    def _setup_namespace(self) -> None:
        namespace = self.shell.user_ns

        def no_input(prompt=""):
            raise InputNotAvailable("input() is not available at build time")

        def leave(code=None):
            raise SystemExit(code)

        import builtins

        builtins.input = no_input
        namespace["quit"] = namespace["exit"] = leave

    # --- running cells -------------------------------------------------------

    def run(self, cells: list[dict]) -> Failure | None:
        """Run every cell; stop at the first failure and return it."""
        for index, cell in enumerate(cells):
            self.emit({"event": START, "cell": index})
            self.outputs.clear()
            try:
                failure = self._run_cell(index, cell)
            except SpawnedProcessFailed as error:  # arrived between two cells
                failure = Failure("raised", index, cell["where"], str(error))
            if self.isolated:
                self.descriptors.drain(self.outputs)
            self.emit({"event": CELL, "cell": index, "outputs": list(self.outputs), "failure": failure.to_dict() if failure else None})
            if failure:
                return failure
        return None

    def _run_cell(self, index: int, cell: dict) -> Failure | None:
        if cell["language"] == "pycon":
            return self._run_pycon(index, cell)
        self._current_name = f"<atlas-cell-{index}>"
        self.code_names[self._current_name] = (cell["file"], cell["lines"])
        result = self.shell.run_cell(cell["code"], store_history=False)
        error = result.error_before_exec or result.error_in_exec
        expected = cell.get("raises")
        where = cell["where"]
        if error is None:
            if expected:
                return Failure("expected", index, where, f"the fence should raise {expected} but raised nothing")
            if cell.get("replay"):
                return self._record_replay(index, cell)
            return None
        name = type(error).__name__
        if expected and name == expected:
            self.outputs.append({"output_type": "error", "ename": name, "evalue": self.clean(str(error)), "traceback": self.traceback_lines(error)})
            return None
        if isinstance(error, InputNotAvailable):
            return Failure("input", index, where, "input() is not available at build time: a page program cannot ask the reader; set the value in the code")
        if isinstance(error, SpawnedProcessFailed):
            return Failure("raised", index, where, str(error))
        if isinstance(error, SystemExit):
            return Failure("exit", index, where, "the fence called quit(), exit() or sys.exit(): a page program runs every fence; remove the call")
        summary = self._exception_line(error)
        frames = self.traceback_lines(error)
        details = "\n".join(frames) if len(frames) > 1 else ""  # no frame: the summary says it all
        if expected:
            return Failure("expected", index, where, f"the fence should raise {expected} but raised {summary}", details)
        return Failure("raised", index, where, f"the fence raised {summary}", details)

    def _record_replay(self, index: int, cell: dict) -> Failure | None:
        """Record the backward pass of the scalar the fence names; its figure follows the fence's outputs."""
        from .replay import ReplayError, record
        from .replay_figure import REPLAY_MIME

        name, where = cell["replay"], cell["where"]
        namespace = self.shell.user_ns
        if name not in namespace:
            return Failure("replay", index, where, f"replay={name!r}: the fence defines no variable {name!r}; name the scalar it computes")
        try:
            data = record(namespace[name], name, namespace, f"replay{index}-")
        except ReplayError as error:
            return Failure("replay", index, where, str(error))
        self.outputs.append({"output_type": "display_data", "data": {REPLAY_MIME: data}, "metadata": {}})
        return None

    def _run_pycon(self, index: int, cell: dict) -> Failure | None:
        from .pycon import run_pycon

        with self.shell.builtin_trap:
            failures = run_pycon(cell["code"], self.shell.user_ns, cell["file"], cell["lines"][0], self)
        if not failures:
            return None
        first_line, report = failures[0]
        return Failure(
            "doctest", index, f"{cell['file']}:{first_line}", "a >>> example's output differs from the page", "\n\n".join(text for _, text in failures)
        )

    # --- messages --------------------------------------------------------------

    def location(self, filename: str, line: int) -> str | None:
        """``file:line`` of a frame of page code, or None for a frame elsewhere."""
        if filename in self.code_names:
            file, lines = self.code_names[filename]
            return f"{file}:{lines[line - 1] if 0 < line <= len(lines) else lines[-1]}"
        return None

    def _exception_line(self, error: BaseException) -> str:
        if isinstance(error, SyntaxError) and error.filename:
            where = self.location(error.filename, error.lineno or 1) or self.clean(f"{error.filename}:{error.lineno}")
            return f"{type(error).__name__}: {error.msg} ({where})"
        text = str(error)
        return f"{type(error).__name__}: {self.clean(text)}" if text else type(error).__name__

    def traceback_lines(self, error: BaseException) -> list[str]:
        """The frames of page code and libraries, engine and IPython frames left out, paths made relative."""
        lines = ["Traceback (most recent call last):"]
        frames = traceback.extract_tb(error.__traceback__)
        started = False
        for frame in frames:
            where = self.location(frame.filename, frame.lineno or 0)
            if where is None and not started:
                continue  # the engine and IPython frames that lead to the page's code
            started = True
            if where is None:
                if _engine_frame(frame.filename):
                    continue
                where = self.clean(f"{frame.filename}:{frame.lineno}")
            lines.append(f"  {where}, in {frame.name}")
            source = linecache.getline(frame.filename, frame.lineno or 0).strip()
            if source:
                lines.append(f"    {source}")
        if len(lines) == 1:
            lines = []
        lines.append(self._exception_line(error))
        return lines

    def stamp(self) -> dict:
        import platform

        import torch

        device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"
        return {"torch": torch.__version__, "device": device, "python": platform.python_version()}

    def dependencies(self) -> list[str]:
        """Files under the repository that the program read or imported, relative to it."""
        candidates = set(self.read)
        candidates.update(getattr(module, "__file__", None) or "" for name, module in list(sys.modules.items()) if name not in self.preloaded)
        found = set()
        for name in candidates:
            if not name:
                continue
            path = Path(name)
            if path.parent.name == "__pycache__":  # compiled module: its source is the dependency
                path = path.parent.parent / (path.name.split(".")[0] + ".py")
            relative = self.clean.repository_file(path)
            if relative and not relative.startswith("atlas_exec/"):  # the engine is in the key by its version
                found.add(relative)
        return sorted(found)


def _engine_frame(filename: str) -> bool:
    engine = str(Path(__file__).resolve().parent)
    return filename.startswith(engine) or "IPython" + os.sep + "core" in filename or filename.startswith("<frozen ")
