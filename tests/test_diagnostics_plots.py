"""The diagnostics figures draw from real (tiny) run records without warnings, with the
SNR in the paper's units and smoothed as the authors smooth."""

import dataclasses
import warnings

import numpy as np
import pytest

from pinnlib.experiments import experiment, run
from pinnlib.plotting.diagnostics import (
    PAPER_SMOOTHING,
    geometric_smoothed,
    plot_compression,
    plot_order,
    plot_phase_examples,
    plot_residual_maps,
    plot_snr,
    smoothed,
)
from pinnlib.plotting.summary import plot_snr_grid

TINY = dict(width=8, depth=2, steps=40, problem_args=dict(n_collocation=200), monitors=("all",))


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    cache = tmp_path_factory.mktemp("runs")
    return {
        m: run(experiment("burgers", "ci", method=m, **TINY), cache=cache, progress=False)
        for m in ("vanilla", "rba")
    }


def with_history(record, **changes):
    """``record`` with history keys replaced (a value None drops the key)."""
    history = {k: v for k, v in record.history.items() if k not in changes}
    history.update({k: v for k, v in changes.items() if v is not None})
    return dataclasses.replace(record, history=history)


def line(ax, label):
    (found,) = [ln for ln in ax.get_lines() if ln.get_label() == label]
    return found


@pytest.mark.parametrize(
    "plot, n_axes",
    [(plot_snr, 2), (plot_order, 3), (plot_compression, 6), (plot_residual_maps, 3 + 3)],
)
def test_diagnostic_figures_have_labelled_axes(records, plot, n_axes):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plot(records)
    axes = fig.get_axes()  # colour bars included
    assert len(axes) == n_axes
    assert axes[0].get_xlabel() and axes[0].get_ylabel()
    for ax in axes:
        assert ax.get_xlabel() or ax.get_ylabel(), ax  # shared y axes: label on the first


def test_smoothing_is_the_arithmetic_moving_average_over_finite_values():
    assert PAPER_SMOOTHING == 60
    y = 10.0 ** np.tile([-1.0, 1.0], 200)  # a decade either side of 1
    assert np.nanmedian(smoothed(y)) == pytest.approx(5.05)  # (0.1 + 10) / 2
    assert np.nanmedian(geometric_smoothed(y)) == pytest.approx(1.0)
    short = np.array([1.0, np.nan, 3.0, 5.0, 7.0, 9.0, 11.0, 13.0, 15.0])
    out = smoothed(short)  # 8 finite values: the window shrinks to a quarter, 2
    assert np.isnan(out[1])
    np.testing.assert_allclose(out[[0, 2, 3, 8]], [1.0, 2.0, 4.0, 15.0])  # ends kept
    ramp = smoothed(np.arange(400.0))  # centred: a straight line is left as it is
    np.testing.assert_allclose(ramp[[0, 10, 200, 399]], [0.0, 10.0, 199.5, 399.0])


def test_snr_is_drawn_in_paper_units_with_both_averages(records):
    record = records["vanilla"]
    n = len(record.history["step"])
    snr = np.full(n, 0.5)
    record = with_history(record, snr=snr, snr_residual=snr / 2,
                          snr_points_per_batch=np.full(n, 64.0))  # fmt: skip
    fig = plot_snr({"vanilla": record})
    ax = fig.get_axes()[0]
    np.testing.assert_allclose(line(ax, "whole network").get_ydata(), 1.0)  # 0.5 sqrt(256 / 64)
    np.testing.assert_allclose(line(ax, "geometric mean").get_ydata(), 1.0)
    assert line(ax, "geometric mean").get_linestyle() == "--"
    np.testing.assert_allclose(line(ax, "residual term only").get_ydata(), 0.5)
    assert ax.get_ylabel() == "batch SNR (256 points per batch)"
    assert "measured at 64 points per batch" in ax.get_title()


def test_snr_history_without_points_per_batch_is_drawn_as_measured(records):
    old = {m: with_history(r, snr_points_per_batch=None, snr_residual=None)
           for m, r in records.items()}  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plot_snr(old)
        grid = plot_snr_grid({"Burgers": old})
    ax = fig.get_axes()[0]
    raw = old["vanilla"].history["snr"]
    assert any(np.array_equal(ln.get_ydata(), raw) for ln in ax.get_lines())  # not rescaled
    assert "as measured" in ax.get_ylabel() and "not logged" in ax.get_title()
    assert not any(ln.get_label() == "residual term only" for ln in ax.get_lines())
    assert "as measured" in grid.get_axes()[0].get_ylabel()


def test_snr_grid_and_phase_examples_state_units(records):
    grid = plot_snr_grid({"Burgers": records})
    ax = grid.get_axes()[0]
    assert ax.get_ylabel() == "batch SNR (256 points per batch)"
    assert "measured at 2 points per batch" in ax.get_title()  # 200 points in 100 batches
    labels = {ln.get_label() for ln in ax.get_lines()}
    assert {"whole network", "geometric mean", "residual term only"} <= labels
    steps = np.arange(0, 40_000, 100)
    examples = {"flat": (steps, np.full(len(steps), 0.1), None, None)}
    fig = plot_phase_examples(examples, ncols=1)
    ax = fig.get_axes()[0]
    assert "256 points per batch" in ax.get_ylabel()
    np.testing.assert_allclose(line(ax, "geometric moving average").get_ydata(), 0.1)
