"""The committed run records in data/runs/ still match what the current code trains.

A stale cache (records made by code that now gives other numbers) would let the book
show results the library no longer produces; retraining the first steps of one
committed record per benchmark, method and loss (compiled or not) catches that cheaply.
"""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from pinnlib.experiments import DEFAULT_CACHE
from pinnlib.records import read_record
from pinnlib.spec import RunSpec
from pinnlib.train import Trainer


def sample_records() -> list[Path]:
    """Per benchmark, method and loss (compiled or not): the committed record that is
    cheapest to retrain (network size times points, then the lowest seed)."""
    chosen: dict[tuple, tuple[tuple, Path]] = {}
    for path in sorted(DEFAULT_CACHE.glob("*/*/record.json")):
        spec = RunSpec.from_dict(json.loads(path.read_text())["spec"])
        group = (spec.problem, spec.method, spec.compile)
        cost = (spec.width**2 * spec.depth * spec.problem_args["n_collocation"], spec.seed)
        if group not in chosen or cost < chosen[group][0]:
            chosen[group] = (cost, path.parent)
    return sorted(p for _, p in chosen.values())


RECORDS = sample_records()
STEPS = 60


def test_some_records_are_committed():
    assert RECORDS, "data/runs/ holds no committed run records"


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_record_matches_a_retrained_start(path):
    record = read_record(path)  # checksums verified
    torch.set_num_threads(record.provenance["threads"])  # the fixture restores it
    trainer = Trainer(record.spec)
    trainer.monitors = {}  # the loss and error are enough to tell a stale record
    trainer.run(progress=False, stop_at=STEPS)
    logged = np.asarray(trainer.history["step"])
    stored = record.history["step"]
    assert np.array_equal(stored[: len(logged)], logged)
    for key in ("loss", "error"):
        np.testing.assert_allclose(
            np.asarray(trainer.history[key]), record.history[key][: len(logged)], rtol=1e-5,
            err_msg=f"{path.name}: {key} differs from the stored record; retrain the cache",
        )  # fmt: skip
