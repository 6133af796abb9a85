"""The experiments behind each benchmark's ``cpu`` profile.

Trains candidate configurations (vanilla and RBA, same seed) one after the other and
writes one row per run to ``data/profile_search.csv``: the configuration, the final
and best relative L2 error, the steps to the detected total-diffusion jump and the
training time on this machine. The appendix chapter "Choosing the cpu profiles" shows
the table. Runs go to the cache given by ``--cache`` (a scratch folder by default), so
a chosen candidate's records can be copied into ``data/runs/`` unchanged.

    python scripts/profile_search.py --cache /tmp/search helmholtz allen_cahn
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from pinnlib.experiments import LOGGED, REPO_ROOT, SMALL_DECAY, run
from pinnlib.spec import METHODS, RunSpec
from pinnlib.storage import atomic_write_bytes

TABLE = REPO_ROOT / "data" / "profile_search.csv"
#: What every candidate shares: the small profiles' logging and decay schedule.
COMMON: dict[str, Any] = {**LOGGED, **SMALL_DECAY}

#: Candidate configurations per benchmark, cheapest first.
CANDIDATES: dict[str, list[dict[str, Any]]] = {
    "burgers": [
        dict(width=32, depth=4, steps=15_000, problem_args=dict(n_collocation=4000)),
        # Adam, then an L-BFGS stage
        dict(width=32, depth=4, steps=15_000, lbfgs_steps=3000, compile=True,
             snr_batch_points=256, problem_args=dict(n_collocation=4096)),
        dict(width=48, depth=4, steps=15_000, lbfgs_steps=5000, compile=True,
             snr_batch_points=256, problem_args=dict(n_collocation=4096)),
    ],
    "helmholtz": [
        dict(width=48, depth=4, steps=6000, rba_init="residual",
             problem_args=dict(n_collocation=4096, a1=1.0, a2=4.0)),
        # longer, compiled, SNR at the paper's 256 points per batch
        dict(width=48, depth=4, steps=20_000, decay_every=2000, rba_init="residual",
             compile=True, snr_batch_points=256,
             problem_args=dict(n_collocation=4096, a1=1.0, a2=4.0)),
        # Adam, then an L-BFGS stage
        dict(width=48, depth=4, steps=10_000, lbfgs_steps=2000, rba_init="residual",
             compile=True, snr_batch_points=256,
             problem_args=dict(n_collocation=4096, a1=1.0, a2=4.0)),
    ],
    "allen_cahn": [
        dict(width=48, depth=4, steps=8000,
             problem_args=dict(n_collocation=4096, periodic="embedding")),
        dict(width=48, depth=4, steps=8000, problem_args=dict(n_collocation=4096)),
        # longer Adam (the authors' RBA run jumps near step 11,000), then L-BFGS
        dict(width=48, depth=4, steps=20_000, decay_every=2000, lbfgs_steps=3000,
             compile=True, snr_batch_points=256,
             problem_args=dict(n_collocation=4096, periodic="embedding")),
    ],
    "cavity": [
        dict(width=48, depth=4, steps=6000, problem_args=dict(n_collocation=2048, re=100)),
        # Adam, then an L-BFGS stage, twice the points
        dict(width=48, depth=4, steps=10_000, lbfgs_steps=3000, compile=True,
             snr_batch_points=256, problem_args=dict(n_collocation=4096, re=100)),
    ],
}  # fmt: skip

FIELDS = (
    "problem", "method", "seed", "depth", "width", "n_collocation", "steps", "lbfgs_steps",
    "problem_args",
    "final_error", "best_error", "total_diffusion_step", "train_seconds", "key",
)  # fmt: skip


def candidate_spec(problem: str, settings: dict[str, Any], method: str, seed: int) -> RunSpec:
    """The RunSpec of one candidate."""
    return RunSpec.from_dict(
        {"problem": problem, **COMMON, **settings, "method": method, "seed": seed}
    )


def row(spec: RunSpec, record) -> dict[str, Any]:
    """One table row: configuration, errors, detected jump and cost."""
    h = record.history
    phases = record.phases
    return {
        "problem": spec.problem,
        "method": spec.method,
        "seed": spec.seed,
        "depth": spec.depth,
        "width": spec.width,
        "n_collocation": spec.problem_args.get("n_collocation"),
        "steps": spec.steps,
        "lbfgs_steps": spec.lbfgs_steps,
        "problem_args": json.dumps(spec.problem_args, sort_keys=True),
        "final_error": f"{record.final_error:.4e}",
        "best_error": f"{np.nanmin(h['error']):.4e}",
        "total_diffusion_step": phases.total_diffusion if phases.total_diffusion else "",
        "train_seconds": f"{record.info['train_seconds']:.1f}",
        "key": spec.key,
    }


def append_rows(rows: list[dict[str, Any]], table: Path = TABLE) -> None:
    """Add rows to the table (replacing rows of the same run key), atomically."""
    old = []
    if table.exists():
        with table.open() as f:
            old = list(csv.DictReader(f))
    keys = {(r["key"], r["method"]) for r in rows}
    kept = [r for r in old if (r["key"], r["method"]) not in keys]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(kept + rows)
    atomic_write_bytes(table, out.getvalue().encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("problems", nargs="+", choices=sorted(CANDIDATES))
    parser.add_argument("--cache", default="/tmp/profile-search", help="run cache folder")
    parser.add_argument("--seed", type=int, default=2341)
    parser.add_argument("--only", type=int, default=None, help="index of one candidate")
    args = parser.parse_args()
    for problem in args.problems:
        for i, settings in enumerate(CANDIDATES[problem]):
            if args.only is not None and i != args.only:
                continue
            for method in METHODS:
                spec = candidate_spec(problem, settings, method, args.seed)
                record = run(spec, cache=args.cache)
                result = row(spec, record)
                append_rows([result])
                print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
