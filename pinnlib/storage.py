"""Files on disk: atomic writes, sha256 checksums and the provenance of what is written.

Used alike by the run records (:mod:`pinnlib.records`) and the reference store
(:mod:`pinnlib.reference.store`). An atomic write goes to a temporary file in the
target's folder, is flushed to disk and then renamed over the target with
``os.replace``, so a reader sees the old file or the new one, never half a file.
"""

from __future__ import annotations

import hashlib
import io
import os
import platform
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import torch

from pinnlib import __version__


# -- atomic writes ---------------------------------------------------------------------------
def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort: not every system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, write: Callable[[BinaryIO], Any]) -> None:
    """Create ``path`` with what ``write(f)`` writes to the binary file ``f``, atomically.

    ``write`` fills a temporary file in the same folder, which is flushed, made
    readable by everyone (0644, as a shared cache needs) and renamed over ``path``;
    on any error the temporary file is deleted and ``path`` is left as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (:func:`atomic_write`)."""
    atomic_write(path, lambda f: f.write(data))


def atomic_torch_save(obj: Any, path: Path) -> None:
    """``torch.save(obj)`` to ``path``, atomically."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def atomic_savez(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez_compressed(**arrays)`` to ``path``, atomically."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    atomic_write_bytes(path, buffer.getvalue())


def remove_path(path: Path) -> None:
    """Delete a file or folder tree if it is there (best effort for a tree)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


# -- checksums -------------------------------------------------------------------------------
def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256(path: Path) -> str:
    """Hex sha256 of the file at ``path`` (read in blocks of 1 MiB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- provenance ------------------------------------------------------------------------------
def git_commit() -> str | None:
    """The commit of the pinnlib checkout, or None outside a git repository."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def provenance(device: torch.device) -> dict[str, Any]:
    """Where and with what a run was made: versions, commit, device, threads, host, time."""
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor()
    return {
        "pinnlib_version": __version__,
        "git_commit": git_commit(),
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "device": str(device),
        "device_name": name or platform.machine(),
        "threads": torch.get_num_threads(),
        "hostname": platform.node(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
