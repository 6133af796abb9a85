"""Statistics over seeds: known answers on constructed samples and histories."""

import numpy as np
import pytest

from pinnlib.seed_stats import (
    error_at,
    hodges_lehmann,
    shift,
    smallest_p_value,
    spread,
)


def test_spread_counts_missing_seeds_without_imputing():
    s = spread([300, None, 100, 200, None])
    assert s.found == [300.0, 100.0, 200.0]
    assert (s.median, s.low, s.high) == (200.0, 100.0, 300.0)
    assert spread([None, None]).median is None


def test_hodges_lehmann_is_the_median_pairwise_difference():
    assert hodges_lehmann(np.array([0.0, 10.0]), np.array([100.0, 130.0])) == pytest.approx(110.0)


def test_shift_of_separated_samples_excludes_zero_and_is_significant():
    vanilla = [1000, 1200, 1100, 1300, 900]
    rba = [100, 250, 200, 150, 300]
    d = shift(vanilla, rba)
    assert d.estimate == pytest.approx(200 - 1100)  # median rba - median vanilla here
    assert d.low < d.estimate < d.high < 0
    # exact two-sided Mann-Whitney p for 5 vs 5, fully separated: 2 / C(10, 5)
    assert d.p_value == pytest.approx(2 / 252)


def test_shift_of_identical_distributions_covers_zero():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, 8), rng.normal(0, 1, 8)
    d = shift(a, b)
    assert d.low < 0 < d.high
    assert d.p_value > 0.05


def test_shift_needs_two_seeds_per_sample():
    assert shift([1.0], [2.0, 3.0]) is None


def test_shift_is_reproducible_for_a_seed():
    a, b = [1.0, 5.0, 2.0], [7.0, 3.0, 9.0]
    assert shift(a, b, seed=3) == shift(a, b, seed=3)


def test_error_at_takes_the_last_logged_step_at_or_before():
    h = {"step": np.array([0, 10, 20]), "error": np.array([1.0, 0.5, 0.25])}
    assert error_at(h, 15) == 0.5
    assert error_at(h, 20) == 0.25
    assert error_at(h, 999) == 0.25


def test_smallest_p_value_matches_the_exact_test_at_complete_separation():
    assert smallest_p_value(3, 3) == pytest.approx(0.1)
    assert smallest_p_value(5, 5) == pytest.approx(shift(range(5), range(10, 15)).p_value)
