"""The sweep: every run a book needs, trained in parallel on a real (local) Ray cluster.

Ray starts once for the module with 2 CPUs; sweeps run in this process (which is
already connected) or as subprocesses joining the same cluster with ``--address``.
The runs are tiny: the ci profile cut to a few dozen steps, monitors off.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import numpy as np
import pytest
import torch

from pinnlib import book_runs, report
from pinnlib.book import executable_chapters
from pinnlib.experiments import EXPERIMENTS, NO_TRAINING_ENV, PROFILES, experiment, record_path, run
from pinnlib.records import checkpoint_path, read_record
from pinnlib.run_costs import order_by_cost, size_key
from pinnlib.sweep import sweep
from pinnlib.sweep_command import add_parser, cli

ray = pytest.importorskip("ray")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cluster() -> str:
    """A local Ray cluster for the module; yields its address for subprocess drivers."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def tiny(problem: str, method: str = "vanilla", steps: int = 20, **overrides):
    return experiment(problem, "ci", method=method, steps=steps, monitors=(), **overrides)


def four_tiny(steps: int = 20):
    return [tiny(p, m, steps) for p in ("allen_cahn", "helmholtz") for m in ("vanilla", "rba")]


def write_specs(path: Path, specs) -> Path:
    path.write_text(json.dumps([s.to_dict() for s in specs]))
    return path


def quiet(*_) -> None:
    pass


SWEEP = [sys.executable, "-m", "pinnlib.sweep_command"]


def sweep_args(specs_file: Path, cache: Path, *extra: str) -> list[str]:
    return ["--specs", str(specs_file), "--cache", str(cache), "--threads", "1", *extra]


def trained_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("trained ")]


def assert_same_record(a, b) -> None:
    assert sorted(a.history) == sorted(b.history)
    for key in a.history:
        np.testing.assert_array_equal(a.history[key], b.history[key], err_msg=key)
    sa, sb = a.state_dict(), b.state_dict()
    assert sorted(sa) == sorted(sb)
    assert all(torch.equal(sa[k], sb[k]) for k in sa)


def test_every_chapter_states_its_runs():
    assert sorted(book_runs.CHAPTER_RUNS) == sorted(executable_chapters())
    assert len(book_runs.book_specs("ci")) == 2 * len(report.BENCHMARKS) + 2 * len(
        report.LONG_BENCHMARKS
    )


def test_sweep_gives_the_records_of_serial_training(cluster, tmp_path):
    specs = four_tiny()
    result = sweep(specs, tmp_path / "sweep", threads=1, log=quiet)
    assert result.count("trained") == 4 and not result.failed
    for spec in specs:  # conftest: this process trains with one torch thread too
        swept = read_record(record_path(spec, tmp_path / "sweep"))
        assert swept.provenance["threads"] == 1
        assert_same_record(swept, run(spec, cache=tmp_path / "serial", progress=False))
    again = sweep(specs, tmp_path / "sweep", threads=1, log=quiet)
    assert again.count("cached") == 4 and again.count("trained") == 0


def test_killed_sweep_resumes_and_trains_nothing_twice(cluster, tmp_path, capsys):
    specs = [tiny(p, "vanilla", 100) for p in ("allen_cahn", "helmholtz", "burgers")]
    cache, specs_file = tmp_path / "cache", write_specs(tmp_path / "specs.json", specs)
    args = sweep_args(specs_file, cache, "--max-parallel", "1", "--checkpoint-every", "10")
    driver = subprocess.Popen([*SWEEP, *args, "--address", cluster], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, cwd=REPO)  # fmt: skip
    paths = [record_path(s, cache) for s in specs]
    deadline = time.monotonic() + 90
    while not (any((p / "record.json").exists() for p in paths)
               and any(checkpoint_path(p).exists() for p in paths)):  # fmt: skip
        assert driver.poll() is None and time.monotonic() < deadline, driver.communicate()
        time.sleep(0.05)
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    records = [p / "record.json" for p in paths]
    done = {r: r.stat().st_mtime_ns for r in records if r.exists()}
    assert 0 < len(done) < 3

    assert cli(args) == 0  # the same command again (from this process, already on the cluster)
    out = capsys.readouterr().out
    assert f"{len(done)} in the cache" in out
    assert len(trained_lines(out)) + out.count("elsewhere ") == 3 - len(done)
    assert all(r.stat().st_mtime_ns == t for r, t in done.items())
    resumed = [line for line in trained_lines(out) if "resumed from step" in line]
    assert resumed, out  # the run killed mid-way went on from its checkpoint
    killed = next(s for s, r in zip(specs, records) if r not in done and s.key in resumed[0])
    assert_same_record(
        read_record(record_path(killed, cache)),
        run(killed, cache=tmp_path / "serial", progress=False),
    )


def test_two_concurrent_sweeps_train_each_run_once(cluster, tmp_path, capsys):
    specs = four_tiny(steps=60)
    cache, specs_file = tmp_path / "cache", write_specs(tmp_path / "specs.json", specs)
    args = sweep_args(specs_file, cache, "--max-parallel", "1")
    other = subprocess.Popen([*SWEEP, *args, "--address", cluster], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=REPO)  # fmt: skip
    deadline = time.monotonic() + 90
    while not list(cache.glob("*/*.lock")):  # the other sweep has started training
        assert other.poll() is None and time.monotonic() < deadline, other.communicate()
        time.sleep(0.05)
    assert cli(args) == 0
    here = capsys.readouterr().out
    there, err = other.communicate(timeout=120)
    assert other.returncode == 0, err
    trained = [line.split()[1] for out in (here, there) for line in trained_lines(out)]
    assert sorted(trained) == sorted(f"{s.problem}/{s.method}-{s.key}" for s in specs)
    assert re.search(r"4 runs in .*: 0 in the cache, \d trained", there)
    summary = re.search(r"4 runs in .*: (\d) in the cache, (\d) trained, (\d) trained by", here)
    assert summary and sum(map(int, summary.groups())) == 4
    for spec in specs:
        read_record(record_path(spec, cache))  # complete and verified


def test_a_failed_run_is_reported_and_the_others_finish(cluster, tmp_path, capsys):
    specs = [tiny("allen_cahn"), tiny("helmholtz", lr=1000.0), tiny("helmholtz", "rba")]
    cache = tmp_path / "cache"
    rc = cli(["--specs", str(write_specs(tmp_path / "specs.json", specs)), "--cache", str(cache)])
    out = capsys.readouterr().out
    assert rc == 1
    assert "2 trained, 0 trained by another sweep, 1 failed" in out
    failed = [line for line in out.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1 and "TrainingDiverged" in failed[0] and specs[1].key in failed[0]
    assert (record_path(specs[0], cache) / "record.json").exists()
    assert (record_path(specs[2], cache) / "record.json").exists()


def test_dry_run_lists_costs_and_trains_nothing(tmp_path, capsys):
    specs_file = write_specs(tmp_path / "specs.json", four_tiny())
    assert cli(["--specs", str(specs_file), "--cache", str(tmp_path / "c"), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.count("to train") == 4 and "ms/step (measured)" in out
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--chapter", "nope"], "unknown chapter"),
        (["--address", "127.0.0.1:1"], "cannot reach a Ray cluster at 127.0.0.1:1"),
        (["--address", "nowhere"], "bad --address"),
        (["--cpus-per-run", "0"], "--cpus-per-run must be a positive integer"),
        (["--cpus-per-run", "-2"], "--cpus-per-run must be a positive integer"),
        (["--max-parallel", "0"], "--max-parallel must be a positive integer"),
        (["--gpus-per-run", "-1"], "--gpus-per-run must be 0 or more"),
        (["--cpus-per-run", "64"], "no node of the cluster has 64 CPUs"),
        (["--gpus-per-run", "1"], "no node of the cluster has 1 CPUs and 1 GPUs"),
    ],
)
def test_bad_arguments_are_one_line_errors(cluster, tmp_path, capsys, args, message):
    specs_file = write_specs(tmp_path / "specs.json", [tiny("allen_cahn")])
    cache = tmp_path / "cache"
    assert cli(["--specs", str(specs_file), "--cache", str(cache), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and err.startswith("error: ") and "\n" not in err
    assert not list(cache.glob("*/*/record.json"))


def acquisition_code(chapter: str) -> str:
    """A chapter's code cell after its parameters (imports, setup), then every later cell
    that acquires runs, without IPython magics."""
    cells = jupytext.read(REPO / "book" / f"{chapter}.py").cells
    first = next(i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
    code = [c.source for c in cells[first + 1 :] if c.cell_type == "code"]
    markers = ("benchmark_runs(", "long_runs(", "chapter.fetch()")
    acquiring = [c for c in code[1:] if any(m in c for m in markers)]
    lines = "\n".join([code[0], *acquiring]).splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("%"))


def test_chapters_find_every_run_after_a_sweep(cluster, tmp_path, monkeypatch):
    """Each chapter's own acquisition code, with training off, finds the swept records,
    and asks for exactly the runs :data:`book_runs.CHAPTER_RUNS` states for it."""
    for problem in EXPERIMENTS:
        ci = {**EXPERIMENTS[problem]["ci"], "steps": 20}
        monkeypatch.setitem(EXPERIMENTS[problem], "ci", ci)
    for problem in PROFILES["ci"].long_runs:
        monkeypatch.setitem(PROFILES["ci"].long_runs, problem, dict(steps=30, decay_every=1000))
    monkeypatch.setitem(PROFILES["ci"].shared, "monitors", ())
    cache, seeds = tmp_path / "cache", [5, 6]
    assert not sweep(book_runs.book_specs("ci", seed_list=seeds), cache, log=quiet).failed

    monkeypatch.setenv("PINNLIB_CACHE", str(cache))
    monkeypatch.setenv(NO_TRAINING_ENV, "1")
    asked: list[str] = []

    def recording_run(spec, **kwargs):
        asked.append(spec.key)
        return run(spec, **kwargs)  # raises MissingRecord for a run the sweep missed

    monkeypatch.setattr(book_runs, "run", recording_run)  # what benchmark_runs and long_runs call
    for chapter in executable_chapters():
        asked.clear()
        namespace = {"profile": "ci", "seeds": seeds, "device": "cpu"}
        exec(compile(acquisition_code(chapter), f"book/{chapter}.py", "exec"), namespace)
        expected = {s.key for s in book_runs.chapter_specs(chapter, "ci", seeds)}
        assert sorted(set(asked)) == sorted(expected), chapter


def test_runs_are_ordered_longest_first():
    burgers, cavity = tiny("burgers", steps=600), tiny("cavity", steps=600)
    longer = tiny("burgers", steps=3000)
    speeds = {  # burgers recorded at this size, cavity at another one
        size_key(tiny("burgers"), "cpu"): 100.0,
        size_key(tiny("cavity", width=48), "cpu"): 40.0,
    }
    assert order_by_cost([burgers, cavity, longer], speeds, "cpu") == [longer, cavity, burgers]


def test_registers_as_a_subcommand():
    parser = argparse.ArgumentParser(prog="python -m pinnlib")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sweep", "--profile", "ci", "--seed", "7", "--chapter", "burgers"])
    assert (args.command, args.profile, args.seed) == ("sweep", "ci", [7])
    assert args.chapter == ["burgers"]
    assert args.cpus_per_run == 1 and args.gpus_per_run == 0 and args.threads is None


def test_speedup_script_times_serial_and_sweep_training():
    """scripts/sweep_speedup.py at a tiny size: both modes train, the ratio is printed."""
    out = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "sweep_speedup.py"), "--profile", "ci",
         "--problem", "burgers", "--runs", "2", "--steps", "20", "--workers", "2"],
        capture_output=True, text=True, timeout=600, check=True,
    ).stdout  # fmt: skip
    assert "2 burgers runs of 20 steps" in out and "speed-up" in out
