"""RQ3, residual-based attention: does RBA give a lower error, more uniform residuals and
an earlier jump into total diffusion than vanilla training? Counts and verdict rules."""

from __future__ import annotations

from typing import Any

from pinnlib.report.benchmarks import TITLES
from pinnlib.report.stats import (
    AllRuns,
    error_summary,
    final_mean,
    jump_steps,
    pairs,
    wins,
)
from pinnlib.report.text import fmt, jumps_text, markdown_table
from pinnlib.report.transitions import sooner_counts, transitions
from pinnlib.report.verdicts import MAJORITY


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
            jumps_text(jump_steps(runs, "vanilla")),
            jumps_text(jump_steps(runs, "rba")),
        ])  # fmt: skip
    headers = ["benchmark", "vanilla error", "RBA error", "vanilla / RBA", "RBA better",
               "vanilla jump step", "RBA jump step"]  # fmt: skip
    return markdown_table(rows, headers)


def rba_counts(all_runs: AllRuns, longer: AllRuns | None = None) -> dict[str, Any]:
    """Counts behind the RQ3 finding and a verdict sentence.

    Each part of the claim holds when it holds on more than
    :data:`~pinnlib.report.verdicts.MAJORITY` of the benchmarks (a lower geometric-mean
    error) or of the seeds trained both ways (more uniform final residuals), or of the
    benchmarks where some run jumps (an earlier jump, tested over the seeds by
    :func:`~pinnlib.report.transitions.sooner_counts`, in ``all_runs`` and in the
    ``longer`` runs, each benchmark of each counting once). **Support** when every tested
    part holds, **in part** when some do, else **do not support**.
    """
    means = {p: error_summary(runs) for p, runs in all_runs.items()}
    better = [p for p, s in means.items() if s["rba"]["mean"] < s["vanilla"]["mean"]]
    both = list(pairs(all_runs))
    sooner = uniform = 0
    for _, _, v, b in both:
        jv = v.phases.total_diffusion
        jb = b.phases.total_diffusion
        sooner += int(jb is not None and (jv is None or jb < jv))
        uniform += int(
            final_mean(b, "homogeneity_residual") > final_mean(v, "homogeneity_residual")
        )
    n_b, n_p = len(all_runs), len(both)
    parts = {
        "a lower error": len(better) > MAJORITY * n_b,
        "more uniform residuals": uniform > MAJORITY * n_p,
    }
    # tested per benchmark over seeds (pinnlib.report.transitions), not per pair
    jumps = [sooner_counts(transitions(r)) for r in (all_runs, longer or {})]
    tested = sum(j["tested"] for j in jumps)
    if tested:
        sooner_shown = sum(j["sooner"] for j in jumps)
        parts["an earlier jump into total diffusion"] = sooner_shown > MAJORITY * tested
    held = [k for k, ok in parts.items() if ok]
    failed = [k for k, ok in parts.items() if not ok]
    untested = "" if tested else (
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
