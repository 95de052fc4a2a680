"""Labs: one jupytext source, two notebooks.

A lab source (``labs/NN-name.py``, percent format) holds the tasks with both a
``placeholder`` cell (what the student starts from) and a ``solution`` cell.
The site page is the notebook without placeholders, executed by the same
engine as the chapters; the download is the notebook without solutions and
without outputs.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import jupytext
import nbformat

from .cache import PageResult
from .execute import Cell
from .render import PLOTLY_MIME, figure_html
from .terminal import screen_text

PLACEHOLDER, SOLUTION, CHECK = "placeholder", "solution", "check"
TIMING = "timing"  # as the timing attribute of a python fence: output varies between runs
# A chapter link as lab authors write it: [text](../newton.md#anchor)
_CHAPTER_LINK = re.compile(r"\]\(\.\./(?P<page>[\w-]+)\.md(?P<anchor>#[\w-]+)?\)")


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def read_lab(source: Path):
    notebook = jupytext.read(source)
    # Cell i starts at the i-th "# %%" marker of the file: what messages name.
    markers = [number for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1) if line.startswith("# %%")]
    for cell, line in zip(notebook.cells, markers):
        cell.metadata["source_line"] = line
        # Stable ids (nbformat draws random ones): the same lab gives the same
        # notebook bytes, so downloads are reproducible and mkdocs-jupyter's
        # cache of rendered notebooks hits on a rebuild.
        cell.id = f"line-{line}"
    return notebook


def _without(notebook, tag: str):
    variant = copy.deepcopy(notebook)
    variant.cells = [cell for cell in variant.cells if tag not in tags(cell)]
    return variant


def _rewrite_chapter_links(notebook, base: str) -> None:
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = _CHAPTER_LINK.sub(lambda m: f"]({base}{m['page']}/{m['anchor'] or ''})", cell.source)


def page_notebook(source: Path):
    """The notebook the site shows: solutions in, placeholders out (not yet executed)."""
    notebook = _without(read_lab(source), PLACEHOLDER)
    # The page lives at labs/NN-name/, two levels below the site root.
    _rewrite_chapter_links(notebook, "../../")
    return notebook


def student_notebook(source: Path, site_url: str):
    """The download: placeholders in, solutions out, no outputs, absolute chapter links."""
    notebook = _without(read_lab(source), SOLUTION)
    _rewrite_chapter_links(notebook, site_url)
    for cell in notebook.cells:
        cell.metadata.pop("source_line", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    notebook.metadata.pop("jupytext", None)
    return notebook


def lab_cells(notebook, path: str) -> list[Cell]:
    """The lab's page program: its code cells, named by their ``# %%`` line in ``path``."""
    return [
        Cell(line, "python", cell.source, path, tuple(range(line + 1, line + 2 + cell.source.count("\n"))), f"{path}:{line}", timing=TIMING in tags(cell))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for line in [cell.metadata["source_line"]]
    ]


def executed_notebook(notebook, result: PageResult, header_html: str):
    """The page notebook with the engine's outputs, figures as the site draws them."""
    executed = copy.deepcopy(notebook)
    code_cells = [cell for cell in executed.cells if cell.cell_type == "code"]
    for count, (cell, outputs) in enumerate(zip(code_cells, result.outputs), 1):
        cell.execution_count = count
        cell.outputs = [nbformat.from_dict(_site_output(output)) for output in outputs]
    header = nbformat.v4.new_markdown_cell(header_html, id="atlas-header")
    executed.cells.insert(1, header)  # after the title cell, which names the page
    for cell in executed.cells:
        cell.metadata.pop("source_line", None)
    return executed


def _site_output(output: dict) -> dict:
    """An output as the lab page shows it: figures as the site draws them, terminal text as a screen shows it."""
    data = output.get("data", {})
    if PLOTLY_MIME in data:
        return {"output_type": "display_data", "metadata": {}, "data": {"text/html": figure_html(data[PLOTLY_MIME])}}
    if output["output_type"] == "stream":
        return {**output, "text": screen_text(output["text"])}
    return output
