"""Wall time of training the same runs serially and through the Ray sweep, measured in
one invocation on this machine, and their ratio.

The runs are a benchmark's ``cpu``-profile configuration (network, points, compile,
SNR batches) at ``--steps`` Adam steps and no L-BFGS, one per seed, so that the
comparison takes minutes; each run trains from scratch in both modes (its own empty
cache), with one torch thread per run. Serial: one run after the other in this
process. Sweep: ``pinnlib.sweep.sweep`` with ``--workers`` runs at a time.

    python scripts/sweep_speedup.py --problem helmholtz --runs 4 --steps 2000
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import torch

from pinnlib.experiments import experiment, run
from pinnlib.sweep import sweep


def specs(problem: str, profile: str, runs: int, steps: int) -> list:
    """``runs`` seeds of ``problem``'s configuration at ``profile``, RBA, ``steps`` Adam
    steps only."""
    return [
        experiment(problem, profile, method="rba", seed=2341 + i, steps=steps, lbfgs_steps=0)
        for i in range(runs)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem", default="helmholtz")
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    todo = specs(args.problem, args.profile, args.runs, args.steps)
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as serial_cache, tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        for spec in todo:
            run(spec, cache=serial_cache, progress=False)
        serial = time.perf_counter() - start
        result = sweep(todo, Path(cache), max_parallel=args.workers, threads=1, log=lambda *a: None)
        if result.failed:
            raise SystemExit(f"sweep failed: {result.failed}")
    print(
        f"{args.runs} {args.problem} runs of {args.steps} steps on {os.cpu_count()} cores: "
        f"serial {serial:.1f} s, sweep with {args.workers} workers {result.seconds:.1f} s, "
        f"speed-up {serial / result.seconds:.2f}x"
    )


if __name__ == "__main__":
    main()
