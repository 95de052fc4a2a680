"""The fence grammar (atlas_exec.fences): which fences run, their attributes, includes."""

from __future__ import annotations

import textwrap

import pytest

from atlas_exec.fences import FenceError, display_title, executed_fences, fence_source, parse_fences, resolve_include

PAGE = textwrap.dedent(
    """\
    # A page

    ```python
    first = 1
    ```

    ```bash
    echo "shown, never run"
    ```

    ??? success "Solution"

        Prose inside the admonition.

        ```python
        second = first + 1
        ```

    === "Tab one"

        ```pycon
        >>> second
        2

        ```

    === "Tab two"

        ```text
        plain text
        ```

    ````markdown
    How to write an executed fence:

    ```python
    raise SystemExit("never executed: it is an example inside a markdown fence")
    ```
    ````

    ```py
    not_executed = True
    ```

    ```python raises="RuntimeError" title="boom.py"
    raise RuntimeError("boom")
    ```
    """
)


def test_fences_in_page_order_with_nested_ones_and_line_numbers():
    fences = parse_fences(PAGE, "docs/page.md")
    assert [fence.language for fence in fences] == ["python", "bash", "python", "pycon", "text", "markdown", "py", "python"]
    lines = PAGE.splitlines()
    for fence in fences:
        opening = lines[fence.line - 1]
        assert opening.strip().lstrip("`").startswith(fence.language)
        assert fence.start == fence.line - 1
        assert lines[fence.end - 1].strip().startswith("```")


def test_only_python_and_pycon_fences_are_executed():
    executed = executed_fences(PAGE, "docs/page.md")
    assert [(fence.language, fence.body) for fence in executed] == [
        ("python", "first = 1"),
        ("python", "second = first + 1"),
        ("pycon", ">>> second\n2\n"),
        ("python", 'raise RuntimeError("boom")'),
    ]


def test_nested_fences_are_dedented_and_keep_their_indent():
    solution, tab = executed_fences(PAGE, "docs/page.md")[1:3]
    assert solution.indent == "    " and tab.indent == "    "
    assert solution.body == "second = first + 1"
    assert not any(line.startswith(" ") for line in tab.body.splitlines())


def test_fences_inside_a_four_backtick_markdown_fence_are_not_executed():
    executed = executed_fences(PAGE, "docs/page.md")
    assert not any("SystemExit" in fence.body for fence in executed)
    markdown = next(fence for fence in parse_fences(PAGE) if fence.language == "markdown")
    assert "```python" in markdown.body and "SystemExit" in markdown.body
    assert not markdown.executed


def test_engine_attributes_are_parsed():
    text = textwrap.dedent(
        """\
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
    raising, timed, plain = executed_fences(text, "docs/t.md")
    assert raising.raises == "ValueError" and not raising.timing and raising.timeout is None
    assert timed.raises is None and timed.timing and timed.timeout == 7
    assert plain.raises is None and not plain.timing and plain.timeout is None


def test_unknown_attribute_is_an_error_naming_path_and_line():
    text = '# T\n\nprose\n\n```python raise="ValueError"\nraise ValueError\n```\n'
    with pytest.raises(FenceError, match=r"docs/typo\.md:5\b") as caught:
        executed_fences(text, "docs/typo.md")
    assert "raise" in str(caught.value)


def test_unknown_attribute_on_a_not_executed_fence_is_fine():
    fences = parse_fences('```bash whatever="x"\nls\n```\n', "docs/t.md")
    assert fences[0].attributes == {"whatever": "x"} and not fences[0].executed


def test_pycon_fences_refuse_raises():
    with pytest.raises(FenceError, match=r"docs/t\.md:1\b"):
        executed_fences('```pycon raises="ValueError"\n>>> 1\n1\n```\n', "docs/t.md")


def test_a_timeout_that_is_not_a_number_is_a_fence_error():
    # Failure is loud and names the fence; a bare ValueError from int() names nothing.
    text = '# T\n\n```python timeout="soon"\npass\n```\n'
    with pytest.raises(FenceError, match=r"docs/t\.md:3\b"):
        [fence.timeout for fence in executed_fences(text, "docs/t.md")]


def test_unclosed_fence_is_an_error_naming_path_and_line():
    text = "# T\n\n```python\nx = 1\n\n```bash\nls\n"
    with pytest.raises(FenceError, match=r"docs/open\.md:3\b.*never closed"):
        parse_fences(text, "docs/open.md")


@pytest.fixture
def snippets(tmp_path):
    chapter = tmp_path / "graph"
    chapter.mkdir()
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
            #   --8<-- [start:inner]
            y.backward()
            #   --8<-- [end:inner]
            print(x.grad)
            # --8<-- [end:backward]
            """
        ),
        encoding="utf-8",
    )
    return tmp_path


def test_include_whole_file(snippets):
    text = '# T\n\n```python\n--8<-- "graph/01_whole.py"\n```\n'
    (fence,) = executed_fences(text, "docs/t.md")
    assert fence.include == "graph/01_whole.py"
    assert fence_source(fence, snippets, "docs/t.md") == 'import torch\n\nprint("whole")'


def test_include_whole_file_strips_section_markers(snippets):
    source = resolve_include("graph/02_sections.py", snippets, "docs/t.md:3")
    assert "--8<--" not in source
    assert source.splitlines() == [
        "import torch",
        "",
        "x = torch.ones(2, requires_grad=True)",
        "",
        "y = (x * x).sum()",
        "y.backward()",
        "print(x.grad)",
    ]


def test_include_a_section(snippets):
    text = '# T\n\n!!! example\n\n    ```python\n    --8<-- "graph/02_sections.py:backward"\n    ```\n'
    (fence,) = executed_fences(text, "docs/t.md")
    assert fence.include == "graph/02_sections.py:backward"
    assert fence_source(fence, snippets, "docs/t.md") == "y = (x * x).sum()\ny.backward()\nprint(x.grad)"
    assert resolve_include("graph/02_sections.py:setup", snippets, "x") == "x = torch.ones(2, requires_grad=True)"


def test_missing_include_names_path_and_line(snippets):
    text = '# T\n\nprose\n\n```python\n--8<-- "graph/99_missing.py"\n```\n'
    (fence,) = executed_fences(text, "docs/t.md")
    with pytest.raises(FenceError, match=r"docs/t\.md:5\b.*99_missing\.py"):
        fence_source(fence, snippets, "docs/t.md")


def test_missing_section_names_path_and_line(snippets):
    text = '```python\n--8<-- "graph/02_sections.py:nowhere"\n```\n'
    (fence,) = executed_fences(text, "docs/t.md")
    with pytest.raises(FenceError, match=r"docs/t\.md:1\b.*nowhere"):
        fence_source(fence, snippets, "docs/t.md")


def test_an_include_line_among_other_code_is_not_an_include():
    text = '```python\nx = 1\n--8<-- "graph/01_whole.py"\n```\n'
    (fence,) = executed_fences(text, "docs/t.md")
    assert fence.include is None


def test_display_title():
    text = textwrap.dedent(
        """\
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
    included, titled, plain = executed_fences(text, "docs/t.md")
    assert display_title(included) == "snippets/graph/02_sections.py"
    assert display_title(titled) == "mine.py"
    assert display_title(plain) is None
