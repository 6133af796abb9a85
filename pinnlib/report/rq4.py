"""RQ4, compression at the transition: do the activations saturate and their entropy fall
across the jump into total diffusion, deeper layers least? Counts and verdict rules."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import stats

from pinnlib.records import RunRecord
from pinnlib.report.benchmarks import METHOD_LABELS, TITLES
from pinnlib.report.stats import AllRuns, compression_change
from pinnlib.report.text import markdown_table, per_layer
from pinnlib.report.verdicts import MAJORITY, MOST_RUNS

#: A change of a per-layer mean entropy smaller than a tenth of a bit (a 7 % change of the
#: effective number of distinct activation patterns) counts as no change.
ENTROPY_RESOLUTION = 0.1
#: A change of the share of tanh units with |a| > 0.99 smaller than one percentage point
#: counts as no change.
SATURATION_RESOLUTION = 0.01
#: A binned entropy within this many bits of log2 N is at its ceiling: nearly every point
#: has its own activation pattern, and the estimator cannot show compression.
CEILING_MARGIN = 0.1


def compression_changes(
    all_runs: AllRuns, across: str = "jump"
) -> dict[str, dict[str, np.ndarray]]:
    """Per run of ``all_runs`` ({benchmark: {(method, seed): record}}), labelled
    "benchmark, method, seed N": :func:`labelled_compression_changes`."""
    labelled = {
        f"{TITLES[problem]}, {METHOD_LABELS[method]}, seed {seed}": r
        for problem, runs in all_runs.items()
        for (method, seed), r in sorted(runs.items())
    }
    return labelled_compression_changes(labelled, across)


def labelled_compression_changes(
    records: Mapping[str, RunRecord], across: str = "jump"
) -> dict[str, dict[str, np.ndarray]]:
    """Per run ({label: record}): the change per layer of each compression measure, and
    the binned entropy's level against its ceiling log2 N (N collocation points).

    ``across="jump"``: across the detected SNR jump, for runs that have one;
    ``across="training"``: from just after the fitting phase
    (:data:`~pinnlib.report.stats.FITTING_STEPS`) to the end of training, for every run.
    """
    if across not in ("jump", "training"):
        raise ValueError(f"across must be 'jump' or 'training', got {across!r}")
    out = {}
    for label, r in records.items():
        jump = r.phases.total_diffusion
        if across == "jump" and jump is None:
            continue
        c = compression_change(r, jump if across == "jump" else None)
        if c is None:
            continue
        n_points = r.spec.problem_args.get("n_collocation", math.nan)
        out[label] = {
            "method": r.spec.method,
            "benchmark": TITLES[r.spec.problem],
            "entropy_after": c["compression_entropy_after"],
            "entropy_ceiling": math.log2(n_points),
            **{
                name: c[f"compression_{name}_after"] - c[f"compression_{name}_before"]
                for name in ("entropy", "entropy_kde", "saturation", "saturation_tanh")
            },
        }
    return out


def compression_table(changes: dict[str, dict[str, np.ndarray]]) -> str:
    """Markdown table per run: the change per layer of every compression measure, and how
    far the binned entropy sits below its ceiling log2 N afterwards."""
    rows = [
        [label, per_layer(c["entropy_kde"], 2), per_layer(c["saturation_tanh"], 3),
         per_layer(c["entropy"], 2), f"{c['entropy_ceiling'] - c['entropy_after'].mean():.2f}",
         per_layer(c["saturation"], 3)]
        for label, c in changes.items()
    ]  # fmt: skip
    headers = ["run", "KDE entropy change per layer (bits, layer 1 first)",
               "change of share with abs(a) > 0.99", "binned entropy change (bits)",
               "binned entropy below its ceiling after (bits)",
               "change of edge-bin share"]  # fmt: skip
    return markdown_table(rows, headers)


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

    **Support** when at least :data:`~pinnlib.report.verdicts.MOST_RUNS` of the runs
    KDE-compress and saturate, and as large a share of those lose less in deeper layers;
    **in part** when more than half KDE-compress or saturate; else **do not support**.
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
    elif (len(kde) >= MOST_RUNS * n and saturated >= MOST_RUNS * n
          and deeper_less >= MOST_RUNS * len(kde)):  # fmt: skip
        verdict = ("The executed runs **support** the claim: the activations saturate, the "
                   "KDE entropy falls, and deeper layers lose less.")  # fmt: skip
    elif len(kde) > MAJORITY * n or saturated > MAJORITY * n:
        held = [part for part, ok in (("the KDE entropy falls", len(kde) > MAJORITY * n),
                                      ("the activations saturate", saturated > MAJORITY * n))
                if ok]  # fmt: skip
        verdict = ("The executed runs support the claim **in part**: in most runs "
                   + " and ".join(held) + ".")  # fmt: skip
    else:
        verdict = ("The executed runs **do not support** the claim: the KDE entropy falls in "
                   f"{len(kde)} and the activations saturate in {saturated} of the {n} runs, "
                   "neither in more than half.")  # fmt: skip
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
