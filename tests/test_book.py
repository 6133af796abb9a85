"""The book runner: clear errors before any work, failing cells, and the HTML build."""

import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from pinnlib.book import (
    BOOK_DIR,
    ChapterError,
    chapter_parameters,
    executable_chapters,
    run_book,
    toc_entries,
)
from pinnlib.cli import build_parser, main

NOTEBOOKS = Path(__file__).parent / "notebooks"


def test_toc_lists_the_chapters():
    assert toc_entries()[0] == "intro"
    assert "burgers" in executable_chapters()


def test_every_chapter_takes_profile_seeds_and_device():
    """One interface for the runner and the reader: `--seed` and `--device` reach every chapter."""
    for name in executable_chapters():
        params = chapter_parameters(jupytext.read(BOOK_DIR / f"{name}.py"))
        assert params == {"profile": "cpu", "seeds": None, "device": "cpu"}, name
    args = build_parser().parse_args(["book", "--seed", "1", "--seed", "7"])
    assert args.seed == [1, 7]


def test_unknown_profile_chapter_and_parameter_fail_before_work(tmp_path):
    with pytest.raises(ValueError, match="unknown profile 'fast'"):
        run_book(profile="fast", output=tmp_path)
    with pytest.raises(ChapterError, match="unknown chapter"):
        run_book(profile="ci", chapters=["heat"], output=tmp_path)
    with pytest.raises(ChapterError, match=r"no parameter\(s\) \['width'\]"):
        run_book(profile="ci", parameters={"width": 3}, output=tmp_path)
    assert not any(tmp_path.iterdir())  # nothing was executed or written


def test_cli_reports_errors_without_traceback(capsys):
    assert main(["book", "--profile", "ci", "--chapter", "nope", "--no-build"]) == 2
    assert "unknown chapter" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["book", "--profile", "gpu"])
    with pytest.raises(SystemExit):
        main(["train", "burgers", "--steps", "-5"])
    assert main(["train", "heat", "--steps", "1"]) == 2
    assert "unknown benchmark" in capsys.readouterr().err
    assert main(["train", "burgers", "--device", "tpu"]) == 2
    assert "unknown device" in capsys.readouterr().err


def make_book(tmp_path: Path, cell: str) -> Path:
    book = tmp_path / "book"
    book.mkdir()
    (book / "_toc.yml").write_text("format: jb-book\nroot: broken\n")
    (book / "broken.py").write_text(
        '# %% tags=["parameters"]\nprofile = "cpu"\n\n# %%\nx = 1\n\n# %%\n' + cell + "\n"
    )
    return book


def test_failing_cell_names_chapter_and_cell_and_keeps_partial_notebook(tmp_path):
    book = make_book(tmp_path, "raise RuntimeError('deliberately broken')")
    out = tmp_path / "out"
    with pytest.raises(ChapterError) as err:
        run_book(profile="ci", output=out, book_dir=book, build=False)
    message = str(err.value)
    assert "chapter 'broken' failed in cell" in message
    assert "deliberately broken" in message
    partial = nbformat.read(out / "book" / "broken.ipynb", as_version=4)
    assert any(c.get("outputs") for c in partial.cells if c.cell_type == "code")


def test_committed_ci_notebooks_match_their_sources():
    """tests/notebooks/*.ipynb (what nbval checks) must be regenerated with `make ci-notebooks`."""
    for name in executable_chapters():
        committed = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        source = jupytext.read(BOOK_DIR / f"{name}.py")
        code = [c.source for c in source.cells if c.cell_type == "code"]
        executed = [
            c.source
            for c in committed.cells
            if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])
        ]
        assert executed == code, f"{name}: run `make ci-notebooks` and commit tests/notebooks"
        tags = [c.metadata.get("tags", []) for c in committed.cells]
        injected = [c for c, t in zip(committed.cells, tags) if "injected-parameters" in t]
        assert injected and 'profile = "ci"' in injected[0].source


@pytest.mark.slow
def test_book_builds_without_warnings_at_ci_profile(built_book):
    html = built_book.parent
    assert built_book.name == "index.html" and built_book.exists()
    for name in executable_chapters():
        page = (html / f"{name}.html").read_text()
        executed = nbformat.read(html.parent / "book" / f"{name}.ipynb", as_version=4)
        figures = sum(
            "image/png" in o.get("data", {}) for c in executed.cells for o in c.get("outputs", [])
        )
        images = re.findall(r'<img[^>]+src="([^"]+)"', page)
        assert len(images) >= figures, f"{name}: {figures} figures executed, {len(images)} shown"
        tables = sum(
            bool(re.search(r"^\|[-:| ]+\|$", o["data"].get("text/markdown", ""), re.M))
            for c in executed.cells
            for o in c.get("outputs", [])
            if "data" in o and "scrapbook" not in o.get("metadata", {})
        )
        shown = page.count("<table")
        assert shown >= tables, f"{name}: {tables} Markdown tables executed, {shown} rendered"
        prose = re.sub(r"<pre.*?</pre>", "", page, flags=re.S)
        assert not re.search(r"\$\\[A-Za-z]", prose), f"{name}: unrendered $\\...$ math"
        assert "Traceback" not in page
        assert "mybinder.org/v2/gh/" in page and "colab.research.google.com" in page, name
        assert "https://github.com/" in page, f"{name}: no repository button"
    assert any(re.search(r"<img", (html / f"{n}.html").read_text()) for n in executable_chapters())
    timings = (html.parent / "timings.csv").read_text()
    assert all(name in timings for name in executable_chapters())
