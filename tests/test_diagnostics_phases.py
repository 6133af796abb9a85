"""Automatic phase detection on synthetic SNR histories with known change points."""

import math

import numpy as np
import pytest
from scipy import stats

from pinnlib.diagnostics import detect_history_phases, detect_phases, moving_average
from pinnlib.diagnostics import phase_suite as suite
from pinnlib.diagnostics.phases import SCALES, mann_whitney_z, paper_units
from pinnlib.spec import RunSpec


def paper_steps(n_steps: int) -> np.ndarray:
    spec = RunSpec(problem="burgers")
    return np.array([s for s in range(n_steps + 1) if spec.is_logged(s)])


def synthetic(steps, levels, cuts, noise, seed, dips=0.0):
    """log10 SNR = levels[k] between cuts, plus Student-t (3 dof) noise of robust sd
    ``noise`` and a fraction ``dips`` of points 1.5 to 3 decades lower; returns SNR."""
    rng = np.random.default_rng(seed)
    x = np.full(len(steps), float(levels[0]))
    for cut, level in zip(cuts, levels[1:]):
        x[steps >= cut] = level
    x += noise * rng.standard_t(3, len(steps)) / suite.T3_ROBUST_SD
    low = rng.random(len(steps)) < dips
    x[low] -= rng.uniform(1.5, 3.0, low.sum())
    return 10**x


@pytest.mark.parametrize("seed", range(10))
def test_known_change_points_are_found_within_tolerance(seed):
    steps = paper_steps(50_000)
    snr = synthetic(steps, (0.7, -1.5, 0.6), (150, 20_000), noise=0.25, seed=seed, dips=0.05)
    result = detect_phases(steps, snr)
    assert result.fitting_end == pytest.approx(150, abs=30)  # 3 dense log points
    assert result.total_diffusion == pytest.approx(20_000, abs=300)  # 3 sparse log points
    assert result.fitting_confidence >= 4 and result.total_diffusion_confidence >= 4
    names = [name for name, _, _ in result.spans()]
    assert names == ["fitting", "diffusion", "total diffusion"]


def test_rise_without_a_fitting_phase_and_infinite_values():
    steps = paper_steps(30_000)
    snr = synthetic(steps, (-1.0, 0.5), (8_000,), noise=0.2, seed=0)
    snr[5] = np.inf  # identical batches: dropped, not an error
    result = detect_phases(steps, snr)
    assert result.fitting_end is None
    assert result.total_diffusion == pytest.approx(8_000, abs=300)
    assert [name for name, _, _ in result.spans()] == ["diffusion", "total diffusion"]


def test_a_jump_within_the_diffusion_phase_is_not_total_diffusion():
    steps = paper_steps(30_000)
    snr = synthetic(steps, (0.7, -1.3, -0.5), (150, 8_000), noise=0.2, seed=0)
    result = detect_phases(steps, snr)
    assert result.fitting_end == pytest.approx(150, abs=30) and result.total_diffusion is None
    assert detect_phases(steps, snr, level=0.1).total_diffusion == pytest.approx(8_000, abs=300)


def test_a_gradual_rise_is_found_where_it_crosses_the_level():
    """SNR climbing over 10,000 steps from 0.01 to 4.5 (paper units), crossing 1 at 20,000."""
    steps = paper_steps(40_000)
    lo, hi = -2.0, math.log10(4.5)
    start = 20_000 - 10_000 * (0 - lo) / (hi - lo)
    ramp = np.clip((steps - start) / 10_000, 0, 1)
    for seed in range(10):
        noise = 0.3 * np.random.default_rng(seed).standard_normal(len(steps))
        result = detect_phases(steps, 10 ** (lo + (hi - lo) * ramp + noise))
        assert result.total_diffusion == pytest.approx(20_000, abs=0.05 * 40_000), seed


@pytest.mark.parametrize("noise", [0.15, 0.6, 1.0])
def test_deep_dips_make_no_total_diffusion_at_a_constant_level(noise):
    """Constant SNR 1.6 with 1-2 % deep one-point dips: at most 5 of 100 seeds get a false
    total diffusion (window means made 36 to 74 of 100)."""
    steps = paper_steps(40_000)
    false = 0
    for seed in range(100):
        snr = synthetic(steps, (math.log10(1.6),), (), noise, seed, dips=0.01 + 0.01 * seed / 100)
        false += detect_phases(steps, snr).total_diffusion is not None
    assert false <= 5


def test_constant_noisy_series_has_no_transition_over_many_seeds():
    steps = paper_steps(100_000)
    for seed in range(100):
        noise = [0.05, 0.3, 1.0][seed % 3]
        result = detect_phases(steps, synthetic(steps, (-1.0,), (), noise=noise, seed=seed))
        assert result.fitting_end is None and result.total_diffusion is None, seed


def test_fitting_needs_a_high_snr_in_paper_units():
    """A drop from SNR 1.2 is no end of fitting (the phase is not above 2); measured with
    40 points per batch the same SNR is 3.0 in paper units, and it is."""
    steps = paper_steps(10_000)
    snr = synthetic(steps, (math.log10(1.2), -1.3), (150,), noise=0.1, seed=0)
    assert detect_phases(steps, snr).fitting_end is None
    assert detect_phases(steps, snr, points_per_batch=40).fitting_end == pytest.approx(150, abs=30)
    np.testing.assert_allclose(paper_units(np.array([1.0]), 64), [2.0])


def test_history_phases_read_the_logged_points_per_batch():
    steps = paper_steps(10_000)
    snr = synthetic(steps, (math.log10(1.2), -1.3), (150,), noise=0.1, seed=0)
    history = {"step": steps, "snr": snr}
    assert detect_history_phases(history).fitting_end is None  # no key: 256 per batch
    history["snr_points_per_batch"] = np.full(len(steps), 40.0)
    assert detect_history_phases(history).fitting_end == pytest.approx(150, abs=30)
    assert detect_history_phases(history, points_per_batch=256).fitting_end is None


@pytest.mark.parametrize("seed", range(5))
def test_boundaries_are_causal(seed):
    """Truncating the history after a boundary's horizon does not move the boundary; the
    horizon is at most 2 * the largest scale log points after it."""
    steps = paper_steps(60_000)
    snr = synthetic(steps, (0.7, -0.8, 0.4), (150, 30_000), noise=0.5, seed=seed, dips=0.05)
    full = detect_phases(steps, snr)
    assert full.fitting_end is not None and full.total_diffusion is not None
    for boundary, horizon, name in (
        (full.fitting_end, full.fitting_horizon, "fitting_end"),
        (full.total_diffusion, full.total_diffusion_horizon, "total_diffusion"),
    ):
        i, j = np.searchsorted(steps, boundary), np.searchsorted(steps, horizon)
        assert j - i <= 2 * max(SCALES)
        for end in (j + 1, j + 7, (j + len(steps)) // 2):
            cut = detect_phases(steps[:end], snr[:end])
            assert getattr(cut, name) == boundary, (name, end)


def test_the_first_steps_get_the_same_fitting_end_in_a_short_and_a_long_run():
    steps = paper_steps(40_000)
    for seed in range(5):
        snr = synthetic(steps, (0.8, -1.0), (150,), noise=0.3, seed=seed, dips=0.05)
        short = steps <= 8_000
        long, cut = detect_phases(steps, snr), detect_phases(steps[short], snr[short])
        assert long.fitting_horizon <= 8_000
        assert long.fitting_end == cut.fitting_end == pytest.approx(150, abs=30)


def test_mann_whitney_z_matches_scipy():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=13), rng.normal(0.5, size=21)
    b[:3] = a[:3]  # ties
    u = stats.mannwhitneyu(b, a, method="asymptotic", use_continuity=False)
    z = stats.norm.isf(u.pvalue / 2) * np.sign(u.statistic - 13 * 21 / 2)
    assert mann_whitney_z(a, b) == pytest.approx(z, rel=0.02)  # scipy corrects for ties


def test_short_history_and_moving_average():
    assert detect_phases(np.arange(5), np.ones(5)).fitting_end is None
    np.testing.assert_allclose(moving_average(np.array([0, 0, 3, 0, 0.0]), 3), [0, 1, 1, 1, 0])


def test_suite_operating_characteristics():
    """The synthetic suite: false total diffusion <= 5 % in every no-jump scenario at every
    noise level; one-decade rises found within 5 % of the run length in >= 95 % of the
    histories up to the noise level where the detector holds (abrupt: 0.6 decades,
    gradual: 0.3; beyond that short runs have too few log points)."""
    rows = suite.run_suite(seeds=100)
    held = {"abrupt rise": 0.6, "gradual rise": 0.3}
    for r in rows:
        if r.scenario in suite.RISES:
            if r.noise <= held[r.scenario]:
                assert r.total_within >= suite.MIN_DETECTION_RATE, r
        else:
            assert r.total_found <= suite.MAX_FALSE_RATE, r
            if r.scenario not in suite.FITTING:
                assert r.fitting_found <= suite.MAX_FALSE_RATE, r
        if r.scenario == "fitting drop" and r.noise <= 0.3:
            assert r.fitting_found >= 0.85, r
    table = suite.suite_table(rows)
    assert "gradual rise" in table and table.count("\n") == len(rows) + 1


def test_suite_command(capsys):
    import argparse

    parser = argparse.ArgumentParser()
    suite.add_parser(parser.add_subparsers())
    args = parser.parse_args(["detector", "--seeds", "3", "--noise", "1.0", "--strict"])
    assert args.func(args) in (0, 1)
    out = capsys.readouterr().out
    assert "| gradual rise" in out and "targets missed:" in out


def test_a_rise_in_the_last_logged_points_waits_to_be_judged():
    from pinnlib.report import describe_phases

    steps = paper_steps(6_000)  # 30 dense points, then every 100 steps: 3,100 is 20 before the end
    snr = synthetic(steps, (-2.0, 0.6), (3_700,), noise=0.1, seed=0)
    short, full = (
        detect_phases(steps[steps <= 5_000], snr[steps <= 5_000]),
        detect_phases(steps, snr),
    )
    assert short.total_diffusion is None and short.judged_until == 3_100
    assert full.total_diffusion == pytest.approx(3_700, abs=100) and full.judged_until == 4_100
    text = describe_phases("the run", short, 5_000)
    assert "no jump into total diffusion up to step 3,100" in text and "cannot be judged" in text
    assert "too short" in describe_phases("it", detect_phases(steps[:10], snr[:10]), 90)
    flat = detect_phases(steps, synthetic(steps, (-2.0,), (), noise=0.1, seed=0))
    assert "within 4,100 steps" in describe_phases("it", flat, 4_100)
