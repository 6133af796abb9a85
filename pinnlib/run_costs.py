"""What a training run costs: its speed recorded in a cache, or measured over a few steps.

The sweep uses these to order its runs (the longest first) and, with ``--dry-run``, to
estimate what training the missing ones takes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

from pinnlib.spec import RunSpec

#: Spec fields that do not change the cost of one step.
_COST_FREE = ("seed", "steps", "lbfgs_steps", "lr", "lr_decay", "decay_every", "rba_eta",
              "rba_gamma", "rba_init")  # fmt: skip


def size_key(spec: RunSpec, device: str) -> str:
    """What the time of one step depends on: the spec without seed, steps and rates."""
    d = {k: v for k, v in spec.to_dict().items() if k not in _COST_FREE}
    return json.dumps({**d, "device": device.split(":")[0]}, sort_keys=True)


def recorded_speeds(caches: Sequence[Path]) -> dict[str, float]:
    """{size key: steps per second} of the records in ``caches`` (first found wins)."""
    speeds: dict[str, float] = {}
    for cache in caches:
        for meta_path in sorted(Path(cache).glob("*/*/record.json")):
            try:
                meta = json.loads(meta_path.read_text())
                spec = RunSpec.from_dict(meta["spec"])
                key = size_key(spec, meta["provenance"]["device"])
                speeds.setdefault(key, float(meta["steps_per_second"]))
            except (OSError, ValueError, KeyError, TypeError):
                continue
    return speeds


def order_by_cost(specs: Sequence[RunSpec], speeds: dict[str, float], device: str) -> list[RunSpec]:
    """``specs``, the longest expected first, so that the last runs to start are short.

    A run's speed is the recorded one of its size or else the median recorded speed of
    its benchmark at any size (so that, e.g., a cavity run goes before a Burgers run of
    as many steps); a benchmark never recorded counts as 1 step per second.
    """
    by_problem: dict[str, list[float]] = {}
    for key, speed in speeds.items():
        by_problem.setdefault(json.loads(key)["problem"], []).append(speed)
    medians = {p: float(sorted(v)[len(v) // 2]) for p, v in by_problem.items()}

    def seconds(spec: RunSpec) -> float:
        speed = speeds.get(size_key(spec, device)) or medians.get(spec.problem, 1.0)
        return spec.total_steps / speed

    return sorted(specs, key=seconds, reverse=True)


def measured_speed(spec: RunSpec, device: str, threads: int, steps: int = 5) -> float:
    """Mean steps per second of ``spec``: a few steps timed (after an untimed first one)
    plus one timed logging of the loss, error and monitors, at the spec's log schedule."""
    import torch

    from pinnlib.train import Trainer

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        trainer = Trainer(spec.replace(steps=steps + 1, lbfgs_steps=0), device=device)
        trainer.train_step()  # step 0: logged, warms up the monitors
        t0 = time.perf_counter()
        for _ in range(steps):
            trainer.train_step()
        t1 = time.perf_counter()
        trainer.log(trainer.step, *trainer.loss_terms(update_weights=False))
        step, log = (t1 - t0) / steps, time.perf_counter() - t1
    finally:
        torch.set_num_threads(previous)
    logged = sum(map(spec.is_logged, range(spec.total_steps)))
    return spec.total_steps / (spec.total_steps * step + logged * log)
