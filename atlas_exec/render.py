"""Turn what a fence printed and displayed (nbformat outputs) into the HTML shown under it.

Pure functions of the outputs: no kernel, no MkDocs, so that golden tests
cover them in milliseconds.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field

import nh3

from .replay_figure import REPLAY_MIME, replay_html
from .terminal import screen_text

PLOTLY_MIME = "application/vnd.plotly.v1+json"
# Richest first: a display shows one representation of each output.
_MIME_ORDER = (REPLAY_MIME, PLOTLY_MIME, "image/svg+xml", "image/png", "image/jpeg", "text/html", "text/markdown", "text/plain")
_XML_PROLOGUE = re.compile(r"<\?xml.*?\?>|<!DOCTYPE.*?>|<!--.*?-->", re.S)
_SVG_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
# torchviz names graph nodes by id() of Python objects: memory addresses.
_OBJECT_ID = re.compile(r"\b\d{8,}\b")
# HTML that a repr may use: the sanitiser's defaults plus classes (pandas tables).
_HTML_ATTRIBUTES = {**nh3.ALLOWED_ATTRIBUTES, "*": {"class", "title", "lang", "dir"}}

# An output longer than this is cut (head and tail kept) with a note on the
# page and a build warning: a page is read, not scrolled through.
MAX_LINES = 200
MAX_CHARACTERS = 20_000
_TAIL_LINES = 20


@dataclass
class Rendered:
    """The HTML under one fence and what the build should warn about."""

    html: str
    warnings: list[str] = field(default_factory=list)


def _text(value) -> str:
    return value if isinstance(value, str) else "".join(value)


def _truncated(text: str, what: str, warnings: list[str]) -> tuple[str, str]:
    """The text cut to the limits (its head), and the HTML that follows it: a note and the tail."""
    lines = text.split("\n")
    if len(lines) <= MAX_LINES and len(text) <= MAX_CHARACTERS:
        return text, ""
    head, tail = (lines[: MAX_LINES - _TAIL_LINES], lines[-_TAIL_LINES:]) if len(lines) > MAX_LINES else (lines, [])
    shown_head, shown_tail = "\n".join(head)[:MAX_CHARACTERS], "\n".join(tail)[-MAX_CHARACTERS // 10 :]
    hidden_lines = len(lines) - shown_head.count("\n") - shown_tail.count("\n") - (2 if tail else 1)
    hidden_characters = len(text) - len(shown_head) - len(shown_tail)
    if hidden_lines > 0:
        note = f"{hidden_lines:,} lines ({hidden_characters:,} characters) of this {what} are not shown: it is {len(lines):,} lines long"
        warnings.append(f"{what} of {len(lines):,} lines ({len(text):,} characters) cut to its first and last lines; print less")
    else:
        note = f"{hidden_characters:,} characters of this {what} are not shown: it is {len(text):,} characters long"
        warnings.append(f"{what} of {len(text):,} characters cut to its first {len(shown_head):,}; print less")
    tail_html = f"<pre>{html.escape(shown_tail)}</pre>" if shown_tail else ""
    return shown_head, f'<p class="atlas-truncated">… {note} …</p>{tail_html}'


def _pre(text: str, kind: str, label: str, warnings: list[str]) -> str:
    text = screen_text(text).rstrip("\n")
    if not text.strip():
        return ""  # a stream that only moved the cursor shows nothing, not an empty box
    text, note = _truncated(text, "output" if kind != "error" else "error message", warnings)
    return f'<div class="atlas-output atlas-{kind}" data-label="{label}"><pre>{html.escape(text)}</pre>{note}</div>'


# Where the site serves figures' JSON (the plugin writes the files, named by their content).
FIGURES_URI = "assets/figures"


def _drawn_figure(figure: dict) -> dict:
    """What atlas.js draws: the data, the layout without a template (the site draws every
    figure with its own light/dark template) and the animation frames."""
    layout = {key: value for key, value in figure.get("layout", {}).items() if key != "template"}
    return {"data": figure.get("data", []), "layout": layout, "frames": figure.get("frames", [])}


def figure_json(figure: dict) -> str:
    """The JSON file of a figure that atlas.js fetches and draws."""
    return json.dumps(_drawn_figure(figure), separators=(",", ":"))


def figure_uri(payload: str) -> str:
    """The figure file's path under the site, named by its content (the same figure twice is one file)."""
    return f"{FIGURES_URI}/{hashlib.sha256(payload.encode()).hexdigest()[:16]}.json"


def figure_html(figure: dict) -> str:
    """A Plotly figure as a <figure>: its title and takeaway as the caption, where atlas.js finds its JSON.

    The takeaway is what a reader who cannot see the chart should learn from it:
    the page sets it with ``fig.update_layout(meta={"description": "..."})``.
    The figure's JSON is a file of its own (figure_json, at figure_uri, which
    data-src names relative to the site's root): a page does not carry the
    data of figures a reader may never scroll to. atlas.js fetches and draws
    the figure when it nears the viewport, shows the title in the caption
    instead of inside the plot, and mirrors Plotly's sliders and buttons as
    HTML controls. data-plotly-bundle says which plotly.js bundle can draw it.
    """
    layout = figure.get("layout", {})
    title = layout.get("title", {})
    title = title.get("text", "") if isinstance(title, dict) else str(title)
    meta = layout.get("meta")
    description = meta.get("description", "") if isinstance(meta, dict) else ""
    figure = _drawn_figure(figure)
    # Trace types in plotly.js's cartesian bundle (npm plotly.js-cartesian-dist-min); others need the full one.
    cartesian = {"bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour", "image", "pie", "scatter", "scatterternary", "violin"}
    traces = figure["data"] + [trace for frame in figure["frames"] for trace in frame.get("data", [])]
    bundle = "cartesian" if {trace.get("type", "scatter") for trace in traces} <= cartesian else "full"
    source = figure_uri(figure_json(figure))
    title = html.escape(title or "Interactive figure")
    caption = f'<span class="atlas-figure-title">{title}</span>'
    if description:
        caption += f' <span class="atlas-figure-description">{html.escape(description)}</span>'
    # role="group": the plot holds Plotly's toolbar buttons, which an image role would hide.
    return (
        f'<figure class="atlas-figure"><figcaption>{caption}</figcaption>'
        f'<div class="atlas-plotly" role="group" aria-label="{title}" data-plotly-bundle="{bundle}" data-src="{source}"></div></figure>'
    )


def _svg_alt(svg: str) -> str:
    """What an SVG output is, for readers who cannot see it."""
    if "Generated by graphviz" in svg or 'class="graph"' in svg:
        if any(name in svg for name in ("Backward", "AccumulateGrad")):
            return "Computational graph drawn by torchviz: boxes are operations of the backward pass, leaves are tensors"
        return "Graph drawn by Graphviz"
    return "Image (SVG) produced by the code above"


def _svg(svg: str, id_prefix: str) -> str:
    alt = _svg_alt(svg)
    svg = _XML_PROLOGUE.sub("", svg).strip()
    # Graphviz names an anonymous graph "%3": not a title a reader should see.
    svg = svg.replace("<title>%3</title>", "", 1)
    svg = namespaced_ids(_renamed_objects(svg), id_prefix)
    return f'<figure class="atlas-graph" role="img" aria-label="{html.escape(alt, quote=True)}">{svg}</figure>'


def _renamed_objects(svg: str) -> str:
    """Memory addresses in node titles become n1, n2, ... so two runs draw the same page."""
    names: dict[str, str] = {}

    def rename(address: re.Match) -> str:
        return names.setdefault(address[0], f"n{len(names) + 1}")

    return _SVG_TITLE.sub(lambda title: f"<title>{_OBJECT_ID.sub(rename, title[1])}</title>", svg)


_SVG_ID = re.compile(r'\bid="([^"]+)"')
_SVG_ID_OR_REFERENCE = re.compile(r'(\bid=")([^"]+)(")|(="#|url\(#)([^")]+)')


def namespaced_ids(svg: str, prefix: str) -> str:
    """``svg`` with each of its element ids, and every reference to one (``href="#id"``,
    ``xlink:href="#id"``, ``url(#id)``), prefixed by ``prefix``.

    Ids are page-wide in HTML: two Graphviz drawings on one page both name their
    first node ``node1``, and two SVGs with gradients or markers would draw with
    each other's definitions. References to ids the SVG does not define are left alone.
    """
    ids = set(_SVG_ID.findall(svg))

    def rename(match: re.Match) -> str:
        if match[1]:
            return match[1] + (prefix + match[2] if match[2] in ids else match[2]) + match[3]
        return match[4] + (prefix + match[5] if match[5] in ids else match[5])

    return _SVG_ID_OR_REFERENCE.sub(rename, svg) if ids else svg


def _html_output(value: str) -> str:
    """HTML from a repr, sanitised: unclosed tags closed, scripts and styles gone, so it cannot leak into the page."""
    clean = nh3.clean(value, attributes=_HTML_ATTRIBUTES)
    label = "Table output" if "<table" in clean else "HTML output"
    return f'<div class="atlas-output atlas-html" role="region" aria-label="{label}">{clean}</div>'


def _rich(data: dict, warnings: list[str], id_prefix: str) -> str:
    for mime in _MIME_ORDER:
        if mime not in data:
            continue
        value = data[mime]
        if mime == REPLAY_MIME:
            return replay_html(value)
        if mime == PLOTLY_MIME:
            return figure_html(value)
        if mime == "image/svg+xml":
            return _svg(_text(value), id_prefix)
        if mime in ("image/png", "image/jpeg"):
            return f'<img class="atlas-image" alt="Image produced by the code above" src="data:{mime};base64,{_text(value).strip()}">'
        if mime == "text/html":
            return _html_output(_text(value))
        return _pre(_text(value), "result", "Result", warnings)
    return ""


def render_outputs(line: int, language: str, outputs: list[dict], stamp: dict | None, timing: bool = False) -> Rendered:
    """The HTML block that follows an executed fence: what it printed and displayed, in order."""
    warnings: list[str] = []
    parts = []
    if timing and stamp:
        parts.append(
            f'<p class="atlas-timing">Measured on the build machine ({html.escape(stamp["device"])}) on {stamp["date"]}: timings vary from run to run and machine to machine.</p>'
        )
    for index, output in enumerate(outputs):
        kind = output["output_type"]
        if kind == "stream":
            name = "stderr" if output["name"] == "stderr" else "stdout"
            parts.append(_pre(output["text"], name, "stderr" if name == "stderr" else "Output", warnings))
        elif kind in ("display_data", "execute_result"):
            # Unique on the page: one fence per line, and its outputs in order.
            parts.append(_rich(output["data"], warnings, id_prefix=f"out{line}-{index}-"))
        elif kind == "error":
            parts.append(_pre(f"{output['ename']}: {output['evalue']}", "error", "Raises", warnings))
    timing_class = " atlas-timing-block" if timing else ""
    body = "".join(parts)
    return Rendered(f'<div class="atlas-outputs{timing_class}" data-fence-line="{line}" data-language="{language}">{body}</div>', warnings)


def render_stamp(stamp: dict) -> str:
    device = html.escape(stamp["device"])
    return (
        '<p class="atlas-stamp">Every output on this page was produced when the site was built: '
        f"PyTorch {html.escape(stamp['torch'])} on {device}, Python {html.escape(stamp['python'])}, {stamp['date']}.</p>"
    )
