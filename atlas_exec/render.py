"""Turn what a fence printed (Jupyter outputs) into the HTML shown under it."""

from __future__ import annotations

import base64
import html
import json
import re

from .execute import Cell

PLOTLY_MIME = "application/vnd.plotly.v1+json"
# Richest first: a fence's display shows one representation of each output.
_MIME_ORDER = (PLOTLY_MIME, "image/svg+xml", "image/png", "text/html", "text/plain")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_XML_PROLOGUE = re.compile(r"<\?xml.*?\?>|<!DOCTYPE.*?>|<!--.*?-->", re.S)
_SVG_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
# torchviz names graph nodes by id() of Python objects: memory addresses.
_OBJECT_ID = re.compile(r"\b\d{8,}\b")


def _pre(text: str, kind: str, label: str) -> str:
    text = _ANSI.sub("", text).rstrip("\n")
    return f'<div class="atlas-output atlas-{kind}" data-label="{label}"><pre>{html.escape(text)}</pre></div>'


def figure_html(figure: dict) -> str:
    """A Plotly figure as a <figure>: its title and takeaway as the caption, its JSON for atlas.js.

    The takeaway is what a reader who cannot see the chart should learn from it:
    the page sets it with ``fig.update_layout(meta={"description": "..."})``.
    atlas.js draws the figure when it nears the viewport, shows the title in the
    caption instead of inside the plot, and mirrors Plotly's sliders and buttons
    as HTML controls. data-plotly-bundle says which plotly.js bundle can draw it.
    """
    layout = figure.get("layout", {})
    title = layout.get("title", {})
    title = title.get("text", "") if isinstance(title, dict) else str(title)
    meta = layout.get("meta")
    description = meta.get("description", "") if isinstance(meta, dict) else ""
    # The site draws every figure with its own light/dark template (atlas.js).
    layout = {key: value for key, value in layout.items() if key != "template"}
    figure = {"data": figure.get("data", []), "layout": layout, "frames": figure.get("frames", [])}
    # Trace types in plotly.js's cartesian bundle (npm plotly.js-cartesian-dist-min); others need the full one.
    cartesian = {"bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour", "image", "pie", "scatter", "scatterternary", "violin"}
    traces = figure["data"] + [trace for frame in figure["frames"] for trace in frame.get("data", [])]
    bundle = "cartesian" if {trace.get("type", "scatter") for trace in traces} <= cartesian else "full"
    payload = html.escape(json.dumps(figure, separators=(",", ":")), quote=True)
    title = html.escape(title or "Interactive figure")
    caption = f'<span class="atlas-figure-title">{title}</span>'
    if description:
        caption += f' <span class="atlas-figure-description">{html.escape(description)}</span>'
    # role="group": the plot holds Plotly's toolbar buttons, which an image role would hide.
    return (
        f'<figure class="atlas-figure"><figcaption>{caption}</figcaption>'
        f'<div class="atlas-plotly" role="group" aria-label="{title}" data-plotly-bundle="{bundle}" data-figure="{payload}"></div></figure>'
    )


def _svg(svg: str, alt: str) -> str:
    svg = _XML_PROLOGUE.sub("", svg).strip()
    # Graphviz names an anonymous graph "%3": not a title a reader should see.
    svg = svg.replace("<title>%3</title>", "", 1)
    svg = _renamed_objects(svg)
    return f'<figure class="atlas-graph" role="img" aria-label="{html.escape(alt, quote=True)}">{svg}</figure>'


def _renamed_objects(svg: str) -> str:
    """Memory addresses in node titles become n1, n2, ... so two runs draw the same page."""
    names: dict[str, str] = {}

    def rename(address: re.Match) -> str:
        return names.setdefault(address[0], f"n{len(names) + 1}")

    return _SVG_TITLE.sub(lambda title: f"<title>{_OBJECT_ID.sub(rename, title[1])}</title>", svg)


def _rich(data: dict, alt: str) -> str:
    for mime in _MIME_ORDER:
        if mime not in data:
            continue
        value = data[mime]
        if mime == PLOTLY_MIME:
            return figure_html(value)
        if mime == "image/svg+xml":
            return _svg(value if isinstance(value, str) else "".join(value), alt)
        if mime == "image/png":
            return f'<img class="atlas-image" alt="{html.escape(alt, quote=True)}" src="data:image/png;base64,{value.strip()}">'
        if mime == "text/html":
            return f'<div class="atlas-output atlas-html">{value if isinstance(value, str) else "".join(value)}</div>'
        return _pre(value if isinstance(value, str) else "".join(value), "result", "Result")
    return ""


def _merged_streams(outputs: list[dict]) -> list[dict]:
    """Consecutive writes to one stream read as one block."""
    merged: list[dict] = []
    for output in outputs:
        if output["output_type"] == "stream" and merged and merged[-1]["output_type"] == "stream" and merged[-1]["name"] == output["name"]:
            merged[-1] = {**merged[-1], "text": merged[-1]["text"] + output["text"]}
        else:
            merged.append(output)
    return merged


def render_outputs(cell: Cell, outputs: list[dict], stamp: dict) -> str:
    """The HTML block that follows an executed fence on the page."""
    alt = "Computational graph drawn by torchviz" if cell.language == "python" else "Output"
    parts = []
    if cell.timing:
        parts.append(
            f'<p class="atlas-timing">Measured on the build machine ({html.escape(stamp["device"])}) on {stamp["date"]}: timings vary from run to run and machine to machine.</p>'
        )
    for output in _merged_streams(outputs):
        kind = output["output_type"]
        if kind == "stream":
            name = "stderr" if output["name"] == "stderr" else "stdout"
            parts.append(_pre(output["text"], name, "Warnings" if name == "stderr" else "Output"))
        elif kind in ("display_data", "execute_result"):
            parts.append(_rich(output["data"], alt))
        elif kind == "error":
            parts.append(_pre(f"{output['ename']}: {output['evalue']}", "error", "Raises"))
    timing = " atlas-timing-block" if cell.timing else ""
    return f'<div class="atlas-outputs{timing}" data-fence-line="{cell.line}" data-language="{cell.language}">{"".join(parts)}</div>'


def render_stamp(stamp: dict) -> str:
    device = html.escape(stamp["device"])
    return (
        '<p class="atlas-stamp">Every output on this page was produced when the site was built: '
        f"PyTorch {html.escape(stamp['torch'])} on {device}, Python {html.escape(stamp['python'])}, {stamp['date']}.</p>"
    )


def html_fence(html_text: str, indent: str) -> str:
    """Markdown that pymdownx.superfences turns back into ``html_text``, at any nesting depth."""
    encoded = base64.b64encode(html_text.encode()).decode()
    return f"{indent}```atlas-html\n{indent}{encoded}\n{indent}```"


def format_html_fence(source: str, language: str, class_name: str, options: dict, md, **kwargs) -> str:
    """superfences formatter of the ``atlas-html`` fence (see mkdocs.yml)."""
    return base64.b64decode(source.strip()).decode()
