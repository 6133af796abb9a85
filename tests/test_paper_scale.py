"""Paper-scale runs against the authors' logs: which runs the book shows, how "tracks the
log" is measured, and the committed probe read without training."""

import numpy as np

from pinnlib import book_runs, plotting, report
from pinnlib.authors_logs import AuthorsLog, load_authors_log
from pinnlib.records import RunRecord
from pinnlib.spec import RunSpec


def log_with(error: np.ndarray) -> AuthorsLog:
    steps = np.arange(len(error)) * 100
    return AuthorsLog("helmholtz", "rba", steps, error, error**2, steps, np.ones(len(error)),
                      np.ones((len(error), 2)))  # fmt: skip


def record_with(steps: np.ndarray, error: np.ndarray) -> RunRecord:
    spec = RunSpec(problem="helmholtz", method="rba", seed=1, steps=int(steps[-1]))
    history = {"step": steps, "error": error, "snr": np.full(len(steps), 0.1)}
    return RunRecord(None, spec, history, {}, {"train_seconds": 1.0})


def test_a_run_tracks_the_log_until_its_error_leaves_the_factor():
    log = log_with(np.array([1.0, 1.0, 2.0, 4.0, 1.0, 0.5]))
    steps = np.array([0, 50, 100, 200, 300, 400, 500])  # 50 is not in the log
    mine = np.array([1.2, 9.0, 1.1, 1.9, 1.0, 1.0, 0.5])
    assert report.tracks_until(log, record_with(steps, mine)) == 200  # 300: 4.0 against 1.0
    assert report.tracks_until(log, record_with(steps, mine), factor=5.0) == 500
    far = record_with(steps, mine * 10)
    assert report.tracks_until(log, far) is None
    text = report.log_tracking_text(log, {"far": far})
    assert "not even at step 0" in text and "5.00e+00 against the log's 5.00e-01" in text
    none_shared = record_with(np.array([50, 150]), np.array([1.0, 1.0]))
    assert "logged no step" in report.log_tracking_text(log, {"apart": none_shared})


def test_the_comparison_table_shows_the_steps_a_run_reached():
    log = log_with(np.linspace(1.0, 0.1, 31))
    record = record_with(np.arange(0, 1001, 100), np.linspace(1.0, 0.5, 11))
    table = report.log_comparison_table(log, {"mine": record})
    assert "step 1,000" in table and "step 2,000" not in table
    assert "authors' log" in table and "| mine" in table


def test_the_gpu_plan_is_the_first_rows_of_the_paper_scale_runs():
    gpu = book_runs.paper_scale_specs(rows=book_runs.GPU_PLAN_ROWS)
    every = book_runs.paper_scale_specs()
    assert gpu == every[: len(gpu)] and len(every) > len(gpu)
    assert all(s.width == 128 and s.depth == 6 and s.compile for s in every)
    assert len({book_runs.paper_scale_label(s) for s in every}) == len(every)


def test_the_committed_probe_is_read_from_data_runs():
    found, missing = book_runs.paper_scale_records("helmholtz")
    probe = "rba (min-max update, lambda from 0), seed 2341, 1,000 steps"
    assert probe in found and probe not in missing
    assert found[probe].spec.rba_init == "zero" and found[probe].history["step"][-1] == 1000
    assert len(found) + len(missing) == len(book_runs.paper_scale_specs("helmholtz"))
    log = load_authors_log("helmholtz", "rba")
    until = report.tracks_until(log, found[probe])
    assert until is not None and until < 1000  # its plateau matches the log's start only
    fig = plotting.plot_against_authors(log, {probe: found[probe]})
    assert [ax.get_xlabel() for ax in fig.axes] == ["Adam step", "Adam step"]


def test_the_comparison_figure_shows_every_run_and_the_log_alone():
    log = load_authors_log("helmholtz", "rba")
    steps = np.arange(0, 1001, 100)
    runs = {f"run {i}": record_with(steps, np.full(len(steps), 1.0 + i)) for i in range(9)}
    fig = plotting.plot_against_authors(log, runs)
    assert len(fig.axes[0].get_legend().get_texts()) == 10  # the log and all nine runs
    alone = plotting.plot_against_authors(log, {})
    assert len(alone.axes[0].get_lines()) == 1
    assert report.log_comparison_table(log, {}).count("\n") == 2  # header, rule, the log
