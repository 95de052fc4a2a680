"""The execution engine, tried as a contributor writes pages: real `mkdocs build --strict` and pytest runs.

Each fixture builds one tiny project once per module (page execution is the
expensive part) and the tests read what it left: its HTML, its log, its cache.
The pages are the kinds of page that once went wrong: code shown as if it had
run, terminal codes and unclosed HTML in outputs, a build and a test run that
disagreed, messages with machine paths, a stale cache, a pool that hung.
"""

from __future__ import annotations

import html as html_module
import re
import time

import pytest

from tests.engine_project import (
    LOG_LINE,
    MACHINE_PATH,
    Elements,
    error_of,
    fence_line,
    make_project,
    mkdocs_build,
    page,
    run_pytest,
)

# --- pages whose fences the grammar refuses: nothing runs --------------------

GRAMMAR_PAGES = {
    "transcript.md": page(
        """
        # A transcript that tests nothing

        ```pycon
        In [1]: 2 * 2
        Out[1]: 5
        ```
        """
    ),
    "mixed.md": page(
        """
        # An include and a line of my own

        ```python
        --8<-- "demo/01_hello.py"
        print("my own line")
        ```
        """
    ),
    "spelling.md": page(
        """
        # Capital P

        ```Python
        print("would look as if it ran")
        ```
        """
    ),
    "missing.md": page(
        """
        # A missing include

        ```python
        --8<-- "demo/02_not_there.py"
        ```
        """
    ),
}


@pytest.fixture(scope="module")
def grammar_project(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("grammar"), GRAMMAR_PAGES, {"demo/01_hello.py": 'print("hello")\n'})
    return root, mkdocs_build(root)


@pytest.fixture(scope="module")
def grammar_build(grammar_project):
    return grammar_project[1]


def test_a_pycon_fence_without_examples_fails_naming_its_line(grammar_build):
    assert grammar_build.returncode != 0
    assert "no >>> example" in error_of(grammar_build.stderr, "docs/transcript.md", 3)


def test_an_include_with_other_lines_fails_saying_so(grammar_build):
    assert "must be the only line" in error_of(grammar_build.stderr, "docs/mixed.md", 3)


def test_a_python_fence_spelled_otherwise_fails(grammar_build):
    assert "highlighted as Python but does not run" in error_of(grammar_build.stderr, "docs/spelling.md", 3)


def test_a_missing_include_fails_naming_the_fence(grammar_build):
    assert "02_not_there.py" in error_of(grammar_build.stderr, "docs/missing.md", 3)


def test_nothing_runs_when_a_page_cannot_be_read(grammar_build):
    assert not LOG_LINE.search(grammar_build.stderr + grammar_build.stdout)


def test_pytest_fails_an_unreadable_page_with_the_build_message_and_no_frames(grammar_project):
    root, _ = grammar_project
    run = run_pytest(root, "docs")
    assert run.returncode == 1, run.stdout
    assert "docs/transcript.md:3: this pycon fence has no >>> example" in run.stdout
    assert "docs/mixed.md:3: an include" in run.stdout
    assert "atlas_exec/" not in run.stdout and "site-packages" not in run.stdout and "Traceback" not in run.stdout


def test_a_build_without_the_2d_plotly_bundle_fails_saying_how_to_get_it(tmp_path):
    root = make_project(tmp_path, {"index.md": "# No figures\n"})
    (root / "docs/assets/javascripts/plotly-cartesian/plotly.min.js").unlink()
    build = mkdocs_build(root)
    assert build.returncode != 0
    assert "docs/assets/javascripts/plotly-cartesian/plotly.min.js is missing: `make build` or `make serve` installs it" in build.stderr


# --- a failing build: one page per way a page program fails ----------------

FAILING_PAGES = {
    "raised.md": page(
        """
        # An unexpected exception

        Prose first.

        ```python
        def check(value):
            raise ValueError(f"the value {value} is wrong")
        ```

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

        ```python raises="RuntimeError"
        {}["missing key"]
        ```
        """
    ),
    "timeout.md": page(
        """
        # Too slow

        ```python timeout="2"
        import time
        time.sleep(60)
        ```
        """
    ),
    "dead.md": page(
        """
        # The process dies

        ```python
        import os; os._exit(3)
        ```
        """
    ),
    "doctest.md": page(
        """
        # A wrong doctest among right ones

        ```pycon
        >>> def double(x):
        ...     return 2 * x

        >>> double(21)
        42
        >>> double(3)
        7
        >>> 1 / 0
        Traceback (most recent call last):
          ...
        ZeroDivisionError: division by zero
        >>> double(1)  # doctest: +SKIP
        never compared
        ```
        """
    ),
    "snippet.md": page(
        """
        # A snippet with a typo

        Prose.

        ```python
        --8<-- "demo/03_broken.py"
        ```
        """
    ),
    "quit.md": page(
        """
        # Stopping early

        ```python
        print("before")
        quit()
        ```

        ```python
        print("next fence")
        ```
        """
    ),
    "spawn.md": page(
        """
        # Worker processes

        ```python
        import torch
        from torch.utils.data import DataLoader, Dataset

        class Squares(Dataset):
            def __len__(self):
                return 4
            def __getitem__(self, i):
                return torch.tensor([float(i * i)])

        print([batch.squeeze(1).tolist() for batch in DataLoader(Squares(), batch_size=2, num_workers=2)])
        ```

        ```python timeout="90"
        import multiprocessing as mp

        def cube(v):
            return v ** 3

        with mp.get_context("spawn").Pool(2) as pool:
            print(pool.map(cube, [1, 2, 3]))
        ```
        """
    ),
    "input.md": page(
        """
        # Asking the reader

        ```python
        lr = float(input("learning rate? "))
        ```
        """
    ),
    "writes.md": page(
        """
        # A failing page that writes next to itself

        ```python
        import pathlib, time
        pathlib.Path("docs/generated.txt").write_text(f"{time.time()}\\n")
        raise RuntimeError("a typo the author is about to fix")
        ```
        """
    ),
}
FAILING_PAGES["replay.md"] = page(
    """
    # Replays that cannot be drawn

    ```python replay="v"
    import torch
    w = torch.ones(3, requires_grad=True)
    v = w * 2
    ```
    """
)
FAILING_PAGES["replay-missing.md"] = page(
    """
    # A replay of a name the fence never defines

    ```python replay="loss"
    import torch
    lost = (torch.ones(3, requires_grad=True) * 3).sum()
    ```
    """
)
FAILING_PAGES["replay-freed.md"] = page(
    """
    # A replay of a freed graph

    ```python replay="loss"
    import torch
    w = torch.ones(3, requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    ```
    """
)
BROKEN_SNIPPET = "import torch\n\nx = torch.ones(2, requires_grad=True)\ny = (x * 2).sum(\ny.backward()\nprint(x.grad)\n"


@pytest.fixture(scope="module")
def failing_project(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("failing"), FAILING_PAGES, {"demo/03_broken.py": BROKEN_SNIPPET})
    first = mkdocs_build(root)
    second = mkdocs_build(root)
    return root, first, second


@pytest.fixture(scope="module")
def failing_build(failing_project):
    return failing_project[1]


def test_the_failing_build_exits_non_zero(failing_build):
    assert failing_build.returncode != 0, failing_build.stderr


def test_an_exception_names_the_fence_and_shows_the_page_frames_only(failing_build):
    line = fence_line(FAILING_PAGES["raised.md"], "check(42)")
    error = error_of(failing_build.stderr, "docs/raised.md", line)
    assert error.splitlines()[0] == f"docs/raised.md:{line}: the fence raised ValueError: the value 42 is wrong"
    # The frames are the page's own lines, named by page and line: the call, then the raise.
    assert f"docs/raised.md:{line + 1}, in <module>" in error and "check(42)" in error
    assert "docs/raised.md:7, in check" in error and 'raise ValueError(f"the value {value} is wrong")' in error
    assert "atlas_exec" not in error and "IPython" not in error and not MACHINE_PATH.search(error)


def test_a_raises_fence_that_raises_nothing_or_the_wrong_type_fails(failing_build):
    assert "should raise RuntimeError but raised nothing" in error_of(failing_build.stderr, "docs/no-raise.md", 3)
    first = error_of(failing_build.stderr, "docs/wrong-type.md", 3).splitlines()[0]
    assert "should raise RuntimeError but raised KeyError: 'missing key'" in first


def test_a_replay_that_cannot_be_drawn_fails_naming_its_fence_and_why(failing_build):
    text = FAILING_PAGES["replay.md"]
    vector = error_of(failing_build.stderr, "docs/replay.md", fence_line(text, "import torch"))
    assert "replay='v' is a tensor of shape (3,), not a scalar" in vector.splitlines()[0]
    freed = error_of(failing_build.stderr, "docs/replay-freed.md", fence_line(FAILING_PAGES["replay-freed.md"], "import torch"))
    assert "the graph of 'loss' was freed by an earlier backward()" in freed.splitlines()[0]
    missing = error_of(failing_build.stderr, "docs/replay-missing.md", fence_line(FAILING_PAGES["replay-missing.md"], "import torch"))
    assert "replay='loss': the fence defines no variable 'loss'" in missing.splitlines()[0]
    assert "Traceback" not in vector + freed + missing


def test_a_timeout_and_a_dead_process_name_their_fence(failing_build):
    assert "did not finish within 2 s" in error_of(failing_build.stderr, "docs/timeout.md", 3)
    assert "ended while running this fence (exit status 3" in error_of(failing_build.stderr, "docs/dead.md", 3)


def test_a_doctest_mismatch_names_its_example_line_and_shows_the_diff_once(failing_build):
    line = fence_line(FAILING_PAGES["doctest.md"], ">>> def double(x):") + 6  # the ">>> double(3)" line
    error = error_of(failing_build.stderr, "docs/doctest.md", line)
    assert error.count("Expected:\n    7\nGot:\n    6") == 1
    assert "atlas_exec" not in error and "Traceback" not in error and not MACHINE_PATH.search(error)


def test_a_snippet_error_names_the_snippet_line_and_the_including_fence(failing_build):
    line = fence_line(FAILING_PAGES["snippet.md"], '--8<-- "demo/03_broken.py"')
    error = error_of(failing_build.stderr, "docs/snippet.md", line)
    assert error.startswith(f"docs/snippet.md:{line} (includes snippets/demo/03_broken.py): the fence raised SyntaxError")
    assert "(snippets/demo/03_broken.py:4)" in error
    assert "Cell In" not in error and ".py, line" not in error


def test_quit_fails_the_fence_and_nothing_after_it_runs(failing_project):
    root, build, _ = failing_project
    assert "called quit(), exit() or sys.exit()" in error_of(build.stderr, "docs/quit.md", 3)
    assert "next fence" not in build.stderr


def test_a_spawn_pool_fails_at_once_with_its_cause_while_a_fork_loader_works(failing_build):
    line = fence_line(FAILING_PAGES["spawn.md"], "import multiprocessing as mp")
    error = error_of(failing_build.stderr, "docs/spawn.md", line)
    assert "'spawn' method looked for 'cube' in __main__" in error and "timeout" not in error
    # The first fence, a DataLoader with two forked workers, ran: no error names it.
    assert not re.search(r"^docs/spawn\.md:3\b", failing_build.stderr, re.M)
    assert not MACHINE_PATH.search(error)


def test_input_is_a_one_line_error(failing_build):
    error = error_of(failing_build.stderr, "docs/input.md", 3).strip()
    assert error == "docs/input.md:3: input() is not available at build time: a page program cannot ask the reader; set the value in the code"


def test_no_failure_message_carries_a_machine_path_or_engine_frame(failing_build):
    messages = failing_build.stderr[failing_build.stderr.index("Page execution failed") :]
    assert not MACHINE_PATH.search(messages), messages
    assert "atlas_exec" not in messages and "ipykernel" not in messages


def test_an_unchanged_failing_page_fails_again_without_running(failing_project):
    """Under `mkdocs serve`, a failing page that writes under docs/ must not rebuild in a loop."""
    root, first, second = failing_project
    assert (root / "docs" / "generated.txt").is_file()
    written = (root / "docs" / "generated.txt").read_text()
    executed, _ = second.counts
    # Only the timeout and the dead process ran again: they say nothing certain about the code.
    assert executed == 2, second.stderr
    assert (root / "docs" / "generated.txt").read_text() == written
    assert "a typo the author is about to fix" in error_of(second.stderr, "docs/writes.md", 3)


def test_pytest_reports_the_same_failures_by_page_and_line(failing_project):
    root, _, _ = failing_project
    run = run_pytest(root, "docs/raised.md", "docs/doctest.md", "docs/quit.md", "docs/input.md", "docs/replay.md")
    out = run.stdout
    assert run.returncode == 1, out
    raised = fence_line(FAILING_PAGES["raised.md"], "check(42)")
    assert f"docs/raised.md:{raised}: the fence raised ValueError: the value 42 is wrong" in out
    # Once per failure report (with CI set, pytest's short summary repeats whole messages).
    reports = out.split("short test summary info")[0]
    assert reports.count("Expected:\n    7\nGot:\n    6") == 1
    assert "called quit(), exit() or sys.exit()" in out and "input() is not available at build time" in out
    assert "docs/replay.md:3: replay='v' is a tensor of shape (3,), not a scalar" in out
    # The fence after quit() is skipped, not run.
    assert re.search(r"SKIPPED .*not run: the page program stopped at docs/quit\.md:3", out)
    assert "atlas_exec/" not in out


# --- a passing build whose HTML the tests read -------------------------------

OUTPUT_PAGES = {
    "index.md": page(
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

        fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[4, 5, 6]))
        fig.update_layout(title="First figure")
        fig.show()
        print("printed between two figures")
        go.Figure(go.Bar(x=["a"], y=[1]), layout={"title": "Second figure"}).show()
        ```
        """
    ),
    "forms.md": page(
        """
        # Other ways to open a fence

        ~~~python
        print("tilde fence ran")
        ~~~

        ``` { .python }
        print("brace fence ran")
        ```

        > ```python
        > print("blockquote fence ran")
        > ```

        Write this in your page:

            ```python
            print("an indented example, never run")
            ```

        <!--
        ```python
        raise RuntimeError("a commented-out draft")
        ```
        -->
        """
    ),
    "terminal.md": page(
        """
        # Terminal output

        ```python
        import sys
        for step in range(1, 6):
            sys.stderr.write(f"\\rtraining |{'#' * step}{'.' * (5 - step)}| {step}/5")
        sys.stderr.write("\\n")
        for pct in (0, 50, 100):
            print(f"\\r{pct:3d}%", end="")
        print()
        ```

        ```python
        ESC = "\\x1b"
        print(f"{ESC}[1;32mPASSED{ESC}[0m gradients match")
        print(f"{ESC}[?25lworking...{ESC}[?25h")
        print(f"see {ESC}]8;;https://example.org{ESC}\\\\the docs{ESC}]8;;{ESC}\\\\ for more")
        print(f"{ESC}(Bplain charset{ESC}[m")
        ```

        ```python raises="ValueError"
        raise ValueError("\\x1b[31mbad shape\\x1b[0m (3,)")
        ```

        ```python
        class Unclosed:
            def _repr_html_(self):
                return "<div style='color:red'><b>unclosed<script>alert(1)</script>"

        Unclosed()
        ```

        This paragraph is outside every output.

        ```python
        import torch
        x = torch.ones(3)
        display(x.sum())
        ```

        ```python timing
        %timeit -n 3 -r 1 x.sum()
        ```
        """
    ),
    "front-matter.md": page(
        """
        ---
        title: Momentum by hand
        ---

        The title comes from the front matter.

        ```python
        import torch
        # velocity starts at zero
        v = torch.zeros(2)
        print(v + 1)
        ```
        """
    ),
    "reads.md": page(
        """
        # Settings read from files

        ```python
        import csv, sys
        sys.path.insert(0, "snippets/demo")
        from helper_mod import learning_rate
        with open("snippets/demo/config.csv") as f:
            row = next(csv.DictReader(f))
        print("lr from csv:", row["lr"], "| lr from helper:", learning_rate())
        ```
        """
    ),
    "state-a.md": page(
        """
        # Page A changes global state

        ```python
        import os
        import torch
        torch.set_printoptions(precision=2)
        torch.set_default_dtype(torch.float64)
        torch.set_grad_enabled(False)
        os.chdir("docs")
        print(torch.tensor([1 / 3]))
        ```
        """
    ),
    "state-b.md": page(
        """
        # Page B starts fresh

        ```pycon
        >>> import pathlib, torch
        >>> torch.tensor([1 / 3])
        tensor([0.3333])
        >>> torch.get_default_dtype(), torch.is_grad_enabled(), pathlib.Path("mkdocs.yml").is_file()
        (torch.float32, True, True)
        ```
        """
    ),
}
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
    "demo/config.csv": "lr,steps\n0.1,3\n",
    "demo/helper_mod.py": "def learning_rate():\n    return 0.1\n",
}


@pytest.fixture(scope="module")
def output_project(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("site"), OUTPUT_PAGES, OUTPUT_SNIPPETS)
    build = mkdocs_build(root)
    assert build.returncode == 0, build.stderr
    return root, build


def html_of(root, name: str) -> str:
    url = "" if name == "index" else f"{name}/"
    return (root / "site" / url / "index.html").read_text(encoding="utf-8")


def outputs_of(root, name: str, line: int) -> dict:
    elements = Elements(html_of(root, name))
    (outputs,) = [e for e in elements.with_class("atlas-outputs") if e["attrs"].get("data-fence-line") == str(line)]
    return outputs


def test_a_cold_build_executes_every_page(output_project):
    _, build = output_project
    assert build.counts == (len(OUTPUT_PAGES), 0)


def test_print_include_and_admonition_outputs_sit_under_their_fences(output_project):
    root, _ = output_project
    text = OUTPUT_PAGES["index.md"]
    assert outputs_of(root, "index", fence_line(text, 'print("hello from the page")'))["text"].strip() == "hello from the page"
    assert outputs_of(root, "index", fence_line(text, '--8<-- "demo/01_hello.py"'))["text"].strip() == "included snippet ran"
    assert outputs_of(root, "index", fence_line(text, '--8<-- "demo/02_sections.py:shown"'))["text"].strip() == "section 1024"
    solution = outputs_of(root, "index", fence_line(text, 'print("answer inside the admonition")'))
    assert any(ancestor["tag"] == "details" for ancestor in solution["ancestors"])
    assert "snippets/demo/01_hello.py" in html_of(root, "index")  # the include is titled with its path


def test_a_raises_fence_shows_the_exception_without_traceback(output_project):
    root, _ = output_project
    line = fence_line(OUTPUT_PAGES["index.md"], 'raise RuntimeError("the graph was freed")')
    assert outputs_of(root, "index", line)["text"].strip() == "RuntimeError: the graph was freed"


def test_graphs_and_figures_render_in_the_order_they_were_shown(output_project):
    root, _ = output_project
    html = html_of(root, "index")
    line = fence_line(OUTPUT_PAGES["index.md"], "import plotly.graph_objects as go")
    block = html[html.index(f'data-fence-line="{line}"') :]
    first, printed, second = block.index("First figure"), block.index("printed between two figures"), block.index("Second figure")
    assert first < printed < second
    assert '<figure class="atlas-graph" role="img" aria-label="Computational graph drawn by torchviz' in html


def test_every_way_of_opening_a_python_fence_runs_and_examples_never_do(output_project):
    root, _ = output_project
    html = html_of(root, "forms")
    for form in ("tilde", "brace", "blockquote"):
        assert f"<pre>{form} fence ran</pre>" in html
    assert html.count('class="atlas-outputs') == 3
    # The indented example is shown literally, three lines, with nothing injected.
    assert '```python\nprint("an indented example, never run")\n```' in html_module.unescape(re.sub(r"<[^>]+>", "", html))
    assert "atlas-html" not in html and "base64" not in html


def test_terminal_output_shows_the_final_screen(output_project):
    root, _ = output_project
    text = OUTPUT_PAGES["terminal.md"]
    html = html_of(root, "terminal")
    progress = html[html.index(f'data-fence-line="{fence_line(text, "import sys")}"') :]
    assert re.match(
        r'[^>]*><div class="atlas-output atlas-stderr" data-label="stderr"><pre>training \|#####\| 5/5</pre></div><div class="atlas-output atlas-stdout" data-label="Output"><pre>100%</pre>',
        progress,
    )
    escapes = outputs_of(root, "terminal", fence_line(text, 'ESC = "\\x1b"'))["text"]
    assert escapes.strip().splitlines() == ["PASSED gradients match", "working...", "see the docs for more", "plain charset"]
    error = outputs_of(root, "terminal", fence_line(text, 'raise ValueError("\\x1b[31mbad shape\\x1b[0m (3,)")'))["text"]
    assert error.strip() == "ValueError: bad shape (3,)"
    outputs = "".join(e["text"] for e in Elements(html_of(root, "terminal")).with_class("atlas-outputs"))
    assert "\x1b" not in outputs and "]8;;" not in outputs and "[0m" not in outputs


def test_progress_on_stderr_is_not_labelled_warnings(output_project):
    root, _ = output_project
    html = html_of(root, "terminal")
    assert 'data-label="Warnings"' not in html
    assert re.search(r'<div class="atlas-output atlas-stderr" data-label="stderr"><pre>training \|#####\| 5/5</pre>', html)


def test_html_outputs_cannot_leak_into_the_page(output_project):
    root, _ = output_project
    elements = Elements(html_of(root, "terminal"))
    (paragraph,) = [e for e in elements.all if e["tag"] == "p" and "outside every output" in e["text"]]
    assert not any(ancestor["tag"] == "b" or "atlas-html" in ancestor["classes"] for ancestor in paragraph["ancestors"])
    outputs = "".join(e["text"] for e in elements.with_class("atlas-outputs"))
    assert "unclosed" in outputs and "alert(1)" not in outputs


def test_display_and_magics_work_as_in_a_notebook(output_project):
    root, _ = output_project
    text = OUTPUT_PAGES["terminal.md"]
    assert outputs_of(root, "terminal", fence_line(text, "import torch"))["text"].strip() == "tensor(3.)"
    assert "per loop" in outputs_of(root, "terminal", fence_line(text, "%timeit -n 3 -r 1 x.sum()"))["text"]


def test_the_stamp_sits_under_the_title_even_from_front_matter(output_project):
    root, _ = output_project
    html = html_of(root, "front-matter")
    assert "<pre>tensor([1., 1.])</pre>" in html
    content = html[html.index('<article class="md-content__inner') :]
    assert content.index("<h1") < content.index('class="atlas-stamp"') < content.index("The title comes from the front matter")
    index = html_of(root, "index")
    assert re.search(r'</h1><p class="atlas-downloads">.*?</p><p class="atlas-stamp">Every output on this page was produced when the site was built', index)


def test_pages_do_not_share_state_in_the_build(output_project):
    root, _ = output_project
    assert "<pre>tensor([0.33])</pre>" in html_of(root, "state-a")


def test_pytest_runs_every_page_as_the_build_did_without_running_them_again(output_project):
    root, _ = output_project
    run = run_pytest(root, "docs")
    assert run.returncode == 0, run.stdout
    assert re.search(r"\b21 passed\b", run.stdout), run.stdout
    # Page B passes after page A in the same pytest process: nothing leaked.
    assert "docs/state-b.md" in run.stdout


def test_a_large_output_is_cut_with_a_note_and_warns(tmp_path):
    text = page(
        """
        # A chatty loop

        ```python
        for step in range(20000):
            print(f"step {step:5d}")
        ```
        """
    )
    root = make_project(tmp_path, {"index.md": text})
    strict = mkdocs_build(root)
    assert strict.returncode != 0
    assert re.search(r"WARNING\s+-\s+docs/index\.md:3: output of 20,000 lines .* cut", strict.stderr), strict.stderr
    # pytest fails the same fence: what fails the strict build fails its test.
    run = run_pytest(root, "docs")
    assert run.returncode == 1 and "docs/index.md:3: output of 20,000 lines" in run.stdout and "mkdocs build --strict" in run.stdout, run.stdout
    relaxed = mkdocs_build(root, strict=False)
    html = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert relaxed.returncode == 0 and "19,800 lines" in html and "step 19999" in html and "step 10000" not in html
    assert len(html) < 150_000


# --- the cache -------------------------------------------------------------------


def test_prose_edits_hit_the_cache_and_a_file_read_by_a_page_invalidates_it(output_project):
    root, _ = output_project
    index = root / "docs" / "index.md"
    index.write_text(index.read_text().replace("Some prose", "Some edited prose"))
    assert mkdocs_build(root).counts == (0, len(OUTPUT_PAGES))
    (root / "snippets/demo/config.csv").write_text("lr,steps\n0.5,3\n")
    (root / "snippets/demo/helper_mod.py").write_text("def learning_rate():\n    return 0.5\n")
    build = mkdocs_build(root)
    assert build.counts == (1, len(OUTPUT_PAGES) - 1)
    assert "lr from csv: 0.5 | lr from helper: 0.5" in html_of(root, "reads")
    # One entry per page: the stale one is gone.
    assert len(list((root / ".cache" / "atlas-exec").glob("docs__reads.md.*.json"))) == 1


def test_a_code_edit_runs_exactly_its_page(output_project):
    root, _ = output_project
    other = root / "docs" / "state-a.md"
    other.write_text(other.read_text().replace("precision=2", "precision=3"))
    start = time.monotonic()
    build = mkdocs_build(root)
    assert build.counts == (1, len(OUTPUT_PAGES) - 1), time.monotonic() - start
    assert "<pre>tensor([0.333])</pre>" in html_of(root, "state-a")


# --- mkdocs serve ------------------------------------------------------------------


def test_serve_does_not_rebuild_a_failing_page_that_writes_under_docs_in_a_loop(tmp_path):
    """The failing page writes a file the watcher sees; the rebuild that follows takes the failure from the cache."""
    import socket
    import subprocess
    import sys

    from tests.engine_project import ROOT

    writer = 'import pathlib, time\npathlib.Path("docs/generated.txt").write_text(f"{time.time()}\\n")\n'
    root = make_project(tmp_path, {"index.md": f"# Writes\n\n```python\n{writer}print('saved')\n```\n"})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "serve.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--strict", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=root,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)},
        )
        try:
            deadline = time.monotonic() + 90
            while "Serving on" not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(2)  # the watcher settles on the file the first build wrote
            before = len(LOG_LINE.findall(log.read_text()))
            (root / "docs" / "index.md").write_text(f"# Writes\n\n```python\n{writer}raise RuntimeError('a typo')\n```\n")
            while len(LOG_LINE.findall(log.read_text())) < before + 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(8)  # a loop would show more builds by now
        finally:
            server.terminate()
            server.wait(timeout=30)
    builds = [(int(executed), int(cached)) for executed, cached in LOG_LINE.findall(log.read_text())[before:]]
    assert builds == [(1, 0), (0, 1)], log.read_text()


def test_a_display_of_bytes_reaches_the_page_as_base64():
    """IPython's PNG formatter returns bytes: they travel as Jupyter sends them, base64 text."""
    import base64

    from atlas_exec.execute import Cell, PageJob, run_fresh
    from tests.engine_project import ROOT

    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    code = f"class Picture:\n    def _repr_png_(self):\n        return {png!r}\n\nPicture()"
    (result,) = run_fresh([PageJob("docs/png.md", [Cell(3, "python", code, "docs/png.md", (4, 5, 6, 7, 8), "docs/png.md:3")])], ROOT)
    assert result.failure is None, str(result.failure)
    (output,) = result.outputs[0]
    assert base64.b64decode(output["data"]["image/png"]) == png
