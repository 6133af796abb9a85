"""The one timer of the package, and the one definition of "a training step without logging".

Every timing here is wall time between two device synchronisations, so that a CUDA
step is timed to its end and not to its launch. The first calls of anything are kept
apart from the timed ones: they compile (``torch.compile`` compiles on the first step,
and once more on the second, when its guards see the caches the first step filled),
allocate and fill caches, and say nothing about the cost of the calls after them.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from pinnlib.train import Trainer


def sync(device: torch.device | str) -> None:
    """Wait until every kernel queued on ``device`` is done (a no-op on the CPU)."""
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn: Callable[[], Any], device: torch.device | str) -> float:
    """Seconds one call of ``fn`` takes on ``device``, synchronised before and after."""
    sync(device)
    start = time.perf_counter()
    fn()
    sync(device)
    return time.perf_counter() - start


@dataclass(frozen=True)
class Timings:
    """Seconds of the warm-up calls (the first one first) and of the timed calls after them."""

    warmup_s: tuple[float, ...]
    times_s: tuple[float, ...]

    @property
    def first_s(self) -> float:
        """Seconds of the very first call (with ``torch.compile``: mostly compilation)."""
        return (self.warmup_s or self.times_s)[0]

    @property
    def median_s(self) -> float:
        return statistics.median(self.times_s)

    @property
    def mean_s(self) -> float:
        return statistics.fmean(self.times_s)

    @property
    def warmup_extra_s(self) -> float:
        """What the warm-up cost beyond as many warm calls: the one-off cost (compilation,
        first allocations) that a long run pays once."""
        return max(0.0, sum(self.warmup_s) - len(self.warmup_s) * self.median_s)


def time_calls(
    fn: Callable[[], Any], device: torch.device | str, repeats: int, warmup: int
) -> Timings:
    """Time ``warmup`` calls of ``fn``, then ``repeats`` more, each one by :func:`timed`."""
    if repeats < 1 or warmup < 0:
        raise ValueError(f"need repeats >= 1 and warmup >= 0, got {repeats} and {warmup}")
    times = [timed(fn, device) for _ in range(warmup + repeats)]
    return Timings(tuple(times[:warmup]), tuple(times[warmup:]))


def unlogged_step(trainer: Trainer) -> None:
    """One training step as :meth:`Trainer.train_step` takes it at a step that is not
    logged: the loss (RBA weights updated), its finiteness check, the backward pass, the
    Adam update and the learning-rate schedule; no error, no monitors.

    The trainer is put back at the first unlogged Adam step of its spec before the
    step, so calling this repeatedly never reaches a logged step or L-BFGS.
    """
    spec = trainer.spec
    step = next((s for s in range(spec.steps) if not spec.is_logged(s)), None)
    if step is None:
        raise ValueError("no unlogged Adam step to time: the spec logs every step it takes")
    trainer.step = step
    trainer.train_step()


def time_steps(trainer: Trainer, steps: int, warmup: int) -> Timings:
    """:func:`unlogged_step` of ``trainer`` timed ``steps`` times after ``warmup`` steps."""
    return time_calls(lambda: unlogged_step(trainer), trainer.device, steps, warmup)
