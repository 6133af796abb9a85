"""The built HTML book in headless Chromium: every page, its images, links, math and outputs.

Screenshots of every page are saved to ``_build/screenshots/`` as test artifacts.
"""

import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from pinnlib.book import toc_entries
from pinnlib.experiments import REPO_ROOT

SCREENSHOTS = REPO_ROOT / "_build" / "screenshots"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("chromium is not installed: `make test` installs Debian's chromium package")
    return path


def run_chromium(*args: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )
    return proc.stdout


class Links(HTMLParser):
    """Collects hrefs, image sources and element ids of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.images: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        if tag == "img" and a.get("src"):
            self.images.append(a["src"])


def parse(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text())
    return links


@pytest.mark.slow
@pytest.mark.parametrize("page", toc_entries())
def test_page_in_browser(built_book, page):
    html_dir = built_book.parent
    path = html_dir / f"{page}.html"
    assert path.exists(), f"{page}.html was not built"
    links = parse(path)

    for src in links.images:
        if not src.startswith(("http:", "https:", "data:")):
            assert (path.parent / unquote(src)).exists(), f"{page}: missing image {src}"
    for href in links.hrefs:
        url = urlparse(href)
        if url.scheme or href.startswith("mailto:"):
            continue
        target = (path.parent / unquote(url.path)).resolve() if url.path else path
        assert target.exists(), f"{page}: broken internal link {href}"
        if url.fragment and target.suffix == ".html":
            assert url.fragment in parse(target).ids, f"{page}: broken anchor {href}"

    dom = run_chromium("--virtual-time-budget=15000", "--dump-dom", path.as_uri())
    assert "<body" in dom, f"{page}: chromium rendered nothing"
    assert "Traceback (most recent call last)" not in dom, f"{page}: an error output"
    assert not re.search(r'class="[^"]*\b(output error|traceback)\b', dom), f"{page}: error cell"
    has_math = 'class="math' in path.read_text()
    if has_math:
        assert "<mjx-container" in dom, f"{page}: math was not typeset"
        assert "<mjx-merror" not in dom, f"{page}: a MathJax error"
        assert 'mathcolor="red"' not in dom, f"{page}: an undefined TeX macro"
        untypeset = re.search(r'<(span|div) class="math[^"]*">\s*(\\\(|\\\[|\$\$)', dom)
        assert untypeset is None, f"{page}: math left untypeset (unbalanced braces?)"

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    run_chromium(
        "--window-size=1280,2400",
        "--virtual-time-budget=15000",
        f"--screenshot={SCREENSHOTS / f'{page}.png'}",
        path.as_uri(),
    )
    assert (SCREENSHOTS / f"{page}.png").stat().st_size > 10_000
