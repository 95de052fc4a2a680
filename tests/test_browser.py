"""Every page in Chromium: no console errors, no third-party requests, math typeset (at build time),
figures drawn and interactive, graphs visible. A failing page leaves a screenshot
in test-artifacts/."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.conftest import ARTIFACTS, page_urls

pytestmark = pytest.mark.browser

# The pixel position of a data point of a 2-D figure, so that the test hovers
# where a reader's mouse would land on the curve.
_FIRST_POINT = """
(node) => {
  const layout = node._fullLayout;
  const trace = node._fullData.find(t => t.visible !== false && t.x && t.y && t.xaxis);
  if (!trace) return null;
  const xa = layout[trace.xaxis.replace("x", "xaxis")], ya = layout[trace.yaxis.replace("y", "yaxis")];
  const k = Math.floor(trace.x.length / 2);
  const box = node.getBoundingClientRect();
  return {x: box.left + xa._offset + xa.d2p(trace.x[k]), y: box.top + ya._offset + ya.d2p(trace.y[k])};
}
"""


@pytest.mark.parametrize("url", page_urls(), ids=lambda u: u or "home")
def test_page_in_chromium(browser, site_url, url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}") if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    site_host = urlparse(site_url).netloc
    page.on(
        "request",
        lambda request: (
            problems.append(f"third-party request: {request.url}")
            if urlparse(request.url).scheme in ("http", "https") and urlparse(request.url).netloc != site_host
            else None
        ),
    )
    try:
        page.goto(site_url + url, wait_until="networkidle")
        if page.locator(".arithmatex").count():
            # Typeset when the site was built: nothing to wait for.
            untypeset = page.locator(".arithmatex:not(:has(mjx-container))").count()
            assert untypeset == 0, f"{untypeset} formulas not typeset"
            assert page.locator("mjx-merror").count() == 0, "MathJax reports a TeX error"
        figures = page.locator(".atlas-plotly")
        for index in range(figures.count()):
            figure = figures.nth(index)
            figure.scroll_into_view_if_needed()
            page.wait_for_function("(node) => node.dataset.drawn === 'true'", arg=figure.element_handle(), timeout=20_000)
            assert figure.locator(".main-svg").count() > 0, f"figure {index} has no plot"
        _hover_first_2d_figure(page)
        graphs = page.locator(".atlas-graph svg")
        for index in range(graphs.count()):
            box = graphs.nth(index).bounding_box()
            assert box and box["width"] > 20 and box["height"] > 20, f"graph {index} is not visible"
        assert not problems, "\n".join(problems)
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{(url or 'home').strip('/').replace('/', '-')}.png"), full_page=True)
        raise
    finally:
        page.close()


def _hover_first_2d_figure(page) -> None:
    for handle in page.locator(".atlas-plotly").element_handles():
        point = handle.evaluate(_FIRST_POINT)
        if point is None:
            continue
        handle.scroll_into_view_if_needed()
        point = handle.evaluate(_FIRST_POINT)
        page.mouse.move(point["x"], point["y"])
        page.wait_for_selector(".hoverlayer .hovertext", timeout=5_000)
        return


def test_figures_follow_the_palette_toggle(browser, site_url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(site_url + "graph/", wait_until="networkidle")
        figure = page.locator(".atlas-plotly").first
        figure.scroll_into_view_if_needed()  # figures are drawn as they near the viewport
        page.wait_for_function("(node) => node.dataset.drawn === 'true'", arg=figure.element_handle())
        font_colour = "(node) => node._fullLayout.font.color"
        light = figure.evaluate(font_colour)
        page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
        page.wait_for_function(f"(node) => ({font_colour})(node) !== {light!r}", arg=figure.element_handle(), timeout=5_000)
        assert figure.evaluate(font_colour) != light
    finally:
        page.close()


def test_figures_survive_instant_navigation(browser, site_url):
    """Material swaps pages without reloading: figures and math must still be drawn."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(site_url, wait_until="networkidle")
        page.locator("a[href$='graph/']").first.click()
        page.wait_for_url("**/graph/")
        figures = page.locator(".atlas-plotly")
        assert figures.count() > 0
        for index in range(figures.count()):
            figures.nth(index).scroll_into_view_if_needed()  # drawn as they near the viewport
            page.wait_for_function("(node) => node.dataset.drawn === 'true'", arg=figures.nth(index).element_handle(), timeout=20_000)
        assert page.locator(".arithmatex").count() > 0
        assert page.locator(".arithmatex:not(:has(mjx-container))").count() == 0
    finally:
        page.close()


# Executed code carries no spans for these classes (plugin.py, _compact_highlight):
# that is invisible only while each has the code's own colour.
_DROPPED_SPAN_COLOURS = """
() => {
  const code = document.querySelector(".md-typeset .highlight code");
  const colours = {code: getComputedStyle(code).color};
  for (const name of ["n", "o", "p", "w"]) {
    const span = document.createElement("span");
    span.className = name;
    span.textContent = "+";
    code.append(span);
    colours[name] = getComputedStyle(span).color;
    span.remove();
  }
  return colours;
}
"""


@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_code_spans_the_build_drops_have_the_codes_own_colour(browser, site_url, scheme):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(site_url + "tensors/", wait_until="networkidle")
        page.add_style_tag(content="* { transition: none !important; }")  # the palette's colour fade
        page.evaluate(f"document.body.setAttribute('data-md-color-scheme', {scheme!r})")
        colours = page.evaluate(_DROPPED_SPAN_COLOURS)
        assert set(colours.values()) == {colours["code"]}, colours
    finally:
        page.close()
