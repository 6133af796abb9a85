"""Smoke tests of the bench package (tiny networks; the real numbers come from the CLI)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import pinnlib.bench.diagnostics
from pinnlib.bench.diagnostics import bench_size, format_bench, logged_steps
from pinnlib.bench.steps import (
    Timing,
    bench_spec,
    matmul_throughput,
    profile_step,
    run_bench,
    speedup_bound,
)
from pinnlib.bench.timer import time_calls, time_steps, unlogged_step
from pinnlib.cli import main
from pinnlib.diagnostics import MONITOR_NAMES
from pinnlib.experiments import experiment
from pinnlib.train import Trainer


def test_run_bench_reports_every_variant():
    lines = []
    rows = run_bench(
        points=(64,), steps=2, warmup=1, variants=("autograd", "taylor"), width=8, depth=2,
        log=lines.append,
    )  # fmt: skip
    assert [r.variant for r in rows] == ["autograd", "taylor"]
    assert all(r.ms > 0 and r.peak_mib > 0 and r.points == 64 for r in rows)
    assert "speed-up  1.00x" in lines[0] and len(lines) == 3 and "bound:" in lines[2]
    assert all(r.gflop > 0 and r.floor_ms > 0 for r in rows)
    assert bench_spec(4096).problem_args == {"n_collocation": 4096}
    with pytest.raises(ValueError, match="unknown variant"):
        run_bench(variants=("jax",))


def test_time_calls_keeps_the_warm_up_apart():
    calls = iter([0.2, 0.1] + [0.0] * 10)
    timings = time_calls(lambda: time.sleep(next(calls)), "cpu", repeats=3, warmup=2)
    assert len(timings.warmup_s) == 2 and len(timings.times_s) == 3
    assert timings.first_s >= 0.2 and timings.median_s < 0.05
    assert 0.25 <= timings.warmup_extra_s <= sum(timings.warmup_s)


def test_an_unlogged_step_is_a_training_step_without_logging():
    spec = experiment("burgers", "ci", width=4, depth=1, steps=20, monitors=("all",),
                      problem_args=dict(n_collocation=64))  # fmt: skip
    trainer = Trainer(spec)
    before = [p.detach().clone() for p in trainer.model.parameters()]
    timings = time_steps(trainer, steps=3, warmup=1)
    assert len(timings.times_s) == 3 and not trainer.history  # nothing logged
    assert any((p != q).any() for p, q in zip(trainer.model.parameters(), before))
    assert trainer.step == 2  # always taken as step 1, the first unlogged Adam step
    with pytest.raises(ValueError, match="logs every step"):
        unlogged_step(Trainer(spec.replace(log_dense_every=1, log_every=1)))


def test_bench_command_quick(capsys):
    assert main(["bench", "--quick", "--no-compile"]) == 0
    out = capsys.readouterr().out
    assert "autograd" in out and "taylor" in out and "taylor+compile" not in out


def test_bench_command_times_any_benchmark_and_rejects_unknown_ones(capsys):
    assert main(["bench", "--problem", "cavity", "--quick", "--no-compile"]) == 0
    assert "cavity training step" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["bench", "--problem", "navier-stokes", "--quick"])
    assert "unknown benchmark 'navier-stokes'" in capsys.readouterr().err


def test_diagnostics_bench_times_the_problem_and_options_it_is_given(monkeypatch, capsys):
    timed_specs = []

    def recorded(spec, device="cpu", *args, **kwargs):
        timed_specs.append((spec, device))
        tiny = spec.replace(width=4, depth=1, steps=20, problem_args={"n_collocation": 64})
        return bench_size(tiny, device, repeats=1)

    monkeypatch.setattr(pinnlib.bench.diagnostics, "bench_size", recorded)
    argv = ["bench", "--problem", "cavity", "--quick", "--variant", "taylor", "--diagnostics"]
    assert main([*argv, "--dtype", "float64"]) == 0
    (spec, device), = timed_specs  # fmt: skip
    assert (spec.problem, spec.dtype, device) == ("cavity", "float64", "cpu")
    assert spec.width == experiment("cavity", "ci").width  # --quick: the ci profile's size
    assert "ci: cavity 1x4" in capsys.readouterr().out


def test_bench_reports_ratios_and_the_paper_log_count():
    spec = experiment("burgers", "ci", method="rba", width=8, depth=2, steps=40,
                      problem_args=dict(n_collocation=200))  # fmt: skip
    assert logged_steps(spec.replace(steps=300_000), 300_000) == 30 + 2997 + 1
    result = bench_size(spec, repeats=1, compare_loop=True)
    assert set(result["monitor_s"]) == set(MONITOR_NAMES)
    assert result["snr_over_step"] > 0 and result["overhead"]["n_logged"] == 3028
    assert 0 < result["overhead"]["ratio"] and result["snr_loop_s"] > 0
    assert "SNR / step" in format_bench({"tiny": result})


def test_speedup_bound_is_autograd_time_over_the_taylor_floor():
    rows = [
        Timing("autograd", 64, ms=90.0, ms_min=0, ms_max=0, peak_mib=1, first_step_s=0,
               gflop=8.0, floor_ms=40.0),
        Timing("taylor", 64, ms=60.0, ms_min=0, ms_max=0, peak_mib=1, first_step_s=0,
               gflop=8.0, floor_ms=30.0),
    ]  # fmt: skip
    assert speedup_bound(64, rows) == pytest.approx(3.0)
    assert speedup_bound(128, rows) is None and speedup_bound(64, rows[:1]) is None


def test_matmul_flops_are_counted_and_throughput_is_positive():
    assert matmul_throughput(64, 16, repeats=2) > 0
    flops = {}
    for problem in ("allen_cahn", "cavity"):
        for variant in ("autograd", "taylor"):
            spec = bench_spec(256, width=16, depth=3, problem=problem, derivatives=variant)
            flops[problem, variant] = profile_step(Trainer(spec))[1]
    # Allen-Cahn (u_t, u_x, u_xx): both paths do the same matrix products, to a few percent
    assert flops["allen_cahn", "taylor"] == pytest.approx(flops["allen_cahn", "autograd"], rel=0.05)
    # the stream-function cavity (third derivatives): Taylor mode needs far fewer
    assert flops["cavity", "taylor"] < 0.7 * flops["cavity", "autograd"]


def test_device_script_runs_the_bench_and_records_the_card(tmp_path):
    script = Path(__file__).parents[1] / "scripts" / "device_bench.sh"
    env = dict(os.environ, OUT=str(tmp_path), DEVICE="cpu", PYTHON=sys.executable)
    subprocess.run(["bash", str(script), "--quick", "--no-compile"], env=env, check=True)
    assert "torch" in (tmp_path / "card.txt").read_text()
    assert "bound:" in (tmp_path / "bench_cpu.txt").read_text()
