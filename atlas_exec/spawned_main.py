"""``__main__`` of a process that a page program starts with the 'spawn' method.

A page program's functions and classes live in the page's own process; a
spawned interpreter starts empty, and unpickling a task that names
``__main__.f`` fails there. In a notebook the worker dies, the pool starts
another, and the cell hangs until its timeout. Here the failed look-up is
reported to the page process (runner.PageProcess), whose fence then fails at
once with the cause.
"""

import os
import signal


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    message = (
        f"a process started with the 'spawn' method looked for {name!r} in __main__, but names defined on a page "
        "exist only in the page's own process: define it in a module under snippets/ and import it, or use the 'fork' start method"
    )
    report, page = os.environ.get("ATLAS_SPAWN_REPORT"), os.environ.get("ATLAS_PAGE_PID")
    if report and page:
        with open(report, "w", encoding="utf-8") as file:
            file.write(message)
        os.kill(int(page), signal.SIGUSR1)
    raise AttributeError(message)
