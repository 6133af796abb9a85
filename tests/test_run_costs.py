"""Cost estimates: a measured step is a warm one; compilation and warm-up are a one-off cost."""

import time

import pytest

import pinnlib.train
from pinnlib.experiments import experiment
from pinnlib.run_costs import measure_cost, measured_speed

TINY = dict(width=4, depth=1, steps=1000, monitors=(), problem_args=dict(n_collocation=64))


def test_the_estimate_does_not_count_the_compiling_first_steps(monkeypatch):
    """The first two steps stand for torch.compile's two compilations (slow on purpose)."""
    train_step = pinnlib.train.Trainer.train_step
    delays = iter([0.8, 0.4])

    def slow_at_first(trainer):
        time.sleep(next(delays, 0.0))
        train_step(trainer)

    monkeypatch.setattr(pinnlib.train.Trainer, "train_step", slow_at_first)
    spec = experiment("burgers", "ci", **TINY)
    cost = measure_cost(spec, "cpu", threads=1, steps=3, warmup=2)
    assert cost.step_s < 0.05  # a warm tiny step: milliseconds, not 0.8 s or 0.4 s
    # The one-off cost, stated apart: at least the 1.2 s of sleeps, plus whatever the real
    # first steps cost on this machine (0.47 s more on one CI machine), so no upper bound.
    assert cost.warmup_s >= 1.2 - 0.02
    assert cost.steps == 1000 and cost.logged == 30 + 7
    assert cost.seconds == pytest.approx(1000 * cost.step_s + 37 * cost.log_s + cost.warmup_s)
    assert cost.steps_per_second == pytest.approx(1000 / (cost.seconds - cost.warmup_s))


def test_measured_speed_is_warm_steps_per_second():
    spec = experiment("burgers", "ci", **TINY)
    assert measured_speed(spec, "cpu", threads=1) > 5  # steps per second
