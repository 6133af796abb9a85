"""What the chapters compute from run records: seeds, runs, summaries and findings.

The chapters stay short by asking this module for the numbers they state: every
sentence of a finding is built here from executed results, never typed in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats
from tabulate import tabulate

from pinnlib.diagnostics import detect_phases
from pinnlib.diagnostics.phases import PhaseResult
from pinnlib.experiments import check_profile, experiment, run
from pinnlib.plotting.style import BENCHMARK_TITLES, METHOD_LABELS
from pinnlib.records import RunRecord
from pinnlib.train import build_problem, predict

BENCHMARKS = ("allen_cahn", "helmholtz", "burgers", "cavity")
METHODS = ("vanilla", "rba")
TITLES = BENCHMARK_TITLES

#: Network seeds per profile: several at ``cpu`` where claims depend on chance.
SEEDS = {"ci": (2341,), "cpu": (2341, 2342, 2343), "paper": (2341,)}

#: The paper's relative L2 errors (vanilla, RBA) at its configuration (PAPER.md,
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


#: RQ1's longer run per profile: the Burgers configuration trained four times longer
#: with the paper's decay schedule (x0.9 every 5,000 steps). At ``paper`` no change:
#: the profile's runs are already the paper's length.
#: The benchmarks RQ1 also trains for longer (first seed, both methods).
LONG_BENCHMARKS = ("burgers", "allen_cahn")

#: Their longer runs per profile: {benchmark: spec overrides}. At ``paper`` the
#: profile's own runs are already the paper's length.
LONG_RUN: dict[str, dict[str, dict[str, int]]] = {
    "ci": {p: dict(steps=1200, decay_every=1000) for p in LONG_BENCHMARKS},
    "cpu": {
        "burgers": dict(steps=60_000, decay_every=5000),
        "allen_cahn": dict(steps=40_000, decay_every=5000),
    },
    "paper": {},
}


def long_runs(
    problem: str, profile: str, seed: int | None = None, device: str = "cpu", progress: bool = True
) -> dict[str, RunRecord]:
    """{method: record} of the longer run of ``problem`` (first seed); at ``paper``,
    where the runs are already the paper's length, the profile's own runs."""
    longer = LONG_RUN[check_profile(profile)]
    if profile != "paper" and problem not in longer:
        raise ValueError(
            f"no longer run of {problem!r} at profile {profile!r}; there are: {sorted(longer)}"
        )
    settings = longer.get(problem, {})
    seed = seeds(profile)[0] if seed is None else seed
    return {
        m: run(experiment(problem, profile, method=m, seed=seed, **settings), device=device,
               progress=progress)
        for m in METHODS
    }  # fmt: skip


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

    def median(key: str, lo: int, hi: int) -> float:
        if key not in h:  # a run logged without this monitor
            return math.nan
        inside = (steps >= lo) & (steps <= hi) & np.isfinite(h[key])
        return float(np.median(h[key][inside])) if inside.sum() >= 3 else math.nan

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
            f"; the median SNR is {fall.snr_before:.2g} over the same number of steps before "
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


def seeds(profile: str) -> tuple[int, ...]:
    """The network seeds a chapter trains at ``profile``."""
    return SEEDS[check_profile(profile)]


def benchmark_runs(
    problem: str,
    profile: str,
    seed_list: Sequence[int] | None = None,
    device: str = "cpu",
    progress: bool = True,
) -> dict[tuple[str, int], RunRecord]:
    """Vanilla and RBA records of ``problem`` for every seed: {(method, seed): record}."""
    out = {}
    for seed in seed_list or seeds(profile):
        for method in METHODS:
            spec = experiment(problem, profile, method=method, seed=seed)
            out[method, seed] = run(spec, device=device, progress=progress)
    return out


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


def phase_summary(record: RunRecord) -> PhaseSummary:
    """Median SNR and error decay rate in each detected phase.

    The rate is the least-squares slope of log10 error against the step, per 1,000
    steps (negative: the error falls). Before the first boundary counts as fitting when
    a fitting end was detected; when none was, the diffusion phase is taken to start at
    step 300 (the paper's fitting lasts a few hundred steps), so that early fitting does
    not enter its statistics. The run's last logged step closes the last phase.
    """
    h = record.history
    steps, snr, err = h["step"], h["snr"], h["error"]
    phases = detect_phases(steps, snr)
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
    for key in ("compression_entropy", "compression_entropy_kde", "compression_saturation"):
        out[f"{key}_before"] = np.nanmean(h[key][before], axis=0)
        out[f"{key}_after"] = np.nanmean(h[key][after], axis=0)
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
        detect_phases(r.history["step"], r.history["snr"]).total_diffusion
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
               "SNR fitting", "SNR diffusion", "SNR total diff.",
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


def homogeneity_counts(all_runs: AllRuns, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts behind the RQ2 finding and a verdict sentence."""
    n = len(rows)
    negative = sum(r["rho_r"] < -0.3 for r in rows)
    positive = sum(r["rho_r"] > 0.3 for r in rows)
    pairs = list(_pairs(all_runs))
    agree = 0
    for _, _, v, b in pairs:
        uniform, other = (b, v) if final_mean(b, "homogeneity_residual") > final_mean(
            v, "homogeneity_residual"
        ) else (v, b)  # fmt: skip
        agree += int(uniform.final_error < other.final_error)
    if negative >= 0.75 * n and agree >= 0.75 * len(pairs):
        verdict = ("The executed runs **support** the claim: in most runs the error falls as "
                   "the residuals become more uniform, and between the two methods the more "
                   "uniform run is the more accurate one.")  # fmt: skip
    elif negative > positive and agree > len(pairs) / 2:
        verdict = ("The executed runs support the claim **in part**: the tendency is there, "
                   "but not in every run or every pair.")  # fmt: skip
    else:
        verdict = ("The executed runs **do not support** the claim at this profile: more "
                   "uniform residuals do not reliably go with lower error.")  # fmt: skip
    return {"runs": n, "negative": negative, "positive": positive, "pairs": len(pairs),
            "agree": agree, "verdict": verdict}  # fmt: skip


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
        jv = detect_phases(v.history["step"], v.history["snr"]).total_diffusion
        jb = detect_phases(b.history["step"], b.history["snr"]).total_diffusion
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
    """Per run: entropy and saturation change per layer.

    ``across="jump"``: across the detected SNR jump, for runs that have one;
    ``across="training"``: from just after step 300 to the end of training, for every run.
    """
    if across not in ("jump", "training"):
        raise ValueError(f"across must be 'jump' or 'training', got {across!r}")
    out = {}
    for problem, runs in all_runs.items():
        for (method, seed), r in sorted(runs.items()):
            jump = detect_phases(r.history["step"], r.history["snr"]).total_diffusion
            if across == "jump" and jump is None:
                continue
            c = compression_change(r, jump if across == "jump" else None)
            if c is None:
                continue
            label = f"{TITLES[problem]}, {METHOD_LABELS[method]}, seed {seed}"
            out[label] = {
                "method": method,
                "benchmark": TITLES[problem],
                "entropy": c["compression_entropy_after"] - c["compression_entropy_before"],
                "entropy_kde": c["compression_entropy_kde_after"]
                - c["compression_entropy_kde_before"],
                "saturation": c["compression_saturation_after"]
                - c["compression_saturation_before"],
            }
    return out


def compression_table(changes: dict[str, dict[str, np.ndarray]]) -> str:
    """Markdown table: binned and KDE entropy and saturation change per layer, per run."""
    rows = [
        [label, " / ".join(f"{x:+.2f}" for x in c["entropy"]),
         " / ".join(f"{x:+.2f}" for x in c["entropy_kde"]),
         " / ".join(f"{x:+.3f}" for x in c["saturation"])]
        for label, c in changes.items()
    ]  # fmt: skip
    headers = ["run", "binned entropy change per layer (bits, layer 1 first)",
               "KDE entropy change (bits)", "saturation change"]  # fmt: skip
    return markdown_table(rows, headers)


def compression_counts(changes: dict[str, dict[str, np.ndarray]]) -> dict[str, Any]:
    """Counts behind the RQ4 finding and a verdict sentence.

    ``compressed``: runs whose mean binned entropy change is negative (``kde_compressed``:
    the same for the KDE estimate); ``saturated``: mean saturation change positive;
    ``deeper_less``: among the compressed runs, those whose entropy change rises with
    depth (positive rank correlation with the layer index: deeper layers lose less).
    """
    n = len(changes)
    compressed = int(sum(c["entropy"].mean() < 0 for c in changes.values()))
    kde_compressed = int(sum(c["entropy_kde"].mean() < 0 for c in changes.values()))
    saturated = int(sum(c["saturation"].mean() > 0 for c in changes.values()))
    deeper_less = int(sum(
        stats.spearmanr(np.arange(len(c["entropy"])), c["entropy"]).statistic > 0
        for c in changes.values()
        if c["entropy"].mean() < 0 and np.ptp(c["entropy"]) > 0
    ))  # fmt: skip
    if n == 0:
        verdict = ("No run jumped into total diffusion at this profile, so the claim cannot "
                   "be tested here.")  # fmt: skip
    elif compressed >= 0.75 * n and saturated >= 0.75 * n and deeper_less >= 0.75 * compressed:
        verdict = ("The executed runs **support** the claim: at the jump the activations "
                   "saturate, the entropy falls, and deeper layers lose less.")  # fmt: skip
    elif compressed > n / 2 or saturated > n / 2:
        verdict = ("The executed runs support the claim **in part**: see the counts above "
                   "for which of its three parts hold.")  # fmt: skip
    else:
        verdict = "The executed runs **do not support** the claim at this profile."
    return {"runs": n, "compressed": compressed, "kde_compressed": kde_compressed,
            "saturated": saturated, "deeper_less": deeper_less, "verdict": verdict}  # fmt: skip


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
        (TITLES[problem], method, seed, experiment(problem, profile, method=method, seed=seed))
        for problem in BENCHMARKS
        for seed in seed_list
        for method in METHODS
    ]
    runs += [
        (f"{TITLES[problem]} (longer, RQ1)", method, seed_list[0],
         experiment(problem, profile, method=method, seed=seed_list[0], **settings))
        for problem, settings in LONG_RUN[check_profile(profile)].items()
        for method in METHODS
    ]  # fmt: skip
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
