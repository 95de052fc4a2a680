"""Every executed chapter as a notebook and a script, for readers who run it themselves.

A chapter's page program (its executed fences, includes inlined, in page
order) becomes the code cells of ``<chapter>.ipynb``; the prose between them
becomes Markdown cells, math included. Admonitions and tabs, which Jupyter
does not know, become block quotes and bold titles; links point at the
hosted site. A ``pycon`` fence becomes one code cell per ``>>>`` example,
without prompts and without the expected output (running the cell shows it).

The script ``<chapter>.py`` is the same notebook in jupytext's percent
format. In the script, the expected output of each ``>>>`` example follows
it as ``# Out:`` comments (a bare expression prints nothing under
``python``), and a block that raises on purpose (``raises="X"``, or a
``>>>`` example whose output is a traceback) runs inside ``try``/``except``
that prints the exception, so the script runs to its end.

The first cell installs what Colab lacks, at the versions in requirements.txt
(Colab comes with torch; only on Colab, so that running the notebook
elsewhere never installs anything).
"""

from __future__ import annotations

import copy
import doctest
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat

from .execute import Cell
from .fences import Fence

# Modules a chapter may import that Colab lacks or has at another version:
# module -> the requirements it needs (torchviz draws with the graphviz package).
COLAB_INSTALLS = {"plotly": ("plotly",), "torchviz": ("torchviz", "graphviz"), "graphviz": ("graphviz",)}
RAISES_TAG = "raises-exception"  # Jupyter's tag: the cell raises on purpose, run on
FENCE_KEY = "atlas_fence"  # cell metadata: index of the page fence a code cell comes from

_ADMONITION = re.compile(r'^(?P<marker>!!!|\?\?\?\+?)\s+(?P<kind>[\w-]+)(?:\s+"(?P<title>[^"]*)")?\s*$')
_TAB = re.compile(r'^===\+?\s+"(?P<title>[^"]*)"\s*$')
_LINK = re.compile(r"(?P<open>!?\[[^\]]*\]\()(?P<target>[^)\s]+)(?P<close>\))")
_IMPORT = re.compile(r"^\s*(?:import|from)\s+(?P<module>\w+)", re.M)


@dataclass(frozen=True)
class Links:
    """Where the chapter lives: its source under docs/, the hosted site's URL."""

    page: str  # docs-relative source, e.g. tensors.md
    site_url: str  # e.g. https://autograd-atlas.github.io/autograd-atlas/


def requirement_pins(requirements: Path) -> dict[str, str]:
    """name -> "name==version" for every pinned line of requirements.txt (none if it is missing)."""
    pins = {}
    if not requirements.is_file():
        return pins
    for line in requirements.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*([A-Za-z0-9_.-]+)==([^\s#]+)", line)
        if match:
            pins[match[1].lower()] = f"{match[1]}=={match[2]}"
    return pins


def examples(code: str) -> list[doctest.Example]:
    """The >>> examples of a pycon fence, as doctest reads them."""
    return doctest.DocTestParser().get_examples(code)


def runnable_pycon(code: str) -> str:
    """A pycon fence's code without prompts and outputs: what a reader pastes into a notebook."""
    return "\n".join(example.source.rstrip("\n") for example in examples(code))


def page_url(source: str, site_url: str) -> str:
    """The hosted URL of a docs-relative file: a page (.md, .ipynb) or an asset."""
    base = site_url if site_url.endswith("/") else site_url + "/"
    path, _, anchor = source.partition("#")
    if path.endswith((".md", ".ipynb")):
        path = path.rsplit(".", 1)[0]
        path = "" if path in ("index", "") else (path[: -len("index")] if path.endswith("/index") else path + "/")
    return base + path + (f"#{anchor}" if anchor else "")


def _absolute_links(text: str, links: Links) -> str:
    here = posixpath.dirname(links.page)

    def absolute(match: re.Match) -> str:
        target = match["target"]
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            return match[0]
        if target.startswith("#"):
            url = page_url(links.page, links.site_url) + target
        else:
            url = page_url(posixpath.normpath(posixpath.join(here, target)), links.site_url)
        return match["open"] + url + match["close"]

    return _LINK.sub(absolute, text)


class _Prose:
    """Turns the page's Markdown, line by line, into Markdown that Jupyter renders."""

    def __init__(self):
        self.containers: list[tuple[int, bool]] = []  # (content indent, is a block quote)
        self.lines: list[str] = []
        self._blank = 0

    def _prefix(self) -> str:
        return "> " * sum(quoted for _, quoted in self.containers)

    def _enter(self, line: str) -> int:
        """Close the containers a line is not inside; returns its indent."""
        indent = len(line) - len(line.lstrip(" "))
        while self.containers and indent < self.containers[-1][0]:
            self.containers.pop()
        if self._blank:
            self.lines.extend([self._prefix().rstrip()] * self._blank)
            self._blank = 0
        return indent

    def add(self, line: str) -> None:
        if not line.strip():
            self._blank += 1
            return
        indent = self._enter(line)
        content = line[self.containers[-1][0] if self.containers else 0 :]
        admonition, tab = _ADMONITION.match(content), _TAB.match(content)
        if admonition:
            title = admonition["title"] if admonition["title"] is not None else admonition["kind"].capitalize()
            self.containers.append((indent + 4, True))
            self.lines.append(self._prefix() + (f"**{title}**" if title else ""))
            self._blank = 1
        elif tab:
            self.lines.append(self._prefix() + f"**{tab['title']}**")
            self.containers.append((indent + 4, False))
            self._blank = 1
        else:
            self.lines.append(self._prefix() + content)

    def code(self, line: str) -> None:
        """A fence's opening line: only closes the containers it is not inside."""
        self._enter(line)
        self._blank = 0

    def take(self) -> str:
        """The Markdown so far: runs of empty (quoted) lines collapsed, none at the ends."""
        lines = []
        for line in self.lines:
            if not line.strip(" >") and lines and not lines[-1].strip(" >"):
                continue
            lines.append(line)
        while lines and not lines[-1].strip(" >"):
            lines.pop()
        while lines and not lines[0].strip(" >"):
            lines.pop(0)
        self.lines, self._blank = [], 0
        return "\n".join(lines)


def _install_cell(cells: list[Cell], pins: dict[str, str], title: str, url: str):
    modules = {match["module"] for cell in cells for match in _IMPORT.finditer(cell.code if cell.language == "python" else runnable_pycon(cell.code))}
    needed = sorted({pins.get(name, name) for module in modules & set(COLAB_INSTALLS) for name in COLAB_INSTALLS[module]})
    torch = pins.get("torch", "torch")
    lines = [
        f"# Autograd Atlas · {title}: {url}",
        f"# Colab comes with torch (the site was built with {torch}); this installs what it lacks, at the site's versions.",
    ]
    if needed:
        lines += [
            f"# Elsewhere: pip install {' '.join([torch, *needed])}",
            "import sys",
            "",
            'if "google.colab" in sys.modules:',
            f"    %pip install --quiet {' '.join(needed)}",
        ]
    else:
        lines += [f"# Elsewhere: pip install {torch}", "import torch", "", "print(torch.__version__)"]
    return "\n".join(lines), needed


def chapter_notebook(text: str, fences: list[Fence], cells: list[Cell], front_matter: int, links: Links, pins: dict[str, str]):
    """The chapter as a notebook: prose and page program interleaved in page order, no outputs."""
    lines = text.split("\n")
    title = next((line[2:].strip() for line in lines[front_matter:] if line.startswith("# ")), links.page)
    url = page_url(links.page, links.site_url)
    install, _ = _install_cell(cells, pins, title, url)
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        "colab": {"name": f"{Path(links.page).stem}.ipynb", "provenance": []},
    }
    out = notebook.cells
    out.append(nbformat.v4.new_code_cell(install, metadata={"tags": ["install"]}))
    prose = _Prose()
    starts = {fence.line - 1: index for index, fence in enumerate(fences)}

    def flush() -> None:
        markdown = _absolute_links(prose.take(), links)
        if markdown.strip():
            out.append(nbformat.v4.new_markdown_cell(markdown))

    number = front_matter
    while number < len(lines):
        index = starts.get(number)
        if index is None:
            prose.add(lines[number])
            number += 1
            continue
        prose.code(lines[number])
        flush()
        fence, cell = fences[index], cells[index]
        if cell.language == "pycon":
            for example in examples(cell.code):
                tags = [RAISES_TAG] if example.exc_msg is not None else []
                metadata = {FENCE_KEY: index, "want": example.want, **({"tags": tags} if tags else {})}
                out.append(nbformat.v4.new_code_cell(example.source.rstrip("\n"), metadata=metadata))
        else:
            metadata = {FENCE_KEY: index, **({"tags": [RAISES_TAG], "raises": fence.raises} if fence.raises else {})}
            out.append(nbformat.v4.new_code_cell(cell.code, metadata=metadata))
        number = fence.end_line
    flush()
    for position, cell in enumerate(out):
        cell.id = f"cell-{position}"  # stable ids: the same page gives the same bytes
    return notebook


def published_notebook(notebook):
    """The notebook as readers download it: the engine's cell metadata removed."""
    published = copy.deepcopy(notebook)
    for cell in published.cells:
        for key in (FENCE_KEY, "want", "raises"):
            cell.metadata.pop(key, None)
    return published


def chapter_script(notebook, pins: dict[str, str]) -> str:
    """The chapter as a script (jupytext percent format) that ``python`` runs to the end."""
    script = copy.deepcopy(notebook)
    for cell in script.cells:
        if cell.cell_type != "code":
            continue
        if "install" in cell.metadata.get("tags", []):
            cell.source = "\n".join(line for line in cell.source.split("\n") if line.startswith("#"))
            cell.source = cell.source.replace("# Elsewhere: ", "# Requirements: ")
        elif RAISES_TAG in cell.metadata.get("tags", []):
            cell.source = _caught(cell.source, cell.metadata.get("raises"))
        want = cell.metadata.get("want")
        if want:
            cell.source += "\n" + "\n".join(f"# Out: {line}" for line in want.rstrip("\n").split("\n"))
        cell.metadata = {}
    script.metadata = {"kernelspec": notebook.metadata["kernelspec"], "jupytext": {"formats": "ipynb,py:percent"}}
    return jupytext.writes(script, fmt="py:percent")


def _caught(source: str, name: str | None) -> str:
    """The code inside try/except: the exception it raises on purpose is printed, any other raised."""
    body = "\n".join(("    " + line) if line.strip() else "" for line in source.split("\n"))
    check = f'    if type(error).__name__ != "{name}":\n        raise\n' if name else ""
    return f'try:\n{body}\nexcept Exception as error:  # raises on purpose (the page shows it)\n{check}    print(f"{{type(error).__name__}}: {{error}}")'


def code_by_fence(notebook) -> dict[int, list[str]]:
    """The code cells of a chapter notebook, grouped by the page fence each comes from."""
    grouped: dict[int, list[str]] = {}
    for cell in notebook.cells:
        if cell.cell_type == "code" and FENCE_KEY in cell.metadata:
            grouped.setdefault(cell.metadata[FENCE_KEY], []).append(cell.source)
    return grouped


_SOLUTION_CELL = re.compile(r'<div class="jp-Cell [^"]*\bcelltag_solution\b[^"]*"[^>]*>')
_INPUT = re.compile(r'<div class="jp-Cell-inputWrapper"[^>]*>')
_DIV = re.compile(r"<div\b|</div>")
SOLUTION_SUMMARY = "Show solution"


def fold_solutions(page_html: str) -> str:
    """A lab page with the code of each solution cell collapsed under "Show solution" (its output stays visible)."""
    parts, position = [], 0
    for cell in _SOLUTION_CELL.finditer(page_html):
        if cell.start() < position:
            continue
        start = _INPUT.search(page_html, cell.end())
        if not start:
            break
        depth, end = 1, None
        for tag in _DIV.finditer(page_html, start.end()):
            depth += 1 if tag[0] == "<div" else -1
            if depth == 0:
                end = tag.end()
                break
        if end is None:
            break
        parts += [
            page_html[position : start.start()],
            f'<details class="atlas-solution"><summary>{SOLUTION_SUMMARY}</summary>',
            page_html[start.start() : end],
            "</details>",
        ]
        position = end
    return "".join(parts) + page_html[position:]
