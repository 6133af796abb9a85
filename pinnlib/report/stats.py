"""Numbers of single runs and of sets of seeds: errors, phases, falls, trends, compression.

Everything here is computed from run records (or histories) and returned as numbers or
small dataclasses; the sentences and verdicts built on them live in :mod:`.text`,
:mod:`.tables` and the research-question modules.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from pinnlib.book_runs import METHODS
from pinnlib.diagnostics import detect_history_phases
from pinnlib.diagnostics.phases import PhaseResult, history_points_per_batch
from pinnlib.diagnostics.snr import paper_units
from pinnlib.records import RunRecord

Runs = dict[tuple[str, int], RunRecord]  # {(method, seed): record}
AllRuns = dict[str, Runs]  # {benchmark: {(method, seed): record}}

#: Steps the paper's fitting phase lasts at most ("the first few hundred"): statistics of
#: the later phases start after it.
FITTING_STEPS = 300
#: Steps over which :func:`steepest_fall` measures a fall of the error: the interval of
#: the paper's learning-rate decay (x0.9 every 5,000 steps), so one fall spans one rate.
FALL_SPAN = 5000
#: Falls of log10 error that differ by less than this are equal (round-off), and the
#: earliest of them counts.
FALL_TIE = 1e-9
#: Fewest logged points a median or a fitted slope is taken over; with fewer the value
#: is nan, not a number read off one or two noisy points.
MIN_POINTS = 3
#: Fewest logged points a rank correlation is taken over (with fewer it is nan).
MIN_CORRELATION_POINTS = 5
#: Logged points averaged for a run's final value of a history key: enough to smooth
#: step-to-step noise, few enough to describe the end of training.
FINAL_POINTS = 10
#: Logged points averaged on each side of a step when comparing compression across it.
COMPRESSION_WINDOW = 10


# -- sets of seeds ----------------------------------------------------------------------
def first_seed(runs: Runs) -> dict[str, RunRecord]:
    """{method: record} of the first seed (the one figures of single runs show)."""
    seed = min(s for _, s in runs)
    return {m: runs[m, seed] for m in METHODS if (m, seed) in runs}


def pairs(all_runs: AllRuns) -> Iterator[tuple[str, int, RunRecord, RunRecord]]:
    """(benchmark, seed, vanilla record, RBA record) for every seed trained both ways."""
    for problem, runs in all_runs.items():
        for seed in sorted({s for _, s in runs}):
            if ("vanilla", seed) in runs and ("rba", seed) in runs:
                yield problem, seed, runs["vanilla", seed], runs["rba", seed]


# -- errors ------------------------------------------------------------------------------
def geometric_stats(values: list[float]) -> tuple[float, float, float]:
    """(geometric mean, min, max) of positive values: errors spread over decades."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if len(v) == 0:
        return math.nan, math.nan, math.nan
    return float(np.exp(np.mean(np.log(v)))), float(v.min()), float(v.max())


def error_summary(runs: Runs) -> dict[str, dict[str, Any]]:
    """Per method: final errors per seed, their geometric mean and range."""
    out = {}
    for method in METHODS:
        errs = {s: r.final_error for (m, s), r in runs.items() if m == method}
        mean, lo, hi = geometric_stats(list(errs.values()))
        out[method] = {"errors": errs, "mean": mean, "min": lo, "max": hi, "n": len(errs)}
    return out


def wins(runs: Runs) -> tuple[int, int]:
    """(seeds where RBA ends with the lower error, number of seeds)."""
    seed_list = sorted({s for _, s in runs})
    n_better = sum(runs["rba", s].final_error < runs["vanilla", s].final_error for s in seed_list)
    return n_better, len(seed_list)


def jump_steps(runs: Runs, method: str) -> list[int | None]:
    """The detected total-diffusion step of each seed's ``method`` run (None: no jump)."""
    return [r.phases.total_diffusion for (m, _), r in sorted(runs.items()) if m == method]


# -- phases --------------------------------------------------------------------------------
@dataclass(frozen=True)
class PhaseSummary:
    """Detected phases of one run and what the SNR and error did in each."""

    phases: PhaseResult
    snr_median: dict[str, float]
    error_rate: dict[str, float]

    @property
    def fastest(self) -> str | None:
        """Of diffusion and total diffusion, the phase in which the error falls fastest
        (most negative rate); None when neither has a falling error. The fitting phase,
        a few hundred steps of gross fitting, is left out of the comparison."""
        rates = {
            k: v
            for k, v in self.error_rate.items()
            if k != "fitting" and math.isfinite(v) and v < 0
        }
        return min(rates, key=rates.get) if rates else None


def phase_summary(record: RunRecord | Mapping[str, np.ndarray]) -> PhaseSummary:
    """Median SNR (in the paper's units, 256 points per batch) and error decay rate in
    each detected phase of a record, or of a history with ``step``, ``snr``, ``error``.

    The rate is the least-squares slope of log10 error against the step, per 1,000
    steps (negative: the error falls). Before the first boundary counts as fitting when
    a fitting end was detected; when none was, the diffusion phase is taken to start at
    step :data:`FITTING_STEPS` (the paper's fitting lasts a few hundred steps), so that
    early fitting does not enter its statistics. The run's last logged step closes the
    last phase.
    """
    if isinstance(record, RunRecord):
        h, phases = record.adam_history, record.phases
    else:
        h, phases = record, detect_history_phases(record)
    steps, err = h["step"], h["error"]
    snr = paper_units(h["snr"], history_points_per_batch(h))
    snr_median, rate = {}, {}
    for name, start, end in phases.spans():
        if name == "diffusion" and phases.fitting_end is None:
            start = max(start, FITTING_STEPS)
        inside = (steps >= start) & (steps <= end)
        ok = inside & np.isfinite(snr) & (snr > 0)
        snr_median[name] = float(np.median(snr[ok])) if ok.any() else math.nan
        e = inside & np.isfinite(err) & (err > 0)
        if e.sum() >= MIN_POINTS and steps[e][-1] > steps[e][0]:
            slope = np.polyfit(steps[e].astype(float), np.log10(err[e]), 1)[0]
            rate[name] = float(slope * 1000)
        else:
            rate[name] = math.nan
    return PhaseSummary(phases, snr_median, rate)


# -- falls of the error ----------------------------------------------------------------------
@dataclass
class ErrorFall:
    """The steepest fall of the error over ``span`` steps, with the SNR and phi_r around it.

    ``snr_*`` and ``phi_r_*`` are medians over the ``span`` steps before ``start`` and
    after ``end`` (nan where the history is too short).
    """

    start: int
    end: int
    error_start: float
    error_end: float
    snr_before: float
    snr_after: float
    phi_r_before: float
    phi_r_after: float


def steepest_fall(record: RunRecord, span: int = FALL_SPAN) -> ErrorFall | None:
    """Where log10 of the error falls most between two logged steps ``span`` apart
    (after the fitting phase's first :data:`FITTING_STEPS` steps; the earliest of equal
    falls); None if the run is shorter than that."""
    h = record.adam_history
    steps, err = np.asarray(h["step"]), np.asarray(h["error"], dtype=float)
    best, best_drop = None, -math.inf
    for i in np.flatnonzero(steps >= FITTING_STEPS):
        j = int(np.searchsorted(steps, steps[i] + span))
        if j >= len(steps):
            break
        drop = np.log10(err[i] / err[j]) if err[i] > 0 and err[j] > 0 else -math.inf
        if drop > best_drop + FALL_TIE:  # the earliest of equal falls
            best, best_drop = (i, j), drop
    if best is None:
        return None
    i, j = best
    start, end = int(steps[i]), int(steps[j])

    values = dict(h)
    if "snr" in h:  # in the paper's units
        values["snr"] = paper_units(h["snr"], history_points_per_batch(h))

    def median(key: str, lo: int, hi: int) -> float:
        if key not in values:  # a run logged without this monitor
            return math.nan
        inside = (steps >= lo) & (steps <= hi) & np.isfinite(values[key])
        return float(np.median(values[key][inside])) if inside.sum() >= MIN_POINTS else math.nan

    return ErrorFall(
        start, end, float(err[i]), float(err[j]),
        median("snr", start - span, start - 1), median("snr", end + 1, end + span),
        median("homogeneity_residual", start - span, start - 1),
        median("homogeneity_residual", end + 1, end + span),
    )  # fmt: skip


# -- homogeneity ----------------------------------------------------------------------------
def homogeneity_correlation(record: RunRecord, key: str = "homogeneity_residual") -> float:
    """Spearman rank correlation between phi_r and log error over the logged Adam steps
    after :data:`FITTING_STEPS`.

    Negative: more uniform residuals go with lower error.
    """
    h = record.adam_history
    ok = (
        (h["step"] >= FITTING_STEPS)
        & np.isfinite(h[key])
        & np.isfinite(h["error"])
        & (h["error"] > 0)
    )
    if ok.sum() < MIN_CORRELATION_POINTS:
        return math.nan
    return float(stats.spearmanr(h[key][ok], np.log10(h["error"][ok])).statistic)


def final_mean(record: RunRecord, key: str, last: int = FINAL_POINTS) -> float:
    """Mean of the last ``last`` logged values of a history key."""
    v = record.history[key][-last:]
    v = v[np.isfinite(v)]
    return float(v.mean()) if len(v) else math.nan


# -- compression ---------------------------------------------------------------------------
#: The per-layer compression measures a record logs (binned entropy, KDE entropy, the
#: share of samples in a neuron's edge bins, the share of tanh units with |a| > 0.99).
COMPRESSION_KEYS = (
    "compression_entropy",
    "compression_entropy_kde",
    "compression_saturation",
    "compression_saturation_tanh",
)


def compression_change(
    record: RunRecord, at: int | None, window: int = COMPRESSION_WINDOW
) -> dict[str, np.ndarray] | None:
    """Per hidden layer: binned entropy and saturation just before and after step ``at``.

    Means over ``window`` logged points on each side; with no ``at`` (no detected
    jump), the first ``window`` points after step :data:`FITTING_STEPS` against the last
    ``window``. None when the history has fewer than ``window`` points on either side
    (or, without ``at``, fewer than ``2 * window`` after that step): too short to compare.
    """
    h = record.adam_history
    steps = h["step"]
    if at is None:
        start = int(np.searchsorted(steps, FITTING_STEPS))
        if len(steps) - start < 2 * window:
            return None
        before = slice(start, start + window)
        after = slice(len(steps) - window, len(steps))
    else:
        k = int(np.searchsorted(steps, at))
        if k < window or len(steps) - k < window:
            return None
        before, after = slice(k - window, k), slice(k, k + window)
    out = {}
    for key in COMPRESSION_KEYS:
        values = h.get(key)
        if values is None:  # a record logged before this measure existed
            values = np.full_like(h["compression_entropy"], np.nan)
        out[f"{key}_before"] = np.nanmean(values[before], axis=0)
        out[f"{key}_after"] = np.nanmean(values[after], axis=0)
    return out
