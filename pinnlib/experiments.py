"""Named experiments, profiles and the run cache.

A chapter asks for runs by spec (``experiment("burgers", profile, method="rba")``)
and :func:`run` either loads the stored record of that exact spec or trains it.
Records live under ``data/runs/<problem>/<method>-<key>/`` (or the folder named by
the ``PINNLIB_CACHE`` environment variable, or the ``cache_dir`` argument).

Profiles are the one knob for cost (DESIGN.md):

* ``ci``: seconds per chapter on 2 CPU cores, to check that everything runs;
* ``cpu``: the smallest configuration in which the phenomenon is visible;
* ``paper``: the authors' configuration (6 x 128, 300,000 steps), for a GPU.
"""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path
from typing import Any

from pinnlib.records import CorruptRecord, RunRecord, read_record, write_record
from pinnlib.spec import RunSpec
from pinnlib.train import Monitor, Trainer

PROFILES = ("ci", "cpu", "paper")
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = REPO_ROOT / "data" / "runs"

#: Per benchmark and profile, the changes to the paper's RunSpec defaults.
EXPERIMENTS: dict[str, dict[str, dict[str, Any]]] = {
    "burgers": {
        "ci": dict(width=20, depth=3, steps=600, problem_args=dict(n_collocation=1000)),
        "cpu": dict(width=32, depth=4, steps=15_000, problem_args=dict(n_collocation=4000)),
        "paper": dict(problem_args=dict(n_collocation=25_600), bias_init="torch"),
    },
    "allen_cahn": {
        "ci": dict(
            width=20, depth=3, steps=600,
            problem_args=dict(n_collocation=1000, periodic="embedding"),
        ),
        "cpu": dict(
            width=48, depth=4, steps=8000,
            problem_args=dict(n_collocation=4096, periodic="embedding"),
        ),
        "paper": dict(problem_args=dict(n_collocation=25_600), bias_init="torch"),
    },
    "helmholtz": {
        "ci": dict(
            width=20, depth=3, steps=600, rba_init="residual",
            problem_args=dict(n_collocation=1000, n_test=101, a1=1.0, a2=4.0),
        ),
        "cpu": dict(
            width=48, depth=4, steps=6000, rba_init="residual",
            problem_args=dict(n_collocation=4096, a1=1.0, a2=4.0),
        ),
        "paper": dict(
            problem_args=dict(n_collocation=25_600, n_test=1001), bias_init="torch",
            rba_init="residual",
        ),
    },
    "cavity": {
        "ci": dict(width=20, depth=3, steps=600, problem_args=dict(n_collocation=1000, re=100)),
        "cpu": dict(width=48, depth=4, steps=6000, problem_args=dict(n_collocation=2048, re=100)),
        "paper": dict(problem_args=dict(n_collocation=10_000, re=1000), bias_init="torch"),
    },
}  # fmt: skip

#: Settings every profile shares: the paper's diagnostics logged, and at the small
#: profiles the learning-rate decay every 1,000 steps instead of 5,000 (the same
#: decay per fraction of a run that is 5 to 50 times shorter).
COMMON = {"monitors": ("all",)}
SMALL_PROFILE_COMMON = {"decay_every": 1000}


def check_profile(profile: str) -> str:
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {PROFILES}")
    return profile


def experiment(problem: str, profile: str, **overrides: Any) -> RunSpec:
    """The spec of ``problem`` at ``profile``, with ``overrides`` (e.g. method, seed)."""
    check_profile(profile)
    if problem not in EXPERIMENTS:
        raise ValueError(f"unknown benchmark {problem!r}; known: {sorted(EXPERIMENTS)}")
    common = COMMON if profile == "paper" else {**COMMON, **SMALL_PROFILE_COMMON}
    settings = {**common, **EXPERIMENTS[problem][profile]}
    args = {**settings.pop("problem_args", {}), **overrides.pop("problem_args", {})}
    return RunSpec.from_dict({"problem": problem, "problem_args": args, **settings, **overrides})


def cache_dir(explicit: Path | str | None = None) -> Path:
    if explicit is not None:
        return Path(explicit)
    return Path(os.environ.get("PINNLIB_CACHE", DEFAULT_CACHE))


def record_path(spec: RunSpec, cache: Path | str | None = None) -> Path:
    return cache_dir(cache) / spec.problem / f"{spec.method}-{spec.key}"


def run(
    spec: RunSpec,
    device: str = "cpu",
    cache: Path | str | None = None,
    retrain: bool = False,
    progress: bool = True,
    checkpoint_every: int = 1000,
    monitors: dict[str, Monitor] | None = None,
) -> RunRecord:
    """The record of ``spec``: loaded from the cache, or trained (resuming a partial run).

    A corrupted record is reported and retrained, never used.
    """
    path = record_path(spec, cache)
    if path.exists() and not retrain:
        try:
            return read_record(path)
        except CorruptRecord as err:
            if (path / "record.json").exists():
                warnings.warn(f"retraining: {err}", stacklevel=2)
                shutil.rmtree(path)
    elif retrain and path.exists():
        shutil.rmtree(path)
    trainer = Trainer(spec, device=device, monitors=monitors)
    checkpoint = path / "checkpoint.pt"
    trainer.run(checkpoint=checkpoint, checkpoint_every=checkpoint_every, progress=progress)
    record = write_record(
        path,
        spec,
        trainer.history_arrays(),
        trainer.final_arrays(),
        trainer.model.state_dict(),
        trainer.info(),
    )
    checkpoint.unlink(missing_ok=True)
    return record
