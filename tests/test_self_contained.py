"""The product stands alone: no file of the repository points to a file outside it."""

from pathlib import Path

ROOT = Path(__file__).parents[1]
#: Names of files that live beside the repository, not in it.
OUTSIDE = ("PAPER.md", "DESIGN.md", "../shared", "authors-logs/")
SOURCES = ["README.md", "_config.yml", "Makefile", "pyproject.toml"]
FOLDERS = ["pinnlib", "book", "scripts", "tests", "data"]


def sources() -> list[Path]:
    files = [ROOT / f for f in SOURCES]
    for folder in FOLDERS:
        for suffix in ("*.py", "*.md", "*.yml", "*.sh"):
            files += (ROOT / folder).rglob(suffix)
    return [f for f in files if f != Path(__file__)]


def test_no_file_points_outside_the_repository():
    found = [
        f"{f.relative_to(ROOT)}: {name}"
        for f in sources()
        for name in OUTSIDE
        if name in f.read_text(errors="replace")
    ]
    assert not found, found
