"""Accessibility and page weight in Chromium: axe-core on every page in both
palettes, the figures' controls driven by the keyboard alone, the plotly.js
bundle each page loads, figures drawn in containers that were hidden.

axe-core comes from the npm registry (package.json; `make test` installs it).
Theme findings that the site cannot fix are listed, each with its reason, in
tests/axe_allowlist.json."""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import pytest

from tests.conftest import ARTIFACTS, ROOT, site_urls

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ALLOWLIST = json.loads((ROOT / "tests" / "axe_allowlist.json").read_text(encoding="utf-8"))
# Pages that are checked at phone width as well (the others at 1280 px only, to keep the suite short).
PHONE_PAGES = ["", "graph/", "gradient-descent/", "labs/01-gradient-descent/"]
PALETTES = ["light", "dark"]

# Every figure scrolled into view (they are drawn when they near the viewport), then back to the top, once the header's transitions are over.
DRAW_ALL_FIGURES = """async () => {
  for (const node of document.querySelectorAll(".atlas-plotly")) {
    node.scrollIntoView({block: "center"});
    const start = performance.now();
    while (node.dataset.drawn !== "true" && performance.now() - start < 20000) await new Promise(r => setTimeout(r, 50));
    if (node.dataset.drawn !== "true") throw new Error("figure not drawn: " + node.getAttribute("aria-label"));
  }
  window.scrollTo(0, 0);
  // Back at the top, the header fades the page title out again (Material, 250 ms): audit the page, not the fade.
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const settled = Promise.all(document.getAnimations().filter(a => a.effect && a.effect.getTiming().iterations !== Infinity).map(a => a.finished.catch(() => null)));
  await Promise.race([settled, new Promise(r => setTimeout(r, 2000))]);
}"""

RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary}))}));
}"""


def allowed(rule: str, target: str) -> bool:
    return any(entry["rule"] == rule and re.search(entry["target"], target) for entry in ALLOWLIST)


def load(page, url: str) -> None:
    page.goto(url, wait_until="networkidle")
    page.evaluate(DRAW_ALL_FIGURES)


def axe_problems(page) -> list[str]:
    # axe finds a text's background by hit-testing what is painted: a block the browser
    # has not laid out yet (content-visibility: auto, atlas.css) would read as whatever
    # lies behind it. The audit sees every block laid out, as a reader scrolling does.
    page.add_style_tag(content="* { content-visibility: visible !important; }")
    page.add_script_tag(path=str(AXE))
    problems = []
    for violation in page.evaluate(RUN_AXE):
        if violation["impact"] not in ("serious", "critical"):
            continue
        for node in violation["nodes"]:
            if not allowed(violation["id"], node["target"]):
                problems.append(f"{violation['id']} ({violation['impact']}) at {node['target']}: {node['summary'][:300]}")
    return problems


@pytest.fixture(scope="module")
def pages_to_audit(built_site):
    return [(url, width) for url in site_urls(built_site) for width in ([1280, 390] if url in PHONE_PAGES else [1280])]


@pytest.mark.parametrize("palette", PALETTES)
def test_no_serious_axe_violations(browser, built_site, site_url, palette, pages_to_audit):
    """Zero serious or critical axe violations on every page (the allow-list aside)."""
    assert AXE.is_file(), "axe-core is missing: run `make test` (it installs the npm packages)"
    problems = []
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=palette)
        page = context.new_page()
        for url, page_width in pages_to_audit:
            if page_width != width:
                continue
            load(page, site_url + url)
            found = axe_problems(page)
            if found:
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"axe-{palette}-{width}-{(url or 'home').strip('/').replace('/', '-')}.png"))
            problems += [f"/{url} {palette} {width}px: {problem}" for problem in found]
        context.close()
    assert not problems, f"{len(problems)} axe violations:\n" + "\n".join(problems[:60])


def test_allowlist_entries_have_reasons():
    for entry in ALLOWLIST:
        assert entry.keys() == {"rule", "target", "reason"} and len(entry["reason"]) > 30, entry


def tab_to(page, selector: str, limit: int = 600) -> int:
    """Press Tab from the top of the page until the element is focused; how many presses it took."""
    page.evaluate("() => { window.scrollTo(0, 0); document.activeElement && document.activeElement.blur(); }")
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("(selector) => document.activeElement && document.activeElement.matches(selector)", selector):
            return presses
    raise AssertionError(f"{selector} not reached with {limit} presses of Tab")


FIGURE = "figure.atlas-figure:has(.atlas-figure-controls {control})"
VISIBLE_TRACES = "(node) => node._fullData.filter(t => t.visible === true && t.type === 'scatter').map(t => t.name)"
SHAPES = "(node) => JSON.stringify(node.layout.shapes)"
FOCUS_RING = """() => { const style = getComputedStyle(document.activeElement);
  return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2 ? style.outlineColor : null; }"""


@pytest.mark.parametrize("palette", PALETTES)
def test_figure_controls_work_from_the_keyboard(browser, site_url, palette):
    """The gradient-descent page's learning-rate slider, step slider and Play button, by keyboard alone."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=palette)
    page = context.new_page()
    try:
        load(page, site_url + "gradient-descent/")
        eta_slider = "input[type=range][aria-valuetext^='eta']"
        tab_to(page, eta_slider)
        assert page.evaluate(FOCUS_RING), "no visible focus ring on the slider"
        figure = page.locator(FIGURE.format(control=eta_slider))
        plot = figure.locator(".atlas-plotly")
        assert plot.evaluate(VISIBLE_TRACES) == ["eta = 1.0"]
        page.keyboard.press("ArrowRight")
        assert plot.evaluate(VISIBLE_TRACES) == ["eta = 1.5"]
        assert figure.locator(".atlas-figure-title").inner_text() == "Gradient descent from (2, 5), eta = 1.5"
        assert page.locator(eta_slider).get_attribute("aria-valuetext") == "eta = 1.5"
        page.keyboard.press("End")
        assert plot.evaluate(VISIBLE_TRACES) == ["eta = 3.0"]

        # The animation: Play (Enter) runs the frames and the step slider follows; Pause (Space) stops it.
        play = "button.atlas-figure-button"
        presses = tab_to(page, play)
        figure = page.locator(FIGURE.format(control=play))
        plot, step = figure.locator(".atlas-plotly"), figure.locator("input[type=range]")
        first_frame = plot.evaluate(SHAPES)
        assert page.evaluate(FOCUS_RING), "no visible focus ring on the Play button"
        page.keyboard.press("Enter")
        page.wait_for_function("(input) => Number(input.value) >= 3", arg=step.element_handle(), timeout=10_000)
        assert page.locator(play).inner_text() == "Pause"
        page.keyboard.press("Space")
        page.wait_for_function("(button) => button.textContent === 'Play'", arg=page.locator(play).element_handle(), timeout=5_000)
        paused_at = step.input_value()
        page.wait_for_timeout(600)
        assert step.input_value() == paused_at, "the animation went on after Pause"
        assert plot.evaluate(SHAPES) != first_frame

        # The step slider: Tab from Play, Home goes to the first frame, arrows step through.
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.type") == "range"
        page.keyboard.press("Home")
        page.wait_for_function(f"(node) => ({SHAPES})(node) === {json.dumps(first_frame)}", arg=plot.element_handle(), timeout=5_000)
        page.keyboard.press("ArrowRight")
        assert step.input_value() == "1" and step.get_attribute("aria-valuetext") == "step 1"
        page.wait_for_function(f"(node) => ({SHAPES})(node) !== {json.dumps(first_frame)}", arg=plot.element_handle(), timeout=5_000)
        # Formulas are not Tab stops: the Play button of the page's sixth figure is reached in fewer presses than there are formulas.
        assert presses < page.locator("mjx-container").count(), f"{presses} Tab presses to reach Play"
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"keyboard-{palette}.png"))
        raise
    finally:
        context.close()


def test_formulas_are_read_but_not_tab_stops(browser, site_url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        load(page, site_url + "gradient-descent/")
        formulas = page.locator("mjx-container").count()
        assert formulas > 50
        # Screen readers read the hidden MathML; only a formula wider than the column (it scrolls) takes focus.
        assert page.locator("mjx-container mjx-assistive-mml").count() == formulas
        assert page.locator("mjx-container[tabindex]:not([data-atlas-scroll])").count() == 0
    finally:
        page.close()


def test_figure_toolbar_offers_no_third_party_service(browser, site_url):
    page = browser.new_page(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    try:
        load(page, site_url + "gradient-descent/")
        tools = set(page.evaluate("() => [...document.querySelectorAll('.atlas-plotly .modebar-btn')].map(b => b.getAttribute('data-title'))"))
        assert tools <= {"Zoom", "Pan", "Reset axes", "Orbital rotation", "Reset camera to default"}, tools
        assert page.locator(".atlas-plotly a[href]").count() == 0, "a link in a figure (Plotly logo, Chart Studio)"
        # The title is the caption, above the plot: the toolbar cannot cover it.
        for figure in page.locator("figure.atlas-figure").all():
            caption, toolbar = figure.locator("figcaption").bounding_box(), figure.locator(".modebar").bounding_box()
            assert caption["y"] + caption["height"] <= toolbar["y"] + 1
    finally:
        page.close()


def bundles_loaded(browser, url: str) -> list[str]:
    """The plotly.js files a fresh browser fetches for the page, every figure drawn."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    loaded: list[str] = []
    page.on("request", lambda request: loaded.append(urlparse(request.url).path) if "plotly" in request.url else None)
    try:
        load(page, url)
        return sorted(loaded)
    finally:
        page.close()


def test_pages_load_only_the_plotly_bundle_they_need(browser, site_url):
    """The 2-D bundle for 2-D figures, the full one only on a page with a 3-D trace, none without figures."""
    cartesian, full = "/assets/javascripts/plotly-cartesian/plotly.min.js", "/assets/javascripts/plotly.min.js"
    assert bundles_loaded(browser, site_url + "tensors/") == []
    assert bundles_loaded(browser, site_url + "graph/") == [cartesian]
    assert bundles_loaded(browser, site_url + "gradient-descent/") == [full]


def test_figures_name_the_bundle_that_draws_them(built_site):
    html = (built_site / "gradient-descent" / "index.html").read_text(encoding="utf-8")
    bundles = re.findall(r'class="atlas-plotly"[^>]*data-plotly-bundle="(\w+)"', html)
    assert sorted(bundles) == ["cartesian"] * 7 + ["full"]  # the surface is the one 3-D figure


def test_both_plotly_bundles_are_the_same_plotly_js(built_site):
    import plotly.offline

    version = plotly.offline.get_plotlyjs_version()
    cartesian = (built_site / "assets" / "javascripts" / "plotly-cartesian" / "plotly.min.js").read_text(encoding="utf-8")[:200]
    assert f"plotly.js (cartesian - minified) v{version}" in cartesian


def test_figure_in_a_hidden_container_is_drawn_at_the_width_it_is_shown_at(browser, site_url):
    """A figure in a closed <details> (or an inactive tab) is drawn when opened, at the column's width, not Plotly's 700 px."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.goto(site_url + "gradient-descent/", wait_until="networkidle")
        width = page.evaluate("""() => {
          const figure = [...document.querySelectorAll("figure.atlas-figure")].pop();
          const details = document.createElement("details");
          details.id = "hidden-figure";
          details.innerHTML = "<summary>Show the figure</summary>";
          details.append(figure);
          document.querySelector("article h1").after(details);
          return details.getBoundingClientRect().width;
        }""")
        plot = page.locator("#hidden-figure .atlas-plotly")
        page.wait_for_timeout(500)
        assert plot.get_attribute("data-drawn") is None, "drawn while hidden"
        page.locator("#hidden-figure summary").click()
        page.wait_for_function("(node) => node.dataset.drawn === 'true'", arg=plot.element_handle(), timeout=20_000)
        drawn = plot.evaluate("(node) => node._fullLayout.width")
        assert abs(drawn - width) < 40 and drawn < 700, (drawn, width)
    finally:
        page.close()


# WCAG contrast of two CSS colours; a translucent colour is laid over the one below it.
CONTRAST = """
const rgba = (css) => { const [r, g, b, a = 1] = css.match(/[\\d.]+/g).map(Number); return [r, g, b, a]; };
const over = (top, below) => top.slice(0, 3).map((c, i) => c * top[3] + below[i] * (1 - top[3])).concat([1]);
const luminance = (c) => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
const contrast = (a, b) => { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
"""
OUTPUT_LABELS = (
    "() => {"
    + CONTRAST
    + """return [...document.querySelectorAll(".atlas-output[data-label]")].map(output => {
  const page = rgba(getComputedStyle(document.body).backgroundColor);
  const background = over(rgba(getComputedStyle(output).backgroundColor), page);
  const label = getComputedStyle(output, "::before");
  return {label: output.dataset.label, contrast: contrast(over(rgba(label.color), background), background), px: parseFloat(label.fontSize),
          textPx: parseFloat(getComputedStyle(output.querySelector("pre") || output).fontSize), inAdmonition: !!output.closest(".admonition, details")};
}); }"""
)
HOVER_LABEL = (
    "() => {"
    + CONTRAST
    + """const box = document.querySelector(".hoverlayer .hovertext path"), text = document.querySelector(".hoverlayer .hovertext text");
  return contrast(rgba(getComputedStyle(text).fill), rgba(getComputedStyle(box).fill)); }"""
)


@pytest.mark.parametrize("palette", PALETTES)
def test_output_labels_and_hover_labels_are_readable(browser, site_url, palette):
    """What axe does not measure: the OUTPUT labels (CSS generated text), output text in
    admonitions and collapsible blocks, and the figures' hover labels."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=palette)
    page = context.new_page()
    try:
        load(page, site_url + "gradient-descent/")
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        outputs = page.evaluate(OUTPUT_LABELS)
        assert len(outputs) > 20 and any(output["inAdmonition"] for output in outputs)
        for output in outputs:
            assert output["contrast"] >= 4.5, output
            assert output["textPx"] >= 12, output

        load(page, site_url + "graph/")
        plot = page.locator(".atlas-plotly").first
        plot.scroll_into_view_if_needed()
        point = plot.evaluate("""(node) => {
          const trace = node._fullData[0], xa = node._fullLayout.xaxis, ya = node._fullLayout.yaxis, k = Math.floor(trace.x.length / 2);
          const box = node.getBoundingClientRect();
          return {x: box.left + xa._offset + xa.d2p(trace.x[k]), y: box.top + ya._offset + ya.d2p(trace.y[k])};
        }""")
        page.mouse.move(point["x"], point["y"])
        page.wait_for_selector(".hoverlayer .hovertext", timeout=5_000)
        hover_contrast = page.evaluate(HOVER_LABEL)
        assert isinstance(hover_contrast, float) and hover_contrast >= 4.5, hover_contrast
    finally:
        context.close()
