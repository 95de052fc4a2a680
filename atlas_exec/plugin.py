"""The MkDocs plugin: execute page programs, show their outputs, ship the assets they need."""

from __future__ import annotations

import hashlib
import html
import logging
import re
from pathlib import Path

import nbformat
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url

from .execute import DEFAULT_TIMEOUT, ExecutionCache, PageJob, PageResult, execute_pages, page_cells
from .fences import DISPLAY_ATTRIBUTES, FenceError, display_title, executed_fences, fence_source
from .labs import executed_notebook, lab_cells, page_notebook, student_notebook
from .render import html_fence, render_outputs, render_stamp

log = logging.getLogger("mkdocs.plugins.atlas_exec")


class ExecutePagesConfig(Config):
    snippets_dir = c.Type(str, default="snippets")
    cache_dir = c.Type(str, default=".cache/atlas-exec")
    labs_dir = c.Type(str, default="labs")
    # Where "Open in Colab" finds a student notebook: the docs workflow
    # publishes site/labs/notebooks/ to this branch of the repository.
    colab_url = c.Type(str, default="https://colab.research.google.com/github/autograd-atlas/autograd-atlas/blob/notebooks/labs/notebooks/")
    timeout = c.Type(int, default=DEFAULT_TIMEOUT)
    # Off only to measure the build without execution (make bench).
    execute = c.Type(bool, default=True)


class ExecutePagesPlugin(BasePlugin[ExecutePagesConfig]):
    def on_config(self, config):
        self.root = Path(config.config_file_path).resolve().parent
        self.docs_dir = Path(config.docs_dir).resolve()
        self.snippets_dir = self.root / self.config.snippets_dir
        self.cache = ExecutionCache(self.root / self.config.cache_dir)
        self.jobs: dict[str, PageJob] = {}
        self.results: dict[str, PageResult] = {}
        self.notebook_css: dict[str, str] = {}  # site path -> stylesheet moved out of lab pages
        return config

    def _display_path(self, file: File) -> str:
        """The page as messages name it: docs/graph.md, relative to mkdocs.yml."""
        source = Path(file.abs_src_path).resolve()
        return source.relative_to(self.root).as_posix() if source.is_relative_to(self.root) else file.src_uri

    def on_files(self, files: Files, *, config) -> Files:
        errors = []
        self.jobs = {}
        for file in files.documentation_pages():
            if not file.src_uri.endswith(".md"):
                continue
            path = self._display_path(file)
            try:
                cells = page_cells(Path(file.abs_src_path).read_text(encoding="utf-8"), path, self.snippets_dir)
            except FenceError as error:
                errors.append(str(error))
                continue
            if cells:
                self.jobs[file.src_uri] = PageJob(path, cells)
        labs = {f"labs/{source.stem}.ipynb": source for source in sorted((self.root / self.config.labs_dir).glob("*.py"))}
        lab_notebooks = {uri: page_notebook(source) for uri, source in labs.items()}
        for uri, notebook in lab_notebooks.items():
            self.jobs[uri] = PageJob(labs[uri].relative_to(self.root).as_posix(), lab_cells(notebook))
        if self.config.execute and not errors:
            results, errors = execute_pages(list(self.jobs.values()), self.root, self.cache, self.config.timeout)
            self.results = {uri: results[job.path] for uri, job in self.jobs.items() if job.path in results}
            ran = sum(not result.cached for result in results.values())
            log.info(f"atlas-exec: {ran} page(s) executed, {len(results) - ran} from the cache")
        if errors:
            raise PluginError("Page execution failed:\n\n" + "\n\n".join(errors))
        for uri, source in labs.items():
            files.append(self._lab_page(config, uri, lab_notebooks[uri]))
            student = student_notebook(source, config.site_url or "")
            files.append(File.generated(config, f"labs/notebooks/{source.stem}.ipynb", content=nbformat.writes(student)))
        for asset in _site_assets(config):
            files.append(asset)
        return files

    def _lab_page(self, config, uri: str, notebook) -> File:
        """The executed lab notebook, written where mkdocs-jupyter renders it from."""
        name = Path(uri).stem
        links = (
            f'<p class="atlas-lab-links"><a class="md-button md-button--primary" href="../notebooks/{name}.ipynb" download>Download the student notebook</a> '
            f'<a class="md-button" href="{html.escape(self.config.colab_url + name)}.ipynb">Open in Colab</a></p>'
        )
        result = self.results.get(uri)
        if result:
            notebook = executed_notebook(notebook, result, links + render_stamp(result.stamp))
        target = self.cache.directory / "labs" / f"{name}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)
        # A plain File rooted in the cache: mkdocs-jupyter's wrapper cannot read generated Files.
        return File(uri, src_dir=str(self.cache.directory), dest_dir=config.site_dir, use_directory_urls=config.use_directory_urls)

    def on_page_context(self, context, *, page, config, nav):
        # A lab's source is labs/NN-name.py, not a file under docs/.
        job = self.jobs.get(page.file.src_uri)
        if job and page.file.src_uri.endswith(".ipynb") and config.edit_uri:
            page.edit_url = config.edit_uri.rsplit("docs/", 1)[0] + job.path
        return context

    def on_page_content(self, html_text: str, *, page, config, files) -> str:
        # mkdocs-jupyter's template loads MathJax 2 and mermaid from CDNs; the
        # site serves MathJax 3 itself and uses no mermaid in notebooks.
        if page.file.src_uri.endswith(".ipynb"):
            html_text = _without_cdn_scripts(html_text)
            html_text = _LARGE_STYLE.sub(lambda style: self._linked_stylesheet(style[1], page), html_text)
        return html_text

    def _linked_stylesheet(self, css: str, page) -> str:
        """mkdocs-jupyter inlines ~600 KB of JupyterLab CSS into every lab page:
        serve it as one file instead, fetched once and cached across labs."""
        uri = f"assets/stylesheets/notebook-{hashlib.sha256(css.encode()).hexdigest()[:12]}.css"
        self.notebook_css[uri] = css
        return f'<link rel="stylesheet" href="{get_relative_url(uri, page.url)}">'

    def on_post_build(self, *, config) -> None:
        for uri, css in self.notebook_css.items():
            target = Path(config.site_dir) / uri
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(css, encoding="utf-8")

    def on_page_markdown(self, markdown: str, *, page, config, files) -> str:
        job = self.jobs.get(page.file.src_uri)
        if job is None or not page.file.src_uri.endswith(".md"):  # labs are rendered by mkdocs-jupyter
            return markdown
        path, result = job.path, self.results.get(page.file.src_uri)
        # MkDocs has removed the front matter: fences are matched by order, and
        # keep the line numbers of the file (job.cells) in what they show.
        fences = executed_fences(markdown, path)
        if len(fences) != len(job.cells):
            raise PluginError(f"{path}: {len(fences)} executable fences on the page but {len(job.cells)} in the file")
        lines = markdown.splitlines()
        for index in reversed(range(len(fences))):
            fence, cell = fences[index], job.cells[index]
            shown = _shown_fence(fence, fence_source(fence, self.snippets_dir, path))
            if result:
                # Blank lines keep the output a block of its own, not part of a paragraph.
                shown += "\n\n" + html_fence(render_outputs(cell, result.outputs[index], result.stamp), fence.indent) + "\n"
            lines[fence.start : fence.end] = shown.split("\n")
        if result:
            _insert_after_title(lines, html_fence(render_stamp(result.stamp), ""))
        return "\n".join(lines)


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S)
# Inline stylesheets big enough to be worth a file of their own (small ones stay).
_LARGE_STYLE = re.compile(r"<style\b[^>]*>((?:(?!</style>).){4000,}?)</style>", re.S)


def _without_cdn_scripts(html_text: str) -> str:
    """Drop every script that loads or imports from another host, or configures MathJax 2."""
    loads_remote = re.compile(r"<script[^>]*\bsrc=\"https?://|import\(\"https?://|elkUrl = \"https?://|MathJax\.Hub")
    return _SCRIPT.sub(lambda m: "" if loads_remote.search(m.group(0)) else m.group(0), html_text)


def _shown_fence(fence, source: str) -> str:
    """The fence as a reader sees it: engine attributes gone, includes inlined and titled."""
    attributes = {key: value for key, value in fence.attributes.items() if key in DISPLAY_ATTRIBUTES}
    title = display_title(fence)
    if title:
        attributes["title"] = title
    info = " ".join([fence.language] + [f'{key}="{value}"' for key, value in attributes.items()])
    body = "\n".join(fence.indent + line if line else "" for line in source.split("\n"))
    return f"{fence.indent}```{info}\n{body}\n{fence.indent}```"


def _insert_after_title(lines: list[str], block: str) -> None:
    for index, line in enumerate(lines):
        if line.startswith("# "):
            lines[index + 1 : index + 1] = ["", *block.split("\n"), ""]
            return
    lines[0:0] = [*block.split("\n"), ""]


def _site_assets(config) -> list[File]:
    """plotly.js and MathJax, served by the site itself (no CDN, works offline)."""
    import mathjax
    import plotly.offline

    assets = [File.generated(config, "assets/javascripts/plotly.min.js", content=plotly.offline.get_plotlyjs())]
    es5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    for source in [es5 / "tex-chtml.js", *sorted((es5 / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))]:
        uri = "assets/javascripts/mathjax/" + source.relative_to(es5).as_posix()
        assets.append(File.generated(config, uri, abs_src_path=str(source)))
    return assets
