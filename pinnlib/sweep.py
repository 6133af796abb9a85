"""``python -m pinnlib sweep``: train every run a book needs, in parallel on Ray.

The runs come from :mod:`pinnlib.book_runs`, the same specs the chapters ask for;
those already in the cache are skipped and the others are trained as Ray tasks, each
calling :func:`pinnlib.experiments.run`, so records are written by the same atomic
code into the cache (a shared folder when the workers are on several machines).

Resumable: every run checkpoints into the staging folder next to its record, so
killing the sweep (Ctrl-C, ``kill -9`` of the driver or of a worker) loses at most the
steps since each run's last checkpoint; the same command finishes the rest. Each run
is trained under its lock (:mod:`pinnlib.locks`): a second sweep on the same cache
skips the runs the first one is training and reports them as trained by another sweep
once their records appear.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from pinnlib.experiments import (
    DEFAULT_CACHE,
    NO_TRAINING_ENV,
    record_path,
    run,
)
from pinnlib.locks import is_locked, run_lock
from pinnlib.records import CorruptRecord, UnreadableRecord, checkpoint_path, read_record
from pinnlib.run_costs import measured_speed, order_by_cost, recorded_speeds, size_key
from pinnlib.spec import RunSpec

#: Seconds between the driver's looks at runs that another sweep is training.
POLL_SECONDS = 2.0


class SweepError(ValueError):
    """A sweep that cannot start: bad chapter, address or resource count."""


@dataclass
class Outcome:
    """What a worker did with one run.

    ``status``: "trained"; "elsewhere" (another sweep trained it); "busy" (another
    sweep holds its lock now); or "failed" (``message`` says why).
    """

    status: str
    seconds: float = 0.0
    final_error: float = math.nan
    resumed_from: int = 0
    message: str = ""


def label(spec: RunSpec) -> str:
    """``problem/method-key (seed, steps)``: a run as the sweep prints it."""
    return f"{spec.problem}/{spec.method}-{spec.key} (seed {spec.seed}, {spec.total_steps} steps)"


def record_done(path: Path, spec: RunSpec) -> bool:
    """Whether ``path`` holds the complete, verified record of ``spec``."""
    try:
        read_record(path, spec)
    except (CorruptRecord, UnreadableRecord):
        return False
    return True


def checkpoint_step(path: Path) -> int:
    """The step the checkpoint of the run whose record goes to ``path`` has reached
    (0 without one)."""
    checkpoint = checkpoint_path(path)
    if not checkpoint.exists():
        return 0
    try:
        return int(torch.load(checkpoint, map_location="cpu", weights_only=False)["step"])
    except Exception:  # an unreadable checkpoint: Trainer.run starts again from step 0
        return 0


# -- the worker ----------------------------------------------------------------------------
def train_run(
    spec: RunSpec, cache: str, device: str, threads: int, checkpoint_every: int
) -> Outcome:
    """Train ``spec`` into ``cache`` under its lock (the body of every Ray task)."""
    os.environ.pop(NO_TRAINING_ENV, None)  # a sweep trains, whatever its driver's shell says
    torch.set_num_threads(threads)
    path = record_path(spec, cache)
    with run_lock(path) as mine:
        if not mine:
            return Outcome("busy")
        if record_done(path, spec):  # finished by another sweep since the driver looked
            return Outcome("elsewhere")
        resumed_from = checkpoint_step(path)
        start = time.perf_counter()
        try:
            record = run(
                spec, device=device, cache=cache, progress=False, checkpoint_every=checkpoint_every
            )
        except Exception as err:  # TrainingDiverged, a crash: reported, the others go on
            return Outcome(
                "failed", time.perf_counter() - start, message=f"{type(err).__name__}: {err}"
            )
        return Outcome("trained", time.perf_counter() - start, record.final_error, resumed_from)


# -- Ray -----------------------------------------------------------------------------------
def check_address(address: str) -> None:
    """A ``host:port`` address that accepts connections (``auto`` is left to Ray)."""
    if address == "auto":
        return
    if "://" in address:
        raise SweepError(
            f"bad --address {address!r}: give the HOST:PORT that `ray start --head` prints "
            "(Ray Client ray:// addresses are not supported)"
        )
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise SweepError(f"bad --address {address!r}: expected HOST:PORT (e.g. 10.0.0.1:6379)")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as err:
        raise SweepError(f"cannot reach a Ray cluster at {address}: {err}") from None


def connect(address: str | None) -> bool:
    """Connect to the cluster at ``address``, or start a local one; True if started here.

    A driver that is already connected (e.g. a test's cluster) is used as it is.
    """
    import ray

    if ray.is_initialized():
        return False
    if address is not None:
        check_address(address)
    try:
        ray.init(
            address=address,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.ERROR,
        )
    except Exception as err:
        where = address or "a new local cluster"
        raise SweepError(f"cannot connect to Ray at {where}: {err}") from None
    return True


def capacity(cpus_per_run: int, gpus_per_run: float) -> int:
    """How many runs of this size fit on the cluster's live nodes at once (at least 1)."""
    import ray

    nodes = [n["Resources"] for n in ray.nodes() if n.get("Alive")]
    fits = []
    for resources in nodes:
        n = int(resources.get("CPU", 0) // cpus_per_run)
        if gpus_per_run > 0:
            n = min(n, int(resources.get("GPU", 0) / gpus_per_run + 1e-9))
        fits.append(n)
    if sum(fits) == 0:
        cpus = max((r.get("CPU", 0) for r in nodes), default=0)
        gpus = max((r.get("GPU", 0) for r in nodes), default=0)
        raise SweepError(
            f"no node of the cluster has {cpus_per_run} CPUs and {gpus_per_run:g} GPUs for a "
            f"run (the largest has {cpus:g} CPUs and {gpus:g} GPUs); lower --cpus-per-run "
            "or --gpus-per-run"
        )
    return sum(fits)


# -- the driver ----------------------------------------------------------------------------
@dataclass
class SweepResult:
    """Per record folder name (``method-key``): its spec and what became of it."""

    specs: dict[str, RunSpec]
    outcomes: dict[str, Outcome]
    seconds: float

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes.values())

    @property
    def failed(self) -> dict[str, Outcome]:
        return {k: o for k, o in self.outcomes.items() if o.status == "failed"}


def _report(spec: RunSpec, outcome: Outcome) -> str:
    if outcome.status == "failed":
        return f"failed    {label(spec)} after {outcome.seconds:.1f} s: {outcome.message}"
    if outcome.status == "elsewhere":
        return f"elsewhere {label(spec)}: trained by another sweep"
    resumed = f", resumed from step {outcome.resumed_from}" if outcome.resumed_from else ""
    return (
        f"trained   {label(spec)} in {outcome.seconds:.1f} s, "
        f"error {outcome.final_error:.3e}{resumed}"
    )


def sweep(
    specs: Sequence[RunSpec],
    cache: Path,
    cpus_per_run: int = 1,
    gpus_per_run: float = 0.0,
    threads: int | None = None,
    max_parallel: int | None = None,
    checkpoint_every: int = 500,
    address: str | None = None,
    log=print,
) -> SweepResult:
    """Train every spec not yet in ``cache`` as a Ray task; returns what became of each."""
    import ray

    start = time.perf_counter()
    cache = Path(cache).resolve()
    keyed = {str(record_path(s, cache)): s for s in specs}
    outcomes = {k: Outcome("cached") for k, s in keyed.items() if record_done(Path(k), s)}
    device = "cuda" if gpus_per_run > 0 else "cpu"
    speeds = recorded_speeds([cache, DEFAULT_CACHE])
    todo = order_by_cost([s for k, s in keyed.items() if k not in outcomes], speeds, device)
    queued = deque(str(record_path(s, cache)) for s in todo)
    log(f"{len(keyed)} runs: {len(outcomes)} in the cache {cache}, {len(queued)} to train")
    if not queued:
        return SweepResult(keyed, outcomes, time.perf_counter() - start)
    started = connect(address)
    try:
        parallel = capacity(cpus_per_run, gpus_per_run)
        parallel = min(parallel, max_parallel or parallel)
        # max_calls=1: a fresh worker process per run. torch.compile keeps its compiled
        # entries per process, and a reused worker would pass dynamo's recompile limit
        # after 8 runs and train the rest uncompiled (correct, but slower).
        task = ray.remote(max_calls=1)(train_run).options(
            num_cpus=cpus_per_run, num_gpus=gpus_per_run, max_retries=3, retry_exceptions=False
        )
        args = (str(cache), device, threads or cpus_per_run, checkpoint_every)
        log(f"{parallel} runs at a time, {threads or cpus_per_run} torch thread(s) each")
        running: dict[Any, str] = {}
        elsewhere: set[str] = set()
        bar = tqdm(total=len(queued), unit="run", desc="sweep", file=sys.stderr, ncols=100)
        shown: dict[str, int] = {}
        live = sys.stderr.isatty()

        def finish(key: str, outcome: Outcome) -> None:
            outcomes[key] = outcome
            bar.update(1)
            tqdm.write(_report(keyed[key], outcome), file=sys.stdout)

        try:
            while queued or running or elsewhere:
                while queued and len(running) < parallel:
                    key = queued.popleft()
                    running[task.remote(keyed[key], *args)] = key
                counts = dict(
                    done=bar.n, running=len(running), queued=len(queued), elsewhere=len(elsewhere)
                )
                # in a log file (no terminal), a line only when the counts change
                bar.set_postfix(counts, refresh=live or counts != shown)
                shown = counts
                if running:
                    ready, _ = ray.wait(list(running), num_returns=1, timeout=POLL_SECONDS)
                else:
                    ready = []
                    time.sleep(POLL_SECONDS)
                for ref in ready:
                    key = running.pop(ref)
                    try:
                        outcome = ray.get(ref)
                    except ray.exceptions.RayError as err:  # a worker that died every retry
                        outcome = Outcome("failed", message=f"{type(err).__name__}: {err}")
                    if outcome.status == "busy":
                        elsewhere.add(key)
                    else:
                        finish(key, outcome)
                for key in sorted(elsewhere):
                    if record_done(Path(key), keyed[key]):
                        elsewhere.discard(key)
                        finish(key, Outcome("elsewhere"))
                    elif not is_locked(Path(key)):  # its holder died: train it here
                        elsewhere.discard(key)
                        queued.append(key)
        except KeyboardInterrupt:
            for ref in running:
                ray.cancel(ref, force=True)
            raise
        finally:
            bar.close()
    finally:
        if started:
            ray.shutdown()
    return SweepResult(keyed, outcomes, time.perf_counter() - start)


def dry_run(
    specs: Sequence[RunSpec], cache: Path, device: str, threads: int, parallel: int, log=print
) -> None:
    """List the runs, which are in the cache, and the estimated cost of training the rest."""
    speeds = recorded_speeds([cache, DEFAULT_CACHE])
    can_measure = device == "cpu" or torch.cuda.is_available()
    total, rows, sources = 0.0, [], {}
    for spec in specs:
        if record_done(record_path(spec, cache), spec):
            rows.append(f"cached    {label(spec)}")
            continue
        key = size_key(spec, device)
        if key not in speeds and can_measure:
            speeds[key], sources[key] = measured_speed(spec, device, threads), "measured"
        source = sources.get(key, "as recorded")
        if key not in speeds:
            rows.append(f"to train  {label(spec)}: cost unknown (no record of this size)")
            continue
        seconds = spec.total_steps / speeds[key]
        total += seconds
        rows.append(
            f"to train  {label(spec)}: {1000 / speeds[key]:.1f} ms/step ({source}), "
            f"about {seconds / 60:.1f} min"
        )
    for row in rows:
        log(row)
    n = sum(r.startswith("to train") for r in rows)
    log(
        f"{len(specs)} runs, {len(specs) - n} in the cache {cache}; training the other {n} "
        f"takes about {total / 60:.1f} min of compute, {total / 60 / parallel:.1f} min "
        f"with {parallel} at a time"
    )
