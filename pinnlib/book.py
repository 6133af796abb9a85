"""The book runner: execute every chapter with papermill, then build the HTML.

For each chapter listed in ``book/_toc.yml`` whose source is a jupytext
py:percent file ``book/<name>.py``: read it with jupytext, check the requested
parameters against the chapter's ``parameters`` cell, execute it with papermill,
injecting the profile and the requested parameters that this chapter declares
(a chapter without ``seeds`` in its ``parameters`` cell gets no ``seeds``), write
the executed notebook into a staging copy of ``book/`` and record the wall time in
``timings.csv``. Prose pages (``.md``) are copied as they are and ``_config.yml``
is staged by :func:`book_config`. Finally ``jupyter-book build`` runs on the
staging folder with notebook execution off and warnings as errors.

Layout of the output folder (default ``_build/``); a build writes nothing else::

    _build/book/         staged sources and executed notebooks
    _build/html/         the HTML book (index.html)
    _build/timings.csv   chapter, profile, seconds, threads, machine, finished (UTC)

The committed table of chapter times that the Reproducing chapter shows,
``data/timings.csv`` (:data:`TIMINGS_TABLE`), changes only on request:
:func:`publish_timings` (``make timings``).
"""

from __future__ import annotations

import csv
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jupytext
import nbformat
import papermill
import yaml

from pinnlib.experiments import PROFILES, REPO_ROOT, check_profile
from pinnlib.train import resolve_device

BOOK_DIR = REPO_ROOT / "book"
CONFIG = REPO_ROOT / "_config.yml"
#: Environment variable with the URL of the repository that hosts the executed book
#: (it overrides ``repository.url`` of ``_config.yml``); see :func:`book_config`.
REPOSITORY_ENV = "PINNLIB_REPOSITORY_URL"


class ChapterError(RuntimeError):
    """A chapter that could not be run: bad name or parameter, or a failing cell."""


@dataclass
class ChapterResult:
    name: str
    seconds: float
    notebook: Path


def toc_entries(book_dir: Path = BOOK_DIR) -> list[str]:
    """Every file listed in ``_toc.yml`` (root, chapters, parts, sections), in order."""
    toc = yaml.safe_load((book_dir / "_toc.yml").read_text())
    names = [toc["root"]]

    def walk(items: Iterable[dict[str, Any]]) -> None:
        for item in items:
            if "file" in item:
                names.append(item["file"])
            walk(item.get("sections", []))
            walk(item.get("chapters", []))

    walk(toc.get("parts", []))
    walk(toc.get("chapters", []))
    return names


def executable_chapters(book_dir: Path = BOOK_DIR) -> list[str]:
    """The toc entries that have a jupytext ``.py`` source."""
    return [n for n in toc_entries(book_dir) if (book_dir / f"{n}.py").exists()]


def chapter_parameters(notebook: nbformat.NotebookNode) -> dict[str, Any]:
    """Names and default values of the cell tagged ``parameters``."""
    for cell in notebook.cells:
        if "parameters" in cell.metadata.get("tags", []):
            namespace: dict[str, Any] = {}
            exec(cell.source, {}, namespace)  # the parameters cell holds plain assignments
            return namespace
    raise ChapterError("the chapter has no cell tagged 'parameters'")


def check_parameter(chapter: str, name: str, value: Any, default: Any) -> None:
    """A :class:`ChapterError` unless ``value`` suits parameter ``name`` of ``chapter``.

    ``profile`` must be a profile, ``seeds`` None or a non-empty list of non-negative
    ints, ``device`` one that :func:`pinnlib.train.resolve_device` accepts here; any
    other parameter must have its default's type (an int may stand for a float).
    Checked before a kernel starts, so a bad value never costs a chapter's run.
    """
    where = f"chapter {chapter!r} parameter {name!r}"
    if name == "profile" and value not in PROFILES:
        raise ChapterError(f"{where}: unknown profile {value!r}; choose one of {PROFILES}")
    if name == "seeds" and value is not None and not _seed_list(value):
        raise ChapterError(f"{where} must be a list of non-negative integers, got {value!r}")
    if name == "device":
        if not isinstance(value, str):
            raise ChapterError(f"{where} must be a string such as 'cpu', got {value!r}")
        try:
            resolve_device(value)
        except ValueError as err:
            raise ChapterError(f"{where}: {err}") from None
    if default is not None and not _same_kind(value, default):
        raise ChapterError(
            f"{where} must be a {type(default).__name__} like its default {default!r}, "
            f"got {value!r}"
        )


def _seed_list(value: Any) -> bool:
    return (
        isinstance(value, list | tuple)
        and len(value) > 0
        and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in value)
    )


def _same_kind(value: Any, default: Any) -> bool:
    """``value`` has the type of ``default``; an int passes for a float, a bool for nothing."""
    if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
        return True
    return type(value) is type(default)


def read_chapter(name: str, book_dir: Path = BOOK_DIR) -> nbformat.NotebookNode:
    """The notebook of ``book/<name>.py``; an unknown chapter is a :class:`ChapterError`."""
    source = book_dir / f"{name}.py"
    if not source.exists():
        known = executable_chapters(book_dir)
        raise ChapterError(f"unknown chapter {name!r}; chapters: {known}")
    return jupytext.read(source)


def load_chapter(
    name: str, parameters: dict[str, Any], book_dir: Path = BOOK_DIR
) -> nbformat.NotebookNode:
    """Read ``book/<name>.py`` to run it with exactly ``parameters``: an unknown chapter,
    a parameter that its ``parameters`` cell does not declare or a bad value
    (:func:`check_parameter`) is a :class:`ChapterError`."""
    notebook = read_chapter(name, book_dir)
    defaults = chapter_parameters(notebook)
    unknown = set(parameters) - set(defaults)
    if unknown:
        raise ChapterError(
            f"chapter {name!r} has no parameter(s) {sorted(unknown)}; it takes {sorted(defaults)}"
        )
    for key, value in parameters.items():
        check_parameter(name, key, value, defaults[key])
    return notebook


def plan_parameters(
    chapters: list[str], offered: dict[str, Any], book_dir: Path = BOOK_DIR
) -> dict[str, dict[str, Any]]:
    """{chapter: the parameters of ``offered`` that its ``parameters`` cell declares},
    every value checked by :func:`check_parameter`. ``profile`` may go unused; any
    other offered name that none of ``chapters`` declares is a :class:`ChapterError`."""
    declared = {name: chapter_parameters(read_chapter(name, book_dir)) for name in chapters}
    known = sorted({key for defaults in declared.values() for key in defaults})
    unknown = set(offered) - set(known) - {"profile"}
    if unknown:
        where = f"chapter {chapters[0]!r} has" if len(chapters) == 1 else "the chapters have"
        takes = "it takes" if len(chapters) == 1 else "they take"
        raise ChapterError(f"{where} no parameter(s) {sorted(unknown)}; {takes} {known}")
    plans = {}
    for name, defaults in declared.items():
        plans[name] = {key: value for key, value in offered.items() if key in defaults}
        for key, value in plans[name].items():
            check_parameter(name, key, value, defaults[key])
    return plans


def execute_chapter(
    name: str,
    notebooks: Path,
    parameters: dict[str, Any],
    book_dir: Path = BOOK_DIR,
) -> ChapterResult:
    """Execute ``book/<name>.py`` into ``notebooks/<name>.ipynb`` with ``parameters``
    (each one declared by the chapter: :func:`load_chapter`).

    A failing cell raises :class:`ChapterError` naming the chapter and the cell;
    the partially executed notebook is kept.
    """
    notebook = load_chapter(name, parameters, book_dir)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebooks.mkdir(parents=True, exist_ok=True)
    output = notebooks / f"{name}.ipynb"
    with tempfile.TemporaryDirectory() as tmp:
        unexecuted = Path(tmp) / f"{name}.ipynb"
        nbformat.write(notebook, unexecuted)
        start = time.perf_counter()
        try:
            papermill.execute_notebook(
                unexecuted,
                output,
                parameters=parameters,
                kernel_name="python3",
                cwd=str(book_dir),
                progress_bar=False,
            )
        except papermill.PapermillExecutionError as err:
            raise ChapterError(
                f"chapter {name!r} failed in cell {err.cell_index} (execution count "
                f"{err.exec_count}): {err.ename}: {err.evalue}\n"
                f"the partial notebook is kept at {output}"
            ) from None
    hide_injected_parameters(output)
    return ChapterResult(name, time.perf_counter() - start, output)


def hide_injected_parameters(path: Path) -> None:
    """Tag papermill's injected-parameters cell ``remove-cell`` (the page states its profile)."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        tags = cell.metadata.setdefault("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
    nbformat.write(notebook, path)


TIMING_FIELDS = ["chapter", "profile", "seconds", "threads", "machine", "finished"]
#: The committed table of chapter run times that the Reproducing chapter shows; a build
#: writes its own ``OUTPUT/timings.csv``, and :func:`publish_timings` copies it here.
TIMINGS_TABLE = REPO_ROOT / "data" / "timings.csv"


def merge_timings(csv_path: Path, new_rows: list[dict[str, Any]]) -> None:
    """Write ``new_rows`` into a timings table, each replacing the row of its
    (chapter, profile); the other rows are kept."""
    replaced = {(r["chapter"], r["profile"]) for r in new_rows}
    rows = []
    if csv_path.exists():
        with csv_path.open() as f:
            rows = [r for r in csv.DictReader(f) if (r["chapter"], r["profile"]) not in replaced]
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    with csv_path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=TIMING_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows + new_rows)


def write_timing(csv_path: Path, result: ChapterResult, profile: str, threads: int) -> None:
    """Add or replace the (chapter, profile) row of a timings table."""
    row = {
        "chapter": result.name,
        "profile": profile,
        "seconds": f"{result.seconds:.1f}",
        "threads": threads,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    merge_timings(csv_path, [row])


def publish_timings(
    built: Path = REPO_ROOT / "_build" / "timings.csv", table: Path = TIMINGS_TABLE
) -> int:
    """Copy every row of a build's timings into the committed ``table`` (replacing the
    rows of the same chapter and profile); returns the number of rows copied."""
    if not built.exists():
        raise ChapterError(f"no timings at {built}: build the book first (make book)")
    with built.open() as f:
        rows = list(csv.DictReader(f))
    merge_timings(table, rows)
    return len(rows)


def book_config(config: Path = CONFIG, repository_url: str | None = None) -> dict[str, Any]:
    """The Jupyter Book configuration to build with: ``config`` with its repository URL
    taken from ``repository_url``, else the environment variable :data:`REPOSITORY_ENV`,
    else ``repository.url`` of ``config`` (empty in the repository's ``_config.yml``).

    Launch, repository and issue buttons only work with a repository that hosts the
    executed notebooks, so without a URL they are all switched off.
    """
    settings = yaml.safe_load(config.read_text())
    repository = settings.get("repository") or {}
    url = repository_url or os.environ.get(REPOSITORY_ENV) or repository.get("url") or ""
    if url:
        settings["repository"] = {**repository, "url": url}
        return settings
    settings.pop("repository", None)
    settings.pop("launch_buttons", None)
    html = settings.setdefault("html", {})
    for button in ("use_repository_button", "use_issues_button", "use_edit_page_button"):
        html[button] = False
    return settings


def stage_sources(stage: Path, book_dir: Path = BOOK_DIR) -> None:
    """Copy the prose pages, toc, bibliography and images (not the .py chapter sources)."""
    chapters = set(executable_chapters(book_dir))
    stage.mkdir(parents=True, exist_ok=True)
    for item in book_dir.iterdir():
        if item.suffix == ".py" and item.stem in chapters:
            continue
        if item.name.startswith((".", "_build")) or item.suffix == ".ipynb":
            continue
        target = stage / item.name
        if item.is_dir():
            shutil.copytree(item, target, dirs_exist_ok=True)
        else:
            shutil.copy2(item, target)
    (stage / "_config.yml").write_text(yaml.safe_dump(book_config(), sort_keys=False))


def build_html(stage: Path, output: Path, book_dir: Path = BOOK_DIR) -> Path:
    """``jupyter-book build`` the staged book with warnings as errors; returns index.html."""
    missing = [n for n in executable_chapters(book_dir) if not (stage / f"{n}.ipynb").exists()]
    if missing:
        raise ChapterError(
            f"cannot build: chapters {missing} have not been executed into {stage}; "
            "run the whole book first or pass --no-build"
        )
    html_parent = Path(tempfile.mkdtemp(dir=output, prefix=".jb-"))
    cmd = [
        str(Path(sys.executable).with_name("jupyter-book")), "build", str(stage),
        "--path-output", str(html_parent), "-W", "--keep-going", "--all",
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        shutil.rmtree(html_parent, ignore_errors=True)
        raise ChapterError(
            f"jupyter-book build failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    html = output / "html"
    shutil.rmtree(html, ignore_errors=True)
    (html_parent / "_build" / "html").rename(html)
    shutil.rmtree(html_parent, ignore_errors=True)
    return html / "index.html"


def run_book(
    profile: str = "cpu",
    chapters: list[str] | None = None,
    output: Path = REPO_ROOT / "_build",
    notebooks: Path | None = None,
    build: bool = True,
    parameters: dict[str, Any] | None = None,
    threads: int = 2,
    book_dir: Path = BOOK_DIR,
    log=print,
) -> Path | None:
    """Execute the chapters (all by default) at ``profile`` and build the HTML book.

    Each chapter gets the profile and those of ``parameters`` that it declares; a
    parameter that no chapter declares is an error. Everything the call is asked to
    do is checked before any chapter runs. Chapter wall times go to
    ``output/timings.csv``; nothing is written outside ``output`` and ``notebooks``.
    Returns the path of ``index.html`` (None with ``build=False``).
    """
    check_profile(profile)
    if (parameters or {}).get("profile", profile) != profile:
        raise ChapterError(
            f"profile {parameters['profile']!r} given as a parameter; give it as the profile "
            "(--profile)"
        )
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"threads must be a positive integer, got {threads!r}")
    chapters = list(chapters) if chapters else executable_chapters(book_dir)
    # Every name and parameter is checked before any work.
    plans = plan_parameters(chapters, {"profile": profile, **(parameters or {})}, book_dir)
    output = Path(output).resolve()
    stage = output / "book"
    notebooks = Path(notebooks).resolve() if notebooks else stage
    for folder in (output, notebooks):
        if folder.exists() and not folder.is_dir():
            raise ChapterError(f"{folder} is a file, not a folder for the book's output")
    if build:
        stage_sources(stage, book_dir)
    # Same numbers for the same profile and seed: fixed thread count in every kernel.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    for name in chapters:
        log(f"[book] executing {name} (profile={profile})")
        result = execute_chapter(name, notebooks, plans[name], book_dir)
        write_timing(output / "timings.csv", result, profile, threads)
        log(f"[book] {name}: {result.seconds:.1f} s -> {result.notebook}")
        if notebooks != stage and build:
            shutil.copy2(result.notebook, stage / result.notebook.name)
    if not build:
        return None
    index = build_html(stage, output, book_dir)
    log(f"[book] HTML book: {index}")
    return index


__all__ = [
    "PROFILES",
    "ChapterError",
    "book_config",
    "execute_chapter",
    "publish_timings",
    "run_book",
    "toc_entries",
]
