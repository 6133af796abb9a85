"""What the chapters compute from run records: seeds, runs, summaries and findings.

The chapters stay short by asking this module for the numbers they state: every
sentence of a finding is built here from executed results, never typed in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats
from tabulate import tabulate

from pinnlib.authors_logs import AUTHORS_RUNS, AuthorsLog, load_authors_log
from pinnlib.book_runs import (  # noqa: F401  (the chapters read these through report)
    BENCHMARKS,
    LONG_BENCHMARKS,
    LONG_RUN,
    METHODS,
    SEEDS,
    benchmark_specs,
    long_specs,
    seeds,
)
from pinnlib.diagnostics import detect_history_phases
from pinnlib.diagnostics.phases import PhaseResult, history_points_per_batch
from pinnlib.diagnostics.snr import paper_units
from pinnlib.experiments import check_profile, run
from pinnlib.plotting.style import BENCHMARK_TITLES, METHOD_LABELS
from pinnlib.records import RunRecord
from pinnlib.train import build_problem, predict

TITLES = BENCHMARK_TITLES

#: The paper's relative L2 errors (vanilla, RBA) at its configuration (the paper's
#: Table of benchmarks; 6 x 128 network, 300,000 Adam steps). Literature values.
PAPER_ERRORS = {
    "allen_cahn": (2.91e-2, 3.24e-3),
    "helmholtz": (3.57e-2, 1.30e-2),
    "burgers": (math.nan, math.nan),
    "cavity": (0.615, 5.57e-2),
}
#: The authors' hand-placed steps of the jump into total diffusion (vanilla, RBA).
PAPER_TRANSITIONS = {
    "allen_cahn": (91_700, 11_100),
    "helmholtz": (19_000, 1_000),
    "burgers": (math.nan, math.nan),
    "cavity": (20_000, 20_000),
}


def long_runs(
    problem: str, profile: str, seed: int | None = None, device: str = "cpu", progress: bool = True
) -> dict[str, RunRecord]:
    """{method: record} of the longer run of ``problem`` (first seed); at ``paper``,
    where the runs are already the paper's length, the profile's own runs."""
    specs = long_specs(problem, profile, seed)
    return {m: run(spec, device=device, progress=progress) for m, spec in specs.items()}


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


def steepest_fall(record: RunRecord, span: int = 5000) -> ErrorFall | None:
    """Where log10 of the error falls most between two logged steps ``span`` apart
    (after the fitting phase's first 300 steps; the earliest of equal falls); None if the
    run is shorter than that."""
    h = record.history
    steps, err = np.asarray(h["step"]), np.asarray(h["error"], dtype=float)
    best, best_drop = None, -math.inf
    for i in np.flatnonzero(steps >= FITTING_STEPS):
        j = int(np.searchsorted(steps, steps[i] + span))
        if j >= len(steps):
            break
        drop = np.log10(err[i] / err[j]) if err[i] > 0 and err[j] > 0 else -math.inf
        if drop > best_drop + 1e-9:  # the earliest of equal falls
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
        return float(np.median(values[key][inside])) if inside.sum() >= 3 else math.nan

    return ErrorFall(
        start, end, float(err[i]), float(err[j]),
        median("snr", start - span, start - 1), median("snr", end + 1, end + span),
        median("homogeneity_residual", start - span, start - 1),
        median("homogeneity_residual", end + 1, end + span),
    )  # fmt: skip


def describe_fall(label: str, fall: ErrorFall | None) -> str:
    """A sentence on :func:`steepest_fall` of one run."""
    if fall is None:
        return f"{label} is too short to look for a fall of its error"
    text = (
        f"{label}'s error falls most steeply between steps {fall.start:,} and {fall.end:,}, "
        f"from {fall.error_start:.3g} to {fall.error_end:.3g} "
        f"({fall.error_start / fall.error_end:.1f} times lower)"
    )
    if math.isfinite(fall.snr_before) and math.isfinite(fall.snr_after):
        text += (
            f"; the median SNR (256 points per batch) is {fall.snr_before:.2g} over the same "
            "number of steps before "
            f"and {fall.snr_after:.2g} after, and $\\phi_r$ {fall.phi_r_before:.2f} before "
            f"and {fall.phi_r_after:.2f} after"
        )
    return text


def sooner_falls(long: dict[str, dict[str, RunRecord]], span: int = 5000) -> dict[str, Any]:
    """In how many longer-run pairs ({benchmark: {method: record}}) RBA's steepest fall of
    the error (:func:`steepest_fall`) starts before vanilla's; "text" names the steps."""
    clauses, sooner, pairs = [], 0, 0
    for problem, records in long.items():
        falls = {m: steepest_fall(r, span) for m, r in records.items()}
        if falls.get("vanilla") is None or falls.get("rba") is None:
            clauses.append(f"{TITLES[problem]}: the runs are too short")
            continue
        pairs += 1
        sooner += int(falls["rba"].start < falls["vanilla"].start)
        clauses.append(
            f"{TITLES[problem]}: step {falls['vanilla'].start:,} without RBA, "
            f"{falls['rba'].start:,} with it"
        )
    return {"text": "; ".join(clauses) or "no longer runs", "sooner": sooner, "pairs": pairs}


#: Steps the paper's fitting phase lasts at most ("the first few hundred").
FITTING_STEPS = 300


def benchmark_runs(
    problem: str,
    profile: str,
    seed_list: Sequence[int] | None = None,
    device: str = "cpu",
    progress: bool = True,
) -> dict[tuple[str, int], RunRecord]:
    """Vanilla and RBA records of ``problem`` for every seed: {(method, seed): record}."""
    specs = benchmark_specs(problem, profile, seed_list)
    return {k: run(spec, device=device, progress=progress) for k, spec in specs.items()}


def first_seed(runs: dict[tuple[str, int], RunRecord]) -> dict[str, RunRecord]:
    """{method: record} of the first seed (the one figures of single runs show)."""
    seed = min(s for _, s in runs)
    return {m: runs[m, seed] for m in METHODS if (m, seed) in runs}


def fmt(x: float | None, digits: int = 2) -> str:
    """A number for a table: scientific, '-' when missing."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:.{digits}e}"


# -- errors ------------------------------------------------------------------------------
def geometric_stats(values: list[float]) -> tuple[float, float, float]:
    """(geometric mean, min, max) of positive values: errors spread over decades."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if len(v) == 0:
        return math.nan, math.nan, math.nan
    return float(np.exp(np.mean(np.log(v)))), float(v.min()), float(v.max())


def error_summary(runs: dict[tuple[str, int], RunRecord]) -> dict[str, dict[str, Any]]:
    """Per method: final errors per seed, their geometric mean and range."""
    out = {}
    for method in METHODS:
        errs = {s: r.final_error for (m, s), r in runs.items() if m == method}
        mean, lo, hi = geometric_stats(list(errs.values()))
        out[method] = {"errors": errs, "mean": mean, "min": lo, "max": hi, "n": len(errs)}
    return out


def compare_errors(err_vanilla: float, err_rba: float, factor: float = 1.5) -> str:
    """A sentence comparing two errors: which is lower, and by what factor."""
    if (
        not (math.isfinite(err_vanilla) and math.isfinite(err_rba))
        or min(err_vanilla, err_rba) <= 0
    ):
        return "the errors cannot be compared (one of them is not a positive number)"
    ratio = err_vanilla / err_rba
    if ratio > factor:
        return f"RBA ends with a {ratio:.1f} times lower error than vanilla training"
    if ratio < 1 / factor:
        return f"vanilla training ends with a {1 / ratio:.1f} times lower error than RBA"
    return f"the two methods end with errors within a factor {factor} of each other"


def wins(runs: dict[tuple[str, int], RunRecord]) -> tuple[int, int]:
    """(seeds where RBA ends with the lower error, number of seeds)."""
    seed_list = sorted({s for _, s in runs})
    n_better = sum(runs["rba", s].final_error < runs["vanilla", s].final_error for s in seed_list)
    return n_better, len(seed_list)


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
    step 300 (the paper's fitting lasts a few hundred steps), so that early fitting does
    not enter its statistics. The run's last logged step closes the last phase.
    """
    h = record.history if isinstance(record, RunRecord) else record
    steps, err = h["step"], h["error"]
    snr = paper_units(h["snr"], history_points_per_batch(h))
    phases = detect_history_phases(h)
    snr_median, rate = {}, {}
    for name, start, end in phases.spans():
        if name == "diffusion" and phases.fitting_end is None:
            start = max(start, FITTING_STEPS)
        inside = (steps >= start) & (steps <= end)
        ok = inside & np.isfinite(snr) & (snr > 0)
        snr_median[name] = float(np.median(snr[ok])) if ok.any() else math.nan
        e = inside & np.isfinite(err) & (err > 0)
        if e.sum() >= 3 and steps[e][-1] > steps[e][0]:
            slope = np.polyfit(steps[e].astype(float), np.log10(err[e]), 1)[0]
            rate[name] = float(slope * 1000)
        else:
            rate[name] = math.nan
    return PhaseSummary(phases, snr_median, rate)


def describe_phases(label: str, phases: PhaseResult, steps: int) -> str:
    """A clause naming the detected boundaries of one run."""
    fit = (
        f"leaves the fitting phase at step {phases.fitting_end}"
        if phases.fitting_end is not None
        else "has no fitting-to-diffusion boundary marked by the detector"
    )
    total = (
        f"shows a jump into total diffusion at step {phases.total_diffusion}"
        if phases.total_diffusion is not None
        else f"shows no jump into total diffusion within {steps:,} steps"
    )
    return f"{label} {fit}, and {total}"


# -- homogeneity ----------------------------------------------------------------------------
def homogeneity_correlation(record: RunRecord, key: str = "homogeneity_residual") -> float:
    """Spearman rank correlation between phi_r and log error over the logged steps after 300.

    Negative: more uniform residuals go with lower error.
    """
    h = record.history
    ok = (h["step"] >= 300) & np.isfinite(h[key]) & np.isfinite(h["error"]) & (h["error"] > 0)
    if ok.sum() < 5:
        return math.nan
    return float(stats.spearmanr(h[key][ok], np.log10(h["error"][ok])).statistic)


def final_mean(record: RunRecord, key: str, last: int = 10) -> float:
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
    record: RunRecord, at: int | None, window: int = 10
) -> dict[str, np.ndarray] | None:
    """Per hidden layer: binned entropy and saturation just before and after step ``at``.

    Means over ``window`` logged points on each side; with no ``at`` (no detected
    jump), the first ``window`` points after step 300 against the last ``window``.
    None when the history has fewer than ``window`` points on either side (or, without
    ``at``, fewer than ``2 * window`` after step 300): too short to compare.
    """
    h = record.history
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


# -- fields ----------------------------------------------------------------------------------
def grid_fields(record: RunRecord) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray, np.ndarray]:
    """((a, b), reference, prediction) of the quantity the error measures, on its grid.

    The reference points are a tensor grid in the two inputs; fields have shape
    (len(a), len(b)) with ``a`` the first input.
    """
    problem = build_problem(record.spec)
    points, ref = problem.reference()
    pred = predict(record.model(), points, problem=problem)
    a, ia = np.unique(points[:, 0], return_inverse=True)
    b, ib = np.unique(points[:, 1], return_inverse=True)
    grid_ref = np.full((len(a), len(b)), np.nan)
    grid_pred = np.full((len(a), len(b)), np.nan)
    grid_ref[ia, ib] = ref[:, 0]
    grid_pred[ia, ib] = pred[:, 0]
    return (a, b), grid_ref, grid_pred


def markdown_table(rows: list[list[Any]], headers: list[str]) -> str:
    """A GitHub-flavoured Markdown table (rendered by MyST)."""
    return tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)


def jump_steps(runs: dict[tuple[str, int], RunRecord], method: str) -> list[int | None]:
    """The detected total-diffusion step of each seed's ``method`` run (None: no jump)."""
    return [
        detect_history_phases(r.history).total_diffusion
        for (m, _), r in sorted(runs.items())
        if m == method
    ]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _jumps_text(jumps: list[int | None]) -> str:
    found = [j for j in jumps if j is not None]
    return f"{', '.join(map(str, found)) or 'none'} ({len(found)} of {_count(len(jumps), 'seed')})"


def paper_comparison(problem: str, runs: dict[tuple[str, int], RunRecord]) -> str:
    """Markdown table: the paper's errors and transition steps against this execution's."""
    spec = next(iter(runs.values())).spec
    summary = error_summary(runs)
    paper_err, paper_jump = PAPER_ERRORS[problem], PAPER_TRANSITIONS[problem]
    ours = f"this book: {spec.depth} x {spec.width}, {spec.steps} steps"
    rows = [
        ["paper: 6 x 128, 300,000 steps", fmt(paper_err[0]), fmt(paper_err[1]),
         str(paper_jump[0]) if math.isfinite(paper_jump[0]) else "-",
         str(paper_jump[1]) if math.isfinite(paper_jump[1]) else "-"],
        [f"{ours} (geometric mean of {_count(summary['vanilla']['n'], 'seed')})",
         fmt(summary["vanilla"]["mean"]), fmt(summary["rba"]["mean"]),
         _jumps_text(jump_steps(runs, "vanilla")), _jumps_text(jump_steps(runs, "rba"))],
    ]  # fmt: skip
    headers = ["configuration", "vanilla error", "RBA error", "vanilla jump step", "RBA jump step"]
    return markdown_table(rows, headers)


def glue_error_findings(prefix: str, runs: dict[tuple[str, int], RunRecord]) -> None:
    """Glue ``{prefix}_err_vanilla``, ``{prefix}_err_rba`` (geometric means over seeds) and
    ``{prefix}_finding`` (which method is better, by what factor, on how many seeds)."""
    from IPython.display import Markdown
    from myst_nb import glue

    summary = error_summary(runs)
    n_better, n_seeds = wins(runs)
    finding = compare_errors(summary["vanilla"]["mean"], summary["rba"]["mean"])
    glue(f"{prefix}_err_vanilla", summary["vanilla"]["mean"], display=False)
    glue(f"{prefix}_err_rba", summary["rba"]["mean"], display=False)
    glue(f"{prefix}_finding", Markdown(f"{finding}; RBA is better on {n_better} of {n_seeds} "
                                       "seeds"), display=False)  # fmt: skip


def print_errors(runs: dict[tuple[str, int], RunRecord]) -> None:
    """Print the final relative L2 error of every run, one line each."""
    for (method, seed), record in sorted(runs.items()):
        print(f"{method:8s} seed {seed}: relative L2 error {record.final_error:.2e}")


# -- RQ1 tables and counts -----------------------------------------------------------------
PhaseKey = tuple[str, str, int]  # (benchmark, method, seed)


def phase_table(summaries: dict[PhaseKey, PhaseSummary]) -> str:
    """Markdown table of detected boundaries, median SNR and error decay per phase."""
    rows = []
    for (problem, method, seed), s in summaries.items():
        p = s.phases
        rows.append([
            TITLES[problem], METHOD_LABELS[method], str(seed),
            "-" if p.fitting_end is None else str(p.fitting_end),
            "-" if p.total_diffusion is None else str(p.total_diffusion),
            *(fmt(s.snr_median.get(k), 1) for k in ("fitting", "diffusion", "total diffusion")),
            *(f"{s.error_rate[k]:+.3f}" if math.isfinite(s.error_rate.get(k, math.nan))
              else "-" for k in ("fitting", "diffusion", "total diffusion")),
        ])  # fmt: skip
    headers = ["benchmark", "method", "seed", "fitting ends", "total diffusion from",
               "SNR fitting (256 points/batch)", "SNR diffusion", "SNR total diff.",
               "error rate fitting", "error rate diffusion", "error rate total diff."]  # fmt: skip
    return markdown_table(rows, headers)


def _range(values: list[float]) -> str:
    v = [x for x in values if math.isfinite(x)]
    if not v:
        return "no run (none reached this phase)"
    return f"{min(v):.1e} to {max(v):.1e} ({len(v)} runs)"


def phase_counts(summaries: dict[PhaseKey, PhaseSummary]) -> dict[str, Any]:
    """How many runs show each boundary, the SNR ranges per phase, and a verdict sentence."""
    n = len(summaries)
    fitting = sum(s.phases.fitting_end is not None for s in summaries.values())
    jumped = {k: s for k, s in summaries.items() if s.phases.total_diffusion is not None}
    fastest = sum(s.fastest == "total diffusion" for s in jumped.values())
    with_jump = sorted({TITLES[p] for p, _, _ in jumped})
    without = sorted({TITLES[p] for p, _, _ in summaries} - set(with_jump))
    if not jumped:
        verdict = (
            "At this profile the claim is **not supported** in full: none of the runs in the table "
            "jumps into total diffusion within its steps; only the fitting and diffusion phases "
            "can be seen."
        )
    elif len(jumped) == n and fastest == n and fitting >= 0.75 * n:
        verdict = (
            "At this profile the executed runs **support** the claim: every run shows the "
            "jump, and the error falls fastest after it."
        )
    else:
        verdict = (
            "At this profile the executed runs support the claim **only in part**: "
            f"{len(jumped)} of {n} runs jump into total diffusion (at least one run of "
            f"{', '.join(with_jump)}"
            + (f"; no run of {', '.join(without)}" if without else "")
            + f"), the error falls fastest after the jump in {fastest} of them, and "
            f"{fitting} of {n} runs show the end of a fitting phase."
        )
    return {
        "runs": n,
        "fitting": fitting,
        "jump": len(jumped),
        "fastest_in_total": fastest,
        "diffusion_range": _range(
            [s.snr_median.get("diffusion", math.nan) for s in summaries.values()]
        ),
        "total_range": _range(
            [s.snr_median.get("total diffusion", math.nan) for s in jumped.values()]
        ),
        "verdict": verdict,
    }


# -- the authors' own runs -------------------------------------------------------------------
#: The share of a run at its end over which the final SNR level is measured.
LATE_SHARE = 0.1


@dataclass
class AuthorsRun:
    """One of the authors' logged runs, its detected phases, and the authors' own jump step."""

    log: AuthorsLog
    summary: PhaseSummary
    authors_jump: float

    @property
    def late_snr(self) -> float:
        """Median SNR over the last :data:`LATE_SHARE` of the run (256 points per batch)."""
        steps = self.log.snr_steps
        return float(np.median(self.log.snr[steps >= (1 - LATE_SHARE) * steps[-1]]))

    @property
    def late_error_ratio(self) -> float:
        """Final error over the error at the start of the last :data:`LATE_SHARE` of steps."""
        steps, error = self.log.steps, self.log.error
        start = int(np.searchsorted(steps, (1 - LATE_SHARE) * steps[-1]))
        return float(error[-1] / error[start])


def authors_runs() -> dict[str, dict[str, AuthorsRun]]:
    """{benchmark: {method: AuthorsRun}} of every shipped log, phases by this book's detector."""
    out: dict[str, dict[str, AuthorsRun]] = {}
    for problem, method in AUTHORS_RUNS:
        log = load_authors_log(problem, method)
        jump = PAPER_TRANSITIONS[problem][METHODS.index(method)]
        out.setdefault(problem, {})[method] = AuthorsRun(log, phase_summary(log.history()), jump)
    return out


def authors_table(runs: dict[str, dict[str, AuthorsRun]]) -> str:
    """Markdown table: the authors' jump step against the detected one, the SNR and error
    decay in each detected phase, and the SNR at the end of the run."""
    rows = []
    for problem, by_method in runs.items():
        for method, r in by_method.items():
            s, p = r.summary, r.summary.phases
            rows.append([
                TITLES[problem], METHOD_LABELS[method], f"{r.authors_jump:,.0f}",
                "-" if p.total_diffusion is None else f"{p.total_diffusion:,}",
                "-" if p.fitting_end is None else f"{p.fitting_end:,}",
                fmt(s.snr_median.get("diffusion"), 1), fmt(s.snr_median.get("total diffusion"), 1),
                *(f"{s.error_rate[k]:+.3f}" if math.isfinite(s.error_rate.get(k, math.nan))
                  else "-" for k in ("diffusion", "total diffusion")),
                s.fastest or "-", fmt(r.late_snr, 1), fmt(float(r.log.error[-1]), 2),
            ])  # fmt: skip
    headers = ["benchmark", "method", "authors' jump step", "detected jump step",
               "detected fitting end", "SNR diffusion", "SNR total diffusion",
               "error rate diffusion", "error rate total diffusion", "fastest phase",
               "SNR, last 10 % of steps", "final error"]  # fmt: skip
    return markdown_table(rows, headers)


def authors_counts(runs: dict[str, dict[str, AuthorsRun]]) -> dict[str, Any]:
    """How many of the authors' runs show a detected jump, how close it is to theirs (as a
    share of their step), in how many the error falls fastest after it, and in how many
    the SNR falls back below the level of 1 by the end of the run."""
    flat = {f"{TITLES[p]} {METHOD_LABELS[m]}": r for p, rs in runs.items() for m, r in rs.items()}
    jumped = {k: r for k, r in flat.items() if r.summary.phases.total_diffusion is not None}
    offsets = {k: abs(r.summary.phases.total_diffusion - r.authors_jump) / r.authors_jump
               for k, r in jumped.items()}  # fmt: skip
    worst = max(offsets, key=offsets.get) if offsets else "-"
    return {
        "runs": len(flat),
        "jumped": len(jumped),
        "max_offset": f"{100 * offsets[worst]:.0f} %" if offsets else "-",
        "max_offset_run": worst,
        "fastest_total": sum(r.summary.fastest == "total diffusion" for r in jumped.values()),
        "late_below": sum(r.late_snr < 1 for r in jumped.values()),
        "late_error_falls": sum(r.late_error_ratio < 1 for r in jumped.values()),
    }


AllRuns = dict[str, dict[tuple[str, int], RunRecord]]  # {benchmark: {(method, seed): record}}


def _pairs(all_runs: AllRuns):
    """(benchmark, seed, vanilla record, RBA record) for every seed trained both ways."""
    for problem, runs in all_runs.items():
        for seed in sorted({s for _, s in runs}):
            if ("vanilla", seed) in runs and ("rba", seed) in runs:
                yield problem, seed, runs["vanilla", seed], runs["rba", seed]


# -- RQ2 ------------------------------------------------------------------------------------
def homogeneity_rows(all_runs: AllRuns) -> list[dict[str, Any]]:
    """Per run: rank correlation of phi_r and of phi with the log error, final values."""
    rows = []
    for problem, runs in all_runs.items():
        for (method, seed), r in sorted(runs.items()):
            rows.append({
                "benchmark": TITLES[problem], "method": method, "seed": seed,
                "rho_r": homogeneity_correlation(r, "homogeneity_residual"),
                "rho_phi": homogeneity_correlation(r, "order"),
                "phi_r": final_mean(r, "homogeneity_residual"),
                "phi": final_mean(r, "order"),
                "error": r.final_error,
            })  # fmt: skip
    return rows


def _signed(x: float) -> str:
    return f"{x:+.2f}" if math.isfinite(x) else "-"


def homogeneity_table(rows: list[dict[str, Any]]) -> str:
    """Markdown table of :func:`homogeneity_rows`."""
    body = [[r["benchmark"], METHOD_LABELS[r["method"]], str(r["seed"]),
             _signed(r["rho_r"]), _signed(r["rho_phi"]), f"{r['phi_r']:.3f}",
             f"{r['phi']:.3f}", fmt(r["error"])] for r in rows]  # fmt: skip
    headers = ["benchmark", "method", "seed", "rank corr. phi_r vs error",
               "rank corr. phi vs error", "final phi_r", "final phi", "final error"]  # fmt: skip
    return markdown_table(body, headers)


#: A rank correlation beyond +-0.3 counts as a clear trend within a run (the usual floor of
#: a "moderate" correlation); between -0.3 and 0.3 a run shows no clear direction.
CLEAR_CORRELATION = 0.3
#: "Most runs": the share of runs that must go the claim's way for a verdict of support.
MOST_RUNS = 0.75
#: The two order parameters of RQ2: (history key, row key, name in the text).
HOMOGENEITY_MEASURES = {
    "phi_r": ("homogeneity_residual", "rho_r", "the residual homogeneity $\\phi_r$"),
    "phi": ("order", "rho_phi", "the gradient order $\\phi$"),
}


def _directions(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, int]]:
    """Per benchmark: how many runs have a clearly negative, clearly positive, or no trend."""
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        d = out.setdefault(r["benchmark"], {"negative": 0, "positive": 0, "runs": 0})
        d["runs"] += 1
        d["negative"] += int(r[key] < -CLEAR_CORRELATION)
        d["positive"] += int(r[key] > CLEAR_CORRELATION)
    return out


def homogeneity_verdict(rows: list[dict[str, Any]], measure: str) -> dict[str, Any]:
    """Counts and a verdict on "the error falls as ``measure`` rises", from within-run trends.

    A run supports the claim when its rank correlation of ``measure`` with the log error
    is below -:data:`CLEAR_CORRELATION`, and goes the other way above +that. Verdicts:
    **support** when at least :data:`MOST_RUNS` of the runs support it and none goes the
    other way; **in part** when more than half support it and under a quarter go the
    other way; **contradict** in the mirror case (more than half go the other way, under a
    quarter the claim's way); else **do not support**. The text names the benchmarks whose
    runs go each way.
    """
    _, key, name = HOMOGENEITY_MEASURES[measure]
    n = len(rows)
    negative = sum(r[key] < -CLEAR_CORRELATION for r in rows)
    positive = sum(r[key] > CLEAR_CORRELATION for r in rows)
    by_benchmark = _directions(rows, key)
    falls = [f"{b} ({d['negative']} of {d['runs']})" for b, d in by_benchmark.items()
             if d["negative"] > d["positive"]]  # fmt: skip
    rises = [f"{b} ({d['positive']} of {d['runs']})" for b, d in by_benchmark.items()
             if d["positive"] > d["negative"]]  # fmt: skip
    where = (f" The error falls as {name} rises on " + (", ".join(falls) or "no benchmark")
             + "; it rises with it on " + (", ".join(rises) or "no benchmark") + ".")  # fmt: skip
    if n and negative >= MOST_RUNS * n and positive == 0:
        verdict = (f"The executed runs **support** the claim for {name}: in most runs the "
                   "error falls as it rises, and in none does it clearly rise.")  # fmt: skip
    elif negative > n / 2 and positive < n / 4:
        verdict = (f"The executed runs support the claim for {name} **in part**: the error "
                   "falls as it rises in most runs, but not in all.")  # fmt: skip
    elif positive > n / 2 and negative < n / 4:
        verdict = (f"The executed runs **contradict** the claim for {name}: in most runs the "
                   "error grows as it rises.")  # fmt: skip
    elif max(negative, positive) < n / 4:
        verdict = (f"The executed runs **do not support** the claim for {name}: most runs "
                   "show no clear trend either way.")  # fmt: skip
    else:
        verdict = (f"The executed runs **do not support** the claim for {name}: the direction "
                   "of the trend depends on the benchmark and the run.")  # fmt: skip
    return {"runs": n, "negative": negative, "positive": positive,
            "verdict": verdict + where}  # fmt: skip


def homogeneity_counts(all_runs: AllRuns, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts behind the RQ2 findings: a verdict for each order parameter, and the pairs.

    The pair count (of the runs from one seed trained both ways, is the one with the more
    uniform final residual the more accurate?) compares vanilla with RBA, so it restates
    RQ3's comparison and cannot tell homogeneity from the method: it is reported, not
    used in a verdict.
    """
    pairs = list(_pairs(all_runs))
    agree = 0
    for _, _, v, b in pairs:
        uniform, other = (b, v) if final_mean(b, "homogeneity_residual") > final_mean(
            v, "homogeneity_residual"
        ) else (v, b)  # fmt: skip
        agree += int(uniform.final_error < other.final_error)
    residual = homogeneity_verdict(rows, "phi_r")
    gradient = homogeneity_verdict(rows, "phi")
    return {"runs": residual["runs"], "negative": residual["negative"],
            "positive": residual["positive"], "verdict": residual["verdict"],
            "phi_negative": gradient["negative"], "phi_positive": gradient["positive"],
            "phi_verdict": gradient["verdict"], "pairs": len(pairs), "agree": agree}  # fmt: skip


# -- RQ3 ------------------------------------------------------------------------------------
def rba_table(all_runs: AllRuns) -> str:
    """Markdown table per benchmark: errors (geometric mean, range), wins, jump steps."""
    rows = []
    for problem, runs in all_runs.items():
        s = error_summary(runs)
        n_better, n_seeds = wins(runs)
        rows.append([
            TITLES[problem],
            f"{fmt(s['vanilla']['mean'])} [{fmt(s['vanilla']['min'])}, {fmt(s['vanilla']['max'])}]",
            f"{fmt(s['rba']['mean'])} [{fmt(s['rba']['min'])}, {fmt(s['rba']['max'])}]",
            f"{s['vanilla']['mean'] / s['rba']['mean']:.2f}",
            f"{n_better} of {n_seeds}",
            _jumps_text(jump_steps(runs, "vanilla")),
            _jumps_text(jump_steps(runs, "rba")),
        ])  # fmt: skip
    headers = ["benchmark", "vanilla error", "RBA error", "vanilla / RBA", "RBA better",
               "vanilla jump step", "RBA jump step"]  # fmt: skip
    return markdown_table(rows, headers)


def rba_counts(all_runs: AllRuns) -> dict[str, Any]:
    """Counts behind the RQ3 finding and a verdict sentence."""
    means = {p: error_summary(runs) for p, runs in all_runs.items()}
    better = [p for p, s in means.items() if s["rba"]["mean"] < s["vanilla"]["mean"]]
    pairs = list(_pairs(all_runs))
    sooner = uniform = any_jump = 0
    for _, _, v, b in pairs:
        jv = detect_history_phases(v.history).total_diffusion
        jb = detect_history_phases(b.history).total_diffusion
        sooner += int(jb is not None and (jv is None or jb < jv))
        any_jump += int(jb is not None or jv is not None)
        uniform += int(
            final_mean(b, "homogeneity_residual") > final_mean(v, "homogeneity_residual")
        )
    n_b, n_p = len(all_runs), len(pairs)
    parts = {
        "a lower error": len(better) > n_b / 2,
        "more uniform residuals": uniform > n_p / 2,
    }
    if any_jump:
        parts["an earlier jump into total diffusion"] = sooner > n_p / 2
    held = [k for k, ok in parts.items() if ok]
    failed = [k for k, ok in parts.items() if not ok]
    untested = "" if any_jump else (
        " Whether RBA reaches total diffusion sooner cannot be tested here: no run of either "
        "method jumps."
    )  # fmt: skip
    if held and not failed:
        scope = "the testable parts of the claim" if untested else "the claim"
        verdict = (f"The executed runs **support** {scope}: RBA gives "
                   + " and ".join(held) + " on most benchmarks and seeds." + untested)  # fmt: skip
    elif held:
        verdict = ("The executed runs support the claim **in part**: RBA gives "
                   + " and ".join(held) + " on most benchmarks and seeds, but not "
                   + " or ".join(failed) + "." + untested)  # fmt: skip
    else:
        verdict = "The executed runs **do not support** the claim at this profile." + untested
    worse = [TITLES[p] for p in means if p not in better]
    if worse and held:
        verdict += f" RBA does not end with the lower error on: {', '.join(worse)}."
    return {"benchmarks": n_b, "better": len(better),
            "better_names": ", ".join(TITLES[p] for p in better) or "none",
            "pairs": n_p, "sooner": sooner, "uniform": uniform, "verdict": verdict}  # fmt: skip


# -- RQ4 ------------------------------------------------------------------------------------
def compression_changes(
    all_runs: AllRuns, across: str = "jump"
) -> dict[str, dict[str, np.ndarray]]:
    """Per run: the change per layer of each compression measure, and the binned entropy's
    level against its ceiling log2 N (N collocation points).

    ``across="jump"``: across the detected SNR jump, for runs that have one;
    ``across="training"``: from just after step 300 to the end of training, for every run.
    """
    if across not in ("jump", "training"):
        raise ValueError(f"across must be 'jump' or 'training', got {across!r}")
    out = {}
    for problem, runs in all_runs.items():
        for (method, seed), r in sorted(runs.items()):
            jump = detect_history_phases(r.history).total_diffusion
            if across == "jump" and jump is None:
                continue
            c = compression_change(r, jump if across == "jump" else None)
            if c is None:
                continue
            n_points = r.spec.problem_args.get("n_collocation", math.nan)
            label = f"{TITLES[problem]}, {METHOD_LABELS[method]}, seed {seed}"
            out[label] = {
                "method": method,
                "benchmark": TITLES[problem],
                "entropy_after": c["compression_entropy_after"],
                "entropy_ceiling": math.log2(n_points),
                **{
                    name: c[f"compression_{name}_after"] - c[f"compression_{name}_before"]
                    for name in ("entropy", "entropy_kde", "saturation", "saturation_tanh")
                },
            }
    return out


def _per_layer(values: np.ndarray, digits: int) -> str:
    return " / ".join(f"{x:+.{digits}f}" for x in values)


def compression_table(changes: dict[str, dict[str, np.ndarray]]) -> str:
    """Markdown table per run: the change per layer of every compression measure, and how
    far the binned entropy sits below its ceiling log2 N afterwards."""
    rows = [
        [label, _per_layer(c["entropy_kde"], 2), _per_layer(c["saturation_tanh"], 3),
         _per_layer(c["entropy"], 2), f"{c['entropy_ceiling'] - c['entropy_after'].mean():.2f}",
         _per_layer(c["saturation"], 3)]
        for label, c in changes.items()
    ]  # fmt: skip
    headers = ["run", "KDE entropy change per layer (bits, layer 1 first)",
               "change of share with abs(a) > 0.99", "binned entropy change (bits)",
               "binned entropy below its ceiling after (bits)",
               "change of edge-bin share"]  # fmt: skip
    return markdown_table(rows, headers)


#: A change of a per-layer mean entropy smaller than a tenth of a bit (a 7 % change of the
#: effective number of distinct activation patterns) counts as no change.
ENTROPY_RESOLUTION = 0.1
#: A change of the share of tanh units with |a| > 0.99 smaller than one percentage point
#: counts as no change.
SATURATION_RESOLUTION = 0.01
#: A binned entropy within this many bits of log2 N is at its ceiling: nearly every point
#: has its own activation pattern, and the estimator cannot show compression.
CEILING_MARGIN = 0.1


def _depth_trend(change: np.ndarray) -> float:
    """Rank correlation of a per-layer change with the layer index (nan for a flat change)."""
    if np.ptp(change) == 0 or not np.isfinite(change).all():
        return math.nan
    return float(stats.spearmanr(np.arange(len(change)), change).statistic)


def compression_counts(changes: dict[str, dict[str, np.ndarray]]) -> dict[str, Any]:
    """Counts behind the RQ4 finding and a verdict sentence.

    The binned entropy (the paper's estimator) sits at its ceiling log2 N at these sizes
    (``at_ceiling`` runs), so the verdict uses the measures that can move: the KDE entropy
    and the share of tanh units with |a| > 0.99. ``compressed`` / ``kde_compressed``: runs
    whose mean binned / KDE entropy change is below -:data:`ENTROPY_RESOLUTION`
    (``kde_expanded``: above +that); ``saturated``: mean change of the |a| > 0.99 share
    above :data:`SATURATION_RESOLUTION`; ``deeper_less`` /
    ``deeper_more``: among the KDE-compressed runs, those whose KDE entropy change rises /
    falls with depth (rank correlation with the layer index above / below 0: deeper layers
    lose less / more).
    """
    n = len(changes)
    values = list(changes.values())
    compressed = sum(c["entropy"].mean() < -ENTROPY_RESOLUTION for c in values)
    kde = [c for c in values if c["entropy_kde"].mean() < -ENTROPY_RESOLUTION]
    expanded = sum(c["entropy_kde"].mean() > ENTROPY_RESOLUTION for c in values)
    saturated = sum(np.nanmean(c["saturation_tanh"]) > SATURATION_RESOLUTION for c in values)
    at_ceiling = sum(
        c["entropy_ceiling"] - c["entropy_after"].mean() < CEILING_MARGIN for c in values
    )
    trends = [_depth_trend(c["entropy_kde"]) for c in kde]
    deeper_less = sum(t > 0 for t in trends)
    deeper_more = sum(t < 0 for t in trends)
    if n == 0:
        verdict = ("No run jumped into total diffusion at this profile, so the claim cannot "
                   "be tested here.")  # fmt: skip
    elif len(kde) >= 0.75 * n and saturated >= 0.75 * n and deeper_less >= 0.75 * len(kde):
        verdict = ("The executed runs **support** the claim: the activations saturate, the "
                   "KDE entropy falls, and deeper layers lose less.")  # fmt: skip
    elif len(kde) > n / 2 or saturated > n / 2:
        held = [part for part, ok in (("the KDE entropy falls", len(kde) > n / 2),
                                      ("the activations saturate", saturated > n / 2))
                if ok]  # fmt: skip
        verdict = ("The executed runs support the claim **in part**: in most runs "
                   + " and ".join(held) + ".")  # fmt: skip
    else:
        verdict = ("The executed runs **do not support** the claim: in most runs the KDE "
                   "entropy does not fall and the activations do not saturate.")  # fmt: skip
    if expanded > len(kde):
        verdict += (f" The KDE entropy rises, the opposite of compression, in {expanded} of "
                    f"the {n} runs.")  # fmt: skip
    if kde and deeper_more > deeper_less:
        verdict += (f" Contrary to the claim, deeper layers lose more in {deeper_more} of "
                    f"the {len(kde)} runs that compress.")  # fmt: skip
    return {"runs": n, "compressed": int(compressed), "kde_compressed": len(kde),
            "kde_expanded": int(expanded), "saturated": int(saturated),
            "at_ceiling": int(at_ceiling),
            "deeper_less": deeper_less, "deeper_more": deeper_more,
            "verdict": verdict}  # fmt: skip


# -- reproducing ----------------------------------------------------------------------------
def training_costs(profile: str, seed_list: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """What training every run of ``profile`` cost, read from the cached records (no training).

    One row per benchmark, method and seed, then one per longer run of RQ1 (first seed);
    ``seconds`` is None for a run not in the cache.
    """
    from pinnlib.experiments import record_path
    from pinnlib.records import CorruptRecord, read_record

    seed_list = tuple(seed_list or seeds(profile))
    runs = [
        (TITLES[problem], method, seed, spec)
        for problem in BENCHMARKS
        for (method, seed), spec in benchmark_specs(problem, profile, seed_list).items()
    ]
    runs += [
        (f"{TITLES[problem]} (longer, RQ1)", method, seed_list[0], spec)
        for problem in LONG_RUN[check_profile(profile)]
        for method, spec in long_specs(problem, profile, seed_list[0]).items()
    ]
    rows = []
    for label, method, seed, spec in runs:
        row = {"benchmark": label, "method": method, "seed": seed, "seconds": None,
               "steps_per_second": None, "device": "", "threads": ""}  # fmt: skip
        try:
            info = read_record(record_path(spec)).info
        except CorruptRecord:
            rows.append(row)
            continue
        prov = info["provenance"]
        row.update(seconds=info["train_seconds"], steps_per_second=info["steps_per_second"],
                   device=prov["device_name"], threads=prov["threads"])  # fmt: skip
        rows.append(row)
    return rows
