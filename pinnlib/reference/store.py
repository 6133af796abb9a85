"""Reference files on disk: the manifest, checksums, and checked loading.

Layout of ``data/reference/``: one ``<name>.npz`` per reference and ``manifest.json``
recording, per name, the file, its sha256, array shapes and dtypes, the grid, the solver
settings, the recorded convergence / validation checks, timings, and the command that
regenerates it. Files are written atomically and checksummed by :mod:`pinnlib.storage`.
``load`` refuses a missing file, a file missing from the manifest and a
checksum mismatch, so a stale or damaged file never yields a silently wrong answer.
"""

from __future__ import annotations

import io
import json
import platform
import re
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import numpy as np
import scipy

from pinnlib.reference.builders import BUILDERS
from pinnlib.storage import atomic_write, sha256

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"
MANIFEST = "manifest.json"
COMMAND = "python -m pinnlib data --regenerate"
NAMES = ("allen_cahn", "burgers", "cavity_re100", "cavity_re1000")


class UnknownReferenceError(ValueError):
    """A reference name that does not exist."""


class ReferenceMissingError(FileNotFoundError):
    """A reference file (or the manifest) is not there."""


class ReferenceCorruptError(ValueError):
    """A reference file does not match the checksum recorded in the manifest."""


def _check_name(name: str) -> None:
    if name not in NAMES:
        raise UnknownReferenceError(
            f"unknown reference {name!r}; valid names: {', '.join(NAMES)} "
            "(Helmholtz is analytic: pinnlib.reference.helmholtz_solution)"
        )


def _fix(name: str) -> str:
    return f"regenerate it with `{COMMAND} {name}`"


def _write_npz(f: BinaryIO, arrays: dict[str, np.ndarray]) -> None:
    """An .npz (zip of .npy) with fixed timestamps, so equal arrays give equal bytes."""
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key in sorted(arrays):
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[key]), allow_pickle=False)
            zf.writestr(info, buf.getvalue())


def _dumps(obj: dict) -> str:
    """Indented JSON with short lists of numbers kept on one line."""
    text = json.dumps(obj, indent=2)
    flat = re.sub(
        r"\[\s*\n\s*([^\[\]{}\"]*?)\s*\n\s*\]", lambda m: f"[{' '.join(m[1].split())}]", text
    )
    return flat + "\n"


def read_manifest(data_dir: Path = DATA_DIR) -> dict:
    """The parsed manifest; raises ReferenceMissingError if absent or unreadable."""
    path = Path(data_dir) / MANIFEST
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as err:
        raise ReferenceMissingError(f"{path} not found; {_fix('')}".rstrip()) from err
    except json.JSONDecodeError as err:
        raise ReferenceMissingError(f"{path} is not valid JSON ({err}); {_fix('')}") from err


def _entry(name: str, data_dir: Path) -> tuple[Path, dict]:
    _check_name(name)
    data_dir = Path(data_dir)
    path = data_dir / f"{name}.npz"
    if not path.is_file():
        raise ReferenceMissingError(f"reference file {path} is missing; {_fix(name)}")
    entry = read_manifest(data_dir).get("files", {}).get(name)
    if entry is None:
        raise ReferenceMissingError(f"{name!r} is not in {data_dir / MANIFEST}; {_fix(name)}")
    return path, entry


def load(name: str, data_dir: Path = DATA_DIR) -> dict[str, np.ndarray]:
    """The arrays of reference ``name`` after checking its sha256 against the manifest."""
    path, entry = _entry(name, data_dir)
    found = sha256(path)
    if found != entry["sha256"]:
        raise ReferenceCorruptError(
            f"reference file {path} is corrupted or stale: sha256 {found[:12]}... does not "
            f"match the manifest's {entry['sha256'][:12]}...; {_fix(name)}"
        )
    with np.load(path, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def manifest_entry(name: str, data_dir: Path = DATA_DIR) -> dict:
    """The manifest record of ``name`` (grid, solver settings, checks, timings)."""
    return _entry(name, data_dir)[1]


def verify(data_dir: Path = DATA_DIR) -> list[str]:
    """Problems with the stored references (missing, unlisted or checksum mismatch); [] if
    all is well."""
    problems = []
    for name in NAMES:
        try:
            load(name, data_dir)
        except (ReferenceMissingError, ReferenceCorruptError) as err:
            problems.append(str(err))
        except (OSError, ValueError, zipfile.BadZipFile) as err:
            problems.append(f"{name}: unreadable ({err}); {_fix(name)}")
    return problems


def regenerate(
    names: list[str] | None = None,
    data_dir: Path = DATA_DIR,
    log: Callable[[str], None] | None = None,
) -> dict[str, float]:
    """Recompute the named references (all by default), write them atomically, update the
    manifest; returns the wall-clock seconds per name (solve and recorded checks)."""
    names = list(NAMES) if names is None else list(names)
    for name in names:
        _check_name(name)
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        manifest = read_manifest(data_dir)
    except ReferenceMissingError:
        manifest = {}
    manifest.setdefault("files", {})
    manifest["regenerate_command"] = COMMAND
    manifest["verify_command"] = "python -m pinnlib data --verify"
    timings = {}
    for name in names:
        start = time.perf_counter()
        built = BUILDERS[name]()
        path = data_dir / f"{name}.npz"
        atomic_write(path, lambda f, a=built.arrays: _write_npz(f, a))
        timings[name] = time.perf_counter() - start
        manifest["files"][name] = {
            "file": path.name,
            "sha256": sha256(path),
            "bytes": path.stat().st_size,
            "arrays": {
                k: {"shape": list(v.shape), "dtype": str(v.dtype)}
                for k, v in sorted(built.arrays.items())
            },
            "grid": built.grid,
            "solver": built.solver,
            "checks": built.checks,
            "seconds": {
                **{k: round(v, 2) for k, v in built.seconds.items()},
                "total": round(timings[name], 2),
            },
            "command": f"{COMMAND} {name}",
            "generated": datetime.now(UTC).isoformat(timespec="seconds"),
            "software": {
                "python": platform.python_version(),
                "numpy": np.__version__,
                "scipy": scipy.__version__,
            },
        }
        manifest["files"] = dict(sorted(manifest["files"].items()))
        text = _dumps(manifest)
        atomic_write(data_dir / MANIFEST, lambda f, s=text: f.write(s.encode()))
        if log is not None:
            log(f"{name}: {timings[name]:.1f} s -> {path}")
    return timings
