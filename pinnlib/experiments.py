"""Named experiments, profiles and the run cache.

A chapter asks for runs by spec (``experiment("burgers", profile, method="rba")``)
and :func:`run` either loads the stored record of that exact spec or trains it.
Records live under ``data/runs/<problem>/<method>-<key>/`` (or the folder named by
the ``PINNLIB_CACHE`` environment variable, or the ``cache_dir`` argument).

Profiles are the one knob for cost. :data:`PROFILES` says everything a profile
means: its purpose, the settings all its runs share, its network seeds and the
longer runs of RQ1; :data:`EXPERIMENTS` holds, per benchmark, each profile's
changes to the paper's RunSpec defaults.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from pinnlib.records import (
    META,
    CorruptCheckpoint,
    CorruptRecord,
    RunRecord,
    check_writable,
    checkpoint_path,
    checkpoint_problem,
    clean_leftovers,
    read_record,
    recover_record,
    write_record,
)
from pinnlib.spec import RunSpec, canonical_dict, canonical_problem
from pinnlib.storage import atomic_torch_save, remove_path
from pinnlib.train import Monitor, Trainer

#: Set this environment variable to ``1`` and :func:`run` raises
#: :class:`MissingRecord` instead of training: a chapter executed that way shows only
#: committed (or swept) records, so its printed numbers do not depend on the CPU.
NO_TRAINING_ENV = "PINNLIB_NO_TRAINING"
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = REPO_ROOT / "data" / "runs"

#: Per benchmark and profile, the changes to the paper's RunSpec defaults.
EXPERIMENTS: dict[str, dict[str, dict[str, Any]]] = {
    "allen_cahn": {
        "ci": dict(
            width=20, depth=3, steps=600,
            problem_args=dict(n_collocation=1000, periodic="embedding"),
        ),
        "cpu": dict(
            width=48, depth=4, steps=20_000, decay_every=2000, lbfgs_steps=3000,
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
            width=48, depth=4, steps=10_000, lbfgs_steps=2000, rba_init="residual",
            problem_args=dict(n_collocation=4096, a1=1.0, a2=4.0),
        ),
        "paper": dict(
            problem_args=dict(n_collocation=25_600, n_test=1001), bias_init="torch",
            rba_init="residual",
        ),
    },
    "burgers": {
        "ci": dict(width=20, depth=3, steps=600, problem_args=dict(n_collocation=1000)),
        "cpu": dict(
            width=32, depth=4, steps=15_000, lbfgs_steps=3000,
            problem_args=dict(n_collocation=4096),
        ),
        "paper": dict(problem_args=dict(n_collocation=25_600), bias_init="torch"),
    },
    "cavity": {
        "ci": dict(width=20, depth=3, steps=600, problem_args=dict(n_collocation=1000, re=100)),
        "cpu": dict(
            width=48, depth=4, steps=10_000, lbfgs_steps=3000,
            problem_args=dict(n_collocation=4096, re=100),
        ),
        "paper": dict(problem_args=dict(n_collocation=10_000, re=1000), bias_init="torch"),
    },
}  # fmt: skip


@dataclass(frozen=True)
class Profile:
    """What a profile means: ``shared`` settings over the paper's defaults for every
    benchmark's runs, the network ``seeds`` the chapters train, and ``long_runs``:
    {benchmark: spec overrides} of the longer runs RQ1 trains (first seed)."""

    purpose: str
    shared: Mapping[str, Any]
    seeds: tuple[int, ...]
    long_runs: Mapping[str, Mapping[str, Any]]


#: The paper's diagnostics are logged at every profile.
LOGGED = {"monitors": ("all",)}
#: At the small profiles, the learning-rate decay every 1,000 steps instead of the
#: paper's 5,000: runs of 10,000 to 20,000 Adam steps then decay 10 to 20 times, against
#: 60 times over the paper's 300,000.
SMALL_DECAY = {"decay_every": 1000}
#: At ``cpu`` also: the compiled loss (cheaper steps; ``python -m pinnlib bench`` measures
#: by how much) and the SNR over equal batches of the paper's 256 points (the paper's
#: units, no rescaling).
COMPILED_256 = {"compile": True, "snr_batch_points": 256}

PROFILES: dict[str, Profile] = {
    "ci": Profile(
        purpose="seconds per chapter on 2 CPU cores, to check that everything runs",
        shared={**LOGGED, **SMALL_DECAY},
        seeds=(2341,),
        long_runs={p: dict(steps=1200, decay_every=1000) for p in ("burgers", "allen_cahn")},
    ),
    "cpu": Profile(
        purpose="small networks trained towards an error target (Adam, then L-BFGS), one core each",
        shared={**LOGGED, **SMALL_DECAY, **COMPILED_256},
        seeds=(2341, 2342, 2343, 2344, 2345),
        # the paper's decay schedule (x0.9 every 5,000 steps)
        long_runs={
            "burgers": dict(steps=60_000, decay_every=5000),
            "allen_cahn": dict(steps=40_000, decay_every=5000),
        },
    ),
    "paper": Profile(
        purpose="the authors' configuration (6 x 128, 300,000 steps), for a GPU",
        shared=LOGGED,
        seeds=(2341,),
        long_runs={},  # the profile's own runs are already the paper's length
    ),
}


#: The RBA final relative L2 error the ``cpu`` profile aims for on each benchmark: the
#: goal of the profile search (``scripts/profile_search.py``), of the order of the
#: paper's own RBA errors (``pinnlib.problems``: ``paper_errors``) and of what a converged
#: PINN reaches on Burgers and the Re = 100 cavity. The vanilla runs share the RBA runs'
#: configuration.
CPU_TARGETS: dict[str, float] = {
    "allen_cahn": 1e-2,
    "helmholtz": 1e-2,
    "burgers": 2e-3,
    "cavity": 5e-2,
}
#: The training budget of one ``cpu`` run, in minutes on one core.
CPU_BUDGET_MINUTES = 25
#: The one-core compute, in hours, that retraining every run of the ``cpu`` profile (the
#: benchmark runs and the longer runs of RQ1, RQ3 and RQ4) aims to stay within.
CPU_RETRAIN_HOURS = 5.0


class MissingRecord(LookupError):
    """A run that is not in the cache while training is switched off."""


def training_allowed() -> bool:
    """False when ``PINNLIB_NO_TRAINING=1``: :func:`run` then only reads records."""
    return os.environ.get(NO_TRAINING_ENV, "") not in ("1", "true", "yes")


def check_profile(profile: str) -> str:
    """``profile`` if it is one of :data:`PROFILES`, else a ValueError naming them."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {tuple(PROFILES)}")
    return profile


def experiment(problem: str, profile: str, **overrides: Any) -> RunSpec:
    """The spec of ``problem`` at ``profile``, with ``overrides`` (e.g. method, seed)."""
    check_profile(profile)
    problem = canonical_problem("problem", problem)
    if problem not in EXPERIMENTS:
        raise ValueError(f"unknown benchmark {problem!r}; known: {sorted(EXPERIMENTS)}")
    settings = {**PROFILES[profile].shared, **EXPERIMENTS[problem][profile]}
    given = canonical_dict("problem_args", overrides.pop("problem_args", {}))
    args = {**settings.pop("problem_args", {}), **given}
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

    A cached record is served only if :func:`~pinnlib.records.read_record` verifies it
    as this spec's finished run. A damaged one (or a damaged checkpoint) is reported in
    a warning saying "detected: retrained" and trained again; a record file that cannot
    be read raises :class:`~pinnlib.records.UnreadableRecord` instead. ``retrain``
    trains again whatever is cached. The cache folder is checked to be writable before
    any training, and the old record stays in place, served to readers, until the new
    one is complete (see :mod:`pinnlib.records`), so an interrupted run loses nothing.
    """
    path = record_path(spec, cache)
    damage = None
    if not retrain:
        try:
            return cached_record(path, spec)
        except CorruptRecord as err:
            damage = err if os.path.lexists(path) else None
    if not training_allowed():
        why = f" ({damage})" if damage else ""
        raise MissingRecord(
            f"no usable record of this {spec.problem}/{spec.method} run at {path}{why} and "
            f"{NO_TRAINING_ENV}=1 forbids training; train it first "
            "(`python -m pinnlib sweep --profile PROFILE`; `make ci-notebooks` for the ci "
            "records the tests read) or unset the variable"
        )
    check_writable(path.parent)
    if damage:
        warnings.warn(
            f"{damage}\ndetected: retrained (retraining the run; the damaged record is "
            "replaced only once the new one is complete)",
            stacklevel=2,
        )
    trainer = _train(spec, path, device, monitors, checkpoint_every, progress, fresh=retrain)
    return write_record(
        path,
        spec,
        trainer.history_arrays(),
        trainer.final_arrays(),
        trainer.model.state_dict(),
        trainer.info(),
    )


def cached_record(path: Path, spec: RunSpec) -> RunRecord:
    """The verified record of ``spec`` at ``path`` (or left complete in its staging folder).

    Leftovers of earlier writes are cleaned up; raises
    :class:`~pinnlib.records.CorruptRecord` when there is no usable record.
    """
    try:
        record = read_record(path, spec)
    except CorruptRecord:
        record = recover_record(path, spec)
        if record is None:
            raise
    clean_leftovers(path)
    return record


def _train(
    spec: RunSpec,
    path: Path,
    device: str,
    monitors: dict[str, Monitor] | None,
    checkpoint_every: int,
    progress: bool,
    fresh: bool,
) -> Trainer:
    """Train ``spec`` with its checkpoint in the staging folder of the record at ``path``.

    Resumes from that checkpoint unless ``fresh``; a checkpoint that cannot resume this
    run (:class:`~pinnlib.records.CorruptCheckpoint`) is reported and deleted, and the
    run starts again from step 0.
    """
    checkpoint = checkpoint_path(path)
    if fresh or (os.path.lexists(checkpoint.parent) and not checkpoint.parent.is_dir()):
        remove_path(checkpoint.parent)
    trainer = Trainer(spec, device=device, monitors=monitors)
    try:
        trainer.run(checkpoint=checkpoint, checkpoint_every=checkpoint_every, progress=progress)
    except CorruptCheckpoint as err:
        warnings.warn(f"{err}\ndetected: retrained from step 0", stacklevel=3)
        remove_path(checkpoint)
        trainer = Trainer(spec, device=device, monitors=monitors)
        trainer.run(checkpoint=checkpoint, checkpoint_every=checkpoint_every, progress=progress)
    return trainer


def continue_run(source: Path, spec: RunSpec, cache: Path | str | None = None) -> Path:
    """Stage the checkpoint at ``source`` as the starting point of ``spec``'s run; its path.

    ``source`` must be a checkpoint of a run whose spec differs from ``spec`` only in
    ``steps`` (a run of the same network, points, seed and schedule, trained for fewer
    or more Adam steps), taken inside the Adam stage of both. Adam's schedule (lr times
    ``lr_decay`` every ``decay_every`` steps), the RBA update and the log schedule do not
    depend on the number of steps, so on the machine that wrote ``source`` the continued
    run is exactly ``spec``'s run from step 0 (the resume guarantee of
    :mod:`pinnlib.train`): the history it shares with the source run is the same, and a
    longer run costs only the steps after the checkpoint. The record notes
    ``continued_from`` (the source run's key and the step). Raises ``ValueError`` naming
    what differs, and ``FileExistsError`` when ``spec``'s run already has a record or
    a checkpoint (nothing is overwritten).
    """
    try:
        state = torch.load(source, map_location="cpu", weights_only=False)
        stored = RunSpec.from_dict(state["spec"])
    except Exception as err:  # whatever a missing or damaged file raises
        message = f"checkpoint {source} does not load as a training checkpoint ({err})"
        raise ValueError(message) from None
    problem = checkpoint_problem(state, stored)
    if problem:
        raise ValueError(f"checkpoint {source}: {problem}")
    wanted = spec.to_dict()
    differ = sorted(
        k for k, v in stored.replace(steps=spec.steps).to_dict().items() if wanted[k] != v
    )
    if differ:
        raise ValueError(
            f"checkpoint {source} is of a run that differs from this one in {', '.join(differ)}, "
            "not only in steps; it cannot start this run"
        )
    if state["step"] > min(stored.steps, spec.steps):
        raise ValueError(
            f"checkpoint {source} is at step {state['step']}, past the Adam stage of a "
            f"{min(stored.steps, spec.steps):,}-step run; it cannot start this run"
        )
    path = record_path(spec, cache)
    target = checkpoint_path(path)
    if (path / META).exists() or os.path.lexists(target):
        raise FileExistsError(f"the run {path} already has a record or a checkpoint")
    origin = {"key": stored.key, "step": state["step"]}
    atomic_torch_save(
        {**state, "key": spec.key, "spec": spec.to_dict(), "continued_from": origin}, target
    )
    return target
