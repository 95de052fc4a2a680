"""The fence grammar of a page program, shared by the build and the tests.

A chapter is a notebook written in Markdown: its ``python`` and ``pycon``
fences, in page order, form one program. This module is the only place that
decides which fences run, what their attributes mean and how an include
(``--8<-- "chapter/file.py"``) resolves.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

# An opening fence: up to any indentation (fences nest in admonitions and
# tabs), three or more backticks, then the info string.
_OPENING = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,})(?P<info>[^`]*)$")
_INCLUDE = re.compile(r'^--8<--\s+"(?P<target>[^"]+)"\s*$')
_SECTION_MARK = re.compile(r"^\s*#\s*--8<--\s*\[(?P<edge>start|end):(?P<name>[\w.-]+)\]\s*$")

EXECUTED_LANGUAGES = ("python", "pycon")
# Attributes the engine understands; anything else is a typo and fails loudly.
ENGINE_ATTRIBUTES = ("raises", "timing", "timeout")
# Attributes passed through to pymdownx.superfences for display.
DISPLAY_ATTRIBUTES = ("title", "linenums", "hl_lines")


class FenceError(ValueError):
    """A fence that cannot be understood: names the file and line."""


@dataclass
class Fence:
    """One fenced code block of a page, with its position in the file."""

    language: str
    attributes: dict[str, str]
    body: str  # dedented content, without the fence lines
    line: int  # 1-based line of the opening fence
    indent: str
    start: int  # index of the opening line (0-based)
    end: int  # index one past the closing line
    include: str | None = field(default=None)

    @property
    def executed(self) -> bool:
        return self.language in EXECUTED_LANGUAGES

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


def _parse_info(info: str, where: str) -> tuple[str, dict[str, str]]:
    try:
        words = shlex.split(info)
    except ValueError as error:
        raise FenceError(f"{where}: cannot read fence attributes {info!r}: {error}") from None
    if not words:
        return "", {}
    language, attributes = words[0], {}
    for word in words[1:]:
        key, _, value = word.partition("=")
        attributes[key] = value
    return language, attributes


def parse_fences(text: str, path: str = "<page>") -> list[Fence]:
    """Every fenced block of ``text`` in order, nested ones included."""
    lines = text.splitlines()
    fences: list[Fence] = []
    index = 0
    while index < len(lines):
        opening = _OPENING.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, ticks = opening["indent"], opening["ticks"]
        language, attributes = _parse_info(opening["info"].strip(), f"{path}:{index + 1}")
        closing = re.compile(rf"^{re.escape(indent)}`{{{len(ticks)},}}\s*$")
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if end == len(lines):
            raise FenceError(f"{path}:{index + 1}: fence is never closed")
        body_lines = [line[len(indent) :] if line.startswith(indent) else line.lstrip() for line in lines[index + 1 : end]]
        fence = Fence(language, attributes, "\n".join(body_lines), index + 1, indent, index, end + 1)
        if fence.executed:
            _check_attributes(fence, path)
            include = _INCLUDE.match(fence.body.strip())
            if include:
                fence.include = include["target"]
        fences.append(fence)
        index = end + 1
    return fences


def _check_attributes(fence: Fence, path: str) -> None:
    unknown = set(fence.attributes) - set(ENGINE_ATTRIBUTES) - set(DISPLAY_ATTRIBUTES)
    if unknown:
        raise FenceError(f"{path}:{fence.line}: unknown fence attribute(s) {sorted(unknown)}; known: {ENGINE_ATTRIBUTES + DISPLAY_ATTRIBUTES}")
    if fence.language == "pycon" and (fence.raises or fence.timing):
        raise FenceError(f"{path}:{fence.line}: pycon fences show exceptions as doctest output; raises= and timing are for python fences")
    timeout = fence.attributes.get("timeout")
    if timeout is not None and not (timeout.isdigit() and int(timeout) > 0):
        raise FenceError(f"{path}:{fence.line}: timeout={timeout!r} is not a whole number of seconds")


def executed_fences(text: str, path: str = "<page>") -> list[Fence]:
    return [fence for fence in parse_fences(text, path) if fence.executed]


def resolve_include(target: str, snippets_dir: Path, where: str) -> str:
    """The text an include stands for: a whole file or one named section of it."""
    name, _, section = target.partition(":")
    file = snippets_dir / name
    if not file.is_file():
        raise FenceError(f"{where}: include {target!r} not found (looked for {file.name} under snippets/{Path(name).parent})")
    lines = file.read_text(encoding="utf-8").splitlines()
    if section:
        starts = [i for i, line in enumerate(lines) if (m := _SECTION_MARK.match(line)) and m["edge"] == "start" and m["name"] == section]
        ends = [i for i, line in enumerate(lines) if (m := _SECTION_MARK.match(line)) and m["edge"] == "end" and m["name"] == section]
        if not starts or not ends or ends[0] < starts[0]:
            raise FenceError(f"{where}: section {section!r} not found in snippets/{name}")
        lines = lines[starts[0] + 1 : ends[0]]
    return "\n".join(line for line in lines if not _SECTION_MARK.match(line)).strip("\n")


def fence_source(fence: Fence, snippets_dir: Path, path: str) -> str:
    """The code a fence runs: its body, or the file it includes."""
    if fence.include:
        return resolve_include(fence.include, snippets_dir, f"{path}:{fence.line}")
    return fence.body


def display_title(fence: Fence) -> str | None:
    """The title shown above a fence: an explicit one, else an included file's path."""
    if "title" in fence.attributes:
        return fence.attributes["title"]
    if fence.include:
        return "snippets/" + fence.include.partition(":")[0]
    return None
