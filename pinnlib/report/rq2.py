"""RQ2, homogeneity and the error: within each run, does the error fall as the residual
homogeneity phi_r (or the gradient order phi) rises? Counts and verdict rules."""

from __future__ import annotations

from typing import Any

from pinnlib.report.benchmarks import METHOD_LABELS, TITLES
from pinnlib.report.stats import AllRuns, final_mean, homogeneity_correlation, pairs
from pinnlib.report.text import fmt, markdown_table, signed
from pinnlib.report.verdicts import FEW, MAJORITY, MOST_RUNS

#: A rank correlation beyond +-0.3 counts as a clear trend within a run (the usual floor of
#: a "moderate" correlation); between -0.3 and 0.3 a run shows no clear direction.
CLEAR_CORRELATION = 0.3
#: The two order parameters of RQ2: (history key, row key, name in the text).
HOMOGENEITY_MEASURES = {
    "phi_r": ("homogeneity_residual", "rho_r", "the residual homogeneity $\\phi_r$"),
    "phi": ("order", "rho_phi", "the gradient order $\\phi$"),
}


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


def homogeneity_table(rows: list[dict[str, Any]]) -> str:
    """Markdown table of :func:`homogeneity_rows`."""
    body = [[r["benchmark"], METHOD_LABELS[r["method"]], str(r["seed"]),
             signed(r["rho_r"]), signed(r["rho_phi"]), f"{r['phi_r']:.3f}",
             f"{r['phi']:.3f}", fmt(r["error"])] for r in rows]  # fmt: skip
    headers = ["benchmark", "method", "seed", "rank corr. phi_r vs error",
               "rank corr. phi vs error", "final phi_r", "final phi", "final error"]  # fmt: skip
    return markdown_table(body, headers)


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
    **support** when at least :data:`~pinnlib.report.verdicts.MOST_RUNS` of the runs
    support it and none goes the other way; **in part** when more than half support it
    and under a quarter go the other way; **contradict** in the mirror case (more than
    half go the other way, under a quarter the claim's way); else **do not support**. The
    text names the benchmarks whose runs go each way.
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
    elif negative > MAJORITY * n and positive < FEW * n:
        verdict = (f"The executed runs support the claim for {name} **in part**: the error "
                   "falls as it rises in most runs, but not in all.")  # fmt: skip
    elif positive > MAJORITY * n and negative < FEW * n:
        verdict = (f"The executed runs **contradict** the claim for {name}: in most runs the "
                   "error grows as it rises.")  # fmt: skip
    elif max(negative, positive) < FEW * n:
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
    both = list(pairs(all_runs))
    agree = 0
    for _, _, v, b in both:
        uniform, other = (b, v) if final_mean(b, "homogeneity_residual") > final_mean(
            v, "homogeneity_residual"
        ) else (v, b)  # fmt: skip
        agree += int(uniform.final_error < other.final_error)
    residual = homogeneity_verdict(rows, "phi_r")
    gradient = homogeneity_verdict(rows, "phi")
    return {"runs": residual["runs"], "negative": residual["negative"],
            "positive": residual["positive"], "verdict": residual["verdict"],
            "phi_negative": gradient["negative"], "phi_positive": gradient["positive"],
            "phi_verdict": gradient["verdict"], "pairs": len(both), "agree": agree}  # fmt: skip
