"""What the benchmark chapters show: the errors of every seed, the comparison with the
paper, and the sentence on which method ends better."""

from __future__ import annotations

import math

from pinnlib.report.benchmarks import PAPER_ERRORS, PAPER_TRANSITIONS, TITLES
from pinnlib.report.stats import Runs, error_summary, geometric_stats, jump_steps, wins
from pinnlib.report.text import count, fmt, jumps_text, markdown_table
from pinnlib.spec import METHODS

#: Errors within this factor of each other are called equal, not ranked: a smaller ratio
#: is of the size the choice of seed alone can make, so it names no better method.
CLEAR_FACTOR = 1.5


def compare_errors(err_vanilla: float, err_rba: float, factor: float = CLEAR_FACTOR) -> str:
    """A sentence comparing two errors: which is lower, and by what factor."""
    if (
        not (math.isfinite(err_vanilla) and math.isfinite(err_rba))
        or min(err_vanilla, err_rba) <= 0
    ):
        return "the errors cannot be compared (one of them is not a positive number)"
    ratio = err_vanilla / err_rba
    if ratio > factor:
        return f"RBA ends with a {ratio:.1f} times lower error than vanilla training"
    if ratio < 1 / factor:
        return f"vanilla training ends with a {1 / ratio:.1f} times lower error than RBA"
    return f"the two methods end with errors within a factor {factor} of each other"


def paper_comparison(problem: str, runs: Runs) -> str:
    """Markdown table: the paper's errors and transition steps against this execution's."""
    spec = next(iter(runs.values())).spec
    summary = error_summary(runs)
    paper_err, paper_jump = PAPER_ERRORS[problem], PAPER_TRANSITIONS[problem]
    lbfgs = f" + {spec.lbfgs_steps} L-BFGS" if spec.lbfgs_steps else ""
    ours = f"this book: {spec.depth} x {spec.width}, {spec.steps}{lbfgs} steps"
    rows = [
        ["paper: 6 x 128, 300,000 steps", fmt(paper_err[0]), fmt(paper_err[1]),
         str(paper_jump[0]) if math.isfinite(paper_jump[0]) else "-",
         str(paper_jump[1]) if math.isfinite(paper_jump[1]) else "-"],
        [f"{ours} (geometric mean of {count(summary['vanilla']['n'], 'seed')})",
         fmt(summary["vanilla"]["mean"]), fmt(summary["rba"]["mean"]),
         jumps_text(jump_steps(runs, "vanilla")), jumps_text(jump_steps(runs, "rba"))],
    ]  # fmt: skip
    headers = ["configuration", "vanilla error", "RBA error", "vanilla jump step", "RBA jump step"]
    return markdown_table(rows, headers)


def glue_error_findings(prefix: str, runs: Runs) -> None:
    """Glue ``{prefix}_err_vanilla``, ``{prefix}_err_rba`` (geometric means over seeds) and
    ``{prefix}_finding`` (which method is better, by what factor, on how many seeds)."""
    from IPython.display import Markdown  # notebook-only packages, imported when gluing
    from myst_nb import glue

    summary = error_summary(runs)
    n_better, n_seeds = wins(runs)
    finding = compare_errors(summary["vanilla"]["mean"], summary["rba"]["mean"])
    glue(f"{prefix}_err_vanilla", summary["vanilla"]["mean"], display=False)
    glue(f"{prefix}_err_rba", summary["rba"]["mean"], display=False)
    glue(f"{prefix}_finding", Markdown(f"{finding}; RBA is better on {n_better} of {n_seeds} "
                                       "seeds"), display=False)  # fmt: skip


def print_errors(runs: Runs) -> None:
    """Print the final relative L2 error of every run, one line each; for a run with an
    L-BFGS stage, also the error at the end of its Adam stage."""
    for (method, seed), record in sorted(runs.items()):
        adam = ""
        if record.spec.lbfgs_steps:
            adam = f" (after Adam: {float(record.adam_history['error'][-1]):.2e})"
        print(f"{method:8s} seed {seed}: relative L2 error {record.final_error:.2e}{adam}")


def target_summary(runs: Runs, target: float) -> tuple[int, int, float]:
    """(RBA seeds whose final error is at most ``target``, RBA seeds, the longest training
    time of one run of either method in minutes)."""
    rba = [r for (m, _), r in runs.items() if m == "rba"]
    met = sum(r.final_error <= target for r in rba)
    return met, len(rba), max(r.info["train_seconds"] for r in runs.values()) / 60


def convergence_table(all_runs: dict[str, Runs], targets: dict[str, float]) -> str:
    """Markdown table: per benchmark, the RBA error target against the final errors
    reached (geometric mean [range] over seeds, and after the Adam stage where the runs
    have L-BFGS), the seeds meeting the target, and the longest training time of a run."""
    rows = []
    for problem, runs in all_runs.items():
        summary = error_summary(runs)
        rba = summary["rba"]
        target = targets[problem]
        met, _, minutes = target_summary(runs, target)
        adam = {
            m: geometric_stats(
                [float(r.adam_history["error"][-1]) for (k, _), r in runs.items() if k == m]
            )[0]
            for m in METHODS
        }
        rows.append([
            TITLES[problem], fmt(target, 0),
            f"{fmt(rba['mean'])} [{fmt(rba['min'])}, {fmt(rba['max'])}]",
            f"{met} of {rba['n']}", fmt(adam["rba"]),
            f"{fmt(summary['vanilla']['mean'])} [{fmt(summary['vanilla']['min'])}, "
            f"{fmt(summary['vanilla']['max'])}]", fmt(adam["vanilla"]), f"{minutes:.1f}",
        ])  # fmt: skip
    headers = ["benchmark", "RBA target", "RBA error", "seeds at target", "RBA after Adam",
               "vanilla error", "vanilla after Adam", "longest run (min)"]  # fmt: skip
    return markdown_table(rows, headers)
