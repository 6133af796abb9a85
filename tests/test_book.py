"""The book runner: clear errors before any work, failing cells, and the HTML build."""

import ast
import csv
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from pinnlib.book import (
    BOOK_DIR,
    REPOSITORY_ENV,
    TIMINGS_TABLE,
    ChapterError,
    book_config,
    chapter_parameters,
    executable_chapters,
    plan_parameters,
    publish_timings,
    run_book,
    toc_entries,
    write_timing,
)
from pinnlib.cli import build_parser, main

NOTEBOOKS = Path(__file__).parent / "notebooks"


def test_toc_lists_the_chapters():
    assert toc_entries()[0] == "intro"
    assert "burgers" in executable_chapters()


def names_used(notebook) -> set[str]:
    """Every name read by a code cell other than the parameters cell."""
    used = set()
    for cell in notebook.cells:
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
            continue
        code = "\n".join(line for line in cell.source.splitlines() if not line.startswith("%"))
        used |= {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)}
    return used


def test_every_chapter_declares_the_profile_and_only_parameters_it_uses():
    """The page states its profile; ``seeds`` and ``device`` only where a chapter uses them."""
    for name in executable_chapters():
        notebook = jupytext.read(BOOK_DIR / f"{name}.py")
        params = chapter_parameters(notebook)
        assert params["profile"] == "cpu", name
        assert set(params) <= {"profile", "seeds", "device"}, name
        unused = set(params) - names_used(notebook)
        assert not unused, f"{name} declares {sorted(unused)} but never uses them"
    args = build_parser().parse_args(["book", "--seed", "1", "--seed", "7"])
    assert args.seed == [1, 7]


def test_the_runner_injects_only_the_parameters_a_chapter_declares():
    offered = {"profile": "ci", "seeds": [3], "device": "cpu"}
    plans = plan_parameters(["burgers", "reproducing", "appendix_detector"], offered)
    assert plans["burgers"] == offered
    assert plans["reproducing"] == {"profile": "ci", "seeds": [3]}
    assert plans["appendix_detector"] == {"profile": "ci"}
    no_seeds = r"'appendix_detector' has no parameter\(s\) \['seeds'\]"
    with pytest.raises(ChapterError, match=no_seeds):
        plan_parameters(["appendix_detector"], {"profile": "ci", "seeds": [3]})
    with pytest.raises(ChapterError, match=r"'seeds' must be a list"):
        plan_parameters(["appendix_detector", "reproducing"], {"profile": "ci", "seeds": [-1]})


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


def test_a_build_writes_timings_under_its_output_only(tmp_path):
    """The committed table changes only through publish_timings (make timings)."""
    from pinnlib.book import ChapterResult

    built, table = tmp_path / "out" / "timings.csv", tmp_path / "timings.csv"
    table.write_text(
        "chapter,profile,seconds,threads,machine,finished\n"
        "burgers,ci,9.0,2,x,2026-01-01\nburgers,cpu,99.0,2,x,2026-01-01\n"
    )
    write_timing(built, ChapterResult("burgers", 1.25, tmp_path / "b.ipynb"), "ci", 1)
    write_timing(built, ChapterResult("cavity", 2.0, tmp_path / "c.ipynb"), "ci", 1)
    assert publish_timings(built, table) == 2
    rows = {(r["chapter"], r["profile"]): r["seconds"] for r in csv.DictReader(table.open())}
    assert rows == {("burgers", "cpu"): "99.0", ("burgers", "ci"): "1.2", ("cavity", "ci"): "2.0"}
    assert TIMINGS_TABLE.name == "timings.csv"
    with pytest.raises(ChapterError, match="build the book first"):
        publish_timings(tmp_path / "missing.csv", table)


def test_buttons_only_with_a_repository_url(monkeypatch):
    """No launch, repository or issue button without a URL (none is configured in the
    repository); the environment variable or an argument gives one."""
    monkeypatch.delenv(REPOSITORY_ENV, raising=False)
    plain = book_config()
    assert "launch_buttons" not in plain and "repository" not in plain
    assert not any(plain["html"][b] for b in ("use_repository_button", "use_issues_button"))
    monkeypatch.setenv(REPOSITORY_ENV, "https://github.com/someone/pinn-book")
    configured = book_config()
    assert configured["repository"]["url"] == "https://github.com/someone/pinn-book"
    assert configured["launch_buttons"]["binderhub_url"]
    assert not configured["repository"]["path_to_book"].startswith("tests")
    assert configured["html"]["use_repository_button"]
    assert book_config(repository_url="https://example.org/x")["repository"]["url"] == (
        "https://example.org/x"
    )


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
        launch = "mybinder.org/v2/gh/" in page or "colab.research.google.com" in page
        assert launch == bool(book_config().get("repository")), f"{name}: launch buttons"
    assert any(re.search(r"<img", (html / f"{n}.html").read_text()) for n in executable_chapters())
    timings = (html.parent / "timings.csv").read_text()
    assert all(name in timings for name in executable_chapters())
