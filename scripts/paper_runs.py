"""Paper-scale runs on one GPU: the pieces of the ``paper`` profile the book shows first.

The authors place the jump into total diffusion at about step 1,000 (Helmholtz, RBA),
19,000 (Helmholtz, vanilla) and 11,100 (Allen-Cahn, RBA). This script trains the GPU
rows of :data:`pinnlib.book_runs.PAPER_SCALE_RUNS`, each a little past that step at the
paper's configuration (6 x 128, 25,600 points, Adam with the paper's schedule;
``compile=True``), several runs sharing the card at once, each in its own process
(``pinnlib.experiments.run``). Runs checkpoint every
``--checkpoint-every`` steps into
the run cache under ``--out``; at ``--budget`` seconds the workers still running are
stopped, losing at most the steps since their last checkpoint, and a later call with
the same cache resumes them. Runs whose finished records are already committed
(``--committed``, by default ``data/runs/``) are skipped, and a committed checkpoint is
copied into the cache first, so its run resumes from it: a call trains only what the
book still lacks. ``--continue-from CHECKPOINT`` starts the one run of
``--row`` from the checkpoint of a run that differs from it only in its number of steps
(:func:`pinnlib.experiments.continue_run`). Everything trained, finished records and checkpoints
alike, is packed into ``OUT/records.tar.gz``, ready to unpack into ``data/runs/``::

    python3 scripts/paper_runs.py --out "$OUT" --budget 480           # on the GPU machine
    tar -xzf records.tar.gz -C data/runs                              # here, then commit

``--tiny`` shrinks every run to a few steps of a small network on the CPU (the test).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import sys
import tarfile
import time
from pathlib import Path

import torch

from pinnlib.book_runs import GPU_PLAN_ROWS, paper_scale_row, paper_scale_specs
from pinnlib.experiments import DEFAULT_CACHE, continue_run, record_path, run
from pinnlib.records import CorruptRecord, checkpoint_path, read_record, staging_path
from pinnlib.spec import RunSpec

#: What ``--tiny`` changes in every run: a CPU-sized network, points and step count.
TINY = dict(width=16, depth=2, steps=30, log_dense_until=10, log_every=10, compile=False)
TINY_ARGS = {"helmholtz": dict(n_collocation=512, n_test=51), "allen_cahn": dict(n_collocation=512)}


def plan_specs(tiny: bool = False, probes: bool = False, row: int | None = None) -> list[RunSpec]:
    """The GPU rows of :data:`~pinnlib.book_runs.PAPER_SCALE_RUNS` (or, with ``probes``,
    the CPU probe rows after them; or only row ``row``) at the ``paper`` profile (or
    ``--tiny``), cheapest first."""
    gpu = paper_scale_specs(rows=GPU_PLAN_ROWS)
    if row is not None:
        specs = paper_scale_row(row)
    elif probes:
        specs = [s for s in paper_scale_specs() if s not in gpu]
    else:
        specs = gpu
    if tiny:
        specs = [
            spec.replace(**TINY, problem_args={**spec.problem_args, **TINY_ARGS[spec.problem]})
            for spec in specs
        ]
    return sorted(specs, key=lambda s: s.steps)


def take_committed(specs: list[RunSpec], cache: Path, committed: Path) -> list[RunSpec]:
    """The ``specs`` whose finished record in ``committed`` verifies (they need no training).

    For every other spec with a checkpoint in ``committed`` and nothing yet in ``cache``,
    the checkpoint's staging folder is copied into ``cache``, so the run resumes from it.
    """
    finished = []
    for spec in specs:
        source, target = record_path(spec, committed), record_path(spec, cache)
        try:
            read_record(source, spec)
            finished.append(spec)
            continue
        except CorruptRecord:
            pass
        started = os.path.lexists(target) or os.path.lexists(staging_path(target))
        if checkpoint_path(source).exists() and not started:
            shutil.copytree(staging_path(source), staging_path(target))
    return finished


def pack(cache: Path, archive: Path) -> int:
    """Pack every record folder and staged run under ``cache`` into ``archive``."""
    folders = sorted(p for p in cache.glob("*/*") if p.is_dir())
    with tarfile.open(archive, "w:gz") as tar:
        for folder in folders:
            tar.add(folder, arcname=str(folder.relative_to(cache)))
    return len(folders)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="output folder ($OUT)")
    parser.add_argument("--budget", type=float, default=480.0, help="seconds of training")
    parser.add_argument("--parallel", type=int, default=7, help="runs at once on the card")
    parser.add_argument("--device", default="cuda", help="cuda (default) or cpu")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads per run")
    parser.add_argument("--checkpoint-every", type=int, default=500)
    parser.add_argument("--tiny", action="store_true", help="a few CPU steps per run (tests)")
    parser.add_argument("--runs", type=int, default=None, help="only the N cheapest runs")
    parser.add_argument(
        "--probes",
        action="store_true",
        help="the CPU rows (probes, continuations) instead of the GPU plan",
    )
    parser.add_argument("--row", type=int, default=None, help="only row K (from 0) of the runs")
    parser.add_argument(
        "--committed",
        type=Path,
        default=DEFAULT_CACHE,
        help="run cache whose finished records are skipped and whose checkpoints are "
        "resumed (default: data/runs)",
    )
    parser.add_argument(
        "--continue-from",
        type=Path,
        default=None,
        help="a checkpoint of a shorter or longer run to start --row's run from",
    )
    args = parser.parse_args(argv)
    if args.parallel < 1 or args.budget <= 0 or args.checkpoint_every < 1:
        parser.error("--parallel and --checkpoint-every must be positive, --budget above 0")
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        parser.error(f"device {args.device!r} asked for, but torch sees no CUDA device")
    cache = args.out / "runs"
    cache.mkdir(parents=True, exist_ok=True)
    try:
        specs = plan_specs(args.tiny, args.probes, args.row)[: args.runs]
    except ValueError as err:
        parser.error(str(err))
    if args.continue_from is not None:
        if args.row is None or len(specs) != 1:
            parser.error("--continue-from needs a --row of one run")
        try:
            continue_run(args.continue_from, specs[0], cache)
        except (ValueError, FileExistsError) as err:
            parser.error(str(err))
    status = {s.key: "committed (skipped)" for s in take_committed(specs, cache, args.committed)}
    deadline = time.monotonic() + args.budget
    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # read by each worker's torch
    context = multiprocessing.get_context("spawn")  # CUDA needs fresh processes
    queued, running = [s for s in specs if s.key not in status], {}
    while queued or running:
        while queued and len(running) < args.parallel and time.monotonic() < deadline:
            spec = queued.pop(0)
            worker = context.Process(target=run, args=(spec,), kwargs=dict(
                device=args.device, cache=cache, progress=False,
                checkpoint_every=args.checkpoint_every,
            ))  # fmt: skip
            worker.start()
            running[worker] = spec
        for worker in [w for w in running if not w.is_alive()]:
            spec = running.pop(worker)
            status[spec.key] = "done" if worker.exitcode == 0 else f"failed ({worker.exitcode})"
        if time.monotonic() >= deadline:
            for worker, spec in running.items():
                worker.terminate()
                status[spec.key] = "stopped at the budget (resumable)"
            for worker in running:
                worker.join()
            running = {}
            queued.clear()
        time.sleep(0.5)
    for spec in specs:
        where = status.get(spec.key, "not started")
        path = record_path(spec, args.committed if where.startswith("committed") else cache)
        print(f"{spec.problem:10s} {spec.method:7s} seed {spec.seed} {spec.steps:>7,} steps: "
              f"{where} -> {path}")  # fmt: skip
    n = pack(cache, args.out / "records.tar.gz")
    print(f"packed {n} run folder(s) into {args.out / 'records.tar.gz'}")
    finished = all(s == "done" or s.startswith("committed") for s in status.values())
    return 0 if finished and len(status) == len(specs) else 1


if __name__ == "__main__":
    sys.exit(main())
