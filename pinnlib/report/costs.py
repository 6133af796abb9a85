"""What training the book's runs cost, read from the cached records (nothing is trained)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pinnlib.book_runs import BENCHMARKS, benchmark_specs, long_seed_specs, seeds
from pinnlib.experiments import PROFILES, check_profile, record_path
from pinnlib.records import CorruptRecord, read_record
from pinnlib.report.benchmarks import TITLES


def training_costs(profile: str, seed_list: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """What training every run of ``profile`` cost, read from the cached records (no training).

    One row per benchmark, method and seed, then one per longer run of RQ1, RQ3 and RQ4
    (``longer`` True); ``seconds`` is None for a run not in the cache.
    """
    seed_list = tuple(seed_list or seeds(profile))
    runs = [
        (TITLES[problem], False, method, seed, spec)
        for problem in BENCHMARKS
        for (method, seed), spec in benchmark_specs(problem, profile, seed_list).items()
    ]
    runs += [
        (f"{TITLES[problem]} (longer, RQ1)", True, method, seed, spec)
        for problem in PROFILES[check_profile(profile)].long_runs
        for (method, seed), spec in long_seed_specs(problem, profile, seed_list).items()
    ]
    rows = []
    for label, longer, method, seed, spec in runs:
        row = {"benchmark": label, "longer": longer, "method": method, "seed": seed,
               "seconds": None, "steps_per_second": None, "device": "", "threads": ""}  # fmt: skip
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


def retrain_text(costs: Sequence[dict[str, Any]], target_hours: float) -> str:
    """Markdown: the one-core compute that retraining the runs of ``costs``
    (:func:`training_costs`) took as recorded, split into benchmark and longer runs, against
    ``target_hours``, the compute the profile aims to stay within."""
    trained = [c for c in costs if c["seconds"] is not None]
    total = sum(c["seconds"] for c in trained) / 3600
    longer = sum(c["seconds"] for c in trained if c["longer"]) / 3600
    text = (f"retraining the {len(trained)} runs of this profile took {total:.1f} h of "
            f"one-core compute as recorded ({total - longer:.1f} h for the benchmark runs, "
            f"{longer:.1f} h for the longer runs)")  # fmt: skip
    if len(trained) < len(costs):
        text += f"; {len(costs) - len(trained)} runs are not in the cache and not counted"
    if total <= target_hours:
        return text + f", within the {target_hours:g} h the profile aims for"
    return text + (
        f", {total / target_hours:.1f} times the {target_hours:g} h the profile aims for. "
        "So the limit that binds is the total, not the budget of one run: longer runs of "
        "the benchmarks that miss their targets would widen this gap"
    )
