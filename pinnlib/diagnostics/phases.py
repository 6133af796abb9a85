"""Automatic detection of the training phases from the batch-gradient SNR history.

The paper's phases (PAPER.md, RQ1): *fitting* (high SNR), *diffusion* (SNR
collapses) and *total diffusion* (an abrupt, lasting SNR jump). The authors
place the boundaries by eye; this module states a rule (beyond the paper).

Rule, on x_k = log10 SNR at the logged points k (non-finite values dropped),
with window w (default 10 log points):

1. level shift at k: D_k = mean(x_k..x_{k+w-1}) - mean(x_{k-w}..x_{k-1}),
   the earlier window cut at the first point (at least ``min_before`` points);
   D_k needs w points after k, so a new level must persist for w log points;
2. noise: sigma_k = 1.4826 MAD(x_{j+1} - x_j) / sqrt(2) over the log points
   within 3 w of k, a robust estimate of the local point-to-point scatter of x
   that level shifts barely affect. It is local because a late diffusion phase
   can scatter ten times more than the fitting phase (which would hide a clear
   early drop), and floored at 0.75 times the same estimate over the whole
   history, so that a quiet stretch cannot make a small shift look significant;
   z_k = D_k / (sigma_k sqrt(1/w_before + 1/w)), the shift in units of its
   standard error (the *confidence* reported);
3. fitting -> diffusion exists if some k has D_k <= -min_jump and
   z_k <= -min_z (a drop of at least ``min_jump`` decades, default 0.5, by at
   least ``min_z`` standard errors, default 6) to a new level (the mean after
   k) below log10 ``level``. Let k* be the most significant such k in the
   first run of them; the boundary is the best single split of y on
   [0, k* + w): the c maximising sqrt(n_1 n_2 / n) (mean of y before c - mean
   from c), the least-squares two-level fit (CUSUM change-point estimate).
   Here y = x clipped to log10 ``level`` +- ``min_jump``, so that a point
   counts by the side of the level it lies on rather than by how far: a few
   very high early values (such as the condition-dominated SNR of an RBA run
   whose weights start at 0) do not pull the split early. For an abrupt drop
   the split is the step itself; for a gradual decline, where it crosses the
   level;
4. diffusion -> total diffusion: the same for a rise (D_k >= min_jump,
   z_k >= min_z) to a new level above log10 ``level``, searched after the
   fitting boundary c (from the start when no drop was found), split on
   [c, k* + w).

``level`` (default 1) is the SNR at which the mean batch gradient is as large
as its spread between batches: the paper's fitting and total-diffusion phases
lie above it (SNR about 2 to 10), its diffusion phase below (about 1e-3 to
0.5). It keeps a jump within the diffusion phase (0.05 to 0.3, say) from
being read as total diffusion; ``level=None`` drops the condition.

A boundary is the step of the first log point at the new level; None when no
shift passes the thresholds. The confidence of a boundary is |z_k*|. The rule
assumes the noise of x is roughly independent between log points; strongly
correlated noise makes z overconfident, which the ``min_jump`` floor and the
``level`` condition guard against.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PHASE_NAMES = ("fitting", "diffusion", "total diffusion")


@dataclass(frozen=True)
class PhaseResult:
    """Detected boundaries (steps or None), their confidences (z; nan if none) and the inputs."""

    fitting_end: int | None
    total_diffusion: int | None
    fitting_confidence: float
    total_diffusion_confidence: float
    noise: float
    steps: np.ndarray
    log_snr: np.ndarray

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


def _robust_noise(x: np.ndarray) -> float:
    d = np.diff(x)
    return float(1.4826 * np.median(np.abs(d - np.median(d))) / math.sqrt(2))


def level_shifts(
    x: np.ndarray, window: int = 10, min_before: int = 3
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Indices k, shifts D_k, standard-error factors sqrt(1/w_b + 1/w), levels after k."""
    c = np.concatenate([[0.0], np.cumsum(x)])
    k = np.arange(min_before, len(x) - window + 1)
    start = np.maximum(k - window, 0)
    before = (c[k] - c[start]) / (k - start)
    after = (c[k + window] - c[k]) / window
    return k, after - before, np.sqrt(1 / (k - start) + 1 / window), after


def _most_significant_in_first_run(hit: np.ndarray, z: np.ndarray) -> int | None:
    """Position of the largest |z| in the first run of ``hit`` (None if nothing hits)."""
    if not hit.any():
        return None
    first = int(np.argmax(hit))
    rest = hit[first:]
    end = len(hit) if rest.all() else first + int(np.argmin(rest))
    return first + int(np.argmax(np.abs(z[first:end])))


def best_split(x: np.ndarray, lo: int, hi: int, sign: int) -> int:
    """The c in (lo, hi) maximising sqrt(n1 n2 / n) * sign * (mean(x[c:hi]) - mean(x[lo:c]))."""
    seg = np.asarray(x[lo:hi], dtype=float)
    n = len(seg)
    c = np.arange(1, n)
    total = np.cumsum(seg)
    left = total[:-1] / c
    right = (total[-1] - total[:-1]) / (n - c)
    score = np.sqrt(c * (n - c) / n) * sign * (right - left)
    return lo + 1 + int(np.argmax(score))


def detect_phases(
    steps: np.ndarray,
    snr: np.ndarray,
    window: int = 10,
    min_jump: float = 0.5,
    min_z: float = 6.0,
    min_before: int = 3,
    level: float | None = 1.0,
) -> PhaseResult:
    """Fitting -> diffusion and diffusion -> total-diffusion steps from an SNR history."""
    steps, snr = np.asarray(steps), np.asarray(snr, dtype=float)
    ok = np.isfinite(snr) & (snr > 0)
    s, x = steps[ok], np.log10(snr[ok])
    noise = _robust_noise(x) if len(x) > 2 else math.nan
    none = PhaseResult(None, None, math.nan, math.nan, noise, s, x)
    if len(x) < min_before + window:
        return none
    k, d, factor, new_level = level_shifts(x, window, min_before)
    span = 3 * window
    local = np.array([_robust_noise(x[max(j - span, 0) : j + span]) for j in k])
    sigma = np.maximum(local, 0.75 * noise)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(d == 0, 0.0, d / (sigma * factor))
    low = high = np.ones(len(d), dtype=bool)
    if level is not None:
        low, high = new_level < np.log10(level), new_level > np.log10(level)
    y = x if level is None else np.clip(x, np.log10(level) - min_jump, np.log10(level) + min_jump)
    boundaries: list[int | None] = []
    confidences: list[float] = []
    start = 0
    for sign, side in ((-1, low), (+1, high)):
        hit = (sign * d >= min_jump) & (sign * z >= min_z) & side & (k > start)
        j = _most_significant_in_first_run(hit, z)
        if j is None:
            boundaries.append(None)
            confidences.append(math.nan)
            continue
        start = best_split(y, start, int(k[j]) + window, sign)
        boundaries.append(int(s[start]))
        confidences.append(float(abs(z[j])))
    return PhaseResult(boundaries[0], boundaries[1], *confidences, noise, s, x)
