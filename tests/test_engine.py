"""The execution engine: page programs in kernels, the cache, and real `mkdocs build --strict` runs.

Kernel starts are the expensive part, so the MkDocs projects are built once per
module (a failing one whose pages each fail in a different way, and a passing
one whose HTML several tests read) and the tests read what those builds left.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pytest
import torch

from atlas_exec import execute
from atlas_exec.execute import ExecutionCache, PageExecutionError, PageJob, cache_key, execute_page, execute_pages, page_cells
from atlas_exec.fences import FenceError

ROOT = Path(__file__).resolve().parent.parent
LOG_LINE = re.compile(r"atlas-exec: (\d+) page\(s\) executed, (\d+) from the cache")
# A path of this machine leaking into a page (home, venv, temporary folder).
MACHINE_PATH = re.compile(r"(/home/|/tmp/|/usr/|/work/|site-packages|[A-Z]:\\)")


# --- helpers ---------------------------------------------------------------


def page(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def fence_line(text: str, first_body_line: str) -> int:
    """1-based line of the opening fence whose body starts with ``first_body_line``."""
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if line.strip() == first_body_line)
    assert lines[index - 1].lstrip().startswith("```"), "the marker must be a fence's first body line"
    return index


def make_project(root: Path, pages: dict[str, str], snippets: dict[str, str] | None = None) -> Path:
    """A tiny site with the repository's own mkdocs.yml and assets."""
    root.mkdir(parents=True, exist_ok=True)
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    # The site's nav names the real chapters; without it MkDocs lists the pages found.
    config = re.sub(r"^nav:\n(?:[ \t].*\n|\n)*", "", config, flags=re.M)
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    shutil.copytree(ROOT / "docs" / "assets", root / "docs" / "assets")
    (root / "snippets").mkdir()
    (root / "labs").mkdir()  # mkdocs.yml watches it; a project without labs has it empty
    for name, text in pages.items():
        (root / "docs" / name).write_text(text, encoding="utf-8")
    for name, text in (snippets or {}).items():
        file = root / "snippets" / name
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
    return root


class Build:
    def __init__(self, process: subprocess.CompletedProcess, seconds: float):
        self.returncode = process.returncode
        self.stdout = process.stdout
        self.stderr = process.stderr
        self.seconds = seconds

    @property
    def counts(self) -> tuple[int, int]:
        """(pages executed, pages from the cache), from the plugin's log line."""
        found = LOG_LINE.findall(self.stdout + self.stderr)
        assert len(found) == 1, f"expected one atlas-exec log line:\n{self.stderr}"
        return int(found[0][0]), int(found[0][1])


def mkdocs_build(root: Path) -> Build:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    start = time.monotonic()
    process = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return Build(process, time.monotonic() - start)


def error_of(stderr: str, path: str, line: int) -> str:
    """The error the build reported for one fence: from its `path:line:` to the next page's error."""
    start = stderr.find(f"{path}:{line}:")
    assert start >= 0, f"no error names {path}:{line}:\n{stderr}"
    following = re.compile(r"^docs/[\w.-]+\.md:\d+: ", re.M).search(stderr, start + 1)
    return stderr[start : following.start() if following else len(stderr)]


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Elements(HTMLParser):
    """Every element of a page with its attributes, text, descendant tags and ancestors."""

    def __init__(self, html: str):
        super().__init__()
        self.open: list[dict] = []
        self.all: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": "", "descendants": [], "ancestors": list(self.open)}
        element["classes"] = (element["attrs"].get("class") or "").split()
        for ancestor in self.open:
            ancestor["descendants"].append(tag)
        self.all.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.open.pop()

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, -1, -1):
            if self.open[depth]["tag"] == tag:
                del self.open[depth:]
                return

    def handle_data(self, data):
        for element in self.open:
            element["text"] += data

    def with_class(self, name: str, tag: str | None = None) -> list[dict]:
        return [e for e in self.all if name in e["classes"] and (tag is None or e["tag"] == tag)]


def has_ancestor(element: dict, tag: str) -> bool:
    return any(ancestor["tag"] == tag for ancestor in element["ancestors"])


# --- a failing build: one page per failure mode ---------------------------

FAILING_PAGES = {
    "index.md": page(
        """
        # Failing page

        Prose first.

        ```python
        def check(value):
            raise ValueError(f"the value {value} is wrong")
        ```

        More prose.

        ```python
        check(42)
        ```
        """
    ),
    "no-raise.md": page(
        """
        # Expected an exception

        ```python raises="RuntimeError"
        quietly = 1 + 1
        ```
        """
    ),
    "wrong-type.md": page(
        """
        # The wrong exception

        ```python
        table = {}
        ```

        ```python raises="RuntimeError"
        table["missing key"]
        ```
        """
    ),
    "timeout.md": page(
        """
        # Too slow

        ```python timeout="2"
        import time
        time.sleep(30)
        ```
        """
    ),
    "dead.md": page(
        """
        # The kernel dies

        ```python
        alive = True
        ```

        ```python
        import os; os._exit(1)
        ```
        """
    ),
    "pycon.md": page(
        """
        # A wrong doctest

        Prose.

        ```pycon
        >>> 6 * 7
        41

        ```
        """
    ),
}


@pytest.fixture(scope="module")
def failing_build(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("failing"), FAILING_PAGES)
    return root, mkdocs_build(root)


def test_failing_build_exits_non_zero(failing_build):
    _, build = failing_build
    assert build.returncode != 0, build.stderr


def test_unexpected_exception_names_the_fence_and_shows_its_traceback(failing_build):
    _, build = failing_build
    line = fence_line(FAILING_PAGES["index.md"], "check(42)")
    error = error_of(build.stderr, "docs/index.md", line)
    assert "ValueError: the value 42 is wrong" in error
    assert "Traceback" in error
    # The cell's own traceback: the failing call and the frame that raised.
    assert "check(42)" in error
    assert 'raise ValueError(f"the value {value} is wrong")' in error


def test_raises_fence_that_does_not_raise_fails(failing_build):
    _, build = failing_build
    line = fence_line(FAILING_PAGES["no-raise.md"], "quietly = 1 + 1")
    error = error_of(build.stderr, "docs/no-raise.md", line)
    assert "RuntimeError" in error.splitlines()[0]


def test_raises_fence_with_the_wrong_exception_fails(failing_build):
    _, build = failing_build
    line = fence_line(FAILING_PAGES["wrong-type.md"], 'table["missing key"]')
    first = error_of(build.stderr, "docs/wrong-type.md", line).splitlines()[0]
    assert "RuntimeError" in first and "KeyError" in first and "missing key" in first


def test_timeout_fails_naming_the_fence(failing_build):
    _, build = failing_build
    line = fence_line(FAILING_PAGES["timeout.md"], "import time")
    assert "timeout" in error_of(build.stderr, "docs/timeout.md", line).splitlines()[0].lower()


def test_dead_kernel_fails_naming_the_fence(failing_build):
    _, build = failing_build
    line = fence_line(FAILING_PAGES["dead.md"], "import os; os._exit(1)")
    assert "died" in error_of(build.stderr, "docs/dead.md", line).splitlines()[0]


def test_pycon_with_wrong_expected_output_fails_naming_page_and_line(failing_build):
    _, build = failing_build
    line = fence_line(FAILING_PAGES["pycon.md"], ">>> 6 * 7")
    error = error_of(build.stderr, "docs/pycon.md", line)
    assert "41" in error and "42" in error
    # doctest's report points at the example's own line in the page.
    assert f'File "docs/pycon.md", line {line + 1}' in error


def test_failed_pages_are_not_cached(failing_build):
    root, _ = failing_build
    assert list((root / ".cache" / "atlas-exec").glob("*.json")) == []


def test_missing_include_fails_the_build_naming_the_fence(tmp_path):
    text = page(
        """
        # Includes

        ```python
        --8<-- "demo/01_there.py"
        ```

        ```python
        --8<-- "demo/02_not_there.py"
        ```
        """
    )
    root = make_project(tmp_path, {"index.md": text}, {"demo/01_there.py": 'print("there")\n'})
    build = mkdocs_build(root)
    assert build.returncode != 0
    line = fence_line(text, '--8<-- "demo/02_not_there.py"')
    assert "02_not_there.py" in error_of(build.stderr, "docs/index.md", line)
    # Nothing runs when a page cannot even be read.
    assert not LOG_LINE.search(build.stderr + build.stdout)


# --- a passing build whose HTML the tests read -----------------------------

OUTPUT_PAGE = page(
    """
    # Outputs

    Some prose that a prose-only edit changes.

    ```python
    print("hello from the page")
    ```

    ```python raises="RuntimeError"
    raise RuntimeError("the graph was freed")
    ```

    ```python
    --8<-- "demo/01_hello.py"
    ```

    ```python
    --8<-- "demo/02_sections.py:shown"
    ```

    ??? success "Solution"

        ```python
        print("answer inside the admonition")
        ```

    ```pycon
    >>> 6 * 7
    42

    ```

    ```python
    import torch
    from torchviz import make_dot

    w = torch.ones(2, requires_grad=True)
    make_dot((w * 3).sum(), params={"w": w})
    ```

    ```python
    import plotly.graph_objects as go

    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[4, 5, 6], name="probe-trace"))
    fig.update_layout(title="Probe figure")
    fig.show()
    ```
    """
)
OTHER_PAGE = page(
    """
    # Other

    ```python
    value = 2 + 3
    print("other page", value)
    ```
    """
)
OUTPUT_SNIPPETS = {
    "demo/01_hello.py": 'print("included snippet ran")\n',
    "demo/02_sections.py": page(
        """
        print("outside the section")
        # --8<-- [start:shown]
        print("section", 2 ** 10)
        # --8<-- [end:shown]
        """
    ),
}


@pytest.fixture(scope="module")
def output_site(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("site"), {"index.md": OUTPUT_PAGE, "other.md": OTHER_PAGE}, OUTPUT_SNIPPETS)
    build = mkdocs_build(root)
    assert build.returncode == 0, build.stderr
    html = (root / "site" / "index.html").read_text(encoding="utf-8")
    return root, build, html, Elements(html)


def test_cold_build_executes_every_page(output_site):
    _, build, _, _ = output_site
    assert build.counts == (2, 0)


def test_print_shows_in_a_stdout_block_under_its_fence(output_site):
    _, _, _, elements = output_site
    line = fence_line(OUTPUT_PAGE, 'print("hello from the page")')
    (outputs,) = [e for e in elements.with_class("atlas-outputs") if e["attrs"].get("data-fence-line") == str(line)]
    (stdout,) = [e for e in elements.with_class("atlas-stdout") if outputs in e["ancestors"]]
    assert stdout["text"].strip() == "hello from the page"


def test_included_snippets_run_and_are_titled(output_site):
    _, _, html, elements = output_site
    printed = [e["text"].strip() for e in elements.with_class("atlas-stdout")]
    assert "included snippet ran" in printed
    assert "section 1024" in printed
    assert "outside the section" not in html
    assert "--8<--" not in html
    assert "snippets/demo/01_hello.py" in [e["text"].strip() for e in elements.with_class("filename")]


def test_fence_in_a_collapsible_solution_runs_and_its_output_stays_inside(output_site):
    _, _, _, elements = output_site
    (stdout,) = [e for e in elements.with_class("atlas-stdout") if "answer inside the admonition" in e["text"]]
    assert has_ancestor(stdout, "details")


def test_raises_fence_shows_the_exception_without_traceback_or_paths(output_site):
    root, _, html, elements = output_site
    (error,) = elements.with_class("atlas-error")
    assert error["text"].strip() == "RuntimeError: the graph was freed"
    assert "Traceback" not in html
    assert not MACHINE_PATH.search(error["text"])
    assert str(root) not in html


def test_pycon_is_rendered_as_written(output_site):
    _, _, _, elements = output_site
    assert any(">>> 6 * 7" in e["text"] and "42" in e["text"] for e in elements.with_class("language-pycon"))


def test_page_states_where_its_outputs_came_from(output_site):
    _, _, _, elements = output_site
    (stamp,) = elements.with_class("atlas-stamp")
    assert f"PyTorch {torch.__version__}" in stamp["text"]
    assert "CPU" in stamp["text"] or (torch.cuda.is_available() and torch.cuda.get_device_name(0) in stamp["text"])


def test_make_dot_renders_inline_svg(output_site):
    _, _, html, elements = output_site
    (graph,) = elements.with_class("atlas-graph", "figure")
    assert "svg" in graph["descendants"]
    assert "<title>%3</title>" not in html
    # The parameter name given to make_dot labels a node of the graph.
    assert "w" in graph["text"].split()


def test_fig_show_renders_an_interactive_figure(output_site):
    _, _, _, elements = output_site
    (figure,) = elements.with_class("atlas-plotly", "div")
    data = json.loads(figure["attrs"]["data-figure"])
    (trace,) = data["data"]
    assert trace["name"] == "probe-trace"
    assert trace["x"] == [1, 2, 3] and trace["y"] == [4, 5, 6]
    assert figure["attrs"].get("aria-label") == "Probe figure"


def test_cache_hit_prose_edit_and_code_edit(output_site, tmp_path):
    source, _, _, _ = output_site
    root = tmp_path / "copy"
    shutil.copytree(source, root)  # the cache travels with the project

    assert mkdocs_build(root).counts == (0, 2)

    # One build, two edits: prose on one page, code on the other. Only the second runs.
    (root / "docs" / "index.md").write_text(OUTPUT_PAGE.replace("a prose-only edit changes", "a prose-only edit has changed"), encoding="utf-8")
    (root / "docs" / "other.md").write_text(OTHER_PAGE.replace("2 + 3", "2 + 4"), encoding="utf-8")
    build = mkdocs_build(root)
    assert build.returncode == 0, build.stderr
    assert build.counts == (1, 1)
    index = Elements((root / "site" / "index.html").read_text(encoding="utf-8"))
    assert any("has changed" in e["text"] for e in index.with_class("md-content"))
    assert "hello from the page" in [e["text"].strip() for e in index.with_class("atlas-stdout")]
    other = Elements((root / "site" / "other" / "index.html").read_text(encoding="utf-8"))
    assert [e["text"].strip() for e in other.with_class("atlas-stdout")] == ["other page 6"]


# --- the engine without MkDocs ---------------------------------------------


def test_page_cells_resolve_includes_and_wrap_pycon(tmp_path):
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "01_x.py").write_text("x = 1\n", encoding="utf-8")
    text = page(
        """
        # Cells

        ```python
        --8<-- "demo/01_x.py"
        ```

        ```bash
        ls
        ```

        ```pycon
        >>> x
        1

        ```
        """
    )
    include, pycon = page_cells(text, "docs/c.md", tmp_path)
    assert (include.line, include.language, include.code) == (3, "python", "x = 1")
    assert (pycon.line, pycon.language) == (11, "pycon")
    assert "run_pycon" in pycon.kernel_code("docs/c.md") and "'docs/c.md', 11" in pycon.kernel_code("docs/c.md")


def test_page_cells_missing_include_is_a_fence_error(tmp_path):
    with pytest.raises(FenceError, match=r"docs/c\.md:3\b"):
        page_cells('# C\n\n```python\n--8<-- "demo/none.py"\n```\n', "docs/c.md", tmp_path)


PROSE = page(
    """
    # Keys

    Prose.

    ```python
    x = torch.ones(2)
    ```

    ```pycon
    >>> x.sum().item()
    2.0

    ```
    """
)


def test_cache_key_ignores_prose_that_moves_the_fences(tmp_path):
    # DESIGN: "a rebuild ... with only prose changed, executes nothing". Adding a
    # paragraph moves every fence below it down: the code is the same.
    edited = PROSE.replace("Prose.\n", "Prose.\n\nA new paragraph,\nover two lines.\n")
    assert cache_key("docs/k.md", page_cells(PROSE, "docs/k.md", tmp_path)) == cache_key("docs/k.md", page_cells(edited, "docs/k.md", tmp_path))


def test_cache_key_changes_with_code_attributes_and_environment(tmp_path, monkeypatch):
    key = cache_key("docs/k.md", page_cells(PROSE, "docs/k.md", tmp_path))
    assert key == cache_key("docs/k.md", page_cells(PROSE, "docs/k.md", tmp_path))
    assert key != cache_key("docs/k.md", page_cells(PROSE.replace("ones(2)", "ones(3)"), "docs/k.md", tmp_path))
    assert key != cache_key("docs/k.md", page_cells(PROSE.replace("```python", '```python timeout="5"'), "docs/k.md", tmp_path))
    environment = execute.environment()
    for name, value in [("torch", "0.0.0"), ("python", "2.7.18"), ("device", "Some GPU"), ("engine", "0")]:
        monkeypatch.setattr(execute, "environment", lambda name=name, value=value: {**environment, name: value})
        assert key != cache_key("docs/k.md", page_cells(PROSE, "docs/k.md", tmp_path)), name


SETS_GLOBAL_STATE = page(
    """
    # A

    ```python
    import torch
    torch.set_default_dtype(torch.float64)
    torch.set_grad_enabled(False)
    torch.manual_seed(123)
    print(torch.get_default_dtype(), torch.is_grad_enabled())
    ```
    """
)
READS_GLOBAL_STATE = page(
    """
    # B

    ```python
    import torch
    print(torch.get_default_dtype())
    print(torch.is_grad_enabled())
    torch.manual_seed(0)
    print(torch.rand(1).item())
    ```
    """
)


def stdout_of(result) -> list[str]:
    return ["".join(o["text"] for o in cell if o["output_type"] == "stream" and o["name"] == "stdout") for cell in result.outputs]


def test_pages_do_not_share_state(tmp_path):
    a = PageJob("docs/a.md", page_cells(SETS_GLOBAL_STATE, "docs/a.md", tmp_path))
    b = PageJob("docs/b.md", page_cells(READS_GLOBAL_STATE, "docs/b.md", tmp_path))
    # One worker: A runs, then B.
    results, errors = execute_pages([a, b], tmp_path, ExecutionCache(tmp_path / "cache"), workers=1)
    assert errors == []
    assert stdout_of(results["docs/a.md"]) == ["torch.float64 False\n"]  # A really changed its own kernel
    # B prints what it prints in a fresh process with no page A at all: PyTorch's
    # defaults, and the first draw of a float32 generator seeded with 0.
    fresh_draw = torch.rand(1, generator=torch.Generator().manual_seed(0), dtype=torch.float32).item()
    assert stdout_of(results["docs/b.md"]) == [f"torch.float32\nTrue\n{fresh_draw}\n"]


def test_state_flows_between_all_fences_of_a_page_pycon_included(tmp_path):
    # DESIGN: the fences of a page, pycon ones too, form one program.
    text = page(
        """
        # Flow

        ```python
        a = 20
        ```

        ```pycon
        >>> b = a + 1
        >>> b
        21

        ```

        ```python
        print(b * 2)
        ```
        """
    )
    result = execute_page("docs/flow.md", page_cells(text, "docs/flow.md", tmp_path), tmp_path)
    assert stdout_of(result)[-1] == "42\n"


def test_timeout_stops_the_fence_quickly(tmp_path):
    text = '# Slow\n\n```python timeout="2"\nimport time\ntime.sleep(30)\n```\n'
    start = time.monotonic()
    with pytest.raises(PageExecutionError, match=r"docs/slow\.md:3\b.*timeout"):
        execute_page("docs/slow.md", page_cells(text, "docs/slow.md", tmp_path), tmp_path)
    assert time.monotonic() - start < 20


def test_a_page_runs_from_inside_a_running_event_loop(tmp_path):
    # Jupyter, and Playwright's sync API in the browser tests, run an event loop in the caller's thread.
    text = "# Loop\n\n```python\nprint(6 * 7)\n```\n"

    async def from_a_loop():
        return execute_page("docs/loop.md", page_cells(text, "docs/loop.md", tmp_path), tmp_path)

    # The test's own loop in a thread of its own: the browser tests may hold this one's.
    with ThreadPoolExecutor(1) as thread:
        result = thread.submit(asyncio.run, from_a_loop()).result()
    assert [output["text"] for output in result.outputs[0]] == ["42\n"]
