"""What a reader does with the built site: sees the lesson before the plotting code, copies
code that runs, downloads a chapter, opens a lab solution, reads every equation.
The Chromium tests leave a screenshot in test-artifacts/ when they fail."""

from __future__ import annotations

import json
from contextlib import contextmanager

import nbformat
import pytest

from tests.conftest import ARTIFACTS, ROOT
from tests.engine_project import Elements

# No figure sits below more than this many visible lines of code of its block.
MAX_VISIBLE_LINES_ABOVE_A_FIGURE = 12
CHAPTERS = [page.stem for page in sorted((ROOT / "docs").glob("*.md")) if page.stem != "index"]


def _visible_code_lines(elements: Elements, cell: dict) -> int:
    codes = [e for e in elements.all if e["tag"] == "code" and cell in e["ancestors"] and not any("atlas-fold" in a["classes"] for a in e["ancestors"])]
    return sum(code["text"].rstrip("\n").count("\n") + 1 for code in codes)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_figure_sits_below_a_screen_of_plotting_code(built_site, chapter):
    elements = Elements((built_site / chapter / "index.html").read_text(encoding="utf-8"))
    long = []
    for cell in elements.with_class("atlas-cell"):
        figures = [e for e in elements.all if cell in e["ancestors"] and ({"atlas-plotly", "atlas-graph"} & set(e["classes"]))]
        lines = _visible_code_lines(elements, cell)
        if figures and lines > MAX_VISIBLE_LINES_ABOVE_A_FIGURE:
            long.append(f"line {cell['attrs']['data-atlas-line']}: {lines} visible lines of code above its figure (fold the plotting code)")
    assert not long, "\n".join(long)


def test_a_folded_block_keeps_its_highlighted_code_and_its_output(built_site):
    elements = Elements((built_site / "gradient-descent" / "index.html").read_text(encoding="utf-8"))
    folds = elements.with_class("atlas-fold", "details")
    assert len(folds) >= 5
    for fold in folds:
        cell = fold["ancestors"][-1]
        assert "atlas-cell" in cell["classes"] and "open" not in fold["attrs"]
        summaries = [e for e in elements.all if e["tag"] == "summary" and fold in e["ancestors"]]
        assert len(summaries) == 1 and summaries[0]["text"].strip() and "\n" not in summaries[0]["text"].strip()
        assert any("highlight" in e["classes"] and fold in e["ancestors"] for e in elements.all), "the folded code is highlighted"
        outputs = [e for e in elements.with_class("atlas-outputs") if cell in e["ancestors"]]
        assert len(outputs) == 1 and fold not in outputs[0]["ancestors"], "the output stays outside the fold"


# --- in Chromium -------------------------------------------------------------------


@contextmanager
def reader_page(browser, url: str, name: str, width: int = 1280, **context):
    """A page opened as a reader opens it; a screenshot named ``name`` in test-artifacts/ if the block fails."""
    page = browser.new_context(viewport={"width": width, "height": 900}, **context).new_page()
    try:
        page.goto(url, wait_until="networkidle")
        yield page
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)
        raise
    finally:
        page.context.close()


@pytest.mark.browser
def test_copying_a_pycon_block_copies_runnable_code(browser, site_url):
    with reader_page(browser, site_url + "grad-mode/", "copy-pycon", permissions=["clipboard-read", "clipboard-write"]) as page:
        cell = page.locator(".atlas-cell[data-atlas-copy]").first
        cell.scroll_into_view_if_needed()
        shown = cell.locator(".highlight code").inner_text()
        assert ">>>" in shown
        cell.locator(".highlight").hover()
        cell.locator("[data-clipboard-target]").click()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert ">>>" not in copied and "..." not in copied.replace("...)", "")
        assert copied == cell.get_attribute("data-atlas-copy")
        code_lines = [line[4:] for line in shown.split("\n") if line.startswith((">>> ", "... "))]
        assert copied.split("\n") == code_lines, "the copy is the examples' code, without their outputs"
        # A python block copies what it shows.
        python = page.locator(".atlas-cell:not([data-atlas-copy])").first
        python.scroll_into_view_if_needed()
        python.locator(".highlight").hover()
        python.locator("[data-clipboard-target]").click()
        assert page.evaluate("navigator.clipboard.readText()").strip() == python.locator(".highlight code").inner_text().strip()


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_a_folded_figure_opens_on_click(browser, site_url, width):
    with reader_page(browser, site_url + "gradient-descent/", f"fold-{width}", width) as page:
        fold = page.locator("details.atlas-fold").first
        fold.scroll_into_view_if_needed()
        cell = fold.locator("xpath=..")  # the atlas-cell: the fold, then the outputs
        figure = cell.locator(".atlas-plotly")
        page.wait_for_function("(node) => node.dataset.drawn === 'true'", arg=figure.element_handle(), timeout=20_000)
        assert figure.is_visible() and not fold.locator("pre").is_visible(), "folded: the figure shows, the code does not"
        fold.locator("summary").click()
        assert fold.locator("pre").is_visible()
        assert fold.locator("pre code span.kn").count() > 0, "the code is highlighted"


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_a_lab_solution_opens_on_click_and_checks_stay_visible(browser, site_url, width):
    with reader_page(browser, site_url + "labs/01-gradient-descent/", f"lab-solution-{width}", width) as page:
        solution = page.locator("details.atlas-solution").first
        solution.scroll_into_view_if_needed()
        assert solution.locator("summary").inner_text().strip() == "Show solution"
        assert not solution.locator(".jp-InputArea").is_visible()
        check = page.locator(".celltag_check .jp-InputArea").first
        check.scroll_into_view_if_needed()
        assert check.is_visible()
        solution.locator("summary").click()
        assert solution.locator(".jp-InputArea").is_visible()


@pytest.mark.browser
def test_every_chapter_offers_its_downloads_and_the_notebook_is_valid(browser, site_url, tmp_path):
    with reader_page(browser, site_url + "tensors/", "downloads", accept_downloads=True) as page:
        for chapter in CHAPTERS:
            page.goto(site_url + f"{chapter}/", wait_until="domcontentloaded")
            for label in ("Download notebook", "Download script", "Open in Colab"):
                assert page.get_by_role("link", name=label).is_visible(), f"{chapter}: no visible {label!r}"
        with page.expect_download() as download:
            page.get_by_role("link", name="Download notebook").click()
        target = tmp_path / download.value.suggested_filename
        download.value.save_as(target)
        assert target.name == f"{CHAPTERS[-1]}.ipynb"
        nbformat.validate(nbformat.reads(target.read_text(encoding="utf-8"), as_version=4))
        assert json.loads(target.read_text(encoding="utf-8"))["cells"][0]["cell_type"] == "code"


# An equation wider than its box must scroll (overflow-x auto or scroll) and show the
# shadow cue of atlas.css; one that fits needs nothing.
_EQUATIONS = """() => [...document.querySelectorAll('mjx-container[display="true"]')].map(node => {
  const style = getComputedStyle(node);
  let clipped = false;
  for (let a = node.parentElement; a; a = a.parentElement) {
    if (getComputedStyle(a).overflowX === 'visible') continue;
    const box = a.getBoundingClientRect(), own = node.getBoundingClientRect();
    clipped = own.right > box.right + 1 || own.left < box.left - 1;
    break;
  }
  return {text: (node.parentElement.textContent || '').slice(0, 50), wide: node.scrollWidth > node.clientWidth + 1,
          scrolls: ['auto', 'scroll'].includes(style.overflowX), cue: style.backgroundImage.includes('radial-gradient'), clipped};
})"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("url", ["backprop/", "gradient-descent/", "labs/01-gradient-descent/", "labs/02-backprop-by-hand/", "labs/04-newton-root/"])
def test_display_equations_fit_or_scroll_with_a_cue(browser, site_url, url, width):
    with reader_page(browser, site_url + url, f"equations-{url.strip('/').replace('/', '-')}-{width}", width) as page:
        equations = page.evaluate(_EQUATIONS)
        assert equations, "no display equation on the page"
        bad = [e for e in equations if e["clipped"] or (e["wide"] and not (e["scrolls"] and e["cue"]))]
        assert not bad, f"{len(bad)} equation(s) cut without a scroll cue: {bad}"


_EDGES = "(selector) => { const box = document.querySelector(selector).getBoundingClientRect(); return [Math.round(box.left), Math.round(box.right)]; }"


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_lab_code_cells_use_the_chapter_width(browser, site_url, width):
    with reader_page(browser, site_url + "gradient-descent/", f"lab-width-{width}", width) as page:
        chapter = page.evaluate(_EDGES, ".atlas-cell .highlight")
        page.goto(site_url + "labs/02-backprop-by-hand/", wait_until="networkidle")
        lab = page.evaluate(_EDGES, ".celltag_check .jp-InputArea-editor")
        assert all(abs(a - b) <= 2 for a, b in zip(lab, chapter)), f"lab code cell spans {lab}, chapter code {chapter}"
