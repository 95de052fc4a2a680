"""The built site: every page, every executed fence's output, the stamps, no leaks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from atlas_exec.formulas import _MarkdownCells
from tests.conftest import ROOT, page_urls
from tests.engine_project import Elements, make_project, page
from tests.page_program import PAGES as PAGE_SYBIL
from tests.page_program import site

PAGES = sorted((ROOT / "docs").rglob("*.md"))


def executed_fences(source: Path):
    return site()[0].fences(source.read_text(encoding="utf-8"), source.relative_to(ROOT).as_posix())


def unpaired_blocks(html: str) -> list[str]:
    """Where a page breaks "the fences that run are the code blocks the reader sees", both ways.

    Every rendered Python code block (python or pycon) sits in an executed
    cell with its output block; every output block sits in a cell after its
    code block. Comments are not elements, so a commented-out fence counts for nothing.
    """
    elements = Elements(html)
    problems = []
    for block in elements.all:
        language = {"language-python", "language-pycon"} & set(block["classes"])
        if "highlight" in block["classes"] and language:
            cells = [a for a in block["ancestors"] if "atlas-cell" in a["classes"]]
            if not cells:
                problems.append(f"a {language.pop().removeprefix('language-')} code block that did not run: {block['text'][:60]!r}")
            elif cells[-1]["attrs"].get("data-atlas-executed") != "true":
                problems.append(f"a code block marked as not executed: {block['text'][:60]!r}")
    for cell in elements.with_class("atlas-cell"):
        codes = [d for d in elements.all if cell in d["ancestors"] and "highlight" in d["classes"]]
        outputs = [d for d in elements.with_class("atlas-outputs") if cell in d["ancestors"]]
        if len(codes) != 1 or len(outputs) != 1:
            problems.append(f"cell of line {cell['attrs'].get('data-atlas-line')}: {len(codes)} code block(s), {len(outputs)} output block(s)")
    for outputs in elements.with_class("atlas-outputs"):
        if not any("atlas-cell" in a["classes"] for a in outputs["ancestors"]):
            problems.append(f"an output block of line {outputs['attrs'].get('data-fence-line')} belongs to no code block")
    return problems


def built_html(site: Path, source: Path) -> str:
    relative = source.relative_to(ROOT / "docs").with_suffix("")
    if relative.name == "index":
        relative = relative.parent
    return (site / relative / "index.html").read_text(encoding="utf-8")


def fence_lines_in_html(html: str) -> list[int]:
    return [int(line) for line in re.findall(r'class="atlas-outputs[^"]*" data-fence-line="(\d+)"', html)]


@pytest.mark.parametrize("url", page_urls())
def test_every_page_is_built(built_site, url):
    assert (built_site / url / "index.html").is_file()


@pytest.mark.parametrize("source", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_executed_fence_has_its_output_block(built_site, source):
    expected = [fence.line for fence in executed_fences(source)]
    assert fence_lines_in_html(built_html(built_site, source)) == expected


@pytest.mark.parametrize("source", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_python_code_block_ran_and_every_output_has_its_code(built_site, source):
    assert unpaired_blocks(built_html(built_site, source)) == []


def test_the_pairing_check_fails_when_a_fence_is_hidden_from_the_engine(tmp_path, monkeypatch):
    """Build a page whose last fence the structure pass does not report: the check must see it."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from atlas_exec.fences import StructurePass

    text = page(
        """
        # Two fences

        ```python
        print("seen by the engine")
        ```

        ```python
        print("hidden from the engine")
        ```
        """
    )
    root = make_project(tmp_path, {"index.md": text})
    original = StructurePass.fences
    monkeypatch.setattr(StructurePass, "fences", lambda self, text, path: original(self, text, path)[:-1])
    build(load_config(str(root / "mkdocs.yml")))
    html = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert unpaired_blocks(html) == ["a python code block that did not run: 'print(\"hidden from the engine\")\\n'"]


@pytest.mark.parametrize("source", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_sybil_runs_the_fences_the_build_executed(built_site, source):
    """Sybil skips what it does not recognise without a word: compare, per page."""
    document = PAGE_SYBIL.parse(source)
    tested = [example.region.parsed.line for example in document.examples()]
    assert tested == fence_lines_in_html(built_html(built_site, source))


@pytest.mark.parametrize("source", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_timing_fences_and_only_they_carry_the_measured_on_label(built_site, source):
    """A reader must see which numbers are measurements that change from build to build."""
    timing = [fence.line for fence in executed_fences(source) if fence.timing]
    # Each output block runs from its fence's data-fence-line to the next one.
    blocks = re.findall(r'data-fence-line="(\d+)"(.*?)(?=data-fence-line=|\Z)', built_html(built_site, source), re.S)
    assert [int(line) for line, block in blocks if '<p class="atlas-timing">' in block] == timing


@pytest.mark.parametrize("source", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_executed_pages_carry_the_environment_stamp(built_site, source):
    html = built_html(built_site, source)
    if not executed_fences(source):
        assert "atlas-stamp" not in html
        return
    stamp = re.search(r'<p class="atlas-stamp">(.*?)</p>', html)
    assert stamp, "no environment stamp"
    assert re.search(r"PyTorch \d+\.\d+\.\d+\S* on (CPU|.+?), Python \d+\.\d+\.\d+, \d{4}-\d\d-\d\d", stamp.group(1)), stamp.group(1)


@pytest.mark.parametrize("source", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_outputs_show_no_tracebacks_or_machine_paths(built_site, source):
    outputs = "".join(re.findall(r'<div class="atlas-outputs.*?</div></div>', built_html(built_site, source), re.S))
    assert "Traceback (most recent call last)" not in outputs
    assert not re.search(r"(/home/|/root/|/tmp/|site-packages|ipykernel_\d+)", outputs)


def test_no_page_references_a_third_party_script_or_stylesheet(built_site):
    for html_file in built_site.rglob("*.html"):
        html = html_file.read_text(encoding="utf-8")
        # Every <script src> and <link href> but rel="canonical", which names the page and fetches nothing.
        tags = [tag for tag in re.findall(r"<(?:script|link)\b[^>]*>", html) if 'rel="canonical"' not in tag]
        external = [url for tag in tags for url in re.findall(r'(?:src|href)="(https?://[^"]+)"', tag)]
        assert not external, f"{html_file.relative_to(built_site)} loads {external}"


def test_plotly_and_the_math_fonts_are_served_by_the_site(built_site):
    from plotly.offline import get_plotlyjs

    from atlas_exec.formulas import fonts

    # Exactly the plotly.js of the installed Python package: it can draw what that package emits.
    assert (built_site / "assets/javascripts/plotly.min.js").read_text(encoding="utf-8") == get_plotlyjs()
    # The fonts of the MathJax release that typeset the math (their metrics are in its stylesheet).
    served = built_site / "assets" / "fonts" / "mathjax"
    assert fonts() and all((served / font.name).read_bytes() == font.read_bytes() for font in fonts())


# Text a reader would see as TeX source: a formula MathJax did not typeset.
_TEX_LEFT = re.compile(r"\$[^$\s][^$]*\$|\\\(.+?\\\)|\\\[.+?\\\]", re.S)
_TYPESET_OR_CODE = re.compile(r"<(mjx-container|code|pre)\b.*?</\1>", re.S)


def test_math_is_typeset_when_the_site_is_built_and_no_page_loads_mathjax(built_site):
    """Formulas arrive typeset (CHTML with the MathML screen readers read): no page runs MathJax."""
    markdown_cells = 0
    for html_file in built_site.rglob("*.html"):
        html = html_file.read_text(encoding="utf-8")
        name = html_file.relative_to(built_site).as_posix()
        assert not re.search(r"<script\b[^>]*\bsrc=\"[^\"]*mathjax", html, re.I), f"{name} loads MathJax"
        untypeset = re.findall(r'<(?:span|div) class="arithmatex">(?!<mjx-container)(.{0,40})', html)
        assert not untypeset, f"{name}: {len(untypeset)} formulas left as TeX, e.g. {untypeset[0]!r}"
        for start, end in _MarkdownCells(html).cells:
            markdown_cells += 1
            left = _TEX_LEFT.findall(re.sub(r"<[^>]+>", "", _TYPESET_OR_CODE.sub("", html[start:end])))
            assert not left, f"{name}: TeX left in a notebook cell: {left[:3]}"
    assert markdown_cells >= 30, f"only {markdown_cells} Markdown cells of lab notebooks were checked"
    for url, formulas in (("gradient-descent", 150), ("labs/01-gradient-descent", 10)):
        html = (built_site / url / "index.html").read_text(encoding="utf-8")
        assert html.count("<mjx-container") >= formulas, url
        assert html.count("<mjx-container") == html.count("<mjx-assistive-mml"), f"{url}: a formula without the MathML a screen reader reads"
    fonts = built_site / "assets" / "fonts" / "mathjax"
    css = (built_site / "assets" / "stylesheets" / "mathjax.css").read_text(encoding="utf-8")
    assert "mjx-container" in css and list(fonts.glob("*.woff"))
    assert all((fonts / name).is_file() for name in re.findall(r"url\(\"?\.\./fonts/mathjax/([^\")]+)\"?\)", css)), "a font the stylesheet names is missing"


def test_figures_are_files_fetched_when_drawn_not_json_in_the_page(built_site):
    """A figure's JSON is a file of its own (fetched as the figure nears the viewport), not an attribute of the page."""
    drawn = 0
    for html_file in built_site.rglob("*.html"):
        html = html_file.read_text(encoding="utf-8")
        assert "data-figure=" not in html, f"{html_file.relative_to(built_site)} carries a figure's JSON"
        # Lab pages pass through nbconvert, which orders attributes its own way.
        for tag in re.findall(r'<div\b[^>]*\bclass="atlas-plotly"[^>]*>', html):
            source = re.search(r'\bdata-src="([^"]+)"', tag)[1]
            figure = json.loads((built_site / source).read_text(encoding="utf-8"))
            assert figure["data"] and "layout" in figure, source
            drawn += 1
    assert drawn >= 20
    gradient_descent = (built_site / "gradient-descent" / "index.html").read_text(encoding="utf-8")
    assert gradient_descent.count('class="atlas-plotly"') == 8


def test_a_tex_error_fails_the_build_naming_the_page_and_the_formula(tmp_path):
    """MathJax in a browser draws an unknown macro in red; the build refuses it."""
    from mkdocs.exceptions import PluginError

    from atlas_exec.formulas import MathTypesetter, find_math

    page = find_math('<p><span class="arithmatex">\\(x \\notamacro y\\)</span> and <span class="arithmatex">\\(x^2\\)</span></p>', "docs/broken.md")
    with pytest.raises(PluginError) as failure:
        MathTypesetter(tmp_path).typeset([page])
    assert "docs/broken.md" in str(failure.value) and "\\notamacro" in str(failure.value)
    assert not list(tmp_path.glob("*.json")), "a failed typesetting is not cached"


def test_every_page_is_minified_after_its_math_is_typeset(built_site):
    """The theme's template whitespace and comments are gone from every page (atlas_exec/minify.py)."""
    from atlas_exec.minify import minified

    pages = sorted(built_site.rglob("*/index.html")) + [built_site / "index.html"]
    assert len(pages) >= 20
    for html_file in pages:
        html = html_file.read_text(encoding="utf-8")
        assert minified(html) == html, f"{html_file.relative_to(built_site)} is not minified"


def test_no_page_gives_two_elements_one_id(built_site):
    """Ids are page-wide: two drawings on a page must not both define node1 (render.namespaced_ids)."""
    for html_file in sorted(built_site.rglob("*.html")):
        ids = re.findall(r'\sid="([^"]+)"', html_file.read_text(encoding="utf-8"))
        repeated = sorted({name for name in ids if ids.count(name) > 1})
        assert not repeated, f"{html_file.relative_to(built_site)}: {len(repeated)} ids used more than once, e.g. {repeated[:5]}"
