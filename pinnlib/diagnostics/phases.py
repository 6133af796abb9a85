"""Automatic detection of the training phases from the batch-gradient SNR history.

The paper's phases (book/background.md): *fitting* (high SNR, the first few
hundred steps), *diffusion* (SNR about 1e-3 to 0.5) and *total diffusion* (a
lasting jump back to about 2 to 10). The authors place the boundaries by eye;
this module states a rule (beyond the paper).

Units. The SNR of a mean over n_b points per batch grows like sqrt(n_b), so an
SNR measured with n_b points per batch is put in the paper's units (256 points
per batch: N = 25,600 points in B = 100 batches) as
SNR_256 = SNR sqrt(256 / n_b). All levels below are in these units; the rule
works on x_k = log10 SNR_256 at the logged points k (non-finite or non-positive
values dropped).

Rule. A *shift* at log point k on scale w compares the window before,
x[max(a, k - w) : k] (``a``: the first point searched; at least ``min_before``
points), with the window after, x[k : k + w] (all w points must exist, so the
test is complete once x[: k + w] is known). A rise passes at (k, w) when

1. the median after exceeds the median before by at least ``min_jump`` decades;
2. the median before lies below ``level`` and the median after above it;
3. the rise is significant: the Mann-Whitney rank statistic of the after
   window against the before window, as a z score, is at least ``min_z``.

A drop passes likewise with the signs reversed. Medians, ranks and the
sign-count split below make the rule robust: a deep one-point dip moves a
median by at most one rank and adds one rank to the test, whatever its depth,
and the rank test needs no noise estimate, so heavy tails cannot make it
overconfident (for independent noise its false-alarm rate does not depend on
the noise distribution at all). The scales w = 20, 40, ..., 640 log points
(2,000 to 64,000 steps on the paper's log schedule) let a rise spread over many
log points pass on a scale as long as the rise.

Boundaries. The history is read point by point and the first test to pass
wins: (k*, w*) is the passing test with the smallest k + w (then the smallest
w). The boundary is the split c of the segment [max(a, k* - w*), k* + w*) with
the most points on the expected side of ``level`` (below it before c and above
it from c, for a rise): the step itself for an abrupt shift, the level
crossing for a gradual one. It is reported as the step of point c.

1. fitting -> diffusion: the first drop, searched from the first point
   (a = 0). It is a fitting end only if the phase before it is high: the median
   of x[0 : c] must be at least log10 ``fitting_level``; otherwise the run has
   no fitting phase that the detector can see (fitting_end None);
2. diffusion -> total diffusion: the first rise, searched from the fitting end
   (from the first point when there is none).

Causality: a boundary depends only on x[: k* + w*] (for total diffusion, also
on what the drop search read), at most 2 w* <= 1,280 log points after it; the
last step read is reported as the boundary's *horizon*, and truncating the
history anywhere after it does not change the boundary. A shift in the last
20 log points of a history cannot be seen yet.

Constants (none was chosen by looking at recorded training runs):

* ``level`` = 1: the geometric midpoint of the paper's diffusion ceiling 0.5
  and total-diffusion floor 2 (sqrt(0.5 * 2) = 1), where the mean batch
  gradient is as large as its spread between batches;
* ``fitting_level`` = 2: the paper's high-SNR phases lie at about 2 to 10, so a
  fitting phase must have a median SNR of at least 2;
* ``min_jump`` = 0.5 decades: just under the 0.6-decade gap from the paper's
  diffusion ceiling 0.5 to its total-diffusion floor 2, the smallest move from
  one phase to the other;
* ``min_z`` = 4: from the synthetic suite (:mod:`pinnlib.diagnostics.phase_suite`,
  its calibration stream, 200 histories per scenario and noise level, apart from
  the histories of its table): the lowest threshold in steps of 0.5 with at most
  2 % false total diffusion in every no-jump scenario at every noise level (the
  target is 5 %; 3.5 gives up to 5.5 %, and 4.5 loses detections);
* the scales: the smallest window that can reach z = 4 on its own has 20 points
  (equal windows of m points reach at most z = sqrt(3) m / sqrt(2 m + 1)), and
  doubling up to 640 covers a rise spread over a fifth of a 300,000-step run;
* ``min_before`` = 3: a test needs a before window of a few points.

The rule assumes the noise of x is roughly independent between log points;
strongly correlated noise makes the rank test overconfident, which the
``min_jump`` floor and the ``level`` conditions guard against.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.ndimage import rank_filter

from pinnlib.diagnostics.snr import PAPER_POINTS_PER_BATCH, paper_units

PHASE_NAMES = ("fitting", "diffusion", "total diffusion")

LEVEL = 1.0
FITTING_LEVEL = 2.0
MIN_JUMP = 0.5
MIN_Z = 4.0
MIN_BEFORE = 3
SCALES = (20, 40, 80, 160, 320, 640)


@dataclass(frozen=True)
class PhaseResult:
    """Detected boundaries (steps or None), their confidences (z; nan if none) and the inputs.

    ``log_snr`` is log10 SNR in the paper's units (256 points per batch) at
    ``steps``; ``noise`` is the robust point-to-point scatter of it (decades),
    reported only (the rule does not use it). A boundary's *horizon* is the last
    logged step it depends on: the history after it does not change the boundary.
    ``judged_until`` is the last step at which a shift can have been tested: a test
    at log point k needs the points x[k : k + w], w at least ``min(scales)``, so a
    shift at a later step cannot be seen yet (None when the history is shorter).
    """

    fitting_end: int | None
    total_diffusion: int | None
    fitting_confidence: float
    total_diffusion_confidence: float
    noise: float
    steps: np.ndarray
    log_snr: np.ndarray
    fitting_horizon: int | None = None
    total_diffusion_horizon: int | None = None
    judged_until: int | None = None

    def spans(self) -> list[tuple[str, int, int]]:
        """(phase, first step, last step) of each detected phase, in order.

        Empty when no boundary was detected: then nothing is known about which
        phase the run is in, and nothing is shaded.
        """
        if self.fitting_end is None and self.total_diffusion is None:
            return []
        first, last = int(self.steps[0]), int(self.steps[-1])
        cuts = [first]
        names = []
        if self.fitting_end is not None:
            names.append(PHASE_NAMES[0])
            cuts.append(self.fitting_end)
        names.append(PHASE_NAMES[1])
        if self.total_diffusion is not None:
            cuts.append(self.total_diffusion)
            names.append(PHASE_NAMES[2])
        cuts.append(last)
        return [(n, a, b) for n, a, b in zip(names, cuts[:-1], cuts[1:])]


def moving_average(x: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average over ``window`` points, the window shrinking at the ends."""
    x = np.asarray(x, dtype=float)
    if window <= 1 or len(x) == 0:
        return x.copy()
    c = np.concatenate([[0.0], np.cumsum(x)])
    k = np.arange(len(x))
    lo = np.clip(k - window // 2, 0, len(x))
    hi = np.clip(k - window // 2 + window, 0, len(x))
    return (c[hi] - c[lo]) / (hi - lo)


def robust_scatter(x: np.ndarray) -> float:
    """Point-to-point scatter of x: 1.4826 MAD of its differences / sqrt(2) (nan if < 3 points)."""
    if len(x) < 3:
        return math.nan
    d = np.diff(x)
    return float(1.4826 * np.median(np.abs(d - np.median(d))) / math.sqrt(2))


def _expanding_medians(x: np.ndarray, start: int, length: int) -> np.ndarray:
    """Median of x[start:k] for k = start + 1 .. start + length (as far as x goes)."""
    ordered: list[float] = []
    out = []
    for value in x[start : start + length]:
        bisect.insort(ordered, float(value))
        m = len(ordered)
        out.append(ordered[m // 2] if m % 2 else (ordered[m // 2 - 1] + ordered[m // 2]) / 2)
    return np.array(out)


def _rolling_medians(x: np.ndarray, scales: tuple[int, ...]) -> dict[int, np.ndarray]:
    """For each scale w, the median of x[j : j + w] for j = 0 .. n - w (empty if n < w).

    A rank filter of size w centred on j + w // 2 sees exactly x[j : j + w]; for even w
    the median is the mean of the two middle ranks."""
    out = {}
    for w in scales:
        if len(x) < w:
            out[w] = np.empty(0)
            continue
        upper = rank_filter(x, w // 2, size=w, mode="nearest")
        lower = upper if w % 2 else rank_filter(x, w // 2 - 1, size=w, mode="nearest")
        out[w] = ((lower + upper) / 2)[w // 2 : len(x) - w + 1 + w // 2]
    return out


def _window_medians(
    rolling: np.ndarray, n: int, start: int, w: int, expanding: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Medians of the windows before, x[max(start, k - w) : k], and after, x[k : k + w],
    for k = 0..n-1 (nan where a window is empty or short); ``rolling`` holds the medians
    of the full windows, ``expanding`` those of x[start:k]."""
    before, after = np.full(n, np.nan), np.full(n, np.nan)
    after[: len(rolling)] = rolling
    head = expanding[: max(min(w, n - start - 1), 0)]
    before[start + 1 : start + 1 + len(head)] = head
    if n - start > w:
        before[start + w :] = rolling[start : n - w]
    return before, after


def mann_whitney_z(before: np.ndarray, after: np.ndarray) -> float:
    """Mann-Whitney z of ``after`` against ``before``: U = pairs (i, j) with
    after_j > before_i (ties one half), as (U - n1 n2 / 2) / sqrt(n1 n2 (n1 + n2 + 1) / 12)."""
    ordered = np.sort(after)
    above = len(after) - np.searchsorted(ordered, before, side="right")
    ties = np.searchsorted(ordered, before, side="right") - np.searchsorted(ordered, before)
    n1, n2 = len(before), len(after)
    u = float(above.sum() + ties.sum() / 2)
    return (u - n1 * n2 / 2) / math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12)


def _shift_tests(
    x: np.ndarray, end: int, start: int, sign: int, w: int, medians: tuple, rule: dict
) -> tuple[int, float] | None:
    """(k, z) of the first passing shift test on scale w with k + w <= end, or None.

    The median conditions are checked at every k at once; the rank test only where
    they hold."""
    before, after = medians
    log_level, k = math.log10(rule["level"]), np.arange(len(x))
    with np.errstate(invalid="ignore"):
        candidate = (
            (k - start >= rule["min_before"])
            & (k + w <= end)
            & (sign * (after - before) >= rule["min_jump"])
            & (sign * (log_level - before) > 0)
            & (sign * (after - log_level) > 0)
        )
    for j in np.flatnonzero(candidate):
        z = sign * mann_whitney_z(x[max(start, j - w) : j], x[j : j + w])
        if z >= rule["min_z"]:
            return int(j), z
    return None


def _first_shift(
    x: np.ndarray, rolling: dict[int, np.ndarray], start: int, sign: int, rule: dict
) -> tuple[int, int, float] | None:
    """(k*, w*, z) of the first shift found when the history is read point by point: the
    passing test (k, w) with the smallest k + w (then the smallest w), or None."""
    best: tuple[int, int, float] | None = None
    expanding = _expanding_medians(x, start, max(rolling))
    for w in sorted(rolling):
        # a test at (k, w) is complete once x[: k + w] is known; only earlier ones can win
        end = len(x) if best is None else best[0] + best[1] - 1
        medians = _window_medians(rolling[w], len(x), start, w, expanding)
        found = _shift_tests(x, end, start, sign, w, medians, rule)
        if found is not None:
            best = (found[0], w, found[1])
    return best


def sign_split(x: np.ndarray, lo: int, hi: int, log_level: float, sign: int) -> int:
    """The c in (lo, hi) with the most points of x[lo:c] on the old side of the level and
    of x[c:hi] on the new side (sign +1: below, then above); the first such c."""
    new_side = np.where(sign * (x[lo:hi] - log_level) > 0, 1, -1)
    prefix = np.cumsum(new_side)[:-1]  # sum over x[lo:c] for c = lo + 1 .. hi - 1
    return lo + 1 + int(np.argmin(prefix))


def detect_phases(
    steps: np.ndarray,
    snr: np.ndarray,
    points_per_batch: float = PAPER_POINTS_PER_BATCH,
    level: float = LEVEL,
    fitting_level: float = FITTING_LEVEL,
    min_jump: float = MIN_JUMP,
    min_z: float = MIN_Z,
    min_before: int = MIN_BEFORE,
    scales: tuple[int, ...] = SCALES,
) -> PhaseResult:
    """Fitting -> diffusion and diffusion -> total-diffusion steps from an SNR history.

    ``points_per_batch``: points per batch of the logged SNR (the run's collocation
    points over its number of batches); the default 256 is the paper's, no rescaling.
    The rule and its constants are in the module docstring.
    """
    steps, snr = np.asarray(steps), paper_units(snr, points_per_batch)
    ok = np.isfinite(snr) & (snr > 0)
    s, x = steps[ok], np.log10(snr[ok])
    rule = dict(level=level, min_jump=min_jump, min_z=min_z, min_before=min_before)
    rolling = _rolling_medians(x, tuple(scales))
    log_level = math.log10(level)
    fitting, total = (None, math.nan, None), (None, math.nan, None)
    start, seen = 0, 0  # first point of the rise search; points the drop search needed
    drop = _first_shift(x, rolling, 0, -1, rule)
    if drop is not None:
        k, w, z = drop
        c, seen = sign_split(x, max(0, k - w), k + w, log_level, -1), k + w
        if np.median(x[:c]) >= math.log10(fitting_level):
            fitting, start = (int(s[c]), z, int(s[seen - 1])), c
    rise = _first_shift(x, rolling, start, +1, rule)
    if rise is not None:
        k, w, z = rise
        c = sign_split(x, max(start, k - w), k + w, log_level, +1)
        total = (int(s[c]), z, int(s[max(seen, k + w) - 1]))
    judged = int(s[len(x) - min(scales)]) if len(x) >= min(scales) else None
    return PhaseResult(fitting[0], total[0], fitting[1], total[1], robust_scatter(x), s, x,
                       fitting[2], total[2], judged)  # fmt: skip


#: History key of the SNR monitor's points per batch (n_b), where the run logged it.
POINTS_PER_BATCH_KEY = "snr_points_per_batch"


def detect_history_phases(
    history: Mapping[str, np.ndarray], points_per_batch: float | None = None, **options: Any
) -> PhaseResult:
    """:func:`detect_phases` on a run history's ``step`` and ``snr``.

    ``points_per_batch``: as for :func:`detect_phases`; None takes the median of the
    history's ``snr_points_per_batch`` where it was logged, else the paper's 256. A run
    record's phases are those of its Adam stage (:attr:`pinnlib.records.RunRecord.phases`).
    """
    if points_per_batch is None:
        points_per_batch = history_points_per_batch(history)
    return detect_phases(history["step"], history["snr"], points_per_batch, **options)


def history_points_per_batch(history: Mapping[str, np.ndarray]) -> float:
    """The points per batch of a history's SNR: the median of its logged
    ``snr_points_per_batch``, or the paper's 256 where it was not logged."""
    logged = np.asarray(history.get(POINTS_PER_BATCH_KEY, []), dtype=float)
    logged = logged[np.isfinite(logged)]
    return float(np.median(logged)) if len(logged) else float(PAPER_POINTS_PER_BATCH)
