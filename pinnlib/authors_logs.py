"""The authors' own training logs, shipped in ``data/authors_logs/`` (MIT licence).

Anagnostopoulos et al. (2024) logged, for their Allen-Cahn and Helmholtz runs at the
paper's configuration (6 x 128, 25,600 points, 300,000 Adam steps), the relative L2
error and the loss every 100 steps, and the batch-gradient statistics: the norms of
the batch mean and batch standard deviation of the gradient, whole network and per
weight matrix, whose ratio is the batch SNR at 256 points per batch (the paper's
units). ``data/authors_logs/README.md`` says where the files come from and what each
column holds; :func:`load_authors_log` reads one run and checks the files against
``manifest.json``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

LOG_DIR = Path(__file__).resolve().parents[1] / "data" / "authors_logs"

#: File prefix of each logged run: (benchmark, method) -> prefix.
AUTHORS_RUNS = {
    ("allen_cahn", "vanilla"): "AC-v",
    ("allen_cahn", "rba"): "AC-r",
    ("helmholtz", "vanilla"): "HM-v",
    ("helmholtz", "rba"): "HM-r2",
}


class AuthorsLogError(ValueError):
    """A log that does not exist, is missing, or does not match its checksum."""


@dataclass(frozen=True)
class AuthorsLog:
    """One of the authors' runs: error and loss every 100 steps, SNR at its own steps.

    ``snr`` is the whole-network batch SNR ||mean_b g_b|| / ||std_b g_b|| at 256
    points per batch; ``snr_layers`` (steps x weight matrices) the per-layer SNR.
    """

    problem: str
    method: str
    steps: np.ndarray
    error: np.ndarray
    loss: np.ndarray
    snr_steps: np.ndarray
    snr: np.ndarray
    snr_layers: np.ndarray

    def history(self) -> dict[str, np.ndarray]:
        """The SNR on its steps, with the error interpolated there (log-linear): the keys a
        record's history has, so the book's diagnostics apply to it unchanged."""
        log_error = np.interp(self.snr_steps, self.steps, np.log10(self.error))
        return {"step": self.snr_steps, "snr": self.snr, "error": 10**log_error}


def _checked(path: Path) -> Path:
    if not path.exists():
        raise AuthorsLogError(f"missing data file {path}: restore data/authors_logs/ from git")
    manifest = json.loads((LOG_DIR / "manifest.json").read_text())
    expected = manifest.get(path.name)
    if expected != hashlib.sha256(path.read_bytes()).hexdigest():
        raise AuthorsLogError(
            f"{path} does not match its sha256 in data/authors_logs/manifest.json; "
            "restore it from git"
        )
    return path


def _gradient_stats(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(steps, mean norms, std norms) per step and weight matrix of a grad_stats file."""
    with gzip.open(_checked(path), "rt") as f:
        rows = [line.split(",") for line in f.read().splitlines()[1:] if line]
    steps = np.array([float(r[0]) for r in rows])
    mean = np.array([float(r[2]) for r in rows])
    std = np.array([float(r[3]) for r in rows])
    n_layers = len({r[1] for r in rows})
    shape = (len(rows) // n_layers, n_layers)
    return steps.reshape(shape)[:, 0], mean.reshape(shape), std.reshape(shape)


def load_authors_log(problem: str, method: str) -> AuthorsLog:
    """The authors' logged run of ``problem`` ("allen_cahn", "helmholtz") and ``method``."""
    prefix = AUTHORS_RUNS.get((problem, method))
    if prefix is None:
        raise AuthorsLogError(
            f"no authors' log of {problem!r} with {method!r}; there are: {sorted(AUTHORS_RUNS)}"
        )
    losses = np.loadtxt(_checked(LOG_DIR / f"{prefix}-losses.txt.gz"))
    steps, mean, std = _gradient_stats(LOG_DIR / f"{prefix}-grad_stats.txt.gz")
    steps2, mean_layers, std_layers = _gradient_stats(LOG_DIR / f"{prefix}-grad_stats2.txt.gz")
    steps, here, there = np.intersect1d(steps, steps2, return_indices=True)  # a few differ
    mean, std = mean[here], std[here]
    mean_layers, std_layers = mean_layers[there], std_layers[there]
    return AuthorsLog(
        problem=problem,
        method=method,
        steps=losses[:, 0].astype(int),
        error=losses[:, 1],
        loss=losses[:, 2],
        snr_steps=steps.astype(int),
        snr=mean[:, 0] / std[:, 0],
        snr_layers=mean_layers / std_layers,
    )
