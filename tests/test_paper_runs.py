"""The GPU script of paper-scale runs, at ``--tiny`` size on the CPU."""

import importlib.util
import shutil
import tarfile
from pathlib import Path

import pytest

from pinnlib import book_runs
from pinnlib.experiments import record_path
from pinnlib.records import checkpoint_path, read_record

SCRIPT = Path(__file__).parents[1] / "scripts" / "paper_runs.py"
spec = importlib.util.spec_from_file_location("paper_runs", SCRIPT)
paper_runs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(paper_runs)


def test_the_plan_is_the_paper_profile_past_the_authors_jumps():
    specs = paper_runs.plan_specs()
    assert len(specs) == 13 and all(s.width == 128 and s.depth == 6 and s.compile for s in specs)
    assert all(s.problem_args["n_collocation"] == 25_600 for s in specs)
    minmax = [s for s in specs if s.rba_normalisation == "minmax"]
    assert sorted(s.rba_init for s in minmax) == ["residual"] + ["zero"] * 6  # rows 1, 2, 14
    steps = {(s.problem, s.method): s.steps for s in specs}
    assert steps[("helmholtz", "rba")] > 1_000 and steps[("helmholtz", "vanilla")] > 19_000
    assert steps[("allen_cahn", "rba")] > 11_100


def test_a_stopped_sweep_resumes_and_packs_readable_records(tmp_path):
    argv = ["--out", str(tmp_path), "--tiny", "--device", "cpu", "--threads", "1", "--runs", "2"]
    assert paper_runs.main([*argv, "--parallel", "2", "--budget", "0.1"]) == 1  # stopped
    assert paper_runs.main([*argv, "--parallel", "2", "--budget", "300"]) == 0
    with tarfile.open(tmp_path / "records.tar.gz") as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    for spec in paper_runs.plan_specs(tiny=True)[:2]:
        folder = tmp_path / "unpacked" / spec.problem / f"{spec.method}-{spec.key}"
        record = read_record(folder, spec)
        assert record.history["step"][-1] == spec.steps


def test_the_cpu_probes_and_a_single_row_can_be_asked_for():
    probes = paper_runs.plan_specs(probes=True)
    assert probes and {s.steps for s in probes} == {300, 1_000, 6_000}
    assert not {s.key for s in probes} & {s.key for s in paper_runs.plan_specs()}
    assert paper_runs.plan_specs(row=2) == book_runs.paper_scale_row(2)


def test_continue_from_needs_one_row_and_a_checkpoint(tmp_path, capsys):
    out = ["--out", str(tmp_path), "--device", "cpu", "--continue-from", str(tmp_path / "no.pt")]
    for argv, message in (
        (out, "needs a --row of one run"),
        ([*out, "--row", "12"], "does not load"),
    ):
        with pytest.raises(SystemExit):
            paper_runs.main(argv)
        assert message in capsys.readouterr().err


def test_committed_runs_are_skipped_and_committed_checkpoints_resumed(tmp_path, capsys):
    first, second = paper_runs.plan_specs(tiny=True)[:2]
    argv = ["--tiny", "--device", "cpu", "--threads", "1", "--runs", "1"]
    empty = tmp_path / "empty"
    assert paper_runs.main([*argv, "--out", str(tmp_path / "a"), "--committed", str(empty)]) == 0
    committed = tmp_path / "committed"
    trained = record_path(first, tmp_path / "a" / "runs")
    shutil.copytree(trained, record_path(first, committed))
    checkpoint = checkpoint_path(record_path(second, committed))
    checkpoint.parent.mkdir(parents=True)
    checkpoint.write_bytes(b"a checkpoint")
    capsys.readouterr()

    out = tmp_path / "b"
    assert paper_runs.main([*argv, "--out", str(out), "--committed", str(committed)]) == 0
    assert "committed (skipped)" in capsys.readouterr().out
    assert not record_path(first, out / "runs").exists()  # nothing trained

    cache = tmp_path / "c"
    assert paper_runs.take_committed([first, second], cache, committed) == [first]
    assert checkpoint_path(record_path(second, cache)).read_bytes() == b"a checkpoint"
    assert not record_path(first, cache).exists()
    checkpoint.write_bytes(b"a newer checkpoint")  # a run already staged is left alone
    paper_runs.take_committed([second], cache, committed)
    assert checkpoint_path(record_path(second, cache)).read_bytes() == b"a checkpoint"
