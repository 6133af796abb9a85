"""Cost of the diagnostics relative to training (``python -m pinnlib bench``).

For each size (the paper's network, 6 x 128 on N = 25,600 points, and the
``cpu`` profile's), measures on the current device:

* one Adam training step (a non-logged step: loss, backward, optimizer);
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
import time
from collections.abc import Callable
from statistics import median
from typing import Any

import torch

from pinnlib.diagnostics.gradients import batch_gradients_loop
from pinnlib.diagnostics.monitors import make_monitors
from pinnlib.spec import RunSpec

PAPER_STEPS = 300_000


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed(fn: Callable[[], Any], device: torch.device) -> float:
    _sync(device)
    t0 = time.perf_counter()
    fn()
    _sync(device)
    return time.perf_counter() - t0


def logged_steps(spec: RunSpec, steps: int) -> int:
    """Number of logged steps in a run of ``steps`` steps (the final step included)."""
    return sum(1 for s in range(steps) if spec.is_logged(s)) + 1


def default_problem() -> str:
    """Allen-Cahn when registered (the paper's benchmark), else Burgers."""
    from pinnlib.problems import PROBLEMS

    return "allen_cahn" if "allen_cahn" in PROBLEMS else "burgers"


def profile_spec(problem: str, profile: str) -> RunSpec:
    """The network and point count of ``profile`` on ``problem``.

    ``paper``: the RunSpec defaults (6 x 128) on N = 25,600 points. Other profiles
    come from :data:`pinnlib.experiments.EXPERIMENTS`; where ``problem`` has none
    yet, Burgers' width, depth and point count are used on ``problem``. RBA
    weighting, so that every monitor does all its work.
    """
    from pinnlib.experiments import EXPERIMENTS, experiment

    if profile == "paper":
        return RunSpec(problem=problem, problem_args={"n_collocation": 25_600}, method="rba")
    source = experiment(problem if problem in EXPERIMENTS else "burgers", profile)
    n = source.problem_args.get("n_collocation")
    return RunSpec(
        problem=problem,
        problem_args={} if n is None else {"n_collocation": n},
        width=source.width,
        depth=source.depth,
        steps=source.steps,
        method="rba",
    )


def bench_size(
    spec: RunSpec,
    device: str = "cpu",
    repeats: int = 3,
    steps: int = PAPER_STEPS,
    compare_loop: bool = False,
) -> dict[str, Any]:
    """Per-call costs of a training step and of each monitor for ``spec``'s network."""
    from pinnlib.train import Trainer

    trainer = Trainer(spec.replace(monitors=[]), device=device)
    monitors = make_monitors(("all",))
    dev = trainer.device

    def step() -> None:
        trainer.step = 1  # a step that is not logged: no error evaluation, no monitors
        trainer.train_step()

    step()  # warm-up
    for monitor in monitors.values():
        monitor(trainer)
    step_s: list[float] = []
    monitor_s: dict[str, list[float]] = {name: [] for name in monitors}
    for _ in range(repeats):
        step_s.append(_timed(step, dev))  # also moves the parameters: fresh batch gradients
        for name, monitor in monitors.items():
            monitor_s[name].append(_timed(lambda m=monitor: m(trainer), dev))
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
        result["snr_loop_s"] = _timed(
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
    problem: str | None = None,
    device: str = "cpu",
    repeats: int = 3,
    profiles: tuple[str, ...] = ("paper", "cpu"),
    compare_loop: bool = True,
    verbose: bool = True,
) -> dict[str, Any]:
    """Benchmark the monitors at the paper's network (N = 25,600) and the ``cpu`` profile.

    ``problem`` defaults to :func:`default_problem`; sizes from :func:`profile_spec`.

    Returns ``{profile: bench_size(...)}`` plus ``load`` (the 1-minute load average
    when measured, where the OS reports it); prints a table when ``verbose``.
    """
    problem = problem or default_problem()
    out: dict[str, Any] = {}
    for profile in profiles:
        spec = profile_spec(problem, profile)
        out[profile] = bench_size(spec, device, repeats, PAPER_STEPS, compare_loop)
    out["load"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    if verbose:
        print(format_bench(out))
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
