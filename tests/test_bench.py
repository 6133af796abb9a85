"""Smoke test of the step benchmark (tiny network; the real numbers come from the CLI)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pinnlib.bench import (
    Timing,
    bench_spec,
    matmul_throughput,
    profile_step,
    run_bench,
    speedup_bound,
)
from pinnlib.cli import main
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
