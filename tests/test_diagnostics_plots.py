"""The diagnostics figures draw from real (tiny) run records without warnings."""

import warnings

import pytest

from pinnlib.experiments import experiment, run
from pinnlib.plotting.diagnostics import (
    plot_compression,
    plot_order,
    plot_residual_maps,
    plot_snr,
)

TINY = dict(width=8, depth=2, steps=40, problem_args=dict(n_collocation=200), monitors=("all",))


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    cache = tmp_path_factory.mktemp("runs")
    return {
        m: run(experiment("burgers", "ci", method=m, **TINY), cache=cache, progress=False)
        for m in ("vanilla", "rba")
    }


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
