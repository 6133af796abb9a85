"""The shipped authors' logs load, are checked against their manifest, and read as histories."""

import shutil

import numpy as np
import pytest

from pinnlib import authors_logs
from pinnlib.authors_logs import AUTHORS_RUNS, AuthorsLogError, load_authors_log


@pytest.mark.parametrize("run", sorted(AUTHORS_RUNS), ids="-".join)
def test_every_log_loads_as_a_history(run):
    log = load_authors_log(*run)
    assert log.steps[0] == 0 and log.steps[-1] >= 299_900
    assert np.all(np.diff(log.steps) == 100) and np.all(np.diff(log.snr_steps) > 0)
    assert np.all(np.isfinite(log.snr)) and np.all(log.snr > 0)
    assert log.snr_layers.shape == (len(log.snr_steps), 7)  # 6 hidden layers + output
    h = log.history()
    assert len(h["step"]) == len(h["snr"]) == len(h["error"])
    at = np.searchsorted(h["step"], 1000)
    assert h["step"][at] == 1000
    assert h["error"][at] == pytest.approx(log.error[log.steps == 1000][0])


def test_the_helmholtz_rba_log_starts_at_its_recorded_error():
    log = load_authors_log("helmholtz", "rba")
    assert log.error[0] == pytest.approx(1.0698, abs=1e-4)


def test_unknown_missing_and_damaged_logs_are_clear_errors(tmp_path, monkeypatch):
    with pytest.raises(AuthorsLogError, match="no authors' log of 'burgers'"):
        load_authors_log("burgers", "rba")
    copy = tmp_path / "logs"
    shutil.copytree(authors_logs.LOG_DIR, copy)
    monkeypatch.setattr(authors_logs, "LOG_DIR", copy)
    damaged = copy / "HM-v-losses.txt.gz"
    damaged.write_bytes(damaged.read_bytes()[:-10])
    with pytest.raises(AuthorsLogError, match="HM-v-losses.txt.gz does not match its sha256"):
        load_authors_log("helmholtz", "vanilla")
    damaged.unlink()
    with pytest.raises(AuthorsLogError, match="missing data file .*HM-v-losses"):
        load_authors_log("helmholtz", "vanilla")


def test_the_detector_finds_a_jump_in_the_authors_runs_and_the_table_reports_it():
    """A held-out check of the detector, whose constants come from synthetic histories."""
    from pinnlib import report

    runs = report.authors_runs()
    counts = report.authors_counts(runs)
    assert counts["runs"] == 4 and counts["jumped"] == 4
    for by_method in runs.values():
        for r in by_method.values():
            jump = r.summary.phases.total_diffusion
            assert abs(jump - r.authors_jump) < 0.35 * r.authors_jump
    table = report.authors_table(runs)
    assert table.count("\n") == 5 and "11,100" in table
