"""The fence grammar (atlas_exec.fences): which fences run is what the site's Markdown renders as code.

No kernel here: the structure pass converts the page with the site's own
Markdown configuration (mkdocs.yml) and reads back which fences became code.
"""

from __future__ import annotations

import textwrap

import pytest

from atlas_exec.errors import FenceError
from atlas_exec.fences import ENGINE_ATTRIBUTES, display_title, fence_source, resolve_include
from tests.page_program import site


def fences(text: str, path: str = "docs/page.md"):
    structure = site()[0]
    return structure.fences(textwrap.dedent(text).lstrip("\n"), path)


def bodies(text: str) -> list[str]:
    return [fence.body for fence in fences(text)]


def line_of(text: str, body_line: str) -> int:
    """1-based line of the opening fence whose first body line is ``body_line``."""
    lines = textwrap.dedent(text).lstrip("\n").splitlines()
    index = next(i for i, line in enumerate(lines) if line.strip().lstrip("> ").strip() == body_line)
    return index  # the opening line is the one above: 1-based index == 0-based index of the body line


NESTED = """
    # A page

    ```python
    top = 1
    ```

    !!! note "An admonition"

        ```python
        in_admonition = 1
        ```

    ??? success "Solution"

        ```python
        in_details = 1
        ```

    === "Tab one"

        ```pycon
        >>> in_tab = 1
        ```

    1. A list item

        ```python
        in_list = 1
        ```

    <div markdown>

    ```python
    in_md_in_html = 1
    ```

    </div>

    > ```python
    > in_blockquote = 1
    > ```

    ~~~python
    in_tilde_fence = 1
    ~~~

    ``` { .python }
    in_brace_fence = 1
    ```
    """


def test_fences_in_every_container_the_site_renders_run_in_page_order():
    assert bodies(NESTED) == [
        "top = 1",
        "in_admonition = 1",
        "in_details = 1",
        ">>> in_tab = 1",
        "in_list = 1",
        "in_md_in_html = 1",
        "in_blockquote = 1",
        "in_tilde_fence = 1",
        "in_brace_fence = 1",
    ]


def test_each_fence_names_the_line_of_its_opening_fence_and_its_closing_fence():
    text = textwrap.dedent(NESTED).lstrip("\n")
    lines = text.splitlines()
    for fence in fences(NESTED):
        opening, closing = lines[fence.line - 1], lines[fence.end_line - 1]
        assert ("```" in opening or "~~~" in opening) and ("python" in opening or "pycon" in opening), (fence.line, opening)
        assert opening.lstrip(" >")[:3] == closing.lstrip(" >")[:3], (fence.end_line, closing)


NOT_RUN = """
    # How to write an executed fence

    Write this in your page:

        ```python
        raise SystemExit("an indented code block is shown, not run")
        ```

    <!--
    ```python
    raise SystemExit("a commented-out draft is not run")
    ```
    -->

    ````markdown
    ```python
    raise SystemExit("a fence shown inside a longer fence is not run")
    ```
    ````

    ```text
    raise SystemExit("another language is not run")
    ```

    ```python
    runs = True
    ```
    """


def test_indented_code_comments_and_fences_inside_longer_fences_never_run():
    assert bodies(NOT_RUN) == ["runs = True"]


@pytest.mark.parametrize("spelling", ["py", "Python", "python3", "ipython3", "py3"])
def test_other_spellings_highlighted_as_python_fail_naming_the_line(spelling):
    text = f"# T\n\nprose\n\n```{spelling}\nprint('would be shown as if it had run')\n```\n"
    with pytest.raises(FenceError, match=rf"^docs/page\.md:5: a ```{spelling} fence is highlighted as Python but does not run"):
        fences(text)


def test_an_unclosed_python_fence_fails_instead_of_showing_as_text():
    with pytest.raises(FenceError, match=r"^docs/page\.md:3: this Python fence is shown as text"):
        fences("# T\n\n```python\nprint('never closed')\n")


def test_lines_count_from_the_top_of_the_file_with_front_matter():
    text = "---\ntitle: Momentum by hand\n---\n\nProse.\n\n```python\nv = 1\n```\n"
    (fence,) = fences(text)
    assert fence.line == 7 and fence.end_line == 9


def test_engine_attributes_are_parsed():
    raising, timed, plain = fences(
        """
        ```python raises="ValueError"
        raise ValueError
        ```

        ```python timing timeout="7"
        pass
        ```

        ```python
        pass
        ```
        """
    )
    assert raising.raises == "ValueError" and not raising.timing and raising.timeout is None
    assert timed.raises is None and timed.timing and timed.timeout == 7
    assert plain.raises is None and not plain.timing and plain.timeout is None


@pytest.mark.parametrize(
    ("info", "message"),
    [
        ('python raise="ValueError"', "unknown fence attribute"),
        ('python timeout="soon"', "is not a whole number of seconds"),
        ('pycon raises="ValueError"', "raises= and timing are for python fences"),
        ('python raises="not a name"', "is not an exception name"),
        ('pycon replay="loss"', "replay= is for python fences"),
        ('python replay="loss.sum()"', "is not a variable name"),
        ('python replay="loss" raises="ValueError"', "replay= and raises= cannot share a fence"),
    ],
)
def test_a_bad_attribute_is_an_error_naming_path_and_line(info, message):
    with pytest.raises(FenceError, match=rf"^docs/page\.md:3: .*{message}"):
        fences(f"# T\n\n```{info}\n>>> 1\n1\n```\n")


def test_a_pycon_fence_without_an_example_is_an_error():
    text = "# T\n\n```python\ndef double(x):\n    return 2 * x\n```\n\n```pycon\nIn [1]: double(2)\nOut[1]: 5\n```\n"
    with pytest.raises(FenceError, match=r"^docs/page\.md:8: this pycon fence has no >>> example"):
        fences(text)


def test_an_include_must_be_the_only_line_of_its_fence():
    text = '# T\n\n```python\n--8<-- "graph/02_two_variables.py"\nprint("and one more line")\n```\n'
    with pytest.raises(FenceError, match=r"^docs/page\.md:3: an include .* must be the only line"):
        fences(text)


@pytest.fixture
def snippets(tmp_path):
    chapter = tmp_path / "snippets" / "graph"
    chapter.mkdir(parents=True)
    (chapter / "01_whole.py").write_text('import torch\n\nprint("whole")\n', encoding="utf-8")
    (chapter / "02_sections.py").write_text(
        textwrap.dedent(
            """\
            import torch

            # --8<-- [start:setup]
            x = torch.ones(2, requires_grad=True)
            # --8<-- [end:setup]

            # --8<-- [start:backward]
            y = (x * x).sum()
            y.backward()
            print(x.grad)
            # --8<-- [end:backward]
            """
        ),
        encoding="utf-8",
    )
    return tmp_path / "snippets"


def test_include_a_whole_file_with_its_line_numbers(snippets):
    (fence,) = fences('# T\n\n```python\n--8<-- "graph/01_whole.py"\n```\n')
    source = fence_source(fence, snippets, "docs/page.md")
    assert fence.include == "graph/01_whole.py"
    assert source.code == 'import torch\n\nprint("whole")' and source.file == "snippets/graph/01_whole.py"
    assert source.lines == (1, 2, 3)


def test_include_a_section_keeps_the_file_lines_without_markers(snippets):
    (fence,) = fences('# T\n\n!!! example\n\n    ```python\n    --8<-- "graph/02_sections.py:backward"\n    ```\n')
    source = fence_source(fence, snippets, "docs/page.md")
    assert source.code == "y = (x * x).sum()\ny.backward()\nprint(x.grad)"
    assert source.lines == (8, 9, 10)
    whole = resolve_include("graph/02_sections.py", snippets, "docs/page.md:3")
    assert "--8<--" not in whole.code and whole.lines[whole.code.split("\n").index("y.backward()")] == 9


def test_missing_include_or_section_names_path_and_line(snippets):
    (missing,) = fences('# T\n\nprose\n\n```python\n--8<-- "graph/99_missing.py"\n```\n')
    with pytest.raises(FenceError, match=r"^docs/page\.md:5: .*99_missing\.py"):
        fence_source(missing, snippets, "docs/page.md")
    (section,) = fences('```python\n--8<-- "graph/02_sections.py:nowhere"\n```\n')
    with pytest.raises(FenceError, match=r"^docs/page\.md:1: .*nowhere"):
        fence_source(section, snippets, "docs/page.md")


def test_display_title(snippets):
    included, titled, plain = fences(
        """
        ```python
        --8<-- "graph/02_sections.py:backward"
        ```

        ```python title="mine.py"
        --8<-- "graph/01_whole.py"
        ```

        ```python
        x = 1
        ```
        """
    )
    assert display_title(included, snippets) == "snippets/graph/02_sections.py"
    assert display_title(titled, snippets) == "mine.py"
    assert display_title(plain, snippets) is None


def test_fold_is_an_engine_attribute_with_a_summary():
    folded, bare, plain = fences(
        """
        ```python fold="Plot layout"
        pass
        ```

        ```python fold
        pass
        ```

        ```python
        pass
        ```
        """
    )
    assert folded.fold == "Plot layout" and bare.fold == "Show code" and plain.fold is None
    assert "fold" in ENGINE_ATTRIBUTES


def test_a_pycon_fence_cannot_be_folded():
    with pytest.raises(FenceError, match=r"^docs/page\.md:3: fold= is for python fences"):
        fences('# T\n\n```pycon fold="Examples"\n>>> 1\n1\n```\n')
