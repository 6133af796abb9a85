"""The chapter helpers in pinnlib.report: summaries and findings from synthetic records
whose phases, errors and compression are known. The chapters read every name through
``report``, so the tests do too; the thresholds are read from the module that owns them."""

import math
import subprocess
import sys

import numpy as np
import pytest

from pinnlib import report
from pinnlib.experiments import PROFILES, experiment, run
from pinnlib.problems import PROBLEMS, Problem
from pinnlib.records import RunRecord
from pinnlib.report import rq2, rq4, tables
from pinnlib.spec import RunSpec

N_LAYERS = 3


def fake_record(
    method="vanilla",
    seed=1,
    jump=20_000,
    final_error=1e-2,
    homogeneity_trend=1.0,
    problem="burgers",
    noise_seed=0,
):
    """A record with SNR phases (fitting to 150, total diffusion from ``jump``), an error
    that falls slowly in diffusion and fast after the jump, phi_r rising with the step
    (``homogeneity_trend`` > 0) and compression that drops at the jump, least in deep layers.
    """
    spec = RunSpec(problem=problem, method=method, seed=seed, steps=50_000, width=8, depth=3)
    steps = np.array([s for s in range(50_001) if spec.is_logged(s)])
    rng = np.random.default_rng(noise_seed)
    log_snr = np.where(steps < 150, 0.7, -1.5)
    if jump is not None:
        log_snr = np.where(steps >= jump, 0.6, log_snr)
    snr = 10 ** (log_snr + 0.2 * rng.standard_normal(len(steps)))
    end = jump if jump is not None else 50_000
    log_err = np.where(steps < end, -0.1 * steps / end, -0.1 - 2 * (steps - end) / 30_000)
    error = 10**log_err
    error *= final_error / error[-1]
    frac = steps / steps[-1]
    phi_r = np.clip(0.5 + 0.4 * homogeneity_trend * frac, 0, 1)
    jumped = steps >= jump if jump is not None else np.zeros(len(steps), dtype=bool)
    drop = jumped[:, None] * np.array([-3.0, -2.0, -1.0])[None, :N_LAYERS]
    entropy = 11.0 + drop + 0.01 * rng.standard_normal((len(steps), N_LAYERS))
    saturation = 0.1 - 0.05 * drop
    history = {
        "step": steps, "snr": snr, "error": error, "loss": error**2,
        "homogeneity_residual": phi_r, "order": phi_r,
        "compression_entropy": entropy, "compression_saturation": saturation,
        "compression_entropy_kde": entropy - 1.0, "compression_saturation_tanh": saturation,
    }  # fmt: skip
    info = {"provenance": {"threads": 1}, "train_seconds": 1.0, "steps_per_second": 1.0}
    return RunRecord(None, spec, history, {}, info)


def test_phase_summary_finds_the_phases_and_the_fastest_error_decrease():
    s = report.phase_summary(fake_record())
    assert s.phases.fitting_end == pytest.approx(150, abs=30)
    assert s.phases.total_diffusion == pytest.approx(20_000, abs=300)
    assert s.snr_median["diffusion"] == pytest.approx(10**-1.5, rel=0.2)
    assert s.snr_median["total diffusion"] == pytest.approx(10**0.6, rel=0.2)
    assert s.fastest == "total diffusion"
    assert s.error_rate["total diffusion"] < s.error_rate["diffusion"] < 0


def test_phase_counts_and_verdicts():
    summaries = {
        ("burgers", m, 1): report.phase_summary(fake_record(m)) for m in ("vanilla", "rba")
    }
    counts = report.phase_counts(summaries)
    assert (counts["runs"], counts["fitting"], counts["jump"], counts["fastest_in_total"]) == (
        2, 2, 2, 2,
    )  # fmt: skip
    assert "**support**" in counts["verdict"]
    flat = {("burgers", "vanilla", 1): report.phase_summary(fake_record(jump=None))}
    counts = report.phase_counts(flat)
    assert counts["jump"] == 0 and "**not supported**" in counts["verdict"]
    assert counts["total_range"].startswith("no run")
    table = report.phase_table(summaries)
    assert table.count("\n") == 3 and "Burgers" in table


def test_error_summary_is_geometric_and_counts_wins():
    runs = {
        ("vanilla", 1): fake_record("vanilla", 1, final_error=1e-1),
        ("rba", 1): fake_record("rba", 1, final_error=1e-3),
        ("vanilla", 2): fake_record("vanilla", 2, final_error=1e-3),
        ("rba", 2): fake_record("rba", 2, final_error=1e-2),
    }
    s = report.error_summary(runs)
    assert s["vanilla"]["mean"] == pytest.approx(1e-2)
    assert s["rba"]["mean"] == pytest.approx(math.sqrt(1e-5))
    assert (s["rba"]["min"], s["rba"]["max"]) == pytest.approx((1e-3, 1e-2))
    assert report.wins(runs) == (1, 2)
    assert report.compare_errors(1e-1, 1e-2).startswith("RBA ends with a 10.0 times lower")
    assert report.compare_errors(1e-2, 1e-1).startswith("vanilla training ends")
    assert "within a factor" in report.compare_errors(1e-2, 1.2e-2)


def test_rba_and_homogeneity_findings():
    # four seeds a method: the fewest for which a rank test can reach p < 0.05
    all_runs = {
        "burgers": {
            **{("vanilla", s): fake_record("vanilla", seed=s, jump=30_000 + 1000 * s,
                                           final_error=1e-1, homogeneity_trend=0.2)
               for s in range(4)},
            **{("rba", s): fake_record("rba", seed=s, jump=5_000 + 500 * s, final_error=1e-3,
                                       noise_seed=1) for s in range(4)},
        }
    }  # fmt: skip
    counts = report.rba_counts(all_runs)
    assert (counts["better"], counts["sooner"], counts["uniform"]) == (1, 4, 4)
    assert "**support**" in counts["verdict"]
    rows = report.homogeneity_rows(all_runs)
    assert all(r["rho_r"] < -0.9 for r in rows)  # error falls as phi_r rises
    h = report.homogeneity_counts(all_runs, rows)
    assert (h["negative"], h["positive"], h["agree"]) == (8, 0, 4)
    assert "**support**" in h["verdict"] and "**support**" in h["phi_verdict"]
    assert "Burgers" in report.rba_table(all_runs)


def homogeneity_row(benchmark: str, rho_r: float, rho_phi: float) -> dict:
    return {"benchmark": benchmark, "rho_r": rho_r, "rho_phi": rho_phi}


def test_homogeneity_verdicts_name_the_direction_of_every_benchmark():
    """Eight runs the claim's way and six the other way is no support, and says where."""
    rows = [homogeneity_row("Burgers", -0.8, 0.5)] * 8 + [
        homogeneity_row("Allen-Cahn", 0.6, 0.5)
    ] * 6 + [homogeneity_row("cavity", 0.0, 0.0)] * 10  # fmt: skip
    residual = report.homogeneity_verdict(rows, "phi_r")
    assert (residual["negative"], residual["positive"]) == (8, 6)
    assert "**do not support**" in residual["verdict"]
    assert (
        "falls as the residual homogeneity $\\phi_r$ rises on Burgers (8 of 8)"
        in (residual["verdict"])
    )
    assert "rises with it on Allen-Cahn (6 of 6)" in residual["verdict"]
    gradient = report.homogeneity_verdict(rows, "phi")
    assert "**contradict**" in gradient["verdict"]  # 14 of 24 the other way, none the claim's
    weak = [homogeneity_row("cavity", 0.0, 0.5)] * 2 + [homogeneity_row("cavity", 0.0, 0.0)] * 10
    assert "no clear trend" in report.homogeneity_verdict(weak, "phi")["verdict"]
    most = [homogeneity_row("Burgers", -0.8, -0.8)] * 7 + [homogeneity_row("cavity", 0.1, 0.4)]
    assert "**support**" in report.homogeneity_verdict(most, "phi_r")["verdict"]
    assert "**in part**" in report.homogeneity_verdict(most, "phi")["verdict"]
    assert "**support**" in report.homogeneity_verdict(most[:6], "phi")["verdict"]


def test_compression_change_across_the_jump():
    all_runs = {"burgers": {("vanilla", 1): fake_record(), ("rba", 1): fake_record("rba")}}
    changes = report.compression_changes(all_runs)
    assert len(changes) == 2
    for c in changes.values():
        np.testing.assert_allclose(c["entropy"], [-3.0, -2.0, -1.0], atol=0.05)
        np.testing.assert_allclose(c["saturation"], [0.15, 0.1, 0.05], atol=1e-9)
    counts = report.compression_counts(changes)
    assert (counts["compressed"], counts["kde_compressed"], counts["saturated"]) == (2, 2, 2)
    assert (counts["deeper_less"], counts["deeper_more"]) == (2, 0)
    assert "**support**" in counts["verdict"]


def test_compression_verdict_says_when_deeper_layers_lose_more_and_ignores_hundredths():
    layers = np.ones(3)
    tiny = {"entropy": -0.02 * layers, "entropy_kde": -0.02 * layers,
            "saturation": 0 * layers, "saturation_tanh": -0.01 * layers,
            "entropy_after": 11.97 * layers, "entropy_ceiling": 12.0}  # fmt: skip
    counts = report.compression_counts({"a": tiny, "b": tiny})
    assert (counts["compressed"], counts["kde_compressed"], counts["at_ceiling"]) == (0, 0, 2)
    assert "**do not support**" in counts["verdict"]
    saturating = {**tiny, "saturation_tanh": 0.1 * layers}  # one run of two: not most
    counts = report.compression_counts({"a": tiny, "b": saturating})
    assert "**do not support**" in counts["verdict"]
    assert "falls in 0 and the activations saturate in 1 of the 2 runs" in counts["verdict"]
    deeper_more = {**tiny, "entropy_kde": np.array([-0.2, -0.5, -0.9]),
                   "saturation_tanh": 0.1 * layers}  # fmt: skip
    counts = report.compression_counts({"a": deeper_more, "b": deeper_more})
    assert (counts["kde_compressed"], counts["deeper_less"], counts["deeper_more"]) == (2, 0, 2)
    assert "deeper layers lose more in 2 of the 2" in counts["verdict"]
    assert "**in part**" in counts["verdict"]
    expanding = {**tiny, "entropy_kde": 0.5 * layers}
    counts = report.compression_counts({"a": expanding, "b": tiny})
    assert (
        counts["kde_expanded"] == 1
        and "rises, the opposite of compression, in 1" in (counts["verdict"])
    )
    assert "| 0.03  " in report.compression_table({"a": tiny})  # bits below the ceiling
    assert "cannot be tested" in report.compression_counts({})["verdict"]


def test_benchmark_runs_grid_fields_and_costs(tmp_path, monkeypatch):
    monkeypatch.setenv("PINNLIB_CACHE", str(tmp_path))
    spec = experiment("helmholtz", "ci", steps=5, monitors=())
    record = run(spec, progress=False)
    (x, y), ref, pred = report.grid_fields(record)
    assert ref.shape == pred.shape == (len(x), len(y)) == (101, 101)
    assert np.isfinite(ref).all() and np.isfinite(pred).all()
    err = np.linalg.norm(pred - ref) / np.linalg.norm(ref)
    assert err == pytest.approx(record.final_error, rel=1e-6)
    import pinnlib.plotting as plots

    fig = plots.plot_run_fields({"vanilla": record}, ("x", "y"))
    assert [a.get_title() for a in fig.get_axes()[:2]] == ["u: reference", "u: vanilla"]
    costs = report.training_costs("ci")
    n_long = 2 * len(PROFILES["ci"].long_runs)
    assert len(costs) == 2 * len(report.BENCHMARKS) * len(report.seeds("ci")) + n_long
    assert costs[-1]["benchmark"].endswith("(longer, RQ1)") and costs[-1]["longer"]
    assert not costs[0]["longer"]
    assert all(c["seconds"] is None for c in costs)  # the 5-step run is not a ci-profile run
    with pytest.raises(ValueError, match="unknown profile"):
        report.seeds("gpu")


def test_summary_figures_label_every_panel():
    import pinnlib.plotting as plots

    runs = {"Burgers": {"vanilla": fake_record(), "rba": fake_record("rba", noise_seed=1)}}
    fig = plots.plot_snr_grid(runs)
    axes = fig.get_axes()
    assert [a.get_title().split("\n")[0] for a in axes] == ["Burgers: vanilla", "Burgers: RBA"]
    assert "not logged" in axes[0].get_title() and "as measured" in axes[0].get_ylabel()
    assert all(a.get_xlabel() == "Adam step" for a in axes)
    fig = plots.plot_homogeneity_error(runs)
    assert fig.get_axes()[0].get_ylabel() == r"relative $L^2$ error"
    fig = plots.plot_seed_errors({"Burgers": {"vanilla": [1e-2, 1e-1], "rba": [1e-3]}})
    ax = fig.get_axes()[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Burgers"]
    assert ax.get_yscale() == "log" and len(ax.patches) == 2  # one bar per method
    changes = report.compression_changes({"burgers": {("vanilla", 1): fake_record()}})
    fig = plots.plot_compression_change(changes)
    legend = fig.get_axes()[1].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["vanilla", "Burgers"]
    empty = plots.plot_compression_change({})
    assert "no run" in empty.get_axes()[0].texts[0].get_text()


def test_compression_change_over_training_covers_runs_without_a_jump():
    all_runs = {"burgers": {("vanilla", 1): fake_record(jump=None)}}
    assert report.compression_changes(all_runs) == {}
    trend = report.compression_changes(all_runs, across="training")
    (change,) = trend.values()
    np.testing.assert_allclose(change["entropy"], 0.0, atol=0.05)  # no drop without a jump
    with pytest.raises(ValueError, match="across must be"):
        report.compression_changes(all_runs, across="phase")


def test_rba_verdict_names_what_fails_and_what_is_untested():
    all_runs = {
        "burgers": {
            ("vanilla", 1): fake_record("vanilla", jump=None, final_error=1e-1,
                                        homogeneity_trend=0.2),
            ("rba", 1): fake_record("rba", jump=None, final_error=1e-3),
        },
        "cavity": {
            ("vanilla", 1): fake_record("vanilla", jump=None, final_error=1e-3,
                                        homogeneity_trend=0.2),
            ("rba", 1): fake_record("rba", jump=None, final_error=1e-2),
        },
    }  # fmt: skip
    counts = report.rba_counts(all_runs)
    assert (counts["better"], counts["uniform"], counts["sooner"]) == (1, 2, 0)
    verdict = counts["verdict"]
    assert "**in part**" in verdict and "but not a lower error" in verdict
    assert "cannot be tested here" in verdict and "lid-driven cavity" in verdict


def test_steepest_fall_finds_the_fast_decay_after_the_jump():
    record = fake_record(jump=20_000)
    fall = report.steepest_fall(record, span=5000)
    assert (fall.start, fall.end) == (20_000, 25_000)
    assert fall.error_start / fall.error_end == pytest.approx(10 ** (2 * 5000 / 30_000))
    assert fall.snr_before < 0.1 and fall.snr_after > 1
    assert fall.phi_r_after > fall.phi_r_before
    text = report.describe_fall("the run", fall)
    assert "between steps 20,000 and 25,000" in text and "(2.2 times lower)" in text
    assert report.steepest_fall(record, span=60_000) is None
    assert "too short" in report.describe_fall("the run", None)


def test_long_runs_name_the_benchmarks_they_have():
    with pytest.raises(ValueError, match="no longer run of 'cavity' at profile 'cpu'"):
        report.long_runs("cavity", "cpu")
    assert set(PROFILES["ci"].long_runs) == set(PROFILES["cpu"].long_runs)
    assert set(PROFILES["cpu"].long_runs) == set(report.LONG_BENCHMARKS)


def test_long_runs_are_trained_at_every_seed_of_the_profile():
    specs = report.long_seed_specs("burgers", "cpu")
    assert sorted({s for _, s in specs}) == list(report.seeds("cpu"))
    assert {m for m, _ in specs} == set(report.METHODS)
    assert specs["rba", 2342] == report.long_specs("burgers", "cpu", 2342)["rba"]
    assert set(report.long_seed_specs("allen_cahn", "ci", [5, 6])) == {
        (m, s) for m in report.METHODS for s in (5, 6)
    }
    with pytest.raises(ValueError, match="no longer run of 'cavity'"):
        report.long_seed_specs("cavity", "cpu")


def test_thresholds_are_named_where_their_verdicts_are():
    """Moving a threshold moves the verdict: each rule reads its module's constant."""
    assert report.compare_errors(1e-2, 0.5e-2).startswith("RBA ends with a 2.0 times lower")
    assert tables.CLEAR_FACTOR == 1.5
    rows = [homogeneity_row("Burgers", -0.25, 0.0)] * 4
    assert "**do not support**" in report.homogeneity_verdict(rows, "phi_r")["verdict"]
    assert rq2.CLEAR_CORRELATION == 0.3 and report.MOST_RUNS == 0.75
    layers = np.ones(3)
    small = {"entropy": -0.05 * layers, "entropy_kde": -0.05 * layers,
             "saturation": 0 * layers, "saturation_tanh": 0 * layers,
             "entropy_after": 11.0 * layers, "entropy_ceiling": 12.0}  # fmt: skip
    assert report.compression_counts({"a": small})["kde_compressed"] == 0
    assert rq4.ENTROPY_RESOLUTION == 0.1


def test_titles_and_paper_numbers_come_from_the_problem_classes():
    assert report.TITLES == {name: cls.title for name, cls in PROBLEMS.items()}
    assert report.TITLES["cavity"] == "lid-driven cavity"
    assert report.PAPER_ERRORS["allen_cahn"] == (2.91e-2, 3.24e-3)
    assert report.PAPER_TRANSITIONS["helmholtz"] == (19_000, 1_000)
    assert all(math.isnan(x) for x in report.PAPER_ERRORS["burgers"])  # none in the paper

    class Toy(Problem):  # a new benchmark declares its title; the paper numbers default
        name, title = "toy", "toy benchmark"

    assert all(math.isnan(x) for x in (*Toy.paper_errors, *Toy.paper_transitions))


def test_the_figures_do_not_import_the_report():
    code = "import sys, pinnlib.plotting; print('pinnlib.report' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_transition_statistics_over_seeds_find_rba_sooner():
    jumps = {
        "vanilla": [20_000, 22_000, 18_000, 24_000, 21_000],
        "rba": [5000, 6000, 4000, 7000, 5500],
    }
    runs = {
        (m, s): fake_record(m, seed=s, jump=j, noise_seed=s)
        for m, js in jumps.items()
        for s, j in enumerate(js)
    }
    found = report.transitions({"burgers": runs})
    v, b = found["burgers", "vanilla"], found["burgers", "rba"]
    assert (v.n_jumped, b.n_jumped) == (5, 5)
    assert v.steps.median == pytest.approx(21_000, rel=0.03)
    assert b.steps.median == pytest.approx(5500, rel=0.05)
    assert v.fastest["total diffusion"] == 5
    d = report.rba_shifts(found)["burgers"]
    assert d.high < 0 and d.p_value < 0.05
    assert d.estimate == pytest.approx(-15_500, rel=0.05)
    counts = report.sooner_counts(found)
    assert counts["outcome"] == {"burgers": "sooner"}
    assert "sooner on 1 of the 1" in counts["verdict"]
    assert "Burgers" in report.transition_table(found)
    assert "-15," in report.shift_table(found)
    assert report.jump_counts_text(found) == (
        "the detector finds a jump into total diffusion in 5 of 5 vanilla runs (step "
        f"{v.steps.median:,.0f} [{v.steps.low:,.0f}, {v.steps.high:,.0f}]) and 5 of 5 RBA "
        f"runs (step {b.steps.median:,.0f} [{b.steps.low:,.0f}, {b.steps.high:,.0f}]) of Burgers."
    )


def test_transition_statistics_count_missing_jumps_without_imputing():
    runs = {("vanilla", s): fake_record("vanilla", seed=s, jump=None) for s in range(4)}
    runs |= {("rba", s): fake_record("rba", seed=s, jump=8000 + 500 * s) for s in range(4)}
    found = report.transitions({"burgers": runs})
    assert found["burgers", "vanilla"].n_jumped == 0
    assert "in 0 of 4 vanilla runs and 4 of 4 RBA runs (step" in report.jump_counts_text(found)
    assert report.rba_shifts(found)["burgers"] is None
    # RBA jumps in all seeds, vanilla in none: vanilla's jump lies beyond the budget
    assert report.sooner_counts(found)["outcome"] == {"burgers": "sooner"}
    runs = {k: r for k, r in runs.items() if k[0] == "vanilla"}
    runs |= {("rba", s): fake_record("rba", seed=s, jump=None) for s in range(4)}
    assert report.sooner_counts(report.transitions({"burgers": runs}))["outcome"] == {
        "burgers": "no jump"
    }


def test_the_convergence_table_counts_the_seeds_at_target():
    runs = {
        (m, s): fake_record(m, seed=s, final_error=e)
        for m, errors in (("vanilla", (0.1, 0.2)), ("rba", (1e-3, 5e-3)))
        for s, e in zip((1, 2), errors)
    }
    table = report.convergence_table({"burgers": runs}, {"burgers": 2e-3})
    row = table.splitlines()[-1]
    assert "1 of 2" in row and "2e-03" in row and "1.00e-03, 5.00e-03" in row
    table = report.convergence_table({"burgers": runs}, {"burgers": 1e-2})
    assert "2 of 2" in table.splitlines()[-1]


def test_a_benchmark_chapter_states_its_error_target_at_cpu_only():
    from pinnlib.chapter import BenchmarkChapter
    from pinnlib.experiments import CPU_TARGETS

    chapter = BenchmarkChapter("burgers", "cpu")
    target = CPU_TARGETS["burgers"]
    chapter.__dict__["runs"] = {  # the cached property, filled with synthetic records
        ("rba", 1): fake_record("rba", seed=1, final_error=target / 2),
        ("rba", 2): fake_record("rba", seed=2, final_error=target * 2),
        ("vanilla", 1): fake_record(seed=1),
    }
    text = chapter.target_text()
    assert f"at most {target:g}" in text and "1 of 2 RBA seeds" in text
    assert "sets no error target" in BenchmarkChapter("burgers", "ci").target_text()


def test_sooner_says_it_cannot_be_tested_when_no_run_jumps():
    runs = {(m, s): fake_record(m, seed=s, jump=None) for m in ("vanilla", "rba") for s in (1, 2)}
    counts = report.sooner_counts(report.transitions({"burgers": runs}))
    assert counts["tested"] == 0 and counts["outcome"] == {"burgers": "no jump"}
    assert (
        counts["verdict"].startswith("No run of either method")
        and "cannot be tested" in counts["verdict"]
    )


def test_labelled_compression_changes_keep_the_labels_given():
    records = {"first": fake_record(jump=20_000), "never": fake_record("rba", jump=None)}
    across = report.labelled_compression_changes(records)
    assert list(across) == ["first"]
    assert across["first"]["entropy"].mean() < 0 and across["first"]["benchmark"] == "Burgers"
    assert set(report.labelled_compression_changes(records, across="training")) == set(records)
    by_seed = report.compression_changes({"burgers": {("vanilla", 3): records["first"]}})
    assert list(by_seed) == ["Burgers, vanilla, seed 3"]
    assert by_seed["Burgers, vanilla, seed 3"]["entropy"] == pytest.approx(
        across["first"]["entropy"]
    )


def test_retrain_text_splits_the_compute_and_compares_it_with_the_target():
    row = {"longer": False, "seconds": 3600.0 * 2}
    costs = [row, {**row, "longer": True, "seconds": 3600.0 * 4}, {**row, "seconds": None}]
    text = report.retrain_text(costs, target_hours=5)
    assert "the 2 runs of this profile took 6.0 h" in text
    assert "(2.0 h for the benchmark runs, 4.0 h for the longer runs)" in text
    assert "1 runs are not in the cache" in text and "1.2 times the 5 h" in text
    assert "within the 8 h" in report.retrain_text(costs, target_hours=8)
