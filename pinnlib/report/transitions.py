"""Transition statistics over seeds (RQ1, RQ3): where each benchmark's runs jump into
total diffusion, what the error is there, in which phase it falls fastest, and whether
RBA's jump comes sooner than vanilla's, as a tested difference rather than a count.

The jump of a run is the detector's total-diffusion boundary in its Adam stage
(:attr:`pinnlib.records.RunRecord.phases`); seeds without a jump are counted, never
imputed (:mod:`pinnlib.seed_stats`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from pinnlib.book_runs import METHODS
from pinnlib.report.benchmarks import METHOD_LABELS, TITLES
from pinnlib.report.stats import AllRuns, phase_summary
from pinnlib.report.text import fmt, markdown_table
from pinnlib.report.verdicts import FEW, MOST_RUNS
from pinnlib.seed_stats import SeedSpread, Shift, error_at, shift, spread

#: The significance level at which a difference of jump steps counts as shown: the
#: bootstrap interval of :func:`pinnlib.seed_stats.shift` is at 1 - ALPHA, and the rank
#: test must reach p < ALPHA.
ALPHA = 0.05


@dataclass(frozen=True)
class Transitions:
    """One benchmark and method over seeds: the jump steps, the errors at the jumps
    and, per seed with a jump, the phase in which the error falls fastest."""

    steps: SeedSpread
    errors: tuple[float, ...]
    fastest: Counter

    @property
    def n_seeds(self) -> int:
        return len(self.steps.values)

    @property
    def n_jumped(self) -> int:
        return len(self.steps.found)


def transitions(all_runs: AllRuns) -> dict[tuple[str, str], Transitions]:
    """{(benchmark, method): its :class:`Transitions` over the seeds trained}."""
    out = {}
    for problem, runs in all_runs.items():
        for method in METHODS:
            records = [r for (m, _), r in sorted(runs.items()) if m == method]
            jumps = [r.phases.total_diffusion for r in records]
            errors = tuple(
                error_at(r.adam_history, j) for r, j in zip(records, jumps) if j is not None
            )
            fastest = Counter(
                phase_summary(r).fastest or "none" for r, j in zip(records, jumps) if j is not None
            )
            out[problem, method] = Transitions(spread(jumps), errors, fastest)
    return out


def _steps_text(s: SeedSpread) -> str:
    if not s.found:
        return "-"
    if len(s.found) == 1:
        return f"{s.median:,.0f}"
    return f"{s.median:,.0f} [{s.low:,.0f}, {s.high:,.0f}]"


def transition_table(found: dict[tuple[str, str], Transitions]) -> str:
    """Markdown: per benchmark and method, the seeds with a jump, the median jump step
    [range], the median error at the jump and where the error falls fastest."""
    rows = []
    for (problem, method), t in found.items():
        errors = sorted(t.errors)
        error = fmt(errors[len(errors) // 2]) if errors else "-"
        fastest = ", ".join(f"{name} {n}" for name, n in sorted(t.fastest.items())) or "-"
        rows.append([TITLES[problem], METHOD_LABELS[method], f"{t.n_jumped} of {t.n_seeds}",
                     _steps_text(t.steps), error, fastest])  # fmt: skip
    headers = ["benchmark", "method", "seeds with a jump", "jump step: median [range]",
               "error at the jump (median)", "error falls fastest in (seeds)"]  # fmt: skip
    return markdown_table(rows, headers)


def jump_counts_text(found: dict[tuple[str, str], Transitions]) -> str:
    """A sentence: per benchmark, in how many seeds of each method the detector finds a
    jump into total diffusion, with the median step [range] where it does."""
    clauses = []
    for problem in dict.fromkeys(p for p, _ in found):
        parts = []
        for method in METHODS:
            t = found[problem, method]
            steps = f" (step {_steps_text(t.steps)})" if t.n_jumped else ""
            parts.append(f"{t.n_jumped} of {t.n_seeds} {METHOD_LABELS[method]} runs{steps}")
        clauses.append(f"{' and '.join(parts)} of {TITLES[problem]}")
    return "the detector finds a jump into total diffusion in " + "; in ".join(clauses) + "."


def rba_shifts(found: dict[tuple[str, str], Transitions]) -> dict[str, Shift | None]:
    """{benchmark: RBA's jump step minus vanilla's} over the seeds where each jumped
    (None where either method jumped in fewer than two seeds)."""
    problems = dict.fromkeys(p for p, _ in found)
    return {
        p: shift(found[p, "vanilla"].steps.found, found[p, "rba"].steps.found) for p in problems
    }


def _interval(d: Shift) -> str:
    return f"{d.estimate:+,.0f} [{d.low:+,.0f}, {d.high:+,.0f}]"


def shift_table(found: dict[tuple[str, str], Transitions]) -> str:
    """Markdown: per benchmark, RBA minus vanilla jump step (Hodges-Lehmann estimate,
    95 % bootstrap interval) and the two-sided Mann-Whitney p-value."""
    rows = []
    for problem, d in rba_shifts(found).items():
        v, b = found[problem, "vanilla"], found[problem, "rba"]
        seeds = f"{v.n_jumped} of {v.n_seeds}, {b.n_jumped} of {b.n_seeds}"
        if d is None:
            rows.append([TITLES[problem], seeds, "-", "-"])
        else:
            rows.append([TITLES[problem], seeds, _interval(d), f"{d.p_value:.3f}"])
    headers = ["benchmark", "seeds with a jump (vanilla, RBA)",
               "RBA - vanilla jump step [95 % interval]", "Mann-Whitney p"]  # fmt: skip
    return markdown_table(rows, headers)


def sooner_counts(found: dict[tuple[str, str], Transitions]) -> dict[str, Any]:
    """Whether RBA's jump comes sooner, per benchmark, and a verdict sentence.

    A benchmark shows *sooner* when both methods jump on at least two seeds and RBA's
    jump steps are lower with the interval below 0 and p < :data:`ALPHA`, or when RBA
    jumps in most seeds (:data:`~pinnlib.report.verdicts.MOST_RUNS`) and vanilla in few
    (at most :data:`~pinnlib.report.verdicts.FEW`): vanilla's jump, if any, lies beyond
    the budget. *Later* is the mirror image. Anything else is *not resolved*.
    """
    outcome = {}
    for problem, d in rba_shifts(found).items():
        v, b = found[problem, "vanilla"], found[problem, "rba"]
        share_v, share_b = v.n_jumped / v.n_seeds, b.n_jumped / b.n_seeds
        if d is not None and d.high < 0 and d.p_value < ALPHA:
            outcome[problem] = "sooner"
        elif d is not None and d.low > 0 and d.p_value < ALPHA:
            outcome[problem] = "later"
        elif share_b >= MOST_RUNS and share_v <= FEW:
            outcome[problem] = "sooner"
        elif share_v >= MOST_RUNS and share_b <= FEW:
            outcome[problem] = "later"
        elif v.n_jumped or b.n_jumped:
            outcome[problem] = "not resolved"
        else:
            outcome[problem] = "no jump"
    counted = Counter(outcome.values())
    tested = len(outcome) - counted["no jump"]

    def names(kind: str) -> str:
        return ", ".join(TITLES[p] for p, o in outcome.items() if o == kind) or "none"

    if not tested:
        verdict = (
            f"No run of either method jumps into total diffusion on any of the "
            f"{len(outcome)} benchmarks ({names('no jump')}), so whether RBA's jump comes "
            "sooner cannot be tested."
        )
        return {"outcome": outcome, "sooner": 0, "later": 0, "unresolved": 0, "tested": 0,
                "verdict": verdict}  # fmt: skip
    verdict = (
        f"RBA's jump into total diffusion comes sooner on {counted['sooner']} of the "
        f"{tested} benchmarks where some run jumps ({names('sooner')}), later on "
        f"{counted['later']} ({names('later')}), and the seeds do not resolve it on "
        f"{counted['not resolved']} ({names('not resolved')})."
    )
    if counted["no jump"]:
        verdict += f" No run jumps on {counted['no jump']} ({names('no jump')})."
    return {
        "outcome": outcome,
        "sooner": counted["sooner"],
        "later": counted["later"],
        "unresolved": counted["not resolved"],
        "tested": tested,
        "verdict": verdict,
    }
