"""The fence grammar of a page program, shared by the build and the tests.

A chapter is a notebook written in Markdown: the ``python`` and ``pycon``
code blocks that the site renders, in page order, form one program. Which
blocks those are is asked of the Markdown structure itself: the page is
converted with the site's own Markdown extensions (Python-Markdown with
pymdownx.superfences, admonitions, tabs, ``md_in_html``...), every fence
highlighted as Python leaves a marker element in the HTML, and the markers
that survive as elements are the fences that run. A fence in an HTML comment,
in an indented code block or shown inside a longer fence leaves no element
and never runs.

This module also says what a fence's attributes mean and how an include
(``--8<-- "chapter/file.py"``) resolves.
"""

from __future__ import annotations

import functools
import html.parser
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import markdown
from mkdocs.utils.meta import get_data
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from .errors import FenceError

EXECUTED_LANGUAGES = ("python", "pycon")
# Attributes the engine understands; anything else is a typo and fails loudly.
ENGINE_ATTRIBUTES = ("raises", "timing", "timeout")
# Attributes passed through to pymdownx.superfences for display.
DISPLAY_ATTRIBUTES = ("title", "linenums", "hl_lines")
# The option that ties a rendered fence to its cell (set by the plugin on the
# opening lines of the fences that run; readers never see it).
CELL_OPTION = "atlas_cell"
_LINE_OPTION = "atlas_line"

_INCLUDE = re.compile(r'^--8<--\s+"(?P<target>[^"]+)"\s*$')
_INCLUDE_ANYWHERE = re.compile(r'^\s*--8<--\s')
_SECTION_MARK = re.compile(r"^\s*#\s*--8<--\s*\[(?P<edge>start|end):(?P<name>[\w.-]+)\]\s*$")
# A line that may open a fence: blockquote and indentation prefix, three or
# more backticks or tildes, then a non-empty info string. Used only to number
# candidate lines; superfences decides which of them are fences.
_CANDIDATE = re.compile(r"^(?P<prefix>[ \t>]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*\S[^`\n]*)$")
_BRACES = re.compile(r"\}\s*$")
_MARKER = "data-atlas-fence"


@functools.cache
def python_highlighted(language: str) -> bool:
    """Whether Material (Pygments) highlights a fence of this language as Python code or a Python session."""
    try:
        lexer = get_lexer_by_name(language)
    except ClassNotFound:
        return False
    return type(lexer).__module__.startswith(("pygments.lexers.python", "IPython.lib.lexers"))


@dataclass
class Fence:
    """One executed fence of a page: where it is, what it says, what it runs."""

    language: str  # "python" or "pycon"
    attributes: dict[str, str]
    body: str  # the fence's content, dedented, without the fence lines
    line: int  # 1-based line of the opening fence in the file
    end_line: int  # 1-based line of the closing fence
    include: str | None = field(default=None)

    @property
    def raises(self) -> str | None:
        return self.attributes.get("raises")

    @property
    def timing(self) -> bool:
        return "timing" in self.attributes

    @property
    def timeout(self) -> int | None:
        value = self.attributes.get("timeout")
        return int(value) if value else None  # validated by _check_attributes

    @property
    def display_attributes(self) -> dict[str, str]:
        return {key: value for key, value in self.attributes.items() if key in DISPLAY_ATTRIBUTES}


@dataclass
class _Found:
    language: str
    attributes: dict[str, str]
    body: str
    line: int


class _Collector:
    """The superfences validator and formatter of the structure pass: they
    record every Python-highlighted fence and leave a marker element."""

    def __init__(self):
        self.found: list[_Found] = []
        self.errors: list[str] = []
        self.path = "<page>"

    def validate(self, language, inputs, options, attrs, md) -> bool:
        if not python_highlighted(language):
            return False
        inputs = dict(inputs)
        options[_LINE_OPTION] = inputs.pop(_LINE_OPTION, "0")
        options["language"] = language
        options["attributes"] = {key: ("" if value == key else value) for key, value in inputs.items()}
        return True

    def format(self, src, language, class_name, options, md, **kwargs) -> str:
        self.found.append(_Found(options["language"], options["attributes"], src, int(options[_LINE_OPTION])))
        return f'<div {_MARKER}="{len(self.found) - 1}"></div>'


class _Markers(html.parser.HTMLParser):
    """The fence markers that are elements of the rendered page (not text, not in comments)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.indices: list[int] = []

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key == _MARKER:
                self.indices.append(int(value))


class StructurePass:
    """Converts pages with the site's Markdown extensions to find the fences that render."""

    def __init__(self, extensions: list, configs: dict):
        self._collector = _Collector()
        configs = {name: dict(value) for name, value in configs.items()}
        superfences = configs.setdefault("pymdownx.superfences", {})
        superfences["custom_fences"] = [
            *superfences.get("custom_fences", []),
            {"name": "*", "class": "atlas", "validator": self._collector.validate, "format": self._collector.format},
        ]
        # Includes are the engine's (a fence whose only line is --8<--): the
        # snippets preprocessor would expand them and shift every line number.
        kept = [name for name in extensions if name != "pymdownx.snippets"]
        self._markdown = markdown.Markdown(extensions=kept, extension_configs={k: v for k, v in configs.items() if k in kept})
        self._lock = threading.Lock()

    def fences(self, text: str, path: str) -> list[Fence]:
        """The fences of a page file that run, in page order; raises FenceError naming ``path:line``."""
        content, _ = get_data(text)
        offset = front_matter_lines(text)
        numbered = "\n".join(_numbered(line, number) for number, line in enumerate(content.split("\n"), offset + 1))
        with self._lock:
            self._collector.found, self._collector.errors, self._collector.path = [], [], path
            self._markdown.reset()
            rendered = self._markdown.convert(numbered)
            found = list(self._collector.found)
        markers = _Markers()
        markers.feed(rendered)
        fences = []
        for item in (found[index] for index in markers.indices):
            fences.append(_fence(item, path))
        return fences


def _numbered(line: str, number: int) -> str:
    """The line with its number as a fence option, if it may open a Python fence."""
    candidate = _CANDIDATE.match(line)
    if not candidate:
        return line
    words = candidate["info"].replace("{", " ").replace(".", " ").split()
    if not words or not python_highlighted(words[0]):
        return line
    return _with_option(line, _LINE_OPTION, str(number))


def _with_option(line: str, key: str, value: str) -> str:
    option = f' {key}="{value}"'
    if _BRACES.search(line):
        return _BRACES.sub(option + " }", line)
    return line + option


def front_matter_lines(text: str) -> int:
    """How many lines MkDocs removes from the top of a page file (its front matter)."""
    content, _ = get_data(text)
    return text.count("\n") - content.count("\n")


def tag_cells(markdown_text: str, fences: list[Fence], front_matter: int) -> str:
    """The page's Markdown (front matter removed) with each executed fence's opening line naming its cell."""
    lines = markdown_text.split("\n")
    for index, fence in enumerate(fences):
        position = fence.line - front_matter - 1
        lines[position] = _with_option(lines[position], CELL_OPTION, str(index))
    return "\n".join(lines)


def _fence(found: _Found, path: str) -> Fence:
    where = f"{path}:{found.line}"
    if found.language not in EXECUTED_LANGUAGES:
        raise FenceError(
            where,
            f"a ```{found.language} fence is highlighted as Python but does not run: "
            "write ```python (or ```pycon for a >>> session) to run it, or ```text to show code that does not run",
        )
    body_lines = found.body.split("\n")
    fence = Fence(found.language, found.attributes, found.body, found.line, found.line + len(body_lines) + 1)
    _check_attributes(fence, where)
    include_lines = [index for index, text in enumerate(body_lines) if _INCLUDE_ANYWHERE.match(text)]
    if include_lines:
        include = _INCLUDE.match(found.body.strip())
        if not include or fence.language != "python":
            raise FenceError(
                f"{path}:{found.line + 1 + include_lines[0]}",
                'an include (--8<-- "chapter/file.py") must be the only line of a python fence; put other code in a fence of its own',
            )
        fence.include = include["target"]
    if fence.language == "pycon" and not any(line.lstrip().startswith(">>>") for line in body_lines):
        raise FenceError(where, "this pycon fence has no >>> example, so it checks nothing: write doctest examples (>>> code, then the expected output)")
    return fence


def _check_attributes(fence: Fence, where: str) -> None:
    unknown = set(fence.attributes) - set(ENGINE_ATTRIBUTES) - set(DISPLAY_ATTRIBUTES)
    if unknown:
        raise FenceError(where, f"unknown fence attribute(s) {sorted(unknown)}; known: {', '.join(ENGINE_ATTRIBUTES + DISPLAY_ATTRIBUTES)}")
    if fence.language == "pycon" and (fence.raises or fence.timing):
        raise FenceError(where, "pycon fences show exceptions as doctest output; raises= and timing are for python fences")
    if "raises" in fence.attributes and not re.fullmatch(r"[A-Za-z_]\w*", fence.attributes["raises"]):
        raise FenceError(where, f"raises={fence.attributes['raises']!r} is not an exception name")
    timeout = fence.attributes.get("timeout")
    if timeout is not None and not (timeout.isdigit() and int(timeout) > 0):
        raise FenceError(where, f"timeout={timeout!r} is not a whole number of seconds")


@dataclass(frozen=True)
class Source:
    """The code a fence runs and where its lines come from."""

    code: str
    file: str  # as messages name it: docs/graph.md or snippets/graph/02.py
    first_line: int  # line of ``file`` that holds the code's first line


def resolve_include(target: str, snippets_dir: Path, where: str) -> Source:
    """The text an include stands for: a whole file or one named section of it."""
    name, _, section = target.partition(":")
    file = snippets_dir / name
    shown = f"{snippets_dir.name}/{name}"
    if not file.is_file():
        raise FenceError(where, f"include {target!r} not found (no file {shown})")
    lines = file.read_text(encoding="utf-8").split("\n")
    first = 0
    if section:
        starts = [i for i, line in enumerate(lines) if (m := _SECTION_MARK.match(line)) and m["edge"] == "start" and m["name"] == section]
        ends = [i for i, line in enumerate(lines) if (m := _SECTION_MARK.match(line)) and m["edge"] == "end" and m["name"] == section]
        if not starts or not ends or ends[0] < starts[0]:
            raise FenceError(where, f"section {section!r} not found in {shown}")
        first, lines = starts[0] + 1, lines[starts[0] + 1 : ends[0]]
    if any(_SECTION_MARK.match(line) for line in lines):
        raise FenceError(where, f"{shown} has section markers inside the included text; include one section at a time")
    # Leading blank lines are dropped, and counted, so that line numbers stay those of the file.
    while lines and not lines[0].strip():
        first, lines = first + 1, lines[1:]
    return Source("\n".join(lines).rstrip("\n"), shown, first + 1)


def fence_source(fence: Fence, snippets_dir: Path, path: str) -> Source:
    """The code a fence runs: its body, or the file it includes."""
    if fence.include:
        return resolve_include(fence.include, snippets_dir, f"{path}:{fence.line}")
    return Source(fence.body, path, fence.line + 1)


def display_title(fence: Fence, snippets_dir: Path) -> str | None:
    """The title shown above a fence: an explicit one, else an included file's path."""
    if "title" in fence.attributes:
        return fence.attributes["title"]
    if fence.include:
        return f"{snippets_dir.name}/{fence.include.partition(':')[0]}"
    return None
