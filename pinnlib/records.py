"""Run records on disk, written atomically and verified when read.

A record is a folder holding

* ``history.npz``: the logged arrays (step, loss terms, error, monitors);
* ``final.npz``: collocation points, final residuals and RBA weights;
* ``state.pt``: the final model weights;
* ``record.json``: the resolved spec, provenance, timings and the sha256 of the
  three files above. It is written last: a folder without it is a partial run.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch

from pinnlib.spec import RunSpec

RECORD_FILES = ("history.npz", "final.npz", "state.pt")


class CorruptRecord(ValueError):
    """A record folder whose files are missing or do not match their checksums."""


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_torch_save(obj: Any, path: Path) -> None:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def atomic_savez(path: Path, arrays: dict[str, np.ndarray]) -> None:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    atomic_write_bytes(path, buffer.getvalue())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
    """Where and with what a run was made."""
    from pinnlib import __version__

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


@dataclass
class RunRecord:
    """A finished run as loaded from disk."""

    path: Path
    spec: RunSpec
    history: dict[str, np.ndarray]
    final: dict[str, np.ndarray]
    info: dict[str, Any]

    @property
    def final_error(self) -> float:
        return float(self.history["error"][-1])

    @property
    def provenance(self) -> dict[str, Any]:
        return self.info["provenance"]

    def state_dict(self) -> dict[str, torch.Tensor]:
        return torch.load(self.path / "state.pt", weights_only=True)

    def model(self) -> torch.nn.Module:
        """The trained network (on the CPU, in the run's dtype)."""
        from pinnlib.train import build_model

        model = build_model(self.spec)
        model.load_state_dict(self.state_dict())
        return model.eval()


def write_record(
    path: Path,
    spec: RunSpec,
    history: dict[str, np.ndarray],
    final: dict[str, np.ndarray],
    state: dict[str, torch.Tensor],
    info: dict[str, Any],
) -> RunRecord:
    """Write a complete record; ``record.json`` (with checksums) goes last."""
    path.mkdir(parents=True, exist_ok=True)
    atomic_savez(path / "history.npz", history)
    atomic_savez(path / "final.npz", final)
    atomic_torch_save(state, path / "state.pt")
    meta = {
        "key": spec.key,
        "spec": spec.to_dict(),
        **info,
        "sha256": {name: sha256(path / name) for name in RECORD_FILES},
    }
    atomic_write_bytes(path / "record.json", json.dumps(meta, indent=1).encode())
    return RunRecord(path, spec, history, final, meta)


def read_record(path: Path) -> RunRecord:
    """Load and verify a record; raise :class:`CorruptRecord` if anything is off."""
    meta_path = path / "record.json"
    if not meta_path.exists():
        raise CorruptRecord(f"{path} has no record.json (an unfinished run)")
    try:
        meta = json.loads(meta_path.read_text())
        spec = RunSpec.from_dict(meta["spec"])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise CorruptRecord(f"{meta_path} is unreadable: {err}") from None
    if spec.key != meta.get("key"):
        raise CorruptRecord(f"{path}: stored key {meta.get('key')} does not match its spec")
    for name in RECORD_FILES:
        file = path / name
        if not file.exists() or sha256(file) != meta["sha256"].get(name):
            raise CorruptRecord(f"{file} is missing or does not match its checksum")
    with np.load(path / "history.npz") as h, np.load(path / "final.npz") as f:
        history = {k: h[k] for k in h.files}
        final = {k: f[k] for k in f.files}
    return RunRecord(path, spec, history, final, meta)
