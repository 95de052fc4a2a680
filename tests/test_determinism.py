"""Two executions of a page program print the same outputs, except fences marked `timing`.

Two cold builds must produce identical pages: whatever a page prints comes
from seeded, device-independent code. Pages are executed directly with the
engine (no cache), each one twice, the two runs side by side.
"""

from __future__ import annotations

import textwrap

import pytest

from atlas_exec.cache import PageResult
from atlas_exec.execute import Cell, PageJob, page_cells, run_fresh
from atlas_exec.render import render_outputs
from tests.conftest import ROOT
from tests.page_program import site

# A sample: the pilot chapter, and a chapter with timing fences and random data.
SAMPLE = ["docs/graph.md", "docs/grad-mode.md"]


def changed_cells(cells: list[Cell], first: PageResult, second: PageResult) -> dict[int, tuple[str, str]]:
    """The fences (by line) whose output block on the page differs between two runs.

    Compared as rendered, so that how the kernel happened to split a stream
    into messages does not count; timing fences are exempt.
    """
    changed = {}
    for index, cell in enumerate(cells):
        one, other = (render_outputs(cell.line, cell.language, run.outputs[index], run.stamp, cell.timing).html for run in (first, second))
        if not cell.timing and one != other:
            changed[cell.line] = (one, other)
    return changed


def execute_twice(path: str, text: str) -> tuple[list[Cell], PageResult, PageResult]:
    structure, snippets, _, timeout = site()
    cells = page_cells(structure.fences(text, path), path, snippets)
    first, second = run_fresh([PageJob(path, cells), PageJob(path, cells)], ROOT, timeout)
    assert first.failure is None and second.failure is None, (first.failure, second.failure)
    return cells, first, second


@pytest.mark.parametrize("path", [path for path in SAMPLE if (ROOT / path).is_file()])
def test_page_outputs_are_reproducible(path):
    cells, first, second = execute_twice(path, (ROOT / path).read_text(encoding="utf-8"))
    changed = changed_cells(cells, first, second)
    report = "\n\n".join(f"{path}:{line}\nfirst run:  {one}\nsecond run: {other}" for line, (one, other) in changed.items())
    assert not changed, f"outputs differ between two executions (seed the randomness, or mark the fence `timing`):\n\n{report}"


def test_the_check_flags_unseeded_randomness_but_not_timing():
    page = textwrap.dedent(
        """\
        # Unseeded

        ```python
        import torch
        print(torch.randn(3))
        ```

        ```python timing
        import time
        print(time.perf_counter_ns())
        ```
        """
    )
    cells, first, second = execute_twice("docs/unseeded.md", page)
    assert first.outputs[1] != second.outputs[1], "the timing fence printed the same clock twice"
    assert list(changed_cells(cells, first, second)) == [3]
