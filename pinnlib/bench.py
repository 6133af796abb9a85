"""How fast is a training step? Nested autograd against the Taylor-mode fast path.

``python -m pinnlib bench`` times one full Adam step (residual and condition losses,
backward pass, parameter update) of the Allen-Cahn benchmark at the paper's
6 x 128 network, in one process, for

* ``autograd``: nested ``torch.autograd.grad`` (:func:`pinnlib.nn.autograd_derivatives`);
* ``taylor``: the jets of the fast path, eager;
* ``taylor+compile``: the same under ``torch.compile`` (compile time reported apart),

and reports the median milliseconds per step over ``steps`` repeats after
``warmup`` steps, the ratio to the autograd path, and the peak memory a step
allocates beyond what is held before it (CUDA: ``torch.cuda.max_memory_allocated``;
CPU: the allocation events of ``torch.profiler``, which see every tensor the
step allocates). PAPER.md lists the same comparison on an H100.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch.profiler import ProfilerActivity, profile

from pinnlib.spec import RunSpec
from pinnlib.train import Trainer

VARIANTS: dict[str, dict[str, object]] = {
    "autograd": {"derivatives": "autograd"},
    "taylor": {"derivatives": "taylor"},
    "taylor+compile": {"derivatives": "taylor", "compile": True},
}


@dataclass
class Timing:
    """One benchmark row: median ms per step, spread, peak memory, compile time."""

    variant: str
    points: int
    ms: float
    ms_min: float
    ms_max: float
    peak_mib: float
    first_step_s: float


def bench_spec(
    points: int, width: int = 128, depth: int = 6, dtype: str = "float32", **overrides: object
) -> RunSpec:
    """The Allen-Cahn run a benchmark step belongs to (paper network, ``points`` points)."""
    return RunSpec(
        problem="allen_cahn",
        problem_args={"n_collocation": points},
        width=width,
        depth=depth,
        dtype=dtype,
        **overrides,
    )


def adam_step(trainer: Trainer) -> None:
    """A training step without logging: loss, backward pass, Adam update."""
    trainer.optimizer.zero_grad(set_to_none=True)
    loss, _ = trainer.loss_terms()
    loss.backward()
    trainer.optimizer.step()


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def step_seconds(trainer: Trainer, steps: int, warmup: int) -> tuple[float, list[float]]:
    """(seconds of the first step, seconds of each timed step after the warm-up)."""
    times = []
    for _ in range(warmup + steps):
        _sync(trainer.device)
        start = time.perf_counter()
        adam_step(trainer)
        _sync(trainer.device)
        times.append(time.perf_counter() - start)
    return times[0], times[warmup:]


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence the profiler's own start/stop lines (written by C++ to file descriptor 2)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def peak_step_memory(trainer: Trainer) -> int:
    """Bytes a step allocates at its peak beyond the memory held before it."""
    if trainer.device.type == "cuda":
        torch.cuda.synchronize(trainer.device)
        before = torch.cuda.memory_allocated(trainer.device)
        torch.cuda.reset_peak_memory_stats(trainer.device)
        adam_step(trainer)
        torch.cuda.synchronize(trainer.device)
        return torch.cuda.max_memory_allocated(trainer.device) - before
    with _quiet_stderr(), profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        adam_step(trainer)
    events = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
    live = peak = 0
    for event in sorted(events, key=lambda e: e.start_ns()):
        live += event.nbytes()
        peak = max(peak, live)
    return peak


def run_bench(
    points: tuple[int, ...] = (4096, 25_600),
    steps: int = 10,
    warmup: int = 3,
    device: str = "cpu",
    variants: tuple[str, ...] = tuple(VARIANTS),
    width: int = 128,
    depth: int = 6,
    dtype: str = "float32",
    log=print,
) -> list[Timing]:
    """Time every variant at every number of points; ``log`` gets one line per result."""
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        raise ValueError(f"unknown variant(s) {sorted(unknown)}; choose from {list(VARIANTS)}")
    if steps < 1 or warmup < 1:
        raise ValueError("steps and warmup must be at least 1")
    results = []
    for n in points:
        for variant in variants:
            spec = bench_spec(n, width, depth, dtype, **VARIANTS[variant])
            trainer = Trainer(spec, device=device)
            first, times = step_seconds(trainer, steps, warmup)
            peak = peak_step_memory(trainer)
            ms = [1e3 * t for t in times]
            row = Timing(variant, n, statistics.median(ms), min(ms), max(ms), peak / 2**20, first)
            results.append(row)
            log(format_row(row, results))
            del trainer
    return results


def _baseline(row: Timing, results: list[Timing]) -> Timing | None:
    for r in results:
        if r.points == row.points and r.variant == "autograd":
            return r
    return None


def format_row(row: Timing, results: list[Timing]) -> str:
    base = _baseline(row, results)
    ratio = f"{base.ms / row.ms:5.2f}x" if base else "   - "
    mem = f"{row.peak_mib / base.peak_mib:5.2f}x" if base else "   - "
    return (
        f"{row.variant:15s} {row.points:7d}  {row.ms:9.1f} ms  [{row.ms_min:.1f}, {row.ms_max:.1f}]"
        f"  speed-up {ratio}  peak {row.peak_mib:8.1f} MiB ({mem})"
        f"  first step {row.first_step_s:.1f} s"
    )


def header(device: str, steps: int, warmup: int) -> str:
    return (
        f"Allen-Cahn training step, median of {steps} after {warmup} warm-up; device {device}, "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads\n"
        f"{'variant':15s} {'points':>7s}  {'ms/step':>12s}  [min, max]  "
        f"speed-up vs autograd, peak step memory (vs autograd), first step (compile)"
    )
