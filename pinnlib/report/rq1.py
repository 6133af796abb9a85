"""RQ1, the phases of training: what the detector finds in the book's runs and in the
authors' own logs, and the verdict on the paper's three-phase picture."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from pinnlib.authors_logs import AUTHORS_RUNS, AuthorsLog, load_authors_log
from pinnlib.book_runs import METHODS
from pinnlib.diagnostics.phases import LEVEL, SCALES, PhaseResult
from pinnlib.report.benchmarks import METHOD_LABELS, PAPER_TRANSITIONS, TITLES
from pinnlib.report.stats import ErrorFall, PhaseSummary, phase_summary
from pinnlib.report.text import fmt, markdown_table, rate, value_range
from pinnlib.report.verdicts import MOST_RUNS

PhaseKey = tuple[str, str, int]  # (benchmark, method, seed)

#: The share of a run at its end over which the final SNR level is measured: late enough
#: to describe the end of training, long enough for a median of many logged points.
LATE_SHARE = 0.1


# -- sentences on single runs ----------------------------------------------------------------
def describe_phases(label: str, phases: PhaseResult, steps: int) -> str:
    """A clause naming the detected boundaries of one run."""
    fit = (
        f"leaves the fitting phase at step {phases.fitting_end}"
        if phases.fitting_end is not None
        else "has no fitting-to-diffusion boundary marked by the detector"
    )
    if phases.total_diffusion is not None:
        total = f"shows a jump into total diffusion at step {phases.total_diffusion}"
    elif phases.judged_until is None:
        total = "is too short for the detector to judge a jump into total diffusion"
    elif phases.judged_until < steps:
        total = (
            f"shows no jump into total diffusion up to step {phases.judged_until:,} (a rise "
            f"after it, in the last {min(SCALES)} logged points of its {steps:,} steps, cannot "
            "be judged yet)"
        )
    else:
        total = f"shows no jump into total diffusion within {steps:,} steps"
    return f"{label} {fit}, and {total}"


def describe_fall(label: str, fall: ErrorFall | None) -> str:
    """A sentence on :func:`~pinnlib.report.stats.steepest_fall` of one run."""
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


# -- the book's runs -------------------------------------------------------------------------
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
            *(rate(s.error_rate.get(k, math.nan))
              for k in ("fitting", "diffusion", "total diffusion")),
        ])  # fmt: skip
    headers = ["benchmark", "method", "seed", "fitting ends", "total diffusion from",
               "SNR fitting (256 points/batch)", "SNR diffusion", "SNR total diff.",
               "error rate fitting", "error rate diffusion", "error rate total diff."]  # fmt: skip
    return markdown_table(rows, headers)


def phase_counts(summaries: dict[PhaseKey, PhaseSummary]) -> dict[str, Any]:
    """How many runs show each boundary, the SNR ranges per phase, and a verdict sentence.

    **Support** needs every run to jump, the error to fall fastest after the jump in every
    run, and at least :data:`~pinnlib.report.verdicts.MOST_RUNS` of the runs to show the
    end of a fitting phase; no jump at all is **not supported**; anything else **in part**.
    """
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
    elif len(jumped) == n and fastest == n and fitting >= MOST_RUNS * n:
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
        "diffusion_range": value_range(
            [s.snr_median.get("diffusion", math.nan) for s in summaries.values()]
        ),
        "total_range": value_range(
            [s.snr_median.get("total diffusion", math.nan) for s in jumped.values()]
        ),
        "verdict": verdict,
    }


# -- the authors' own runs -------------------------------------------------------------------
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
                *(rate(s.error_rate.get(k, math.nan)) for k in ("diffusion", "total diffusion")),
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
    the SNR falls back below the detector's level (1) by the end of the run."""
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
        "late_below": sum(r.late_snr < LEVEL for r in jumped.values()),
        "late_error_falls": sum(r.late_error_ratio < 1 for r in jumped.values()),
    }
