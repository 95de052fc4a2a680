"""`make bench`: build times, incremental rebuilds, serve latency, test time and page weight, against their targets.

A benchmark, not a test (nothing here is named test_*, so pytest never collects
it). Prints Markdown tables for the README and writes bench.json with the raw
numbers. `--skip-tests` leaves out the test suite, the slowest part.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from xml.etree import ElementTree

from atlas_exec.execute import environment, page_cells, page_environment
from tests.conftest import CHROMIUM_ARGS, ROOT, QuietHandler, chromium_path, launch_chromium, served, site_urls

# A chapter without figures: its rebuild times the engine, not Plotly.
EDITED_CHAPTER = ROOT / "docs" / "tensors.md"
EXECUTED = re.compile(r"atlas-exec: (\d+) page\(s\) executed, (\d+) from the cache")
# As `make` exports it: Material's banner about MkDocs 2 is noise in every build.
ENVIRONMENT = os.environ | {"NO_MKDOCS_2_WARNING": "1"}
MAX_COLD_BUILD_S = 90
MAX_WARM_OVER_NO_EXEC = 1.5
# Cold build against its floor: every page program run one after another in one
# warm process (no isolation at all), plus the build without execution.
MAX_COLD_OVER_FLOOR = 1.2
# `make test` may add this to the cold build and the browser tests: no page executes twice.
MAX_TEST_OVERHEAD_S = 60
# Under `mkdocs serve`, a code edit shows within this of a prose edit.
MAX_SERVE_CODE_OVER_PROSE_S = 1.0
MAX_CHAPTER_HTML = 150_000  # bytes, for a chapter page without figures
# Lighthouse (npm, package.json), mobile form factor (its default: a mid-range phone, 4x CPU
# slowdown, slow 4G, simulated), performance only, on these pages at least.
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
LIGHTHOUSE_PAGES = {"graph/", "gradient-descent/"}
LIGHTHOUSE_METRICS = ("total-blocking-time", "first-contentful-paint", "largest-contentful-paint", "speed-index", "cumulative-layout-shift")
MIN_LIGHTHOUSE_SCORE = 80
MAX_TOTAL_BLOCKING_MS = 600

# Figures are drawn as they near the viewport: a reader scrolling through the page.
SCROLL_TO_FIGURES = """async () => {
  for (const node of document.querySelectorAll("div.atlas-plotly")) {
    node.scrollIntoView({block: "center"});
    while (node.dataset.drawn !== "true") await new Promise(r => requestAnimationFrame(r));
  }
}"""
# performance.now() counts from navigation start; polled every frame, so the
# time is that of the first frame with every figure drawn and every graph laid out.
FIGURES_DRAWN = """() => {
  const figures = [...document.querySelectorAll("div.atlas-plotly")];
  const graphs = [...document.querySelectorAll(".atlas-graph svg")];
  const drawn = figures.every(node => node.dataset.drawn === "true" && node.querySelector(".main-svg"));
  const visible = graphs.every(svg => { const box = svg.getBoundingClientRect(); return box.width > 0 && box.height > 0; });
  return document.readyState !== "loading" && drawn && visible && performance.now();
}"""
# A backward-pass replay is interactive once replay.js has set it up (its step is set).
REPLAYS_READY = """() => { const replays = [...document.querySelectorAll("figure.atlas-replay")];
  return document.readyState !== "loading" && replays.every(node => node.dataset.replayStep !== undefined) && performance.now(); }"""
# transferSize is 0 for a resource the browser took from its cache.
RESOURCES = "() => performance.getEntriesByType('resource').map(entry => [new URL(entry.name).pathname, entry.transferSize])"


def build(site_dir: Path, config: str = "mkdocs.yml", cwd: Path = ROOT) -> dict:
    """`mkdocs build --strict`, as `make build` runs it; how long it took and how many pages it executed."""
    print(f"bench: building {site_dir.name}", file=sys.stderr, flush=True)
    start = time.perf_counter()
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", config, "--site-dir", str(site_dir)]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=ENVIRONMENT)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"mkdocs build failed:\n{done.stderr[-6000:]}")
    counts = EXECUTED.search(done.stderr)
    return {"seconds": round(seconds, 2), "executed": int(counts[1]) if counts else None, "cached": int(counts[2]) if counts else None}


@contextmanager
def edited(path: Path, change):
    """The file changed in place for one build, its original bytes restored whatever happens."""
    original = path.read_bytes()
    try:
        path.write_text(change(original.decode("utf-8")), encoding="utf-8")
        yield
    finally:
        path.write_bytes(original)


def add_prose(text: str) -> str:
    # A new paragraph under the title moves every fence of the page down: the
    # edit a writer makes, and the one that tells whether line numbers leak into the cache key.
    title_end = text.index("\n", text.index("# ")) + 1
    return text[:title_end] + "\nA sentence the benchmark adds and removes again.\n" + text[title_end:]


def add_code(text: str) -> str:
    return text + '\n```python\nprint("a fence the benchmark adds and removes again")\n```\n'


@contextmanager
def config_without_execution():
    """A config beside mkdocs.yml that inherits it with `execute: false` for atlas-exec.

    INHERIT merges dictionaries but replaces lists, and `plugins` is a list: so
    the child repeats mkdocs.yml's plugin list with one option changed. It
    lives in the repository root because the plugin resolves snippets/ and
    .cache/ from the directory of the config file.
    """
    from mkdocs.utils.yaml import yaml_load

    with open(ROOT / "mkdocs.yml", "rb") as parent:
        plugins = yaml_load(parent)["plugins"]
    plugins = [{"atlas-exec": {**entry["atlas-exec"], "execute": False}} if isinstance(entry, dict) and "atlas-exec" in entry else entry for entry in plugins]
    child = ROOT / ".bench-no-exec.yml"
    child.write_text(json.dumps({"INHERIT": "mkdocs.yml", "plugins": plugins}), encoding="utf-8")  # JSON is YAML
    try:
        yield child.name
    finally:
        child.unlink()


def run_tests() -> dict:
    """The whole suite, as `make test` runs it (cold: no site, no cache), and how long its browser tests took."""
    print("bench: running the test suite", file=sys.stderr, flush=True)
    shutil.rmtree(ROOT / ".cache", ignore_errors=True)
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "junit.xml"
        start = time.perf_counter()
        done = subprocess.run([str(Path(sys.executable).parent / "pytest"), f"--junitxml={report}"], cwd=ROOT, capture_output=True, text=True, env=ENVIRONMENT)
        seconds = time.perf_counter() - start
        listed = subprocess.run(
            [str(Path(sys.executable).parent / "pytest"), "--collect-only", "-q", "-m", "browser"], cwd=ROOT, capture_output=True, text=True, env=ENVIRONMENT
        )
        marked = {line.strip() for line in listed.stdout.splitlines() if "::" in line}
        cases = ElementTree.parse(report).iter("testcase")
        # junit names tests.test_x / test_y[param]; pytest lists tests/test_x.py::test_y[param].
        browser = sum(float(case.get("time", 0)) for case in cases if f"{case.get('classname', '').replace('.', '/')}.py::{case.get('name')}" in marked)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-500:]
    failed = [line for line in done.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    return {
        "seconds": round(seconds, 1),
        "browser_seconds": round(browser, 1),
        "passed": done.returncode == 0,
        "summary": summary.strip("= "),
        "failed": failed,
    }


def serial_floor(root: Path = ROOT) -> dict:
    """Every page program of ``root`` run one after another in one warm process: the floor of execution.

    The process imports what the fork server preloads, then runs each page with
    runner.PageProcess(isolated=False): no fork, no fresh namespace beyond a
    reset, nothing the build would accept, only what isolation costs on top.
    """
    print(f"bench: page programs of {root.name} run serially in one process", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "floor.json"
        code = f"from tests.bench import _serial_floor_worker; _serial_floor_worker({str(root)!r}, {str(out)!r})"
        done = subprocess.run([sys.executable, "-c", code], cwd=root, env=page_environment() | {"PYTHONPATH": str(ROOT)}, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"the serial run failed:\n{done.stderr[-4000:]}")
        return json.loads(out.read_text())


def _serial_floor_worker(root: str, out: str) -> None:
    import torch

    from atlas_exec.forkserver import preload
    from atlas_exec.labs import lab_cells, page_notebook
    from atlas_exec.runner import PageProcess
    from tests.page_program import site

    root_path = Path(root)
    structure, snippets, _, _ = site(root_path)
    jobs = []
    for source in sorted((root_path / "docs").rglob("*.md")):
        path = source.relative_to(root_path).as_posix()
        jobs.append(page_cells(structure.fences(source.read_text(encoding="utf-8"), path), path, snippets))
    for lab in sorted((root_path / "labs").glob("*.py")):
        jobs.append(lab_cells(page_notebook(lab), lab.relative_to(root_path).as_posix()))
    jobs = [cells for cells in jobs if cells]
    preload()
    start = time.perf_counter()
    failed = []
    with tempfile.TemporaryDirectory() as scratch:
        for cells in jobs:
            failure = PageProcess(root_path, lambda message: None, scratch, isolated=False).run([asdict(cell) for cell in cells])
            if failure:  # a timing assert on a loaded machine, say: the time is still what was spent
                failed.append(failure.where)
            torch._dynamo.reset()  # a page's compiled code must not meet the next page's namespace
    Path(out).write_text(json.dumps({"seconds": round(time.perf_counter() - start, 2), "pages": len(jobs), "failed": failed}))


def serve_latency() -> dict:
    """Seconds from saving a page to the served page showing the change, under `mkdocs serve`: a prose edit, then a code edit."""
    print("bench: mkdocs serve", file=sys.stderr, flush=True)
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "mkdocs", "serve", "--strict", "--dev-addr", f"127.0.0.1:{port}"]
    server = subprocess.Popen(command, cwd=ROOT, env=ENVIRONMENT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/autograd-atlas/{EDITED_CHAPTER.stem}/"

    def page() -> str:
        try:
            return urllib.request.urlopen(url, timeout=5).read().decode("utf-8")
        except OSError:
            return ""

    def waits_for(condition, what: str, limit: float = 180) -> float:
        start = time.perf_counter()
        while time.perf_counter() - start < limit:
            if condition(page()):
                return time.perf_counter() - start
            time.sleep(0.05)
        raise SystemExit(f"mkdocs serve never showed {what}")

    prose_marker, code_marker = "A sentence the serve benchmark adds", "<pre>output under serve and removes again</pre>"
    try:
        waits_for(lambda text: "</html>" in text, "the first build")
        time.sleep(3)  # the watcher settles
        with edited(EDITED_CHAPTER, lambda text: add_prose(text).replace("A sentence the benchmark adds", "A sentence the serve benchmark adds")):
            prose = waits_for(lambda text: prose_marker in text, "the prose edit")
        # The restored page must be rebuilt and served before the next edit starts the clock.
        waits_for(lambda text: "</html>" in text and prose_marker not in text, "the restored page")
        time.sleep(3)
        with edited(EDITED_CHAPTER, lambda text: add_code(text).replace("a fence the benchmark adds", "output under serve")):
            code = waits_for(lambda text: code_marker in text, "the code edit")
        waits_for(lambda text: "</html>" in text and code_marker not in text, "the restored page")
        return {"prose_edit_s": round(prose, 2), "code_edit_s": round(code, 2)}
    finally:
        server.terminate()
        server.wait(timeout=30)


def doubled_site() -> dict:
    """The cold build and the serial floor of the site with every chapter copied once: cost must stay linear."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "doubled"
        for name in ("docs", "snippets", "labs"):
            shutil.copytree(ROOT / name, copy / name)
        config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
        # Without nav MkDocs lists every page, the copies included.
        (copy / "mkdocs.yml").write_text(re.sub(r"^nav:\n(?:[ \t].*\n|\n)*", "", config, flags=re.M), encoding="utf-8")
        for chapter in sorted((copy / "docs").glob("*.md")):
            if chapter.name != "index.md":
                (copy / "docs" / f"{chapter.stem}-copy.md").write_text(chapter.read_text(encoding="utf-8"), encoding="utf-8")
        cold = build(copy / "site", str(copy / "mkdocs.yml"), cwd=copy)
        return {"cold": cold, "floor": serial_floor(copy)}


class CachingHandler(QuietHandler):
    """Serves with a max-age, as GitHub Pages does. Without one, Chromium guesses freshness from
    Last-Modified (a tenth of the file's age: seconds, just after a build) and revalidates every asset."""

    def end_headers(self):
        self.send_header("Cache-Control", "max-age=3600")
        super().end_headers()


class CompressingHandler(CachingHandler):
    """Serves as GitHub Pages does: a max-age, and text (HTML, CSS, JS, JSON, SVG) gzip-compressed for a
    browser that accepts it. Lighthouse measures through it: its simulated mobile network would
    otherwise carry bytes that no reader of the hosted site downloads."""

    COMPRESSED = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map")

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().send_head()  # the redirect of a folder to its name with a slash
            path = path / "index.html"
        if "gzip" not in self.headers.get("Accept-Encoding", "") or not path.is_file() or path.suffix not in self.COMPRESSED:
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return io.BytesIO(body)


@functools.cache
def gzip_bytes(file: Path) -> int:
    """The bytes a host that compresses (GitHub Pages does, with gzip) sends for a file."""
    return len(gzip.compress(file.read_bytes(), compresslevel=6)) if file.is_file() else 0


def visit(page, url: str, site_dir: Path, path: str) -> dict:
    page.goto(url, wait_until="domcontentloaded")
    page.evaluate(SCROLL_TO_FIGURES)
    drawn_ms = page.wait_for_function(FIGURES_DRAWN, timeout=60_000).json_value()
    replays = page.locator("figure.atlas-replay").count()
    replays_ms = page.wait_for_function(REPLAYS_READY, timeout=60_000).json_value() if replays else None
    page.wait_for_load_state("networkidle")
    resources = page.evaluate(RESOURCES)
    figures = page.locator("div.atlas-plotly").count()
    fetched = [name for name, size in resources if size > 0]  # transferSize 0: from the browser cache
    site_path = lambda name: site_dir / name.removeprefix("/")  # noqa: E731 - the site is served at the root
    return {
        "js_css_bytes": sum(size for name, size in resources if name.endswith((".js", ".css"))),
        "all_bytes": sum(size for _, size in resources),
        "gzip_bytes": gzip_bytes(site_dir / path / "index.html") + sum(gzip_bytes(site_path(name)) for name in fetched),
        "plotly_requested": any(name.endswith("plotly.min.js") for name, _ in resources),
        "plotly_fetched": any(name.endswith("plotly.min.js") and size > 0 for name, size in resources),
        "plotly_bundles_fetched": sorted(name for name in fetched if name.endswith("plotly.min.js")),
        "figures": figures,
        "figures_drawn_ms": round(drawn_ms) if figures else None,
        "replays": replays,
        "replays_interactive_ms": round(replays_ms) if replays else None,
    }


def measure_pages(site_dir: Path) -> tuple[list[dict], dict]:
    """Every page on a first visit (fresh browser), and as the second page of a visit (browser cache warm)."""
    from playwright.sync_api import sync_playwright

    urls = site_urls(site_dir)
    print(f"bench: visiting {len(urls)} pages in Chromium", file=sys.stderr, flush=True)
    pages = []
    with served(site_dir, CachingHandler) as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for url in urls:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            first = visit(context.new_page(), base + url, site_dir, url)
            context.close()
            source = ROOT / "docs" / (url or "index.md")
            chapter = source.with_suffix(".md").is_file() or (source / "index.md").is_file()
            html = (site_dir / url / "index.html").stat().st_size
            pages.append({"url": "/" + url, "chapter": chapter, "html_bytes": html, "first_visit": first})
        # One reader's visit of the whole site: the last page first, then every
        # page in turn, so that each is measured after another page.
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        walk = [visit(tab, base + url, site_dir, url) for url in urls[-1:] + urls]
        context.close()
        browser.close()
    for record, second in zip(pages, walk[1:]):
        record["second_page"] = second
    bundles = [name for step in walk for name in step["plotly_bundles_fetched"]]
    return pages, {"pages_visited": len(walk), "plotly_fetches": len(bundles), "plotly_bundles": {name: bundles.count(name) for name in sorted(set(bundles))}}


def lighthouse(site_dir: Path, urls: list[str]) -> dict[str, dict]:
    """Lighthouse's mobile performance score and its metrics for each page, served as GitHub Pages serves it."""
    if not LIGHTHOUSE.is_file():
        sys.exit("node_modules/.bin/lighthouse is missing: `make bench` installs it from the npm registry (npm ci, see package.json)")
    chrome = chromium_path()
    if chrome is None:
        sys.exit("Chromium is missing (Lighthouse runs in it): sudo apt-get install chromium")
    print(f"bench: Lighthouse on {len(urls)} pages", file=sys.stderr, flush=True)
    results = {}
    with served(site_dir, CompressingHandler) as base, tempfile.TemporaryDirectory() as folder:
        for url in urls:
            report = Path(folder) / "report.json"
            command = [str(LIGHTHOUSE), base + url, "--only-categories=performance", "--output=json", f"--output-path={report}", "--quiet"]
            command.append("--chrome-flags=" + " ".join(["--headless", *CHROMIUM_ARGS]))
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=ENVIRONMENT | {"CHROME_PATH": chrome})
            if done.returncode != 0 or not report.is_file():
                sys.exit(f"Lighthouse failed on /{url}:\n{done.stderr[-3000:]}")
            data = json.loads(report.read_text(encoding="utf-8"))
            audits = data["audits"]
            if data.get("runtimeError") or data["categories"]["performance"]["score"] is None:
                sys.exit(f"Lighthouse could not measure /{url}: {data.get('runtimeError') or data.get('runWarnings')}")
            metric = {name: audits[name]["numericValue"] for name in LIGHTHOUSE_METRICS}
            results[url] = {
                "score": round(100 * data["categories"]["performance"]["score"]),
                "total_blocking_ms": round(metric["total-blocking-time"]),
                "first_contentful_paint_ms": round(metric["first-contentful-paint"]),
                "largest_contentful_paint_ms": round(metric["largest-contentful-paint"]),
                "speed_index_ms": round(metric["speed-index"]),
                "cumulative_layout_shift": round(metric["cumulative-layout-shift"], 3),
                "lighthouse": data["lighthouseVersion"],
                "benchmark_index": data["environment"].get("benchmarkIndex"),
                "warnings": data.get("runWarnings", []),
            }
    return results


def machine() -> dict:
    # Timings on a shared machine mean little without the load they were taken under.
    return {"cpus": os.cpu_count(), **environment(), "load_average_at_start": os.getloadavg()}


def targets(builds: dict, pages: list[dict], walk: dict, floor: dict, serve: dict, tests: dict | None, doubled: dict) -> list[dict]:
    cold, warm, no_exec = (builds[key]["seconds"] for key in ("cold", "warm", "no_execution"))
    prose, code = builds["prose_edit"]["executed"], builds["code_edit"]["executed"]
    heaviest = max((page for page in pages if page["chapter"] and not page["first_visit"]["figures"]), key=lambda page: page["html_bytes"])
    has_figures = any(page["first_visit"]["figures"] for page in pages)
    without_figures = [page for page in pages if not page["first_visit"]["figures"]]
    plotly_where_unneeded = [page["url"] for page in without_figures if page["first_visit"]["plotly_requested"] or page["second_page"]["plotly_requested"]]
    ceiling = MAX_COLD_OVER_FLOOR * (floor["seconds"] + no_exec)
    doubled_ceiling = MAX_COLD_OVER_FLOOR * (doubled["floor"]["seconds"] + 2 * no_exec)
    rows = [
        (
            "cold build",
            f"{cold:.1f} s",
            f"≤ {MAX_COLD_OVER_FLOOR} × ({floor['seconds']:.1f} s serial floor + {no_exec:.1f} s without execution) = {ceiling:.1f} s",
            cold <= ceiling,
        ),
        ("warm build", f"{warm:.1f} s", f"≤ {MAX_WARM_OVER_NO_EXEC} × {no_exec:.1f} s (no execution)", warm <= MAX_WARM_OVER_NO_EXEC * no_exec),
        ("prose edit", f"{prose} page(s) executed", "0", prose == 0),
        ("code edit", f"{code} page(s) executed", "1", code == 1),
        (
            "`mkdocs serve`: code edit shown",
            f"{serve['code_edit_s']:.1f} s (prose edit {serve['prose_edit_s']:.1f} s)",
            f"≤ prose edit + {MAX_SERVE_CODE_OVER_PROSE_S:.0f} s",
            serve["code_edit_s"] <= serve["prose_edit_s"] + MAX_SERVE_CODE_OVER_PROSE_S,
        ),
        (
            "site doubled: cold build",
            f"{doubled['cold']['seconds']:.1f} s ({doubled['cold']['executed']} pages; serial floor {doubled['floor']['seconds']:.1f} s)",
            f"≤ {MAX_COLD_OVER_FLOOR} × (floor + 2 × {no_exec:.1f} s) = {doubled_ceiling:.1f} s",
            doubled["cold"]["seconds"] <= doubled_ceiling,
        ),
        (
            "chapter without figures",
            f"{heaviest['url']}: {heaviest['html_bytes'] / 1000:.0f} KB of HTML (heaviest)",
            f"≤ {MAX_CHAPTER_HTML // 1000} KB",
            heaviest["html_bytes"] <= MAX_CHAPTER_HTML,
        ),
        (
            "plotly.js per visit",
            ", ".join(f"{name} {count}×" for name, count in walk["plotly_bundles"].items()) + f" in {walk['pages_visited']} pages",
            "each bundle at most once",
            all(count == 1 for count in walk["plotly_bundles"].values()) and bool(walk["plotly_bundles"]) == has_figures,
        ),
        ("plotly.js without figures", ", ".join(plotly_where_unneeded) or "never requested", "never", not plotly_where_unneeded),
    ]
    if tests:
        test_ceiling = cold + tests["browser_seconds"] + MAX_TEST_OVERHEAD_S
        rows.insert(
            5,
            (
                "`make test`",
                f"{tests['seconds']:.0f} s (browser tests {tests['browser_seconds']:.0f} s)",
                f"≤ cold build + browser tests + {MAX_TEST_OVERHEAD_S} s = {test_ceiling:.0f} s",
                tests["seconds"] <= test_ceiling,
            ),
        )
    for page in pages:
        measured = page.get("lighthouse")
        if measured and page["url"].removeprefix("/") in LIGHTHOUSE_PAGES:
            rows.append(
                (
                    f"Lighthouse, mobile: {page['url']}",
                    f"performance {measured['score']}, total blocking time {measured['total_blocking_ms']} ms",
                    f"≥ {MIN_LIGHTHOUSE_SCORE}, ≤ {MAX_TOTAL_BLOCKING_MS} ms",
                    measured["score"] >= MIN_LIGHTHOUSE_SCORE and measured["total_blocking_ms"] <= MAX_TOTAL_BLOCKING_MS,
                )
            )
    return [{"measure": measure, "value": value, "target": target, "passed": passed} for measure, value, target, passed in rows]


def markdown(builds: dict, tests: dict | None, pages: list[dict], checked: list[dict], about: dict) -> str:
    chapter = EDITED_CHAPTER.relative_to(ROOT).as_posix()
    labels = {"cold": "cold (`make clean` first)", "warm": "warm (nothing changed)", "no_execution": "execution disabled"}
    labels |= {"prose_edit": f"after a prose edit of `{chapter}`", "code_edit": f"after a code edit of `{chapter}`"}
    lines = ["| build | seconds | pages executed |", "|---|---:|---:|"]
    lines += [
        f"| {label} | {builds[key]['seconds']:.1f} | {builds[key]['executed'] if builds[key]['executed'] is not None else '—'} |"
        for key, label in labels.items()
    ]
    lines.append(f"| test suite (`make test`, cold) | {tests['seconds']:.0f} | {tests['summary']} |" if tests else "| test suite | skipped | |")
    load = ", ".join(f"{value:.2f}" for value in about["load_average_at_start"])
    lines += [
        "",
        f"Load average (1, 5, 15 min) when the run started: {load}; at its end: {', '.join(f'{value:.2f}' for value in about['load_average_at_end'])}.",
    ]
    lines += ["", "| target | measured | wanted | |", "|---|---|---|:-:|"]
    lines += [f"| {row['measure']} | {row['value']} | {row['target']} | {'✅' if row['passed'] else '❌'} |" for row in checked]
    lines += [
        "",
        "| page | HTML KB | figures | JS+CSS KB, first visit / second page | gzip KB transferred, first / second | plotly.js fetched | figures drawn, ms | Lighthouse mobile: performance, TBT ms |",
        "|---|---:|---:|---:|---:|:-:|---:|---:|",
    ]
    yes_no = {True: "yes", False: "no"}
    for page in pages:
        first, second = page["first_visit"], page["second_page"]
        weight = f"{first['js_css_bytes'] / 1000:.0f} / {second['js_css_bytes'] / 1000:.0f}"
        drawn = f"{first['figures_drawn_ms']} / {second['figures_drawn_ms']}" if first["figures"] else "—"
        gzipped = f"{first['gzip_bytes'] / 1000:.0f} / {second['gzip_bytes'] / 1000:.0f}"
        measured = page.get("lighthouse")
        scored = f"{measured['score']}, {measured['total_blocking_ms']}" if measured else "—"
        lines.append(
            f"| {page['url']} | {page['html_bytes'] / 1000:.0f} | {first['figures']} | {weight} | {gzipped} | {yes_no[first['plotly_fetched']]} / {yes_no[second['plotly_fetched']]} | {drawn} | {scored} |"
        )
    with_replays = [page for page in pages if page["first_visit"]["replays"]]
    lines += [
        "",
        "| page with a backward-pass replay | HTML KB | gzip KB, first visit | replays | interactive after, ms (first / second page) |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {page['url']} | {page['html_bytes'] / 1000:.0f} | {page['first_visit']['gzip_bytes'] / 1000:.0f} | {page['first_visit']['replays']} | {page['first_visit']['replays_interactive_ms']} / {page['second_page']['replays_interactive_ms']} |"
        for page in with_replays
    ]
    return "\n".join(lines) + (
        "\n\nPer page, a / b = first visit (fresh browser) / second page of a visit (browser cache warm). KB = 1000 bytes, uncompressed."
        " Lighthouse: mobile form factor, simulated throttling, a first visit, the site served gzip-compressed as GitHub Pages serves it."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-tests", action="store_true", help="leave out the test suite (while working on the benchmark)")
    parser.add_argument("--only-lighthouse", action="store_true", help="only Lighthouse on every page of a warm build (while working on page speed)")
    arguments = parser.parse_args()
    about = machine()
    if arguments.only_lighthouse:
        with tempfile.TemporaryDirectory() as sites:
            build(Path(sites) / "site")
            urls = site_urls(Path(sites) / "site")
            scores = lighthouse(Path(sites) / "site", urls)
        print(
            f"Load average (1, 5, 15 min) at the start: {', '.join(f'{value:.2f}' for value in about['load_average_at_start'])}; at the end: {', '.join(f'{value:.2f}' for value in os.getloadavg())}.\n"
        )
        print("| page | performance | total blocking time, ms | FCP, ms | LCP, ms | CLS |\n|---|---:|---:|---:|---:|---:|")
        for url, measured in scores.items():
            print(
                f"| /{url} | {measured['score']} | {measured['total_blocking_ms']} | {measured['first_contentful_paint_ms']} | {measured['largest_contentful_paint_ms']} | {measured['cumulative_layout_shift']} |"
            )
        return
    builds = {}
    with tempfile.TemporaryDirectory() as sites:
        sites = Path(sites)
        shutil.rmtree(ROOT / "site", ignore_errors=True)  # `make clean`
        shutil.rmtree(ROOT / ".cache", ignore_errors=True)
        builds["cold"] = build(sites / "cold")
        builds["warm"] = build(sites / "warm")
        with edited(EDITED_CHAPTER, add_prose):
            builds["prose_edit"] = build(sites / "prose-edit")
        with edited(EDITED_CHAPTER, add_code):
            builds["code_edit"] = build(sites / "code-edit")
        # Last and twice, keeping the second: a build without execution renders
        # other lab notebooks (no outputs), which mkdocs-jupyter converts once
        # and caches, as the warm build's were.
        with config_without_execution() as config:
            build(sites / "no-execution", config)
            builds["no_execution"] = build(sites / "no-execution", config)
        pages, walk = measure_pages(sites / "warm")
        scores = lighthouse(sites / "warm", [page["url"].removeprefix("/") for page in pages])
        for page in pages:
            page["lighthouse"] = scores[page["url"].removeprefix("/")]
    floor = serial_floor()
    serve = serve_latency()
    doubled = doubled_site()
    tests = None if arguments.skip_tests else run_tests()
    about["load_average_at_end"] = os.getloadavg()
    checked = targets(builds, pages, walk, floor, serve, tests, doubled)
    report = {
        "machine": about,
        "serial_floor": floor,
        "serve": serve,
        "doubled": doubled,
        "edited_chapter": EDITED_CHAPTER.relative_to(ROOT).as_posix(),
        "builds": builds,
        "tests": tests,
        "pages": pages,
        "visit": walk,
        "targets": checked,
    }
    (ROOT / "bench.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(markdown(builds, tests, pages, checked, about))


if __name__ == "__main__":
    main()
