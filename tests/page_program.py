"""Sybil collects one test per executed fence; the page program runs through the build's own executor.

The fences are found by the build's structure pass (atlas_exec.fences) with
the site's own Markdown configuration, the page runs in a fresh process
forked by the build's server (atlas_exec.execute), and a result the build
already cached for the same code, files and environment is reused. So a
page cannot pass here and fail in the build, or the reverse. Each fence's
test passes, fails with the page's own message (no engine frames, no
machine paths), or is skipped when an earlier fence of its page failed.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from mkdocs.config import load_config
from sybil import Region, Sybil

from atlas_exec.cache import ExecutionCache, PageResult
from atlas_exec.errors import FenceError
from atlas_exec.execute import Cell, cache_key, page_cells, run_page
from atlas_exec.fences import StructurePass
from atlas_exec.render import render_outputs

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def site(root: Path = ROOT):
    """The structure pass and the plugin options of ``root/mkdocs.yml``."""
    config = load_config(str(root / "mkdocs.yml"))
    options = config.plugins["atlas-exec"].config
    structure = StructurePass(list(config.markdown_extensions), dict(config.mdx_configs))
    cache = ExecutionCache(root / options.cache_dir, root)
    return structure, root / options.snippets_dir, cache, options.timeout


@functools.cache
def _page_result(root: Path, path: str, key: str, cells: tuple[Cell, ...]) -> PageResult:
    _, _, cache, timeout = site(root)
    return run_page(path, list(cells), root, cache, timeout)


def _evaluator(root: Path, path: str, cells: list[Cell], index: int):
    key = cache_key(path, cells)

    def evaluate(example) -> None:
        result = _page_result(root, path, key, tuple(cells))
        failure = result.failure
        if failure is not None and index == failure.cell:
            pytest.fail(str(failure), pytrace=False)
        if failure is not None and index > failure.cell:
            pytest.skip(f"not run: the page program stopped at {failure.where}")
        # What the build warns about (an output cut to its limits), and so what fails `mkdocs build --strict`.
        cell = cells[index]
        warnings = render_outputs(cell.line, cell.language, result.outputs[index], result.stamp, cell.timing).warnings
        if warnings:
            pytest.fail(f"{cell.where}: {warnings[0]} (a warning: `mkdocs build --strict` fails on it)", pytrace=False)

    return evaluate


def _unreadable_page(message: str):
    def evaluate(example) -> None:
        pytest.fail(message, pytrace=False)

    return evaluate


def page_parser(root: Path):
    """Sybil parser of the pages of the site at ``root``: one region per executed fence, in page order."""

    def parse_page(document):
        structure, snippets, _, _ = site(root)
        path = Path(document.path).resolve().relative_to(root).as_posix()
        try:
            fences = structure.fences(document.text, path)
            cells = page_cells(fences, path, snippets)
        except FenceError as error:
            # One failing test that says what the build says, instead of a collection traceback.
            yield Region(0, len(document.text.split("\n", 1)[0]), None, _unreadable_page(str(error)))
            return
        offsets = [0]
        for line in document.text.splitlines(keepends=True):
            offsets.append(offsets[-1] + len(line))
        for index, fence in enumerate(fences):
            start, end = offsets[fence.line - 1], offsets[min(fence.end_line, len(offsets) - 1)]
            yield Region(start, end, fence, _evaluator(root, path, cells, index))

    return parse_page


def page_sybil(root: Path) -> Sybil:
    return Sybil(parsers=[page_parser(root)], patterns=["docs/*.md", "docs/**/*.md"], path=str(root))


# The one Sybil of the project: the root conftest.py collects docs/ with it,
# and the site tests compare what it runs with what the build executed.
PAGES = page_sybil(ROOT)
