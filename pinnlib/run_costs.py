"""What a training run costs: its speed recorded in a cache, or measured over a few steps.

The sweep uses these to order its runs (the longest first) and, with ``--dry-run``, to
estimate what training the missing ones takes. A measured estimate is

    total steps x warm seconds per step + logged steps x seconds per log + one-off cost,

where the warm step is timed only after warm-up steps (with ``torch.compile`` the first
step compiles and the second compiles once more; both take seconds to a minute), and the
one-off cost is what those warm-up steps took beyond as many warm steps.

One process measures many sizes, and ``torch.compile`` keeps one compiled entry per size
and falls back to eager code after ``torch._dynamo.config.recompile_limit`` (8) of them;
the measurement lifts that limit, so that every size is timed compiled, as it runs in a
training process of its own. A size compiled earlier in the same process
(the RBA run after the vanilla one, same network) compiles nothing, so its one-off cost
here is near zero although a run of its own pays it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from pinnlib.bench.timer import time_steps, timed
from pinnlib.spec import RunSpec
from pinnlib.train import Trainer

#: Compiled entries per function the measurement allows (sizes measured in one process).
RECOMPILE_LIMIT = 64

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


@dataclass(frozen=True)
class MeasuredCost:
    """What a run costs, from a few steps timed on this machine.

    ``step_s``: a warm training step (median, after the warm-up); ``log_s``: one warm
    logging of the loss, error and monitors; ``warmup_s``: the one-off cost of the first
    steps beyond as many warm ones (compilation, first allocations); ``logged``: how many
    steps of the run log; ``steps``: its steps (Adam and L-BFGS, each costed as a step).
    """

    step_s: float
    log_s: float
    warmup_s: float
    logged: int
    steps: int

    @property
    def seconds(self) -> float:
        """Estimated seconds of the whole run, the one-off warm-up cost included."""
        return self.steps * self.step_s + self.logged * self.log_s + self.warmup_s

    @property
    def steps_per_second(self) -> float:
        """Warm steps per second, logging included, the one-off warm-up cost not."""
        return self.steps / (self.steps * self.step_s + self.logged * self.log_s)


def measure_cost(
    spec: RunSpec, device: str, threads: int, steps: int = 5, warmup: int = 3
) -> MeasuredCost:
    """Time ``spec``'s training step (:func:`pinnlib.bench.timer.time_steps`: ``steps``
    timed after ``warmup`` untimed steps) and one logging, on ``device`` with ``threads``
    torch threads; the warm-up absorbs ``torch.compile``'s compilations (the first and
    second steps) so that only warm steps are in ``step_s``."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    limit = max(RECOMPILE_LIMIT, torch._dynamo.config.recompile_limit)
    try:
        with torch._dynamo.config.patch(recompile_limit=limit):
            probe = spec.replace(steps=warmup + steps + 1, lbfgs_steps=0)
            trainer = Trainer(probe, device=device)
            timings = time_steps(trainer, steps, warmup)

            def log() -> None:
                trainer.log(trainer.step, *trainer.loss_terms(update_weights=False))

            log()  # warm-up: the monitors' first call
            log_s = timed(log, trainer.device)
    finally:
        torch.set_num_threads(previous)
    logged = sum(map(spec.is_logged, range(spec.total_steps)))
    return MeasuredCost(timings.median_s, log_s, timings.warmup_extra_s, logged, spec.total_steps)


def measured_speed(spec: RunSpec, device: str, threads: int, steps: int = 5) -> float:
    """Warm steps per second of ``spec`` at its log schedule (:func:`measure_cost`;
    its one-off warm-up and compile cost is not in it)."""
    return measure_cost(spec, device, threads, steps).steps_per_second
