"""The MkDocs hooks: find each page's program, execute it, render the fences with their outputs.

mkdocs.yml lists the plugin and its options, nothing else of the engine: the
plugin registers its own superfences formatter for the languages Pygments
highlights as Python.
"""

from __future__ import annotations

import hashlib
import html
import html.parser
import logging
import re
import time
from pathlib import Path

import nbformat
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url
from pymdownx.superfences import highlight_validator

from .cache import ExecutionCache, PageResult
from .errors import FenceError
from .execute import DEFAULT_TIMEOUT, Cell, PageJob, execute_pages, fork_server, page_cells
from .fences import CELL_OPTION, DISPLAY_ATTRIBUTES, Fence, StructurePass, claim_python_fences, display_title, front_matter_lines, tag_cells
from .formulas import FONTS_URI, MATHJAX, STYLESHEET_URI, MathTypesetter, find_math, fonts, replaced
from .labs import executed_notebook, lab_cells, page_notebook, student_notebook
from .minify import minified
from .notebooks import Links, chapter_notebook, chapter_script, fold_solutions, published_notebook, requirement_pins, runnable_pycon
from .render import PLOTLY_MIME, figure_json, figure_uri, render_outputs, render_stamp

log = logging.getLogger("mkdocs.plugins.atlas_exec")
# The 2-D plotly.js bundle (npm plotly.js-cartesian-dist-min), copied into docs/ by the Makefile.
CARTESIAN_PLOTLY = "assets/javascripts/plotly-cartesian/plotly.min.js"


class ExecutePagesConfig(Config):
    snippets_dir = c.Type(str, default="snippets")
    cache_dir = c.Type(str, default=".cache/atlas-exec")
    labs_dir = c.Type(str, default="labs")
    # Where "Open in Colab" finds a student notebook: the docs workflow
    # publishes site/labs/notebooks/ to this branch of the repository.
    colab_url = c.Type(str, default="https://colab.research.google.com/github/autograd-atlas/autograd-atlas/blob/notebooks/labs/notebooks/")
    # Where "Open in Colab" finds a chapter notebook: the docs workflow publishes
    # site/notebooks/ to the same branch, under notebooks/.
    chapter_colab_url = c.Type(str, default="https://colab.research.google.com/github/autograd-atlas/autograd-atlas/blob/notebooks/notebooks/")
    timeout = c.Type(int, default=DEFAULT_TIMEOUT)
    # Off only to measure the build without execution (make bench).
    execute = c.Type(bool, default=True)


class _Page:
    """What the plugin knows of one chapter page between on_files and rendering."""

    def __init__(self, path: str, text: str, fences: list[Fence], cells: list[Cell], front_matter: int):
        self.path, self.text, self.fences, self.cells, self.front_matter = path, text, fences, cells, front_matter
        self.result: PageResult | None = None


class ExecutePagesPlugin(BasePlugin[ExecutePagesConfig]):
    serving = False

    def on_startup(self, *, command, dirty) -> None:
        # Defining on_startup also keeps this plugin across the rebuilds of `mkdocs serve`.
        self.serving = command == "serve"

    def on_config(self, config):
        self.root = Path(config.config_file_path).resolve().parent
        self.snippets_dir = self.root / self.config.snippets_dir
        self.cache = ExecutionCache(self.root / self.config.cache_dir, self.root)
        self.structure = StructurePass(list(config.markdown_extensions), dict(config.mdx_configs))
        self.pages: dict[str, _Page] = {}
        self.labs: dict[str, PageJob] = {}
        self.lab_results: dict[str, PageResult] = {}
        self.rendering: _Page | None = None
        self.notebook_css: dict[str, str] = {}  # site path -> stylesheet moved out of lab pages
        self.built_pages: list[tuple[str, str]] = []  # (written file, docs/page.md) of this build, for the math
        self.typesetter = MathTypesetter(self.root / self.config.cache_dir / "math")
        # The stylesheet of the math typeset at build time (formulas.py), on every page:
        # instant navigation swaps the content, never the stylesheets of <head>.
        if STYLESHEET_URI not in config.extra_css:
            config.extra_css.append(STYLESHEET_URI)
        claim_python_fences(config.mdx_configs.setdefault("pymdownx.superfences", {}), self._validate_fence, self._format_fence)
        if self.serving and self.config.execute:
            # Warm before the first code edit even when the first build runs nothing.
            fork_server(self.root)
        return config

    def _display_path(self, file: File) -> str:
        """The page as messages name it: docs/graph.md, relative to mkdocs.yml."""
        source = Path(file.abs_src_path).resolve()
        return source.relative_to(self.root).as_posix() if source.is_relative_to(self.root) else file.src_uri

    def on_files(self, files: Files, *, config) -> Files:
        if files.get_file_from_path(CARTESIAN_PLOTLY) is None:
            # atlas.js draws 2-D figures with it: without it they would silently stay blank.
            raise PluginError(f"docs/{CARTESIAN_PLOTLY} is missing: `make build` or `make serve` installs it from the npm registry (npm ci, see package.json)")
        if not (MATHJAX / "package.json").is_file():
            # The build typesets every formula with it (formulas.py).
            raise PluginError("node_modules/mathjax-full is missing: `make build` or `make serve` installs it from the npm registry (npm ci, see package.json)")
        self.built_pages = []
        errors: list[str] = []
        self.pages = {}
        for file in files.documentation_pages():
            if not file.src_uri.endswith(".md"):
                continue
            path = self._display_path(file)
            text = Path(file.abs_src_path).read_text(encoding="utf-8")
            try:
                fences = self.structure.fences(text, path)
                cells = page_cells(fences, path, self.snippets_dir)
            except FenceError as error:
                errors.append(str(error))
                continue
            if cells:
                self.pages[file.src_uri] = _Page(path, text, fences, cells, front_matter_lines(text))
        labs = {f"labs/{source.stem}.ipynb": source for source in sorted((self.root / self.config.labs_dir).glob("*.py"))}
        lab_notebooks = {uri: page_notebook(source) for uri, source in labs.items()}
        self.labs = {
            uri: PageJob(labs[uri].relative_to(self.root).as_posix(), lab_cells(notebook, labs[uri].relative_to(self.root).as_posix()))
            for uri, notebook in lab_notebooks.items()
        }
        if self.config.execute and not errors:
            errors = self._execute()
        if errors:
            # The time makes each build's message new: MkDocs drops a log message that repeats the
            # previous one, and under `mkdocs serve` the next rebuild of an unchanged failing page would say nothing.
            raise PluginError(f"Page execution failed (build of {time.strftime('%H:%M:%S')}):\n\n" + "\n\n".join(errors))
        for uri, source in labs.items():
            files.append(self._lab_page(config, uri, lab_notebooks[uri]))
            student = student_notebook(source, config.site_url or "")
            files.append(File.generated(config, f"labs/notebooks/{source.stem}.ipynb", content=nbformat.writes(student)))
        for download in self._chapter_downloads(config):
            files.append(download)
        for asset in _site_assets(config):
            files.append(asset)
        for figure in self._figure_files(config):
            files.append(figure)
        return files

    def _figure_files(self, config) -> list[File]:
        """Each Plotly figure's JSON as a file of the site, which atlas.js fetches when the figure nears the viewport."""
        results = [page.result for page in self.pages.values()] + list(self.lab_results.values())
        figures: dict[str, str] = {}
        for result in results:
            for cell in result.outputs if result is not None else []:
                for output in cell:
                    if PLOTLY_MIME in output.get("data", {}):
                        payload = figure_json(output["data"][PLOTLY_MIME])
                        figures[figure_uri(payload)] = payload
        return [File.generated(config, uri, content=payload) for uri, payload in figures.items()]

    def _chapter_downloads(self, config) -> list[File]:
        """notebooks/<chapter>.ipynb and notebooks/<chapter>.py of every executed chapter."""
        pins = requirement_pins(self.root / "requirements.txt")
        downloads = []
        for uri, page in self.pages.items():
            notebook = chapter_notebook(page.text, page.fences, page.cells, page.front_matter, Links(uri, config.site_url or ""), pins)
            stem = _download_stem(uri)
            downloads.append(File.generated(config, f"notebooks/{stem}.ipynb", content=nbformat.writes(published_notebook(notebook))))
            downloads.append(File.generated(config, f"notebooks/{stem}.py", content=chapter_script(notebook, pins)))
        return downloads

    def _chapter_links(self, page) -> str:
        stem = _download_stem(page.file.src_uri)
        notebook, script = (get_relative_url(f"notebooks/{stem}.{suffix}", page.url) for suffix in ("ipynb", "py"))
        colab = html.escape(f"{self.config.chapter_colab_url}{stem}.ipynb")
        return (
            '<p class="atlas-downloads">'
            f'<a class="md-button md-button--primary" href="{notebook}" download>Download notebook</a> '
            f'<a class="md-button" href="{script}" download>Download script</a> '
            f'<a class="md-button" href="{colab}">Open in Colab</a></p>'
        )

    def _execute(self) -> list[str]:
        jobs = [PageJob(page.path, page.cells) for page in self.pages.values()] + list(self.labs.values())
        results = execute_pages(jobs, self.root, self.cache, self.config.timeout)
        for page in self.pages.values():
            page.result = results[page.path]
        self.lab_results = {uri: results[job.path] for uri, job in self.labs.items()}
        ran = sum(not result.cached for result in results.values())
        log.info(f"atlas-exec: {ran} page(s) executed, {len(results) - ran} from the cache")
        return [str(result.failure) for result in results.values() if result.failure]

    # --- rendering ---------------------------------------------------------------

    def on_page_markdown(self, markdown: str, *, page, config, files) -> str:
        self.rendering = self.pages.get(page.file.src_uri)
        if self.rendering is None:
            return markdown
        return tag_cells(markdown, self.rendering.fences, self.rendering.front_matter)

    def _validate_fence(self, language, inputs, options, attrs, md) -> bool:
        """superfences validator of the fences Pygments highlights as Python."""
        if CELL_OPTION in inputs:
            options[CELL_OPTION] = inputs[CELL_OPTION]
        highlight_validator(language, {key: value for key, value in inputs.items() if key in DISPLAY_ATTRIBUTES}, options, attrs, md)
        attrs.clear()  # display attributes were checked by the grammar; nothing may unmake the fence
        return True

    def _format_fence(self, src, language, class_name, options, md, **kwargs) -> str:
        """superfences formatter: the code that ran, highlighted, then what it printed and displayed."""
        options = dict(options)
        highlight = md.preprocessors["fenced_code_block"].highlight
        index = options.pop(CELL_OPTION, None)
        page = self.rendering
        if index is None or page is None:
            # Not a fence of the page program: inside an HTML comment or an indented
            # code block, where superfences drops it again. The site test checks
            # that no such block reaches a page.
            return highlight(src=src, language=language, options=options, md=md, **kwargs)
        fence, cell = page.fences[int(index)], page.cells[int(index)]
        title = display_title(fence, self.snippets_dir)
        if title:
            options["title"] = title
        code = _compact_highlight(highlight(src=cell.code, language=language, options=options, md=md, **kwargs))
        outputs = ""
        result = page.result
        if result is not None and int(index) < len(result.outputs):
            rendered = render_outputs(cell.line, cell.language, result.outputs[int(index)], result.stamp, cell.timing)
            for warning in rendered.warnings:
                log.warning(f"{cell.where}: {warning}")
            outputs = rendered.html
        executed = "true" if result is not None else "false"
        if fence.fold is not None:
            # Code that is not the lesson (figure layout): collapsed, its output still shown.
            code = f'<details class="atlas-fold"><summary>{html.escape(fence.fold)}</summary>{code}</details>'
        # What the copy button copies (atlas.js): a pycon block without prompts and outputs.
        copy = f' data-atlas-copy="{html.escape(runnable_pycon(cell.code), quote=True)}"' if cell.language == "pycon" else ""
        return f'<div class="atlas-cell" data-atlas-line="{cell.line}" data-atlas-executed="{executed}"{copy}>{code}{outputs}</div>'

    def on_page_content(self, html_text: str, *, page, config, files) -> str:
        if page.file.src_uri.endswith(".ipynb"):
            # mkdocs-jupyter's template loads MathJax 2 and mermaid from CDNs; the
            # build typesets the notebooks' math itself (on_post_build) and they use no mermaid.
            html_text = fold_solutions(_without_cdn_scripts(html_text))
            return _LARGE_STYLE.sub(lambda style: self._linked_stylesheet(style[1], page), html_text)
        rendered, self.rendering = self.rendering, None
        if rendered is None:
            return html_text
        stamp = render_stamp(rendered.result.stamp) if rendered.result is not None and rendered.result.stamp is not None else ""
        return _after_title(html_text, self._chapter_links(page) + stamp)

    # --- labs ----------------------------------------------------------------------

    def _lab_page(self, config, uri: str, notebook) -> File:
        """The executed lab notebook, written where mkdocs-jupyter renders it from."""
        name = Path(uri).stem
        links = (
            f'<p class="atlas-lab-links"><a class="md-button md-button--primary" href="../notebooks/{name}.ipynb" download>Download the student notebook</a> '
            f'<a class="md-button" href="{html.escape(self.config.colab_url + name)}.ipynb">Open in Colab</a></p>'
        )
        result = self.lab_results.get(uri)
        if result:
            notebook = executed_notebook(notebook, result, links + render_stamp(result.stamp))
        target = self.cache.directory / "labs" / f"{name}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)
        # A plain File rooted in the cache: mkdocs-jupyter's wrapper cannot read generated Files.
        return File(uri, src_dir=str(self.cache.directory), dest_dir=config.site_dir, use_directory_urls=config.use_directory_urls)

    def on_page_context(self, context, *, page, config, nav):
        # A lab's source is labs/NN-name.py, not a file under docs/.
        job = self.labs.get(page.file.src_uri)
        if job and config.edit_uri:
            page.edit_url = config.edit_uri.rsplit("docs/", 1)[0] + job.path
        return context

    def _linked_stylesheet(self, css: str, page) -> str:
        """mkdocs-jupyter inlines ~600 KB of JupyterLab CSS into every lab page:
        serve it as one file instead, fetched once and cached across labs."""
        uri = f"assets/stylesheets/notebook-{hashlib.sha256(css.encode()).hexdigest()[:12]}.css"
        self.notebook_css[uri] = css
        return f'<link rel="stylesheet" href="{get_relative_url(uri, page.url)}">'

    def on_post_page(self, output: str, *, page, config) -> str:
        self.built_pages.append((page.file.abs_dest_path, self._display_path(page.file)))
        return output

    def on_post_build(self, *, config) -> None:
        for uri, css in self.notebook_css.items():
            target = Path(config.site_dir) / uri
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(css, encoding="utf-8")
        self._finish_pages(Path(config.site_dir))

    def _finish_pages(self, site_dir: Path) -> None:
        """Every written page with its math typeset (one run of MathJax for the whole site), then
        minified; and the math's stylesheet."""
        texts = {path: Path(path).read_text(encoding="utf-8") for path, _ in self.built_pages}
        found = [(path, find_math(texts[path], name)) for path, name in self.built_pages]
        found = [(path, math) for path, math in found if math.formulas or math.fragments]
        css = "/* No page of this site has math. */\n"
        if found:
            formulas, fragments, css = self.typesetter.typeset([math for _, math in found])
            for (path, math), page_formulas, page_fragments in zip(found, formulas, fragments):
                texts[path] = replaced(texts[path], math, page_formulas, page_fragments)
        for path, text in texts.items():
            Path(path).write_text(minified(text), encoding="utf-8")
        target = site_dir / STYLESHEET_URI
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(css, encoding="utf-8")


def _download_stem(uri: str) -> str:
    """The file name of a chapter's downloads: tensors.md -> tensors, a/b.md -> a-b."""
    return uri.removesuffix(".md").replace("/", "-")


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S)
# Spans that change no colour: names, whitespace, and operators and punctuation,
# which atlas.css gives the code's own colour in both palettes (Material's
# --md-code-hl-operator-color and --md-code-hl-punctuation-color). They are
# most of the markup of a code block, so they go.
_PLAIN_SPANS = re.compile(r'<span class="[nopw]">([^<]*)</span>')


def _compact_highlight(code_html: str) -> str:
    """Pygments' HTML without the spans that change no colour (what a reader sees is unchanged)."""
    return _PLAIN_SPANS.sub(r"\1", code_html)


# Inline stylesheets big enough to be worth a file of their own (small ones stay).
_LARGE_STYLE = re.compile(r"<style\b[^>]*>((?:(?!</style>).){4000,}?)</style>", re.S)


class _TitleEnd(html.parser.HTMLParser):
    """Where the page's first <h1> element ends (comments and code are not elements)."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.line_starts = [0] + [index + 1 for index, char in enumerate(text) if char == "\n"]
        self.title_end: int | None = None
        self._depth = 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "h1" and self.title_end is None:
            self._depth += 1

    def handle_endtag(self, tag):
        if tag == "h1" and self._depth and self.title_end is None:
            line, column = self.getpos()
            self.title_end = self.line_starts[line - 1] + column + len("</h1>")


def _after_title(html_text: str, block: str) -> str:
    """``block`` under the page's title: after its first <h1>, or first (the theme
    writes the title above the content when it comes from front matter)."""
    position = _TitleEnd(html_text).title_end or 0
    return html_text[:position] + block + html_text[position:]


def _without_cdn_scripts(html_text: str) -> str:
    """Drop every script that loads or imports from another host, or configures MathJax 2."""
    loads_remote = re.compile(r"<script[^>]*\bsrc=\"https?://|import\(\"https?://|elkUrl = \"https?://|MathJax\.Hub")
    return _SCRIPT.sub(lambda m: "" if loads_remote.search(m.group(0)) else m.group(0), html_text)


def _site_assets(config) -> list[File]:
    """The full plotly.js bundle and MathJax's fonts, served by the site itself (no CDN, works offline)."""
    import plotly.offline

    assets = [File.generated(config, "assets/javascripts/plotly.min.js", content=plotly.offline.get_plotlyjs())]
    for source in fonts():
        assets.append(File.generated(config, f"{FONTS_URI}/{source.name}", abs_src_path=str(source)))
    return assets
