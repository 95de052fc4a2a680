"""Labs: the site page runs with solutions; the student notebook has none, and its
checks fail on the untouched placeholders (so the checks can fail at all)."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from nbclient import NotebookClient

from atlas_exec.execute import run_page
from atlas_exec.labs import CHECK, SOLUTION, lab_cells, page_notebook, read_lab, student_notebook, tags
from tests.conftest import ROOT
from tests.page_program import site

LABS = sorted((ROOT / "labs").glob("*.py"))
ids = [lab.stem for lab in LABS]


@pytest.mark.parametrize("lab", LABS, ids=ids)
def test_solutions_pass_every_check(lab):
    path = lab.relative_to(ROOT).as_posix()
    # The build's cache makes this free after `make build`.
    result = run_page(path, lab_cells(page_notebook(lab), path), ROOT, site()[2])
    assert result.failure is None, str(result.failure)
    assert len(result.outputs) == len(lab_cells(page_notebook(lab), path))


@pytest.mark.parametrize("lab", LABS, ids=ids)
def test_student_notebook_contains_no_solution(lab):
    student = student_notebook(lab, "https://example.org/")
    solutions = [cell.source.strip() for cell in read_lab(lab).cells if SOLUTION in tags(cell)]
    assert solutions, "a lab without solutions teaches nothing"
    assert not [cell for cell in student.cells if SOLUTION in tags(cell)]
    text = json.dumps(student.cells)
    for solution in solutions:
        assert json.dumps(solution)[1:-1] not in text
    assert all(not cell.get("outputs") for cell in student.cells if cell.cell_type == "code")


@pytest.mark.parametrize("lab", LABS, ids=ids)
def test_student_checks_fail_on_the_placeholders(lab, tmp_path):
    student = student_notebook(lab, "https://example.org/")
    checks = [index for index, cell in enumerate(student.cells) if CHECK in tags(cell)]
    assert checks, "a lab needs checks"
    NotebookClient(student, timeout=120, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(tmp_path)}}).execute()
    for index, cell in enumerate(student.cells):
        if cell.cell_type != "code":
            continue
        errors = [output for output in cell.outputs if output.output_type == "error"]
        if index in checks:
            assert [error.ename for error in errors] == ["AssertionError"], f"check cell {index} did not fail with AssertionError: {errors}"
        else:
            assert not errors, f"cell {index} of the student notebook raised {errors[0].ename}: {errors[0].evalue}"


@pytest.mark.parametrize("lab", LABS, ids=ids)
def test_download_is_a_valid_student_notebook(built_site, lab):
    download = built_site / "labs" / "notebooks" / f"{lab.stem}.ipynb"
    notebook = nbformat.read(download, as_version=4)
    nbformat.validate(notebook)
    assert [cell.source for cell in notebook.cells] == [cell.source for cell in student_notebook(lab, _site_url()).cells]


@pytest.mark.parametrize("lab", LABS, ids=ids)
def test_lab_page_offers_download_and_colab(built_site, lab):
    html = (built_site / "labs" / lab.stem / "index.html").read_text(encoding="utf-8")
    download = re.search(rf'<a [^>]*href="\.\./notebooks/{re.escape(lab.stem)}\.ipynb"[^>]*>', html)
    assert download and re.search(r"\bdownload\b", download[0]), f"no download link to the student notebook on the {lab.stem} page"
    assert "colab.research.google.com/github/" in html and f"{lab.stem}.ipynb" in html
    assert 'class="atlas-stamp"' in html


def _site_url() -> str:
    import yaml

    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    return config["site_url"]


def test_every_lab_is_in_the_navigation_and_the_labs_index():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    index = (ROOT / "docs/labs/index.md").read_text(encoding="utf-8")
    for lab in LABS:
        assert f"labs/{lab.stem}.ipynb" in config
        assert f"({lab.stem}.ipynb)" in index
