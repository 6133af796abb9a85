"""What the chapters of the book share, so that each chapter keeps only its own prose
and figures.

A benchmark chapter (``book/burgers.py`` and its siblings) trains one problem at one
profile, vanilla and RBA, for every seed, and shows the same tables around its own
figures: :class:`BenchmarkChapter` holds those runs and prints or glues those tables.
A research-question chapter (``book/rq*.py``) starts from every benchmark's runs:
:func:`all_benchmark_runs`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy as np
from IPython.display import Markdown
from myst_nb import glue

from pinnlib import report
from pinnlib.diagnostics.phases import PhaseResult
from pinnlib.experiments import CPU_BUDGET_MINUTES, CPU_TARGETS, experiment
from pinnlib.records import RunRecord
from pinnlib.spec import RunSpec

#: {(method, seed): record}, the runs of one benchmark.
Runs = dict[tuple[str, int], RunRecord]


def all_benchmark_runs(
    profile: str, seeds: Sequence[int] | None = None, device: str = "cpu"
) -> dict[str, Runs]:
    """{benchmark: its vanilla and RBA runs for every seed} at ``profile``, each from the
    run cache or trained (``seeds`` None: the profile's seeds)."""
    return {p: report.benchmark_runs(p, profile, seeds, device=device) for p in report.BENCHMARKS}


def all_long_runs(
    profile: str, seeds: Sequence[int] | None = None, device: str = "cpu"
) -> dict[str, Runs]:
    """{benchmark: its longer vanilla and RBA runs for every seed} for the benchmarks of
    :data:`~pinnlib.report.LONG_BENCHMARKS` (RQ1, RQ3, RQ4), each from the run cache or
    trained (``seeds`` None: the profile's seeds)."""
    return {p: report.long_runs(p, profile, seeds, device=device) for p in report.LONG_BENCHMARKS}


class BenchmarkChapter:
    """One benchmark at one profile: its spec, the vanilla and RBA runs of every seed,
    and the tables every benchmark chapter shows about them."""

    def __init__(
        self, problem: str, profile: str, seeds: Sequence[int] | None = None, device: str = "cpu"
    ) -> None:
        self.problem = problem
        self.profile = profile
        self.seeds = seeds
        self.device = device
        self.spec: RunSpec = experiment(problem, profile)

    @property
    def args(self) -> dict:
        """The problem's arguments at this profile (``spec.problem_args``)."""
        return self.spec.problem_args

    def print_setting(self, detail: str = "") -> None:
        """Print the profile's network, collocation points, Adam steps and seeds, after
        ``detail``: the problem settings the chapter's prose discusses (e.g. ``Re = 100``)."""
        spec = self.spec
        detail = f"{detail}; " if detail else ""
        lbfgs = f" then {spec.lbfgs_steps} L-BFGS iterations" if spec.lbfgs_steps else ""
        print(
            f"profile {self.profile}: {detail}{spec.depth} x {spec.width} tanh network, "
            f"{self.args['n_collocation']} collocation points, {spec.steps} Adam steps"
            f"{lbfgs}; seeds {self.seeds or report.seeds(self.profile)}"
        )

    @cached_property
    def runs(self) -> Runs:
        """Vanilla and RBA runs of every seed, {(method, seed): record}: from the run
        cache when this exact configuration has been trained before, else trained."""
        return report.benchmark_runs(self.problem, self.profile, self.seeds, device=self.device)

    @cached_property
    def records(self) -> dict[str, RunRecord]:
        """{method: record} of the first seed, the runs that single-run figures show."""
        return report.first_seed(self.runs)

    def fetch(self) -> dict[str, RunRecord]:
        """Fetch or train :attr:`runs`; returns :attr:`records` (the first seed's)."""
        return self.records

    def print_errors(self) -> None:
        """Print the final relative L2 error of every run, one line each."""
        report.print_errors(self.runs)

    def glue_error_findings(self, prefix: str) -> None:
        """Glue ``{prefix}_err_vanilla``, ``{prefix}_err_rba`` and ``{prefix}_finding``
        (:func:`pinnlib.report.glue_error_findings`), and ``{prefix}_target``: at ``cpu``,
        a sentence on the profile's RBA error target, how many seeds reach it and what
        the dearest run cost (other profiles have no target, and the sentence says so)."""
        report.glue_error_findings(prefix, self.runs)
        glue(f"{prefix}_target", Markdown(self.target_text()), display=False)

    def target_text(self) -> str:
        """At ``cpu``: the RBA error target of this benchmark, the seeds that reach it and
        the longest training time of one run; at other profiles, that there is no target."""
        if self.profile != "cpu":
            return f"The `{self.profile}` profile sets no error target."
        target = CPU_TARGETS[self.problem]
        met, n_rba, minutes = report.target_summary(self.runs, target)
        return (
            f"The `cpu` profile aims for an RBA error of at most {target:g}: "
            f"{met} of {n_rba} RBA seeds reach it, and the longest run of "
            f"this benchmark (either method) trained for {minutes:.0f} minutes on one core "
            f"(budget: {CPU_BUDGET_MINUTES} minutes; {{ref}}`chapter-profiles`)."
        )

    def grid_fields(self) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray, dict]:
        """``((a, b), reference, {method: prediction})`` of the first seed on the
        reference grid of the quantity its error measures."""
        evaluated = {m: report.grid_fields(r) for m, r in self.records.items()}
        axes, reference, _ = evaluated["vanilla"]
        return axes, reference, {m: prediction for m, (_, _, prediction) in evaluated.items()}

    @cached_property
    def phases(self) -> dict[str, PhaseResult]:
        """{method: the phases the detector finds in the first seed's SNR history}."""
        return {m: r.phases for m, r in self.records.items()}

    def print_phases(self) -> None:
        """Print where each first-seed run's fitting phase ends and total diffusion starts."""
        for method, p in self.phases.items():
            fitting = "none" if p.fitting_end is None else f"step {p.fitting_end}"
            jump = "none" if p.total_diffusion is None else f"step {p.total_diffusion}"
            print(f"{method:8s} fitting ends at {fitting}, total diffusion from {jump}")

    def glue_phases(self, prefix: str) -> None:
        """Glue ``{prefix}_phases``: one sentence on the detected phases of each run."""
        text = "; ".join(
            report.describe_phases(f"the {report.METHOD_LABELS[m]} run", p, self.spec.steps)
            for m, p in self.phases.items()
        )
        glue(f"{prefix}_phases", Markdown(text), display=False)

    def paper_comparison(self) -> Markdown:
        """The table of the paper's errors and jump steps against this execution's."""
        return Markdown(report.paper_comparison(self.problem, self.runs))


__all__ = ["BenchmarkChapter", "all_benchmark_runs"]
