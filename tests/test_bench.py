"""Smoke test of the step benchmark (tiny network; the real numbers come from the CLI)."""

import pytest

from pinnlib.bench import bench_spec, run_bench
from pinnlib.cli import main


def test_run_bench_reports_every_variant():
    lines = []
    rows = run_bench(
        points=(64,), steps=2, warmup=1, variants=("autograd", "taylor"), width=8, depth=2,
        log=lines.append,
    )  # fmt: skip
    assert [r.variant for r in rows] == ["autograd", "taylor"]
    assert all(r.ms > 0 and r.peak_mib > 0 and r.points == 64 for r in rows)
    assert "speed-up  1.00x" in lines[0] and len(lines) == 2
    assert bench_spec(4096).problem_args == {"n_collocation": 4096}
    with pytest.raises(ValueError, match="unknown variant"):
        run_bench(variants=("jax",))


def test_bench_command_quick(capsys):
    assert main(["bench", "--quick", "--no-compile"]) == 0
    out = capsys.readouterr().out
    assert "autograd" in out and "taylor" in out and "taylor+compile" not in out
