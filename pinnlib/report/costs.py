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

    One row per benchmark, method and seed, then one per longer run of RQ1, RQ3 and RQ4;
    ``seconds`` is None for a run not in the cache.
    """
    seed_list = tuple(seed_list or seeds(profile))
    runs = [
        (TITLES[problem], method, seed, spec)
        for problem in BENCHMARKS
        for (method, seed), spec in benchmark_specs(problem, profile, seed_list).items()
    ]
    runs += [
        (f"{TITLES[problem]} (longer, RQ1)", method, seed, spec)
        for problem in PROFILES[check_profile(profile)].long_runs
        for (method, seed), spec in long_seed_specs(problem, profile, seed_list).items()
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
