"""Shared fixtures: one strict build of the whole site per session, served on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The site built with `mkdocs build --strict` (execution cache in .cache/, as `make build`)."""
    site = tmp_path_factory.mktemp("site")
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)], cwd=ROOT, capture_output=True, text=True)
    assert build.returncode == 0, f"mkdocs build --strict failed:\n{build.stderr[-8000:]}"
    return site


@pytest.fixture(scope="session")
def site_url(built_site):
    with served(built_site) as url:
        yield url


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextmanager
def served(site: Path, handler: type[http.server.SimpleHTTPRequestHandler] = QuietHandler):
    """The folder served on a free 127.0.0.1 port, for as long as the block runs."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def chromium_path() -> str | None:
    """Debian's Chromium where installed (browsers cannot be downloaded everywhere)."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = launch_chromium(playwright)
        yield launched
        launched.close()


def launch_chromium(playwright):
    # executable_path None: Playwright's own browser
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


def site_urls(site: Path) -> list[str]:
    """Every page of the built site (chapters and lab notebooks), relative to its root, as sitemap.xml lists them."""
    locations = re.findall(r"<loc>(.*?)</loc>", (site / "sitemap.xml").read_text(encoding="utf-8"))
    return [location.removeprefix(locations[0]) for location in locations]  # the first is the home page


def page_urls() -> list[str]:
    """Site-relative URL of every Markdown page, as MkDocs writes it (directory URLs)."""
    urls = []
    for source in sorted((ROOT / "docs").rglob("*.md")):
        relative = source.relative_to(ROOT / "docs").with_suffix("")
        if relative.name == "index":
            relative = relative.parent
        urls.append("" if str(relative) == "." else relative.as_posix() + "/")
    return urls
