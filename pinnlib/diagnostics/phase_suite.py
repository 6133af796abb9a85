"""Operating characteristics of the phase detector on seeded synthetic SNR histories.

Each history is log10 SNR in the paper's units (256 points per batch) on the
paper's log schedule (every 10 steps before step 300, every 100 after), for a
run of T steps, T drawn log-uniformly from 10,000 to 100,000 (rounded to 100):
a noiseless level path of the scenario, plus

* heavy-tailed noise: Student-t with 3 degrees of freedom, scaled so that its
  robust standard deviation (1.4826 MAD) is ``noise`` decades;
* deep one-point dips: a fraction of the points, drawn uniformly from 1 % to
  15 % per history, lowered by 1.5 to 3 decades (uniform).

Scenarios (levels are log10 SNR; the paper's diffusion phase lies at about
1e-3 to 0.5, its high-SNR phases at about 2 to 10):

* ``diffusion``: constant, at a level drawn from [-2.5, -0.3] (no boundary);
* ``near level``: constant at SNR 1.6, between the two bands (no boundary);
* ``diffusion jump``: a one-decade rise within diffusion, -1.5 to -0.5, at a
  step drawn from [0.3 T, 0.7 T] (no total diffusion);
* ``fitting drop``: fitting at a level drawn from [0.5, 1] until a step drawn
  from [60, 250], then diffusion at a level drawn from [-2, -0.5] (a fitting end,
  no total diffusion);
* ``abrupt rise``: fitting as above, diffusion at -0.5, then a one-decade rise to
  +0.5 at a step t drawn from [0.3 T, 0.7 T] (total diffusion at t);
* ``gradual rise``: the same rise spread linearly (in log10) over 0.2 T steps
  centred on t, so that it crosses the level 1 at t (total diffusion at t).

A stress scenario outside the targets (the rule assumes independent noise):

* ``wandering diffusion``: ``diffusion`` plus a slow wander of the level, an
  AR(1) process with coefficient 0.9 per log point (a correlation time of
  about 10 log points) and standard deviation 0.3 decades (no boundary).

Targets: at most 5 % false total diffusion in each no-jump scenario, at least
95 % of the rises detected within 5 % of the run length (0.05 T) of the truth,
at every noise level.

Every history is seeded by (scenario, noise level, stream): stream 0 makes the
table (:func:`run_suite`), stream 1 is the separate calibration set on which the
detector's ``min_z`` was chosen (:func:`calibration`). The table prints with
``python -m pinnlib.diagnostics.phase_suite [--seeds N] [--steps MIN MAX]``
(:func:`add_parser` and :func:`main` register it in a command line).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from tabulate import tabulate

from pinnlib.diagnostics.phases import PhaseResult, detect_phases, robust_scatter

NOISE_LEVELS = (0.15, 0.3, 0.6, 1.0)
SCENARIOS = (
    "diffusion",
    "near level",
    "diffusion jump",
    "fitting drop",
    "abrupt rise",
    "gradual rise",
)
STRESS_SCENARIOS = ("wandering diffusion",)
RISES = ("abrupt rise", "gradual rise")
FITTING = ("fitting drop", "abrupt rise", "gradual rise")
DEGREES_OF_FREEDOM = 3
DIP_FRACTION = (0.01, 0.15)
DIP_DEPTH = (1.5, 3.0)
#: AR(1) coefficient per log point and standard deviation (decades) of the wander.
WANDER = (0.9, 0.3)
RUN_STEPS = (10_000, 100_000)
TOLERANCE = 0.05
MAX_FALSE_RATE = 0.05
MIN_DETECTION_RATE = 0.95
#: 1.4826 MAD of the Student-t with 3 degrees of freedom: divides it to a robust sd of 1.
T3_ROBUST_SD = 1.4826 * 0.7648923


@dataclass(frozen=True)
class History:
    """One synthetic history and its true boundaries (None: not present)."""

    steps: np.ndarray
    snr: np.ndarray
    fitting_end: int | None
    total_diffusion: int | None


@dataclass(frozen=True)
class Row:
    """Operating characteristics of one scenario at one noise level."""

    scenario: str
    noise: float
    histories: int
    scatter: float
    fitting_found: float
    fitting_error: float
    total_found: float
    total_within: float
    total_error: float

    @property
    def rate(self) -> float:
        """The rate the targets bound: detection within tolerance for rises, else false rate."""
        return self.total_within if self.scenario in RISES else self.total_found


def log_schedule(n_steps: int) -> np.ndarray:
    """The paper's logged steps: every 10 before step 300, every 100 after, to ``n_steps``."""
    return np.concatenate([np.arange(0, 300, 10), np.arange(300, n_steps + 1, 100)])


def _path(scenario: str, steps: np.ndarray, rng: np.random.Generator) -> tuple:
    """(noiseless log10 SNR, true fitting end, true total-diffusion step)."""
    n_steps = int(steps[-1])
    x = np.zeros(len(steps))
    fit = total = None
    if scenario in ("diffusion", "wandering diffusion"):
        x[:] = rng.uniform(-2.5, -0.3)
    elif scenario == "near level":
        x[:] = math.log10(1.6)
    elif scenario == "diffusion jump":
        t = int(rng.uniform(0.3, 0.7) * n_steps)
        x[:] = np.where(steps < t, -1.5, -0.5)
    else:
        fit = int(rng.integers(6, 26)) * 10
        x[:] = np.where(steps < fit, rng.uniform(0.5, 1.0), rng.uniform(-2.0, -0.5))
        if scenario in RISES:
            x[steps >= fit] = -0.5
            total = int(rng.uniform(0.3, 0.7) * n_steps) // 100 * 100
            spread = 0.2 * n_steps if scenario == "gradual rise" else 0.0
            if spread:
                ramp = np.clip((steps - total) / spread + 0.5, 0.0, 1.0)
            else:
                ramp = (steps >= total).astype(float)
            x[steps >= fit] += ramp[steps >= fit]
    return x, fit, total


def _wander(n: int, rng: np.random.Generator) -> np.ndarray:
    """A stationary AR(1) path of n points with the coefficient and sd of ``WANDER``."""
    phi, sd = WANDER
    e = np.empty(n)
    e[0] = sd * rng.standard_normal()
    kicks = sd * math.sqrt(1 - phi**2) * rng.standard_normal(n)
    for k in range(1, n):
        e[k] = phi * e[k - 1] + kicks[k]
    return e


def synthetic_history(
    scenario: str,
    noise: float,
    rng: np.random.Generator,
    run_steps: tuple[int, int] = RUN_STEPS,
) -> History:
    """One history of ``scenario`` with robust noise sd ``noise`` decades (module docstring),
    its run length drawn log-uniformly from ``run_steps``."""
    lo, hi = run_steps
    n_steps = int(round(math.exp(rng.uniform(math.log(lo), math.log(hi))), -2))
    steps = log_schedule(n_steps)
    x, fit, total = _path(scenario, steps, rng)
    x = x + noise * rng.standard_t(DEGREES_OF_FREEDOM, len(steps)) / T3_ROBUST_SD
    if scenario == "wandering diffusion":
        x = x + _wander(len(steps), rng)
    dips = rng.random(len(steps)) < rng.uniform(*DIP_FRACTION)
    x[dips] -= rng.uniform(*DIP_DEPTH, dips.sum())
    return History(steps, 10**x, fit, total)


def _median(values: list[float]) -> float:
    return float(np.median(values)) if values else math.nan


def evaluate(
    scenario: str,
    noise: float,
    seeds: int,
    detector: Callable[..., PhaseResult] = detect_phases,
    stream: int = 0,
    run_steps: tuple[int, int] = RUN_STEPS,
) -> Row:
    """The detector on ``seeds`` histories of one scenario and noise level, seeded by
    (scenario, noise, ``stream``): stream 0 makes the table, stream 1 set ``min_z``."""
    index = (SCENARIOS + STRESS_SCENARIOS).index(scenario)
    rng = np.random.default_rng([index, int(round(noise * 100)), stream])
    fit_found, fit_err, tot_found, tot_within, tot_err, scatter = 0, [], 0, 0, [], []
    for _ in range(seeds):
        h = synthetic_history(scenario, noise, rng, run_steps)
        r = detector(h.steps, h.snr)
        scatter.append(robust_scatter(np.log10(h.snr)))
        if r.fitting_end is not None:
            fit_found += 1
            if h.fitting_end is not None:
                fit_err.append(abs(r.fitting_end - h.fitting_end))
        if r.total_diffusion is not None:
            tot_found += 1
            if h.total_diffusion is not None:
                err = abs(r.total_diffusion - h.total_diffusion) / h.steps[-1]
                tot_err.append(err)
                tot_within += err <= TOLERANCE
    return Row(scenario, noise, seeds, _median(scatter), fit_found / seeds, _median(fit_err),
               tot_found / seeds, tot_within / seeds, _median(tot_err))  # fmt: skip


def run_suite(
    seeds: int = 100,
    noise_levels: tuple[float, ...] = NOISE_LEVELS,
    scenarios: tuple[str, ...] = SCENARIOS,
    detector: Callable[..., PhaseResult] = detect_phases,
    stream: int = 0,
    run_steps: tuple[int, int] = RUN_STEPS,
) -> list[Row]:
    """One row per scenario and noise level."""
    return [
        evaluate(s, n, seeds, detector, stream, run_steps) for s in scenarios for n in noise_levels
    ]


def calibration(
    thresholds: tuple[float, ...] = (3.0, 3.5, 4.0, 4.5, 5.0),
    seeds: int = 200,
    noise_levels: tuple[float, ...] = NOISE_LEVELS,
) -> list[tuple[float, float, float, float]]:
    """(min_z, worst false total-diffusion rate over the no-jump scenarios and noise levels,
    lowest rate of rises found within tolerance at noise 0.3 and below, the same at any
    noise) for each threshold, on the calibration stream (stream 1), which is how the
    detector's ``min_z`` was set."""
    out = []
    for z in thresholds:
        rows = run_suite(seeds, noise_levels, detector=partial(detect_phases, min_z=z), stream=1)
        false = max(r.total_found for r in rows if r.scenario not in RISES)
        rises = [r for r in rows if r.scenario in RISES]
        low = min(r.total_within for r in rises if r.noise <= 0.3)
        out.append((z, false, low, min(r.total_within for r in rises)))
    return out


def failures(rows: list[Row]) -> list[str]:
    """The rows that miss a target, described."""
    out = []
    for r in rows:
        if r.scenario in RISES and r.total_within < MIN_DETECTION_RATE:
            out.append(f"{r.scenario} at noise {r.noise}: {r.total_within:.0%} detected")
        elif r.scenario not in RISES and r.total_found > MAX_FALSE_RATE:
            out.append(f"{r.scenario} at noise {r.noise}: {r.total_found:.0%} false")
    return out


def _pct(v: float) -> str:
    return f"{v:.0%}"


def suite_table(rows: list[Row], fmt: str = "github") -> str:
    """The operating characteristics as a table (``fmt``: a tabulate format)."""
    body = []
    for r in rows:
        rise = r.scenario in RISES
        body.append([
            r.scenario, f"{r.noise:.2f}", f"{r.scatter:.2f}", r.histories,
            _pct(r.fitting_found) if r.scenario in FITTING else f"{_pct(r.fitting_found)} false",
            f"{r.fitting_error:.0f}" if math.isfinite(r.fitting_error) else "-",
            _pct(r.total_found) if rise else f"{_pct(r.total_found)} false",
            _pct(r.total_within) if rise else "-",
            f"{r.total_error:.1%}" if math.isfinite(r.total_error) else "-",
        ])  # fmt: skip
    headers = ["scenario", "noise (decades)", "measured scatter", "histories",
               "fitting end found", "fitting error (steps)", "total diffusion found",
               f"within {TOLERANCE:.0%} of run", "median error (of run)"]  # fmt: skip
    return tabulate(body, headers=headers, tablefmt=fmt, disable_numparse=True)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the suite as a subcommand (``detector``) of a command line."""
    parser = subparsers.add_parser(
        "detector", help="operating characteristics of the phase detector (synthetic suite)"
    )
    _add_arguments(parser)
    parser.set_defaults(func=main)
    return parser


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", type=int, default=100, help="histories per row (100)")
    parser.add_argument("--noise", type=float, nargs="+", default=list(NOISE_LEVELS),
                        help="noise levels, robust sd of log10 SNR in decades")  # fmt: skip
    parser.add_argument("--scenario", nargs="+", choices=SCENARIOS + STRESS_SCENARIOS,
                        default=list(SCENARIOS))  # fmt: skip
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--steps", type=int, nargs=2, default=list(RUN_STEPS),
                        metavar=("MIN", "MAX"), help="run lengths (log-uniform)")  # fmt: skip


def main(args: argparse.Namespace) -> int:
    """Print the table and the missed targets; with ``--strict``, exit 1 if one is missed."""
    start = time.perf_counter()
    rows = run_suite(args.seeds, tuple(args.noise), tuple(args.scenario),
                     run_steps=tuple(args.steps))  # fmt: skip
    print(suite_table(rows))
    missed = failures(rows)
    print(f"\n{len(rows) * args.seeds} histories in {time.perf_counter() - start:.1f} s")
    print("targets missed: " + ("; ".join(missed) if missed else "none"))
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m pinnlib.diagnostics.phase_suite",
                                     description=__doc__.splitlines()[0])  # fmt: skip
    _add_arguments(parser)
    sys.exit(main(parser.parse_args()))
