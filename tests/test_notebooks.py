"""Every executed chapter as a notebook and a script: the page program, in page order, runnable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from mkdocs.config import load_config
from nbclient import NotebookClient

from atlas_exec.execute import page_cells
from atlas_exec.fences import front_matter_lines
from atlas_exec.notebooks import (
    FENCE_KEY,
    RAISES_TAG,
    Links,
    chapter_notebook,
    chapter_script,
    code_by_fence,
    examples,
    fold_solutions,
    page_url,
    published_notebook,
    requirement_pins,
    runnable_pycon,
)
from tests.conftest import ROOT
from tests.page_program import site

SITE_URL = "https://example.org/atlas/"
PINS = requirement_pins(ROOT / "requirements.txt")
# A light chapter (no figures, a few seconds of CPU) runs in a fresh kernel and as a script.
LIGHT = "grad-mode"


def _program(source: Path):
    structure, snippets, _, _ = site()
    path = source.relative_to(ROOT).as_posix()
    text = source.read_text(encoding="utf-8")
    fences = structure.fences(text, path)
    return text, fences, page_cells(fences, path, snippets)


def _notebook(source: Path, site_url: str = SITE_URL):
    text, fences, cells = _program(source)
    return chapter_notebook(text, fences, cells, front_matter_lines(text), Links(source.relative_to(ROOT / "docs").as_posix(), site_url), PINS)


CHAPTERS = [source for source in sorted((ROOT / "docs").glob("*.md")) if _program(source)[2]]
ids = [source.stem for source in CHAPTERS]


def test_every_chapter_with_code_has_a_notebook():
    assert len(CHAPTERS) >= 8


@pytest.mark.parametrize("source", CHAPTERS, ids=ids)
def test_notebook_code_cells_are_the_page_program(source):
    """Same code, same order: each fence is one code cell (a pycon fence one per >>> example), includes inlined."""
    _, _, cells = _program(source)
    notebook = _notebook(source)
    fence_order = [cell.metadata[FENCE_KEY] for cell in notebook.cells if cell.cell_type == "code" and FENCE_KEY in cell.metadata]
    assert fence_order == sorted(fence_order), "code cells out of page order"
    grouped = code_by_fence(notebook)
    assert sorted(grouped) == list(range(len(cells))), "a fence of the page program is missing from the notebook"
    for index, cell in enumerate(cells):
        if cell.language == "python":
            assert grouped[index] == [cell.code], f"{cell.where}: the notebook cell differs from the code that ran"
        else:
            assert grouped[index] == [example.source.rstrip("\n") for example in examples(cell.code)], cell.where
            assert not any(line.lstrip().startswith((">>>", "...")) for code in grouped[index] for line in code.split("\n"))
    install = notebook.cells[0]
    assert install.cell_type == "code" and "pip install" in install.source


@pytest.mark.parametrize("source", CHAPTERS, ids=ids)
def test_notebook_prose_keeps_math_and_links_to_the_site(source):
    notebook = _notebook(source)
    markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert markdown.startswith("# "), "the chapter title opens the prose"
    assert "$" in markdown, "the math of the page is in the notebook"
    assert "!!! " not in markdown and "??? " not in markdown, "admonitions become block quotes"
    assert ".md)" not in markdown and ".md#" not in markdown, "links point at the hosted site, not at Markdown files"
    assert "\n    ```" not in markdown


def test_admonitions_become_block_quotes_and_links_absolute():
    notebook = _notebook(ROOT / "docs" / "grad-mode.md")
    markdown = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    assert markdown[0].split("\n")[2] == "> **What you will learn**"
    assert f"]({SITE_URL}tensors/)" in "\n".join(markdown)
    assert page_url("labs/index.md", SITE_URL) == SITE_URL + "labs/"
    assert page_url("grad-mode.md#detach-versus-clone", SITE_URL) == SITE_URL + "grad-mode/#detach-versus-clone"


def test_pins_are_read_from_requirements_and_none_without_the_file(tmp_path):
    assert PINS["plotly"].startswith("plotly==") and PINS["torch"].startswith("torch==")
    assert requirement_pins(tmp_path / "requirements.txt") == {}


def test_install_cell_pins_what_colab_lacks():
    source = _notebook(ROOT / "docs" / "graph.md").cells[0].source
    assert f"%pip install --quiet {PINS['graphviz']} {PINS['plotly']} {PINS['torchviz']}" in source
    assert 'if "google.colab" in sys.modules:' in source, "only Colab installs anything"
    assert "torch==" not in source.split("%pip install")[1], "Colab comes with torch"


def test_a_pycon_block_copies_and_runs_without_prompts_or_outputs():
    code = ">>> x = 1\n>>> for i in range(2):\n...     x += i\n>>> x\n2\n"
    assert runnable_pycon(code) == "x = 1\nfor i in range(2):\n    x += i\nx"


def test_script_comments_outputs_and_catches_the_raising_blocks():
    script = chapter_script(_notebook(ROOT / "docs" / f"{LIGHT}.md"), PINS)
    assert "# Out: False" in script
    assert "except Exception as error:" in script and 'if type(error).__name__ != "RuntimeError":' in script
    assert "%pip" not in script and "# Requirements: pip install torch==" in script
    compile(script, f"{LIGHT}.py", "exec")


def test_published_notebook_is_valid_and_tags_the_raising_cells():
    notebook = published_notebook(_notebook(ROOT / "docs" / f"{LIGHT}.md"))
    nbformat.validate(notebook)
    assert any(RAISES_TAG in cell.metadata.get("tags", []) for cell in notebook.cells)
    assert not any(FENCE_KEY in cell.metadata for cell in notebook.cells)


def test_chapter_notebook_runs_top_to_bottom_in_a_fresh_kernel(tmp_path):
    notebook = published_notebook(_notebook(ROOT / "docs" / f"{LIGHT}.md"))
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs if output.output_type == "error"]
    assert all(RAISES_TAG in cell.metadata.get("tags", []) for cell in notebook.cells if any(o.output_type == "error" for o in cell.get("outputs", [])))
    assert len(errors) == sum(RAISES_TAG in cell.metadata.get("tags", []) for cell in notebook.cells)


def test_chapter_script_runs_with_python(tmp_path):
    script = tmp_path / f"{LIGHT}.py"
    script.write_text(chapter_script(_notebook(ROOT / "docs" / f"{LIGHT}.md"), PINS), encoding="utf-8")
    env = {**os.environ, "PLOTLY_RENDERER": "json"}
    run = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-4000:]
    assert "RuntimeError:" in run.stdout, "a block that raises on purpose prints its exception"


@pytest.mark.parametrize("source", CHAPTERS, ids=ids)
def test_built_site_offers_notebook_script_and_colab(built_site, source):
    page = (built_site / source.stem / "index.html").read_text(encoding="utf-8")
    assert f'href="../notebooks/{source.stem}.ipynb" download>Download notebook</a>' in page
    assert f'href="../notebooks/{source.stem}.py" download>Download script</a>' in page
    assert f'blob/notebooks/notebooks/{source.stem}.ipynb">Open in Colab</a>' in page
    downloaded = nbformat.read(built_site / "notebooks" / f"{source.stem}.ipynb", as_version=4)
    nbformat.validate(downloaded)
    expected = published_notebook(_notebook(source, load_config(str(ROOT / "mkdocs.yml")).site_url))
    assert [cell.source for cell in downloaded.cells if cell.cell_type == "code"] == [cell.source for cell in expected.cells if cell.cell_type == "code"]
    assert (built_site / "notebooks" / f"{source.stem}.py").read_text(encoding="utf-8").startswith("# ---")


def test_lab_solutions_are_folded_code_only():
    page = (
        '<div class="jp-Cell jp-CodeCell celltag_solution"><div class="jp-Cell-inputWrapper" tabindex="0"><div>code</div></div>'
        '<div class="jp-Cell-outputWrapper">out</div></div><div class="jp-Cell jp-CodeCell celltag_check"><div class="jp-Cell-inputWrapper">check</div></div>'
    )
    folded = fold_solutions(page)
    assert folded.count("<details") == 1
    assert (
        '<details class="atlas-solution"><summary>Show solution</summary><div class="jp-Cell-inputWrapper" tabindex="0"><div>code</div></div></details>'
        in folded
    )
    assert folded.replace('<details class="atlas-solution"><summary>Show solution</summary>', "").replace("</details>", "") == page


@pytest.mark.parametrize("lab", sorted((ROOT / "labs").glob("*.py")), ids=lambda p: p.stem)
def test_lab_pages_fold_every_solution(built_site, lab):
    page = (built_site / "labs" / lab.stem / "index.html").read_text(encoding="utf-8")
    solutions = lab.read_text(encoding="utf-8").count('tags=["solution"]')
    assert page.count('<details class="atlas-solution"><summary>Show solution</summary>') == solutions


def test_the_docs_workflow_publishes_the_chapter_notebooks_where_colab_looks():
    import yaml

    from atlas_exec.plugin import ExecutePagesConfig

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "docs.yml").read_text(encoding="utf-8"))
    uploads = [step["with"] for step in workflow["jobs"]["build"]["steps"] if step.get("uses", "").startswith("actions/upload-artifact@")]
    assert {"name": "chapter-notebooks", "path": "site/notebooks/", "if-no-files-found": "error"} in uploads
    steps = workflow["jobs"]["notebooks"]["steps"]
    downloads = [step["with"] for step in steps if step.get("uses", "").startswith("actions/download-artifact@")]
    assert {"name": "chapter-notebooks", "path": "notebooks"} in downloads
    assert "git add labs/notebooks notebooks" in steps[-1]["run"] and "notebooks" in steps[-1]["run"].split("git push")[1]
    config = ExecutePagesConfig()
    config.load_dict({})
    assert not config.validate()[0]
    assert config.chapter_colab_url.endswith("/blob/notebooks/notebooks/"), "branch notebooks, folder notebooks/"
