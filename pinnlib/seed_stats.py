"""Statistics of training phases over network seeds (beyond the paper).

The paper reports one run per configuration. Here a phase boundary (a step, for
example the start of total diffusion found by :mod:`pinnlib.diagnostics.phases`)
is summarised over seeds, and two methods are compared:

* :func:`spread`: the median and range of the boundary over the seeds where it
  was found, and in how many of them;
* :func:`shift`: the difference b - a of two samples (RBA minus vanilla), as the
  Hodges-Lehmann estimate (the median of all pairwise differences b_j - a_i),
  with a percentile bootstrap interval (both samples resampled with
  replacement) and the two-sided Mann-Whitney U test's p-value;
* :func:`smallest_p_value`: the smallest p-value that test can reach at all with
  so few seeds (0.1 for 3 against 3, 0.029 for 4 against 4, 0.0079 for 5 against 5);
* :func:`error_at`: the error of a history at a step.

(How fast the error falls in each phase is :func:`pinnlib.report.stats.phase_summary`.)

Seeds where a boundary was not found are counted, never imputed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import comb

import numpy as np
from scipy import stats

#: The two-sided confidence of the bootstrap interval of :func:`shift`.
CONFIDENCE = 0.95
#: Bootstrap resamples: enough that the interval's ends move by well under one
#: logged step between random streams.
RESAMPLES = 10_000
#: The fewest seeds per sample for which a difference is reported at all.
MIN_SEEDS = 2


@dataclass(frozen=True)
class SeedSpread:
    """One boundary over seeds: ``values`` per seed, None where it was not found."""

    values: tuple[float | None, ...]

    @property
    def found(self) -> list[float]:
        return [float(v) for v in self.values if v is not None]

    @property
    def median(self) -> float | None:
        return float(np.median(self.found)) if self.found else None

    @property
    def low(self) -> float | None:
        return min(self.found) if self.found else None

    @property
    def high(self) -> float | None:
        return max(self.found) if self.found else None


def spread(values: Sequence[float | None]) -> SeedSpread:
    """The boundary's values over seeds (None where not found)."""
    return SeedSpread(tuple(None if v is None else float(v) for v in values))


@dataclass(frozen=True)
class Shift:
    """b - a: the Hodges-Lehmann estimate, its bootstrap interval and a rank test."""

    estimate: float
    low: float
    high: float
    p_value: float
    n_a: int
    n_b: int


def hodges_lehmann(a: np.ndarray, b: np.ndarray) -> float:
    """The median of all pairwise differences b_j - a_i."""
    return float(np.median(np.subtract.outer(b, a)))


def shift(
    a: Sequence[float],
    b: Sequence[float],
    confidence: float = CONFIDENCE,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> Shift | None:
    """The shift b - a of two samples, or None if either has fewer than
    :data:`MIN_SEEDS` values. The interval is the percentile bootstrap of the
    Hodges-Lehmann estimate (``seed`` fixes the resampling); the p-value is the
    two-sided Mann-Whitney U test (exact for small samples without ties)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if min(a.size, b.size) < MIN_SEEDS:
        return None
    rng = np.random.default_rng(seed)
    ia = rng.integers(0, a.size, size=(resamples, a.size))
    ib = rng.integers(0, b.size, size=(resamples, b.size))
    pairwise = b[ib][:, :, None] - a[ia][:, None, :]
    boot = np.median(pairwise.reshape(resamples, -1), axis=1)
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(boot, [tail, 100 - tail])
    p_value = float(stats.mannwhitneyu(b, a, alternative="two-sided").pvalue)
    return Shift(hodges_lehmann(a, b), float(low), float(high), p_value, a.size, b.size)


def smallest_p_value(n_a: int, n_b: int) -> float:
    """The smallest two-sided p-value the exact Mann-Whitney test can give for samples
    of ``n_a`` and ``n_b`` (complete separation): 2 / C(n_a + n_b, n_a)."""
    return min(1.0, 2 / comb(n_a + n_b, n_a))


def error_at(history: Mapping[str, np.ndarray], step: float) -> float:
    """The error logged at the last logged step at or before ``step``."""
    steps, error = np.asarray(history["step"]), np.asarray(history["error"])
    i = int(np.searchsorted(steps, step, side="right")) - 1
    return float(error[max(i, 0)])
