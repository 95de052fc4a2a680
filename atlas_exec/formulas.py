"""The site's math, typeset once per build with MathJax 3 (npm mathjax-full), not in every reader's browser.

A page ships its formulas as the CHTML that MathJax would make in the browser
(an ``mjx-container`` with the hidden MathML that screen readers read), one
stylesheet for the whole site and MathJax's own web fonts, served by the site.
No page loads MathJax: a formula costs the reader's browser no script, no
typesetting pass after load and no layout shift when it appears.

What is typeset is what the browser typeset before: arithmatex's formulas in
chapters (``<span class="arithmatex">\\(...\\)</span>``, ``<div class="arithmatex">\\[...\\]</div>``)
and the TeX in the Markdown cells of lab notebooks, where MathJax finds it as
it would in a page (``$...$``, ``$$...$$``, environments). A TeX error fails
the build, naming the page and the formula. The result is cached under the
build cache, keyed on every formula of the site, MathJax's version and this
engine: a build whose math did not change runs no Node.js at all.
"""

from __future__ import annotations

import hashlib
import html
import html.parser
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs.exceptions import PluginError

SCRIPT = Path(__file__).with_name("typeset_math.js")
NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
MATHJAX = NODE_MODULES / "mathjax-full"
# Where the site serves MathJax's fonts and its stylesheet (which names them relative to itself).
FONTS_URI = "assets/fonts/mathjax"
STYLESHEET_URI = "assets/stylesheets/mathjax.css"
FONT_URL = "../fonts/mathjax"
# Math is scaled so that its x-height is the text's, as MathJax in a browser
# does (matchFontHeight). The site uses the reader's system font (Material's
# font: false): SF, Roboto, Helvetica and Arial all have an x-height of about 0.52 em.
EX_PER_EM = 0.52

_ARITHMATEX = re.compile(r'<(span|div) class="arithmatex">(.*?)</\1>', re.S)
_DELIMITERS = {"\\(": "\\)", "\\[": "\\]"}


@dataclass
class _PageMath:
    """Where the math of one built page is, in the order it appears."""

    name: str  # as messages name the page: docs/graph.md
    formulas: list[tuple[int, int, str, bool]] = field(default_factory=list)  # inner start, inner end, TeX, display
    fragments: list[tuple[int, int, str]] = field(default_factory=list)  # inner start, inner end, HTML


class _MarkdownCells(html.parser.HTMLParser):
    """The inner HTML of every notebook Markdown cell (jp-RenderedMarkdown) of a lab page, as offsets."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.text = text
        self.line_starts = [0] + [index + 1 for index, char in enumerate(text) if char == "\n"]
        self.cells: list[tuple[int, int]] = []
        self._start: int | None = None
        self._depth = 0
        self.feed(text)
        self.close()

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if tag != "div":
            return
        if self._start is not None:
            self._depth += 1
        elif "jp-RenderedMarkdown" in (dict(attrs).get("class") or "").split():
            self._start = self.text.index(">", self._offset()) + 1
            self._depth = 0

    def handle_endtag(self, tag):
        if tag != "div" or self._start is None:
            return
        if self._depth:
            self._depth -= 1
            return
        self.cells.append((self._start, self._offset()))
        self._start = None


def find_math(text: str, name: str) -> _PageMath:
    """The formulas and Markdown cells of a built page that MathJax typesets."""
    found = _PageMath(name)
    for match in _ARITHMATEX.finditer(text):
        if match[2].startswith("<mjx-container"):
            continue  # already typeset (a page written twice)
        tex = html.unescape(match[2]).strip()
        opening = tex[:2]
        if opening in _DELIMITERS and tex.endswith(_DELIMITERS[opening]):
            found.formulas.append((match.start(2), match.end(2), tex[2:-2], opening == "\\["))
        else:  # an environment (\begin{align}...\end{align}) on its own: a display
            found.formulas.append((match.start(2), match.end(2), tex, match[1] == "div"))
    if "jp-RenderedMarkdown" in text:
        found.fragments = [(start, end, text[start:end]) for start, end in _MarkdownCells(text).cells if "$" in text[start:end] or "\\" in text[start:end]]
    return found


class MathTypesetter:
    """Typesets the math of every page of one build in one run of Node.js, or takes it from the cache."""

    def __init__(self, cache_dir: Path):
        self.cache_dir = cache_dir

    def _key(self, request: dict) -> str:
        version = json.loads((MATHJAX / "package.json").read_text(encoding="utf-8"))["version"]
        digest = hashlib.sha256(SCRIPT.read_bytes())
        digest.update(version.encode())
        digest.update(json.dumps(request, sort_keys=True).encode())
        return digest.hexdigest()[:24]

    def _run(self, request: dict) -> dict:
        node = shutil.which("node")
        if node is None:
            raise PluginError("Node.js is missing (the build typesets the site's math with MathJax): sudo apt-get install npm")
        done = subprocess.run([node, str(SCRIPT)], input=json.dumps(request), capture_output=True, text=True, encoding="utf-8", cwd=SCRIPT.parent)
        if done.returncode != 0:
            raise PluginError(f"MathJax failed to typeset the site's math:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout)

    def typeset(self, pages: list[_PageMath]) -> tuple[list[list[str]], list[list[str]], str]:
        """Per page the HTML of its formulas and of its Markdown cells, and the stylesheet of them all."""
        unique: dict[tuple[str, bool], int] = {}
        for page in pages:
            for _, _, tex, display in page.formulas:
                unique.setdefault((tex, display), len(unique))
        request = {
            "formulas": [{"tex": tex, "display": display} for tex, display in unique],
            "fragments": [fragment for page in pages for _, _, fragment in page.fragments],
            "ex_per_em": EX_PER_EM,
            "font_url": FONT_URL,
        }
        key = self._key(request)
        cached = self.cache_dir / f"{key}.json"
        try:
            answer = json.loads(cached.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            answer = self._run(request)
            if not answer["errors"]:
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                for old in self.cache_dir.glob("*.json"):  # one entry: the math of the last build
                    old.unlink()
                cached.write_text(json.dumps(answer), encoding="utf-8")
        if answer["errors"]:
            raise PluginError("TeX errors (MathJax):\n" + "\n".join(self._where(error, pages, request) for error in answer["errors"]))
        formulas, fragments, offset = [], [], 0
        for page in pages:
            formulas.append([answer["formulas"][unique[tex, display]] for _, _, tex, display in page.formulas])
            fragments.append(answer["fragments"][offset : offset + len(page.fragments)])
            offset += len(page.fragments)
        return formulas, fragments, answer["css"]

    @staticmethod
    def _where(error: dict, pages: list[_PageMath], request: dict) -> str:
        if error["kind"] == "formula":
            tex = request["formulas"][error["index"]]["tex"]
            names = sorted({page.name for page in pages for _, _, page_tex, _ in page.formulas if page_tex == tex})
            return f"{', '.join(names)}: {error['message']} in ${tex}$"
        index = error["index"]
        for page in pages:
            if index < len(page.fragments):
                return f"{page.name}: {error['message']} in a Markdown cell: {re.sub(r'<[^>]+>', '', page.fragments[index][2]).strip()[:200]!r}"
            index -= len(page.fragments)
        return error["message"]


def replaced(text: str, page: _PageMath, formulas: list[str], fragments: list[str]) -> str:
    """The page with its math replaced by the typeset HTML."""
    spans = [(start, end, typeset) for (start, end, _, _), typeset in zip(page.formulas, formulas)]
    spans += [(start, end, typeset) for (start, end, _), typeset in zip(page.fragments, fragments)]
    parts, position = [], 0
    for start, end, new in sorted(spans):
        parts += [text[position:start], new]
        position = end
    return "".join(parts) + text[position:]


def fonts() -> list[Path]:
    """MathJax's CHTML web fonts, of the same release as the typesetter."""
    return sorted((MATHJAX / "es5" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
