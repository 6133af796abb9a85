"""Cost of the diagnostics relative to training (``python -m pinnlib bench --diagnostics``).

For each profile's size of a benchmark (by default the ``paper`` and the ``cpu``
profile's network and points, as :func:`pinnlib.experiments.experiment` gives them,
with RBA weighting so that every monitor does all its work), measures on the
current device:

* one training step without logging (:func:`pinnlib.bench.timer.unlogged_step`);
* one call of every monitor (``snr`` includes the batch gradients; ``order``
  then reuses them, as in training);
* optionally one batch-gradient evaluation by the plain loop of backward passes.

and reports ``snr_over_step`` (target < 20) and ``overhead``: the monitors'
time over a whole run of ``steps`` steps (300,000, the paper's) at the paper's
log schedule divided by its training time, extrapolated from the measured
per-call costs (``overhead_own_steps``: the same for the spec's own step count),

    overhead = n_logged * sum(monitor seconds) / (steps * step seconds),

with n_logged the number of logged steps in ``steps`` steps (3,028 for
300,000 steps: every 10 before step 300, every 100 after, and the last).
Target: < 0.1. Medians over ``repeats`` measurements after one warm-up.
"""

from __future__ import annotations

import os
from statistics import median
from typing import Any

import torch

from pinnlib.bench.timer import timed, unlogged_step
from pinnlib.diagnostics.gradients import batch_gradients_loop
from pinnlib.diagnostics.monitors import make_monitors
from pinnlib.experiments import EXPERIMENTS, experiment
from pinnlib.spec import RunSpec
from pinnlib.train import Trainer

PAPER_STEPS = 300_000


def logged_steps(spec: RunSpec, steps: int) -> int:
    """Number of logged steps in a run of ``steps`` steps (the final step included)."""
    return sum(1 for s in range(steps) if spec.is_logged(s)) + 1


def profile_spec(problem: str, profile: str, dtype: str = "float32") -> RunSpec:
    """The RBA run of ``problem`` at ``profile`` (:func:`pinnlib.experiments.experiment`).

    A benchmark with no experiments yet gets Burgers' network and point count at that
    profile.
    """
    if problem in EXPERIMENTS:
        return experiment(problem, profile, method="rba", dtype=dtype)
    source = experiment("burgers", profile)
    n = source.problem_args.get("n_collocation")
    return RunSpec(
        problem=problem,
        problem_args={} if n is None else {"n_collocation": n},
        width=source.width,
        depth=source.depth,
        steps=source.steps,
        method="rba",
        dtype=dtype,
    )


def bench_size(
    spec: RunSpec,
    device: str = "cpu",
    repeats: int = 3,
    steps: int = PAPER_STEPS,
    compare_loop: bool = False,
) -> dict[str, Any]:
    """Per-call costs of a training step and of each monitor for ``spec``'s network."""
    trainer = Trainer(spec.replace(monitors=[]), device=device)
    monitors = make_monitors(("all",))
    dev = trainer.device

    unlogged_step(trainer)  # warm-up
    for monitor in monitors.values():
        monitor(trainer)
    step_s: list[float] = []
    monitor_s: dict[str, list[float]] = {name: [] for name in monitors}
    for _ in range(repeats):
        # the step also moves the parameters, so the monitors compute fresh batch gradients
        step_s.append(timed(lambda: unlogged_step(trainer), dev))
        for name, monitor in monitors.items():
            monitor_s[name].append(timed(lambda m=monitor: m(trainer), dev))
    result: dict[str, Any] = {
        "problem": spec.problem,
        "width": spec.width,
        "depth": spec.depth,
        "n_collocation": len(trainer.points),
        "device": str(dev),
        "threads": torch.get_num_threads(),
        "step_s": median(step_s),
        "monitor_s": {name: median(t) for name, t in monitor_s.items()},
    }
    if compare_loop:
        result["snr_loop_s"] = timed(
            lambda: batch_gradients_loop(
                trainer.model,
                trainer.problem,
                trainer.points,
                trainer.weighting.weights,
                lambda: sum(trainer.condition_losses().values()),
            ),
            dev,
        )
    total = sum(result["monitor_s"].values())
    result.update(
        snr_over_step=result["monitor_s"]["snr"] / result["step_s"],
        all_monitors_over_step=total / result["step_s"],
    )
    for key, n_steps in (("overhead", steps), ("overhead_own_steps", spec.steps)):
        n_logged = logged_steps(spec, n_steps)
        result[key] = {
            "steps": n_steps,
            "n_logged": n_logged,
            "ratio": n_logged * total / (n_steps * result["step_s"]),
        }
    return result


def bench_diagnostics(
    problem: str = "allen_cahn",
    device: str = "cpu",
    repeats: int = 3,
    profiles: tuple[str, ...] = ("paper", "cpu"),
    compare_loop: bool = True,
    dtype: str = "float32",
    log=print,
) -> dict[str, Any]:
    """Benchmark the monitors of ``problem`` at each of ``profiles``' sizes (:func:`profile_spec`).

    Returns ``{profile: bench_size(...)}`` plus ``load`` (the 1-minute load average
    when measured, where the OS reports it); ``log`` gets the table (None: silent).
    """
    out: dict[str, Any] = {}
    for profile in profiles:
        spec = profile_spec(problem, profile, dtype)
        out[profile] = bench_size(spec, device, repeats, PAPER_STEPS, compare_loop)
    out["load"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    if log is not None:
        log(format_bench(out))
    return out


def format_bench(result: dict[str, Any]) -> str:
    """A plain-text table of :func:`bench_diagnostics` results."""
    lines = []
    for profile, r in result.items():
        if not isinstance(r, dict):
            continue
        lines.append(
            f"{profile}: {r['problem']} {r['depth']}x{r['width']}, N = {r['n_collocation']}, "
            f"{r['device']}, {r['threads']} threads"
        )
        lines.append(f"  training step          {1e3 * r['step_s']:10.1f} ms")
        for name, t in r["monitor_s"].items():
            lines.append(f"  monitor {name:<15}{1e3 * t:10.1f} ms  ({t / r['step_s']:.2f} steps)")
        if "snr_loop_s" in r:
            lines.append(
                f"  batch grads, loop      {1e3 * r['snr_loop_s']:10.1f} ms  "
                f"({r['snr_loop_s'] / r['step_s']:.2f} steps)"
            )
        lines.append(f"  SNR / step             {r['snr_over_step']:10.2f}   (target < 20)")
        keys = ["overhead"]
        if r["overhead_own_steps"]["steps"] != r["overhead"]["steps"]:
            keys.append("overhead_own_steps")
        for key in keys:
            o = r[key]
            lines.append(
                f"  monitor overhead       {100 * o['ratio']:10.2f} %  over {o['steps']:,} steps, "
                f"{o['n_logged']:,} logged"
            )
        lines.append("  (overhead: extrapolated from per-call costs; target < 10 %)")
    if result.get("load") is not None:
        lines.append(f"load average (1 min) at the end: {result['load']:.2f}")
    return "\n".join(lines)
