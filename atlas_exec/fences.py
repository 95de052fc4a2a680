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
from pymdownx.superfences import highlight_validator

from .errors import FenceError

EXECUTED_LANGUAGES = ("python", "pycon")
# Attributes the engine understands; anything else is a typo and fails loudly.
ENGINE_ATTRIBUTES = ("raises", "timing", "timeout", "fold", "replay")
# The summary of a folded fence written as a bare `fold`.
DEFAULT_FOLD = "Show code"
# Attributes passed through to pymdownx.superfences for display.
DISPLAY_ATTRIBUTES = ("title", "linenums", "hl_lines")
# The option that ties a rendered fence to its cell (set by the plugin on the
# opening lines of the fences that run; readers never see it).
CELL_OPTION = "atlas_cell"
_LINE_OPTION = "atlas_line"

_INCLUDE = re.compile(r'^--8<--\s+"(?P<target>[^"]+)"\s*$')
_INCLUDE_ANYWHERE = re.compile(r"^\s*--8<--\s")
_SECTION_MARK = re.compile(r"^\s*#\s*--8<--\s*\[(?P<edge>start|end):(?P<name>[\w.-]+)\]\s*$")
# A line that may open a fence: blockquote and indentation prefix, three or
# more backticks or tildes, then a non-empty info string. Used only to number
# candidate lines; superfences decides which of them are fences.
_CANDIDATE = re.compile(r"^(?P<prefix>[ \t>]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*\S[^`\n]*)$")
_BRACES = re.compile(r"\}\s*$")
_MARKER = "data-atlas-fence"
_LINE_IN_TEXT = re.compile(_LINE_OPTION + r'="(\d+)"')


@functools.cache
def python_highlighted(language: str) -> bool:
    """Whether Material (Pygments) highlights a fence of this language as Python code or a Python session."""
    try:
        lexer = get_lexer_by_name(language)
    except ClassNotFound:
        return False
    return type(lexer).__module__.startswith(("pygments.lexers.python", "IPython.lib.lexers", "ipython_pygments_lexers"))


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
    def replay(self) -> str | None:
        """The name of the scalar whose backward pass is recorded and replayed under the fence, or None."""
        return self.attributes.get("replay")

    @property
    def fold(self) -> str | None:
        """The one-line summary under which the code is collapsed (its output stays visible), or None."""
        if "fold" not in self.attributes:
            return None
        return self.attributes["fold"].strip() or DEFAULT_FOLD


@dataclass
class _Found:
    language: str
    attributes: dict[str, str]
    body: str
    line: int


def claim_python_fences(superfences_config: dict, validate, format) -> None:
    """Register ``validate``/``format`` as superfences' handler of every fence Pygments highlights as Python.

    Superfences matches custom fences by exact language name, but Pygments
    highlights ``Python``, ``py`` or ``python3`` as Python too. The only entry
    that sees every language is the catch-all ``*``, which replaces the
    default one: for any other language it does what the default does.
    """

    def validator(language, inputs, options, attrs, md):
        if python_highlighted(language):
            return validate(language, inputs, options, attrs, md)
        return highlight_validator(language, inputs, options, attrs, md)

    def formatter(src, language, class_name, options, md, **kwargs):
        if python_highlighted(language):
            return format(src, language, class_name, options, md, **kwargs)
        return md.preprocessors["fenced_code_block"].highlight(src=src, language=language, options=options, md=md, **kwargs)

    superfences_config["custom_fences"] = [
        {"name": "*", "class": "highlight", "validator": validator, "format": formatter},
        *superfences_config.get("custom_fences", []),
    ]


class _Collector:
    """The superfences validator and formatter of the structure pass: they
    record every Python-highlighted fence and leave a marker element."""

    def __init__(self):
        self.found: list[_Found] = []

    def validate(self, language, inputs, options, attrs, md) -> bool:
        inputs = dict(inputs)
        options[_LINE_OPTION] = inputs.pop(_LINE_OPTION, "0")
        options["language"] = language
        options["attributes"] = {key: ("" if value == key else value) for key, value in inputs.items()}
        return True

    def format(self, src, language, class_name, options, md, **kwargs) -> str:
        self.found.append(_Found(options["language"], options["attributes"], src, int(options[_LINE_OPTION])))
        return f'<div {_MARKER}="{len(self.found) - 1}"></div>'


class _Markers(html.parser.HTMLParser):
    """The fence markers that are elements of the rendered page (not text, not in comments),
    and the numbered opening lines that became visible text instead of a fence."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.indices: list[int] = []
        self.unrendered: list[int] = []
        self._code = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("pre", "code"):
            self._code += 1
        for key, value in attrs:
            if key == _MARKER:
                self.indices.append(int(value))

    def handle_endtag(self, tag):
        if tag in ("pre", "code") and self._code:
            self._code -= 1

    def handle_data(self, data):
        if not self._code:  # in a code block the line is shown as code, on purpose
            self.unrendered.extend(int(number) for number in _LINE_IN_TEXT.findall(data))


class StructurePass:
    """Converts pages with the site's Markdown extensions to find the fences that render."""

    def __init__(self, extensions: list, configs: dict):
        self._collector = _Collector()
        configs = {name: dict(value) for name, value in configs.items()}
        superfences = configs.setdefault("pymdownx.superfences", {})
        superfences["custom_fences"] = [entry for entry in superfences.get("custom_fences", []) if entry.get("name") != "*"]
        claim_python_fences(superfences, self._collector.validate, self._collector.format)
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
            self._collector.found = []
            self._markdown.reset()
            rendered = self._markdown.convert(numbered)
            found = list(self._collector.found)
        markers = _Markers()
        markers.feed(rendered)
        if markers.unrendered:
            raise FenceError(
                f"{path}:{markers.unrendered[0]}",
                "this Python fence is shown as text, not as code: it is never closed, or its options cannot be read "
                '(write options as key="value", e.g. ```python raises="RuntimeError")',
            )
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
                where,
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
    if fence.language == "pycon" and "fold" in fence.attributes:
        raise FenceError(where, "fold= is for python fences (plotting code that is not the lesson); a >>> example is the lesson")
    if fence.language == "pycon" and (fence.raises or fence.timing):
        raise FenceError(where, "pycon fences show exceptions as doctest output; raises= and timing are for python fences")
    if "replay" in fence.attributes:
        if fence.language != "python":
            raise FenceError(where, 'replay= is for python fences: write ```python replay="loss" on the fence that computes the scalar')
        if not re.fullmatch(r"[A-Za-z_]\w*", fence.attributes["replay"]):
            raise FenceError(where, f'replay={fence.attributes["replay"]!r} is not a variable name: name the scalar tensor to replay, e.g. replay="loss"')
        if fence.raises:
            raise FenceError(where, "replay= and raises= cannot share a fence: a fence that raises computes nothing to replay")
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
    lines: tuple[int, ...]  # the line of ``file`` that each line of ``code`` comes from


def resolve_include(target: str, snippets_dir: Path, where: str) -> Source:
    """The text an include stands for: a whole file or one named section of it, without section markers."""
    name, _, section = target.partition(":")
    file = snippets_dir / name
    shown = f"{snippets_dir.name}/{name}"
    if not file.is_file():
        raise FenceError(where, f"include {target!r} not found (no file {shown})")
    numbered = list(enumerate(file.read_text(encoding="utf-8").split("\n"), 1))
    if section:
        starts = [i for i, (_, line) in enumerate(numbered) if (m := _SECTION_MARK.match(line)) and m["edge"] == "start" and m["name"] == section]
        ends = [i for i, (_, line) in enumerate(numbered) if (m := _SECTION_MARK.match(line)) and m["edge"] == "end" and m["name"] == section]
        if not starts or not ends or ends[0] < starts[0]:
            raise FenceError(where, f"section {section!r} not found in {shown}")
        numbered = numbered[starts[0] + 1 : ends[0]]
    numbered = [(number, line) for number, line in numbered if not _SECTION_MARK.match(line)]
    while numbered and not numbered[0][1].strip():
        numbered.pop(0)
    while numbered and not numbered[-1][1].strip():
        numbered.pop()
    return Source("\n".join(line for _, line in numbered), shown, tuple(number for number, _ in numbered))


def fence_source(fence: Fence, snippets_dir: Path, path: str) -> Source:
    """The code a fence runs: its body, or the file it includes."""
    if fence.include:
        return resolve_include(fence.include, snippets_dir, f"{path}:{fence.line}")
    return Source(fence.body, path, tuple(range(fence.line + 1, fence.line + 1 + len(fence.body.split("\n")))))


def display_title(fence: Fence, snippets_dir: Path) -> str | None:
    """The title shown above a fence: an explicit one, else an included file's path."""
    if "title" in fence.attributes:
        return fence.attributes["title"]
    if fence.include:
        return f"{snippets_dir.name}/{fence.include.partition(':')[0]}"
    return None
