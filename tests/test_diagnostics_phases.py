"""Automatic phase detection on synthetic SNR histories with known change points."""

import numpy as np
import pytest

from pinnlib.diagnostics import detect_phases, moving_average
from pinnlib.spec import RunSpec


def paper_steps(n_steps: int) -> np.ndarray:
    spec = RunSpec(problem="burgers")
    return np.array([s for s in range(n_steps + 1) if spec.is_logged(s)])


def synthetic(steps, levels, cuts, noise, seed):
    """log10 SNR = levels[k] between cuts, plus Gaussian noise; returns SNR."""
    rng = np.random.default_rng(seed)
    x = np.full(len(steps), float(levels[0]))
    for cut, level in zip(cuts, levels[1:]):
        x[steps >= cut] = level
    return 10 ** (x + noise * rng.standard_normal(len(steps)))


@pytest.mark.parametrize("seed", range(10))
def test_known_change_points_are_found_within_tolerance(seed):
    steps = paper_steps(50_000)
    snr = synthetic(steps, (0.7, -1.5, 0.6), (150, 20_000), noise=0.25, seed=seed)
    result = detect_phases(steps, snr)
    assert result.fitting_end == pytest.approx(150, abs=30)  # 3 dense log points
    assert result.total_diffusion == pytest.approx(20_000, abs=300)  # 3 sparse log points
    assert result.fitting_confidence > 6 and result.total_diffusion_confidence > 6
    assert result.noise == pytest.approx(0.25, rel=0.25)
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
    assert detect_phases(steps, snr, level=None).total_diffusion == pytest.approx(8_000, abs=300)


def test_constant_noisy_series_has_no_transition_over_many_seeds():
    steps = paper_steps(100_000)
    for seed in range(200):
        noise = [0.05, 0.3, 1.0][seed % 3]
        result = detect_phases(steps, synthetic(steps, (-1.0,), (), noise=noise, seed=seed))
        assert result.fitting_end is None and result.total_diffusion is None, seed


def test_short_history_and_moving_average():
    assert detect_phases(np.arange(5), np.ones(5)).fitting_end is None
    np.testing.assert_allclose(moving_average(np.array([0, 0, 3, 0, 0.0]), 3), [0, 1, 1, 1, 0])


@pytest.mark.parametrize("method", ["vanilla", "rba"])
def test_fitting_phase_of_the_committed_burgers_cpu_runs_is_found(method):
    """Real histories: the SNR drops from about 10 to 0.1 within the first few
    logged steps, and the later diffusion phase scatters over three decades; a
    global noise estimate hid that drop, the local one finds it."""
    from pinnlib.experiments import DEFAULT_CACHE, experiment, record_path
    from pinnlib.records import read_record

    record = read_record(record_path(experiment("burgers", "cpu", method=method), DEFAULT_CACHE))
    result = detect_phases(record.history["step"], record.history["snr"])
    assert result.fitting_end is not None and 30 <= result.fitting_end <= 1000
    assert result.fitting_confidence >= 6
