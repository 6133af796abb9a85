"""How fast is a training step? Nested autograd against the Taylor-mode fast path.

``python -m pinnlib bench`` times one training step without logging
(:func:`pinnlib.bench.timer.unlogged_step`: loss, backward pass, Adam update) of a
benchmark (Allen-Cahn by default) at the paper's 6 x 128 network, in one process, for

* ``autograd``: nested ``torch.autograd.grad`` (:func:`pinnlib.nn.autograd_fields`);
* ``taylor``: the jets of the fast path, eager;
* ``taylor+compile``: the same under ``torch.compile`` (compile time reported apart),

and reports the median milliseconds per step over ``steps`` repeats after
``warmup`` steps, the ratio to the autograd path, and the peak memory a step
allocates beyond what is held before it (CUDA: ``torch.cuda.max_memory_allocated``;
CPU: the allocation events of ``torch.profiler``, which see every tensor the
step allocates). The paper's authors report the same comparison on an H100.

It also reports what bounds the ratio: the matrix-multiply FLOPs of one step (counted
by ``torch.profiler``) and the *matmul floor*, those FLOPs divided by the throughput this
machine reaches on the step's typical product, an (N x width) by (width x width) matrix
multiply, measured in the same run. No implementation of a variant's arithmetic can be
faster than its floor, so ``autograd ms / taylor floor ms`` bounds the speed-up any
Taylor-mode step can reach over the measured autograd step.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch.profiler import ProfilerActivity, profile

from pinnlib.bench.timer import time_calls, time_steps, unlogged_step
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
    gflop: float = float("nan")
    floor_ms: float = float("nan")


def bench_spec(
    points: int,
    width: int = 128,
    depth: int = 6,
    dtype: str = "float32",
    problem: str = "allen_cahn",
    **overrides: object,
) -> RunSpec:
    """The run a benchmark step belongs to (paper network, ``points`` collocation points)."""
    return RunSpec(
        problem=problem,
        problem_args={"n_collocation": points},
        width=width,
        depth=depth,
        dtype=dtype,
        **overrides,
    )


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


MATMUL_OPS = ("aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm")


def profile_step(trainer: Trainer) -> tuple[int, float]:
    """(peak bytes a step allocates beyond the memory held before it, matmul FLOPs of the
    step), both from one profiled step: the FLOPs from ``torch.profiler``; the peak from
    ``torch.cuda.max_memory_allocated`` on CUDA, else from the profiler's allocation events."""
    cuda = trainer.device.type == "cuda"
    if cuda:
        torch.cuda.synchronize(trainer.device)
        before = torch.cuda.memory_allocated(trainer.device)
        torch.cuda.reset_peak_memory_stats(trainer.device)
    activities = [ProfilerActivity.CPU]
    with (
        _quiet_stderr(),
        profile(activities=activities, profile_memory=not cuda, with_flops=True) as prof,
    ):
        unlogged_step(trainer)
    flops = float(sum(e.flops for e in prof.key_averages() if e.key in MATMUL_OPS))
    if cuda:
        torch.cuda.synchronize(trainer.device)
        return torch.cuda.max_memory_allocated(trainer.device) - before, flops
    events = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
    live = peak = 0
    for event in sorted(events, key=lambda e: e.start_ns()):
        live += event.nbytes()
        peak = max(peak, live)
    return peak, flops


def matmul_throughput(
    points: int,
    width: int,
    device: str | torch.device = "cpu",
    dtype: str = "float32",
    repeats: int = 20,
) -> float:
    """FLOP/s of an (points x width) by (width x width) product on ``device`` (median time)."""
    device = torch.device(device)
    a = torch.randn(points, width, device=device, dtype=getattr(torch, dtype))
    w = torch.randn(width, width, device=device, dtype=a.dtype)
    timings = time_calls(lambda: torch.nn.functional.linear(a, w), device, repeats, warmup=3)
    return 2 * points * width * width / timings.median_s


def _is_int(value: object, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def check_bench(
    points: tuple[int, ...], steps: int, warmup: int, variants: tuple[str, ...]
) -> None:
    """A ValueError, before anything is timed, unless there is something to time:
    at least one number of points and one known variant, each count a positive int."""
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        raise ValueError(f"unknown variant(s) {sorted(unknown)}; choose from {list(VARIANTS)}")
    if not variants:
        raise ValueError("no variant to time")
    if not points or not all(_is_int(n, 1) for n in points):
        raise ValueError(f"points must be positive integers, got {points!r}")
    if not (_is_int(steps, 1) and _is_int(warmup, 1)):
        raise ValueError("steps and warmup must be at least 1")


def run_bench(
    points: tuple[int, ...] = (4096, 25_600),
    steps: int = 10,
    warmup: int = 3,
    device: str = "cpu",
    variants: tuple[str, ...] = tuple(VARIANTS),
    width: int = 128,
    depth: int = 6,
    dtype: str = "float32",
    problem: str = "allen_cahn",
    log=print,
) -> list[Timing]:
    """Time every variant at every number of points; ``log`` gets one line per result and,
    where both autograd and the eager Taylor path ran, the bound line (:func:`bound_line`)."""
    check_bench(points, steps, warmup, variants)
    results = []
    for n in points:
        throughput = matmul_throughput(n, width, device, dtype)
        for variant in variants:
            spec = bench_spec(n, width, depth, dtype, problem, **VARIANTS[variant])
            trainer = Trainer(spec, device=device)
            timings = time_steps(trainer, steps, warmup)
            peak, flops = profile_step(trainer)
            flops = flops or float("nan")  # 0: ops hidden by a compiler
            ms = [1e3 * t for t in timings.times_s]
            row = Timing(
                variant, n, 1e3 * timings.median_s, min(ms), max(ms), peak / 2**20,
                timings.first_s, gflop=flops / 1e9, floor_ms=1e3 * flops / throughput,
            )  # fmt: skip
            results.append(row)
            log(format_row(row, results))
            del trainer
        line = bound_line(n, results)
        if line:
            log(line)
    return results


def _row(variant: str, points: int, results: list[Timing]) -> Timing | None:
    for r in results:
        if r.points == points and r.variant == variant:
            return r
    return None


def speedup_bound(points: int, results: list[Timing]) -> float | None:
    """autograd ms / the eager Taylor step's matmul floor: the most any Taylor-mode step
    (same arithmetic, any implementation) can gain over the measured autograd step."""
    base, taylor = _row("autograd", points, results), _row("taylor", points, results)
    if base is None or taylor is None or not taylor.floor_ms > 0:
        return None
    return base.ms / taylor.floor_ms


def bound_line(points: int, results: list[Timing]) -> str | None:
    bound = speedup_bound(points, results)
    if bound is None:
        return None
    base, taylor = _row("autograd", points, results), _row("taylor", points, results)
    return (
        f"{'':15s} {points:7d}  bound: the Taylor step's matmuls ({taylor.gflop:.2f} GFLOP, "
        f"autograd's {base.gflop:.2f}) take at least {taylor.floor_ms:.1f} ms here, so no "
        f"Taylor-mode step can beat autograd's {base.ms:.1f} ms by more than {bound:.2f}x"
    )


def format_row(row: Timing, results: list[Timing]) -> str:
    base = _row("autograd", row.points, results)
    ratio = f"{base.ms / row.ms:5.2f}x" if base else "   - "
    mem = f"{row.peak_mib / base.peak_mib:5.2f}x" if base else "   - "
    return (
        f"{row.variant:15s} {row.points:7d}  {row.ms:9.1f} ms  [{row.ms_min:.1f}, {row.ms_max:.1f}]"
        f"  speed-up {ratio}  peak {row.peak_mib:8.1f} MiB ({mem})"
        f"  matmul {row.gflop:6.2f} GFLOP, floor {row.floor_ms:7.1f} ms"
        f"  first step {row.first_step_s:.1f} s"
    )


def header(device: str, steps: int, warmup: int, problem: str = "allen_cahn") -> str:
    return (
        f"{problem} training step, median of {steps} after {warmup} warm-up; device {device}, "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads\n"
        f"{'variant':15s} {'points':>7s}  {'ms/step':>12s}  [min, max]  "
        f"speed-up vs autograd, peak step memory (vs autograd), matrix-multiply FLOPs and "
        f"their floor at this machine's measured matmul throughput, first step (compile)"
    )
