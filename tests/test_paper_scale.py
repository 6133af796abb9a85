"""Paper-scale runs against the authors' logs: which runs the book shows, how "tracks the
log" is measured, and the committed probe read without training."""

import numpy as np
import pytest

from pinnlib import book_runs, plotting, report
from pinnlib.authors_logs import AuthorsLog, load_authors_log
from pinnlib.experiments import DEFAULT_CACHE, experiment, record_path
from pinnlib.records import RunRecord, checkpoint_path, read_checkpoint_run
from pinnlib.spec import RunSpec
from pinnlib.train import Trainer


def log_with(error: np.ndarray) -> AuthorsLog:
    steps = np.arange(len(error)) * 100
    return AuthorsLog("helmholtz", "rba", steps, error, error**2, steps, np.ones(len(error)),
                      np.ones((len(error), 2)))  # fmt: skip


def record_with(steps: np.ndarray, error: np.ndarray) -> RunRecord:
    spec = RunSpec(problem="helmholtz", method="rba", seed=1, steps=int(steps[-1]))
    history = {"step": steps, "error": error, "snr": np.full(len(steps), 0.1)}
    return RunRecord(None, spec, history, {}, {"train_seconds": 1.0})


def test_a_run_tracks_the_log_until_its_error_leaves_the_factor():
    log = log_with(np.array([1.0, 1.0, 2.0, 4.0, 1.0, 0.5]))
    steps = np.array([0, 50, 100, 200, 300, 400, 500])  # 50 is not in the log
    mine = np.array([1.2, 9.0, 1.1, 1.9, 1.0, 1.0, 0.5])
    assert report.tracks_until(log, record_with(steps, mine)) == 200  # 300: 4.0 against 1.0
    assert report.tracks_until(log, record_with(steps, mine), factor=5.0) == 500
    far = record_with(steps, mine * 10)
    assert report.tracks_until(log, far) is None
    text = report.log_tracking_text(log, {"far": far})
    assert "not even at step 0" in text and "5.00e+00 against the log's 5.00e-01" in text
    none_shared = record_with(np.array([50, 150]), np.array([1.0, 1.0]))
    assert "logged no step" in report.log_tracking_text(log, {"apart": none_shared})


def test_the_comparison_table_shows_the_steps_a_run_reached():
    log = log_with(np.linspace(1.0, 0.1, 31))
    record = record_with(np.arange(0, 1001, 100), np.linspace(1.0, 0.5, 11))
    table = report.log_comparison_table(log, {"mine": record})
    assert "step 1,000" in table and "step 2,000" not in table
    assert "authors' log" in table and "| mine" in table


def test_the_gpu_plan_is_its_rows_of_the_paper_scale_runs():
    gpu = book_runs.paper_scale_specs(rows=book_runs.GPU_PLAN_ROWS)
    every = book_runs.paper_scale_specs()
    assert {s.key for s in gpu} < {s.key for s in every} and gpu[0] == every[0]
    last = book_runs.paper_scale_row(len(book_runs.PAPER_SCALE_RUNS) - 1)
    assert gpu[-len(last) :] == last  # the 6,000-step seeds of the variant that jumped
    assert book_runs.paper_scale_specs(rows=[]) == []
    assert all(s.width == 128 and s.depth == 6 for s in every)
    assert all(s.compile for s in every if s.derivatives == "taylor")  # autograd: rounding test
    assert len({book_runs.paper_scale_label(s) for s in every}) == len(every)


def test_the_committed_probe_is_read_from_data_runs():
    found, missing = book_runs.paper_scale_records("helmholtz")
    probe = "rba (min-max update, lambda from 0), seed 2341, 1,000 steps"
    assert probe in found and probe not in missing
    assert found[probe].spec.rba_init == "zero" and found[probe].history["step"][-1] == 1000
    assert len(found) + len(missing) == len(book_runs.paper_scale_specs("helmholtz"))
    log = load_authors_log("helmholtz", "rba")
    until = report.tracks_until(log, found[probe])
    assert until is not None and until < 1000  # its plateau matches the log's start only
    fig = plotting.plot_against_authors(log, {probe: found[probe]})
    assert [ax.get_xlabel() for ax in fig.axes] == ["Adam step", "Adam step"]


def test_the_comparison_figure_shows_every_run_and_the_log_alone():
    log = load_authors_log("helmholtz", "rba")
    steps = np.arange(0, 1001, 100)
    runs = {f"run {i}": record_with(steps, np.full(len(steps), 1.0 + i)) for i in range(9)}
    fig = plotting.plot_against_authors(log, runs)
    assert len(fig.axes[0].get_legend().get_texts()) == 10  # the log and all nine runs
    alone = plotting.plot_against_authors(log, {})
    assert len(alone.axes[0].get_lines()) == 1
    assert report.log_comparison_table(log, {}).count("\n") == 2  # header, rule, the log


def test_an_in_progress_run_is_read_from_its_checkpoint_and_a_foreign_one_is_not(tmp_path):
    spec = experiment("burgers", "ci", steps=20, monitors=())
    trainer = Trainer(spec)
    trainer.run(progress=False, stop_at=10)
    path = tmp_path / "record"
    checkpoint_path(path).parent.mkdir(parents=True)
    trainer.save_checkpoint(checkpoint_path(path))
    partial = read_checkpoint_run(path, spec)
    assert partial.info["checkpoint_step"] == 10 and partial.history["step"][-1] <= 10
    assert partial.final == {} and partial.spec == spec
    assert read_checkpoint_run(path, spec.replace(seed=spec.seed + 1)) is None
    assert read_checkpoint_run(tmp_path / "nothing", spec) is None
    checkpoint_path(path).write_bytes(b"not a checkpoint")
    assert read_checkpoint_run(path, spec) is None


def test_the_committed_checkpoints_show_as_runs_in_progress():
    """Every committed paper-scale checkpoint without a finished record shows, as a run in
    progress (the rows being trained change from commit to commit)."""
    committed = {
        p.parent.name + "/" + p.name.removesuffix(".partial")
        for p in DEFAULT_CACHE.glob("*/*.partial")
        if (p / "checkpoint.pt").exists() and not (p.with_suffix("") / "record.json").exists()
    }
    in_progress = {}
    for problem in ("helmholtz", "allen_cahn"):
        found, _ = book_runs.paper_scale_records(problem)
        in_progress.update({k: r for k, r in found.items() if "in progress" in k})
    assert {f"{r.spec.problem}/{record_path(r.spec, DEFAULT_CACHE).name}"
            for r in in_progress.values()} == committed  # fmt: skip
    for label, record in in_progress.items():
        step = record.info["checkpoint_step"]
        assert f"step {step:,})" in label and 0 < step < record.spec.steps
        assert record.history["step"][-1] <= step


def test_a_row_of_the_paper_scale_runs_is_its_seeds():
    for row, (problem, method, seeds, steps, other) in enumerate(book_runs.PAPER_SCALE_RUNS):
        specs = book_runs.paper_scale_row(row)
        assert [s.seed for s in specs] == list(seeds)
        assert all(s.problem == problem and s.method == method and s.steps == steps for s in specs)
        assert all(getattr(s, k) == v for s in specs for k, v in other.items())
    with pytest.raises(ValueError, match="no row 99"):
        book_runs.paper_scale_row(99)


def test_the_snr_table_shows_the_log_and_each_run_in_the_papers_units():
    log = log_with(np.linspace(1.0, 0.1, 31))
    steps = np.array([0, 10, 100, 200])
    record = record_with(steps, np.ones(4))
    record.history["snr_points_per_batch"] = np.full(4, 64.0)  # rescaled by sqrt(256/64)
    table = report.log_snr_table(log, {"mine": record})
    assert "step 10 " in table and "step 200" in table and "step 300" not in table
    row = next(line for line in table.splitlines() if line.startswith("| mine"))
    assert "2.00e-01" in row  # 0.1 * sqrt(256 / 64)


def test_the_variant_table_counts_each_seed_once_and_the_log_inside_the_seeds_range():
    log = log_with(np.array([1.0, 1.0, 2.0, 4.0]))
    steps = np.array([0, 100, 200, 300])

    def run(seed, error, **spec):
        record = record_with(steps[: len(error)], np.array(error))
        record.spec = record.spec.replace(seed=seed, steps=int(steps[len(error) - 1]), **spec)
        return record

    zero = dict(rba_init="zero", rba_normalisation="minmax")
    records = {
        "a": run(1, [1.0, 0.9, 1.5, 1.0], **zero),
        "a, shorter": run(1, [1.0, 0.9], **zero),  # the same seed's prefix: counted once
        "b": run(2, [1.1, 1.1, 2.5, 2.0], **zero),
        "c": run(1, [1.0, 1.0, 2.0, 4.0], rba_init="residual"),
    }
    table = report.variant_table(log, records)
    row = next(line for line in table.splitlines() if "lambda from 0" in line)
    assert "| 1, 2 " in row and "3 of 4" in row and "| 300 " in row  # 4.0 above both
    single = next(line for line in table.splitlines() if line.startswith("| rba  "))
    assert single.count("| -") == 2  # one seed: no spread


def test_the_loss_table_shows_the_logged_loss_at_the_table_steps():
    log = log_with(np.linspace(1.0, 0.1, 31))  # its loss is the error squared
    record = record_with(np.array([0, 100, 200]), np.ones(3))
    record.history["loss"] = np.array([5.0, 4.0, 3.0])
    table = report.log_loss_table(log, {"mine": record})
    assert "step 0 " in table and "step 200" in table and "step 300" not in table
    assert "| 4.00e+00" in next(line for line in table.splitlines() if line.startswith("| mine"))


def test_two_runs_part_at_the_first_step_their_errors_differ_by_the_tolerance():
    steps = np.array([0, 10, 20, 30, 50])
    first = record_with(steps, np.array([1.0, 2.0, 1.5, 1.0, 3.0]))
    second = record_with(steps, np.array([1.0, 2.001, 1.52, 1.0, 2.0]))  # 1.3% apart at 20
    assert report.parting_step(first, second) == 20
    assert report.parting_step(first, second, tolerance=0.02) == 50
    assert report.parting_step(first, first) is None
    nan = record_with(steps, np.array([1.0, np.nan, 1.5, 1.0, 3.0]))
    assert report.parting_step(first, nan) == 10  # a non-finite error has parted
    for record in (first, second):
        record.history["loss"] = record.history["error"] * 10
    table = report.parting_table({"one": first, "two": second})
    assert "step 50" in table and "step 70" not in table  # only the steps both reached
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in table.splitlines()]
    assert ["two", "error", "1", "2.001", "1.52", "1", "2"] in rows
    assert ["one", "loss", "10", "20", "15", "10", "30"] in rows


def test_a_value_is_read_at_a_logged_step_only():
    assert report.value_at([0, 10, 20], [5.0, 6.0, 7.0], 10) == 6.0
    assert report.value_at(np.array([0, 10]), np.array([5.0, 6.0]), 15) is None


def test_the_authors_network_for_seed_2341_starts_at_their_logged_error():
    log = load_authors_log("helmholtz", "vanilla")
    errors = {}
    for order in (None, "layer"):  # on the authors' 1001 x 1001 grid
        spec = experiment("helmholtz", "paper", method="vanilla", seed=2341, init_order=order)
        errors[order], _ = report.initial_error_and_loss(spec)
    assert errors["layer"] == pytest.approx(log.error[0], rel=1e-6)  # 1.06979409
    assert abs(errors[None] / log.error[0] - 1) > 0.1  # the book's order: another network


def test_init_order_is_checked_and_keyed_only_when_set():
    spec = experiment("helmholtz", "ci")
    assert spec.replace(init_order=None).key == spec.key
    assert spec.replace(init_order="layer").key != spec.key
    with pytest.raises(ValueError, match="unknown init_order 'random'"):
        spec.replace(init_order="random")
    with pytest.raises(ValueError, match="mlp architecture only"):
        spec.replace(architecture="modified_mlp", init_order="layer")


def test_the_first_step_below_a_level_skips_the_plateau():
    steps = np.array([0, 100, 200, 300, 400, 500])
    errors = np.array([1.2, 0.999, 1.5, 3.0, 0.8, 0.5])
    assert report.first_step_below(steps, errors) == 400  # the 0.999 at step 100 is before 300
    assert report.first_step_below(steps, errors, after=0) == 100
    assert report.first_step_below(steps, errors, level=0.1) is None


def test_the_error_falls_name_each_long_enough_run_and_the_runs_that_did_not_fall():
    steps = np.array([0, 300, 400, 500])
    fell = record_with(steps, np.array([1.0, 0.9, 0.3, 0.2]))
    stayed = record_with(steps, np.array([1.0, 0.9, 0.8, 0.7]))
    short = record_with(steps[:2], np.array([1.0, 0.1]))
    text = report.error_falls_text({"a": fell, "b": stayed, "c": short}, 0.5, min_steps=400)
    assert text == "a: step 400; b: not by step 500"
    assert report.error_falls_text({"c": short}, 0.5, min_steps=400) == ""


def test_the_rba_table_sets_each_run_beside_the_log_of_its_method():
    rba_log = log_with(np.linspace(1.0, 0.1, 31))
    vanilla_log = log_with(np.full(31, 2.0))
    steps = np.arange(0, 1501, 100)
    record = record_with(steps, np.linspace(1.0, 0.4, len(steps)))
    record.history["homogeneity_residual"] = np.full(len(steps), 0.25)
    vanilla = RunRecord(None, RunSpec(problem="helmholtz", method="vanilla", seed=1, steps=500),
                        {**record.history}, {}, {"train_seconds": 1.0})  # fmt: skip
    table = report.rba_at_scale_table(
        {"mine": record, "plain": vanilla}, {"rba": rba_log, "vanilla": vanilla_log}
    )
    mine = next(line for line in table.splitlines() if line.startswith("| mine"))
    at_1000 = f"{np.linspace(1.0, 0.4, len(steps))[10]:.2e} ({rba_log.error[10]:.2e})"
    assert at_1000 in mine and "| 1,500 " in mine and "4.00e-01 (5.50e-01)" in mine
    assert "0.250" in mine
    plain = next(line for line in table.splitlines() if line.startswith("| plain"))
    assert "(2.00e+00)" in plain and "(7.30e-01)" not in plain


def test_the_snr_median_table_takes_medians_over_the_windows_a_run_completed():
    log = log_with(np.ones(31))
    log.snr[:] = np.where(log.snr_steps < 1000, 0.01, 3.0)
    steps = np.arange(0, 2501, 100)
    record = record_with(steps, np.ones(len(steps)))
    record.history["snr"] = np.where(steps < 1000, 0.02, 4.0)
    record.history["snr"][12] = 1e-6  # one deep dip moves the median by one rank only
    table = report.log_snr_median_table(log, {"mine": record})
    assert "steps 0-1,000" in table and "steps 1,000-2,000" in table
    assert "steps 2,000-3,000" not in table  # the run stopped at 2,500
    mine = next(line for line in table.splitlines() if line.startswith("| mine"))
    assert "2.00e-02" in mine and "4.00e+00" in mine
    theirs = next(line for line in table.splitlines() if line.startswith("| authors"))
    assert "1.00e-02" in theirs and "3.00e+00" in theirs


def test_a_continued_run_is_checked_against_the_run_it_continues():
    steps = np.arange(0, 601, 100)
    errors = np.array([1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    source = record_with(steps[:5], errors[:5])  # steps 0 to 400
    same = record_with(steps, errors)
    same.spec = same.spec.replace(steps=600)
    same.info["continued_from"] = {"key": source.spec.key, "step": 200}
    assert report.continuation_text({"short": source}) == ""
    text = report.continuation_text({"short": source, "long": same})
    assert "the run long continues the run short from its checkpoint at step 200" in text
    assert "same errors, to the last digit" in text and "to step 400" in text
    same.history["error"] = same.history["error"].copy()
    same.history["error"][4] *= 1 + 1e-7
    assert "first differ at step 400" in report.continuation_text({"s": source, "l": same})
    assert "a run not shown here" in report.continuation_text({"l": same})


def test_the_jump_table_counts_each_seed_once_with_its_jump_or_how_far_it_was_judged():
    steps = np.arange(0, 8001, 100)
    rng = np.random.default_rng(0)

    def run(seed, jump_at, last=8000):
        keep = steps <= last
        record = record_with(steps[keep], np.linspace(1.0, 0.1, len(steps))[keep])
        snr = np.where(steps < jump_at, 0.01, 3.0) * 10 ** rng.normal(0, 0.1, len(steps))
        record.history["snr"] = snr[keep]
        record.spec = record.spec.replace(seed=seed, steps=last)
        return record

    records = {
        "jumps": run(1, 4000),
        "jumps, shorter": run(1, 4000, last=2000),  # the same seed's prefix: counted once
        "flat": run(2, 10**9),
    }
    assert [sorted(s) for s in report.longest_per_seed(records).values()] == [[1, 2]]
    variant = book_runs.paper_scale_variant(records["jumps"].spec)
    assert report.longest_per_seed(records)[variant][1] is records["jumps"]
    row = report.variant_jump_table(records).splitlines()[-1]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1:3] == ["2", "1"]
    assert cells[3] == "1: 4,000"  # the step the SNR rises at
    assert cells[4] == "2: 6,100"  # 81 logged points: judged up to point 81 - 20
    jumps = report.jump_phases_table(records).splitlines()[2:]
    assert len(jumps) == 1  # the seed that jumped, once
    cells = [c.strip() for c in jumps[0].strip("|").split("|")]
    assert cells[1:4] == ["1", "4,000", "5.50e-01"]  # error 1 - 0.9 * 40 / 80 at step 4,000
    assert float(cells[5]) > 1 > float(cells[4]) and cells[8] == "total diffusion"
    assert report.jump_phases_table({"flat": records["flat"]}) == ""


def test_the_runs_beside_the_logs_are_split_by_method_with_the_missing_named():
    rba = record_with(np.array([0, 100]), np.array([1.0, 0.9]))
    vanilla = RunRecord(None, RunSpec(problem="helmholtz", method="vanilla", seed=1, steps=100),
                        dict(rba.history), {}, {})  # fmt: skip
    logs = {"rba": log_with(np.array([1.0, 0.9])), "vanilla": log_with(np.array([1.0, 1.0]))}
    beside = report.BesideLogs(logs, {"a": rba, "b": vanilla}, ["c"])
    assert beside.by_method == {"rba": {"a": rba}, "vanilla": {"b": vanilla}}
    assert "the run a tracks" in beside.tracking_text()
    assert "the run b tracks" in beside.tracking_text() and beside.missing_text() == "c"
    empty = report.BesideLogs(logs, {}, [])
    assert "no paper-scale run" in empty.tracking_text() and empty.missing_text() == "none"
    committed = report.beside_logs("helmholtz")
    found, missing = book_runs.paper_scale_records("helmholtz")
    assert list(committed.records) == list(found) and committed.not_committed == missing
    assert committed.logs["vanilla"].method == "vanilla"


def seeded(record: RunRecord, seed: int, rba_init: str = "residual") -> RunRecord:
    """``record`` as seed ``seed`` of the variant "rba" (or "rba (lambda from 0)")."""
    steps = int(record.history["step"][-1])
    record.spec = record.spec.replace(seed=seed, steps=steps, rba_init=rba_init)
    return record


def test_a_fall_reproduces_the_logs_within_the_factor_each_seed_once():
    log = log_with(np.array([1.0, 1.0, 1.2, 1.1, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.8]))
    steps = np.arange(0, 2101, 100)  # the log falls below 1 at step 1,000
    near = seeded(record_with(steps, np.where(steps >= 1400, 0.5, 1.1)), 1)  # 1.4 x later
    late = seeded(record_with(steps, np.where(steps >= 1600, 0.5, 1.1)), 2)  # 1.6 x later
    early = seeded(record_with(steps, np.where(steps >= 600, 0.5, 1.1)), 3)  # 1 / 1.67
    never = seeded(record_with(steps, np.full(len(steps), 1.1)), 4)
    prefix = seeded(record_with(steps[:12], np.where(steps[:12] >= 1000, 0.5, 1.1)), 2)
    short = seeded(record_with(steps[:12], np.full(12, 0.5)), 5)
    zero = seeded(record_with(steps, np.where(steps >= 900, 0.5, 1.1)), 1, rba_init="zero")
    records = {"n": near, "l": late, "e": early, "x": never, "p": prefix, "s": short, "z": zero}
    matches = report.paper_scale.falls_like_log(log, records, min_steps=2000)
    assert matches == {"rba": {1: True, 2: False, 3: False, 4: False},
                       "rba (lambda from 0)": {1: True}}  # fmt: skip
    assert report.paper_scale.falls_like_log(log, records, min_steps=2000, factor=1.7)["rba"] == {
        1: True, 2: True, 3: True, 4: False}  # fmt: skip
    flat = log_with(np.full(12, 1.0))  # a log that never falls: nothing reproduces it
    flat_matches = report.paper_scale.falls_like_log(flat, records)
    assert not any(any(seeds.values()) for seeds in flat_matches.values())
    text = report.paper_scale.match_counts_text(matches, "runs")
    assert text == "2 of 5 runs (per variant: rba: 1 of 4; rba (lambda from 0): 1 of 1)"
    assert report.paper_scale.match_counts_text({}) == "0 of 0 seeds"


def test_the_seeds_near_the_log_at_a_step_are_counted_per_variant():
    log = log_with(np.array([1.0, 1.0, 2.0]))
    steps = np.array([0, 100, 200])
    close = seeded(record_with(steps, np.array([1.0, 1.4, 9.0])), 1)
    far = seeded(record_with(steps, np.array([1.0, 1.6, 2.0])), 2)
    unlogged = seeded(record_with(np.array([0, 50]), np.array([1.0, 1.0])), 3)
    near = report.paper_scale.near_log_at(log, {"c": close, "f": far, "u": unlogged}, 100)
    assert near == {"rba": {1: True, 2: False}}
    assert report.paper_scale.near_log_at(log, {"c": close}, 300) == {}


def test_the_rba_setting_names_the_start_and_the_update_of_the_spec():
    paper = experiment("helmholtz", "paper", method="rba")
    text = report.paper_scale.rba_setting_text(paper)
    assert text.startswith(r"start at the scaled residual $|r_i| / \max_j |r_j|$, which the paper")
    assert '`rba_init="residual"`, `rba_normalisation=None`' in text
    script = paper.replace(rba_init="zero", rba_normalisation="minmax")
    text = report.paper_scale.rba_setting_text(script)
    assert text.startswith("start at zero, and the min-max update adds") and r"\min_j" in text
