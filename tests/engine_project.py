"""Tiny MkDocs projects with the site's own configuration, built for real, and ways to read what they left."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG_LINE = re.compile(r"atlas-exec: (\d+) page\(s\) executed, (\d+) from the cache")
# A path of this machine leaking into a page (home, venv, temporary folder).
MACHINE_PATH = re.compile(r"(/home/|/tmp/|/usr/|/work/|site-packages|[A-Z]:\\)")


# --- helpers ---------------------------------------------------------------


def page(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def fence_line(text: str, first_body_line: str) -> int:
    """1-based line of the opening fence whose body starts with ``first_body_line``."""
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if line.strip().removeprefix("> ") == first_body_line)
    assert lines[index - 1].lstrip(" >").startswith(("```", "~~~")), "the marker must be a fence's first body line"
    return index


def make_project(root: Path, pages: dict[str, str], snippets: dict[str, str] | None = None) -> Path:
    """A tiny site with the repository's own mkdocs.yml and assets."""
    root.mkdir(parents=True, exist_ok=True)
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    # The site's nav names the real chapters; without it MkDocs lists the pages found.
    config = re.sub(r"^nav:\n(?:[ \t].*\n|\n)*", "", config, flags=re.M)
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    shutil.copytree(ROOT / "docs" / "assets", root / "docs" / "assets")
    (root / "snippets").mkdir()
    (root / "labs").mkdir()  # mkdocs.yml watches it; a project without labs has it empty
    for name, text in pages.items():
        (root / "docs" / name).write_text(text, encoding="utf-8")
    for name, text in (snippets or {}).items():
        file = root / "snippets" / name
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
    return root


def run_pytest(root: Path, *args: str) -> subprocess.CompletedProcess:
    """pytest over the project's pages, with the site's own Sybil (tests/page_program.py)."""
    (root / "conftest.py").write_text(
        "from pathlib import Path\n\nfrom tests.page_program import page_sybil\n\npytest_collect_file = page_sybil(Path(__file__).resolve().parent).pytest()\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:doctest", "-rA", "--rootdir", str(root), *args]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=300)


class Build:
    def __init__(self, process: subprocess.CompletedProcess, seconds: float):
        self.returncode = process.returncode
        self.stdout = process.stdout
        self.stderr = process.stderr
        self.seconds = seconds

    @property
    def counts(self) -> tuple[int, int]:
        """(pages executed, pages from the cache), from the plugin's log line."""
        found = LOG_LINE.findall(self.stdout + self.stderr)
        assert len(found) == 1, f"expected one atlas-exec log line:\n{self.stderr}"
        return int(found[0][0]), int(found[0][1])


def mkdocs_build(root: Path, strict: bool = True) -> Build:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    start = time.monotonic()
    process = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", *(["--strict"] if strict else []), "-f", str(root / "mkdocs.yml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return Build(process, time.monotonic() - start)


def error_of(stderr: str, path: str, line: int) -> str:
    """The error the build reported for one fence: from its `path:line` to the next page's error."""
    found = re.search(rf"^{re.escape(path)}:{line}\b", stderr, re.M)
    assert found, f"no error names {path}:{line}:\n{stderr}"
    following = re.compile(r"^docs/[\w.-]+\.md:\d+\b", re.M).search(stderr, found.end())
    return stderr[found.start() : following.start() if following else len(stderr)]


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Elements(HTMLParser):
    """Every element of a page with its attributes, text, descendant tags and ancestors."""

    def __init__(self, html: str):
        super().__init__()
        self.open: list[dict] = []
        self.all: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": "", "descendants": [], "ancestors": list(self.open)}
        element["classes"] = (element["attrs"].get("class") or "").split()
        for ancestor in self.open:
            ancestor["descendants"].append(tag)
        self.all.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.open.pop()

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, -1, -1):
            if self.open[depth]["tag"] == tag:
                del self.open[depth:]
                return

    def handle_data(self, data):
        for element in self.open:
            element["text"] += data

    def with_class(self, name: str, tag: str | None = None) -> list[dict]:
        return [e for e in self.all if name in e["classes"] and (tag is None or e["tag"] == tag)]


def has_ancestor(element: dict, tag: str) -> bool:
    return any(ancestor["tag"] == tag for ancestor in element["ancestors"])
