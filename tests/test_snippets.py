"""Every snippet runs on its own as a reader would run it, is shown on a page, and follows the conventions.

The files are listed when the tests are collected, so new snippets are picked up
without touching this module.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from atlas_exec.execute import Cell, PageJob, run_fresh

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = ROOT / "snippets"
DOCS = ROOT / "docs"
MAX_LINES = 60

SNIPPET_FILES = sorted(path for path in SNIPPETS.rglob("*.py") if "__pycache__" not in path.parts)
NAMES = [path.relative_to(SNIPPETS).as_posix() for path in SNIPPET_FILES]

INCLUDE = re.compile(r'--8<--\s+"(?P<target>[^"]+)"')
# Draws from the global generator: the output changes from run to run unless seeded.
RANDOM = re.compile(
    r"\btorch\.(rand|randn|randint|randperm)(_like)?\("
    r"|\btorch\.(bernoulli|normal|multinomial|poisson)\("
    r"|\.(normal_|uniform_|bernoulli_|random_|exponential_)\("
    r"|\bnn\.(Linear|Bilinear|Conv[123]d|Embedding|RNN|LSTM|GRU|Dropout)\("
    r"|\bF\.dropout\("
)
PROJECT_PACKAGES = {"atlas_exec", "tests", "snippets", "labs", "docs"}


def snippet_parameters():
    return pytest.mark.parametrize("name", NAMES)


@pytest.fixture(scope="session")
def standalone_runs() -> dict:
    """Every snippet run as `python snippets/<name>` runs it (as ``__main__``, nothing else defined),
    each in a fresh process forked from the engine's warm server: the interpreter start-up and
    `import torch` are paid once, not once per snippet."""
    jobs = [
        PageJob(
            f"snippets/{name}",
            [Cell(1, "python", f"import runpy\nrunpy.run_path({f'snippets/{name}'!r}, run_name='__main__')", f"snippets/{name}", (1, 2), f"snippets/{name}")],
        )
        for name in NAMES
    ]
    return dict(zip(NAMES, run_fresh(jobs, ROOT)))


@snippet_parameters()
def test_snippet_runs_standalone(standalone_runs, name):
    result = standalone_runs[name]
    assert result.failure is None, f"snippets/{name} failed:\n{result.failure}"
    printed = [output for output in result.outputs[0] if output["output_type"] in ("stream", "display_data")]
    assert printed, f"snippets/{name} printed nothing for the reader to look at"


def _included_snippets() -> set[str]:
    included = set()
    for page in DOCS.rglob("*.md"):
        for match in INCLUDE.finditer(page.read_text(encoding="utf-8")):
            included.add(match["target"].partition(":")[0])
    return included


@snippet_parameters()
def test_snippet_is_included_by_a_page(name):
    assert name in _included_snippets(), f'no page under docs/ includes snippets/{name} (--8<-- "{name}")'


@snippet_parameters()
def test_snippet_is_seeded_where_random(name):
    text = (SNIPPETS / name).read_text(encoding="utf-8")
    uses = RANDOM.search(text)
    if uses:
        assert "torch.manual_seed(" in text, f"snippets/{name} draws random numbers ({uses.group(0)!r}) without torch.manual_seed"


def _code(name: str) -> ast.Module:
    return ast.parse((SNIPPETS / name).read_text(encoding="utf-8"), name)


@snippet_parameters()
def test_snippet_uses_the_modern_api(name):
    tree = _code(name)
    variables = [
        node.lineno
        for node in ast.walk(tree)
        if (isinstance(node, ast.Name) and node.id == "Variable")
        or (isinstance(node, ast.Attribute) and node.attr == "Variable")
        or (isinstance(node, ast.alias) and node.name == "Variable")
    ]
    assert not variables, f"snippets/{name} uses the deprecated Variable on line(s) {variables}"
    # fig.data is Plotly's list of traces, not the tensor attribute.
    data = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "data" and not (isinstance(node.value, ast.Name) and "fig" in node.value.id)
    ]
    assert not data, f"snippets/{name} uses .data on line(s) {data}: use .detach() or torch.no_grad()"


@snippet_parameters()
def test_snippet_is_short_and_self_contained(name):
    text = (SNIPPETS / name).read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_LINES, f"snippets/{name} has {len(text.splitlines())} lines (at most ~{MAX_LINES})"
    tree = ast.parse(text, name)
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not imported & PROJECT_PACKAGES, f"snippets/{name} imports from the project: {sorted(imported & PROJECT_PACKAGES)}"
    assert not any(isinstance(node, ast.ImportFrom) and node.level for node in ast.walk(tree)), f"snippets/{name} uses a relative import"
    # Imports at the top: after the docstring, before any other statement.
    body = tree.body[1:] if tree.body and isinstance(tree.body[0], ast.Expr) and isinstance(tree.body[0].value, ast.Constant) else tree.body
    first_code = next((index for index, node in enumerate(body) if not isinstance(node, (ast.Import, ast.ImportFrom))), len(body))
    late = [node.lineno for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom)) and node not in body[:first_code]]
    assert not late, f"snippets/{name} imports below the top, on line(s) {late}"
