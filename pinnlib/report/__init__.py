"""What the chapters compute from run records: seeds, runs, summaries and findings.

The chapters stay short by asking this package for the numbers they state: every
sentence of a finding is built here from executed results, never typed in. The
chapters use it as ``from pinnlib import report; report.X``; the names come from:

- :mod:`.stats`: numbers of single runs and sets of seeds (error summaries, phase
  summaries, the steepest fall of the error, homogeneity trends, compression changes);
- :mod:`.text`: formatting (table cells, counts, ranges, Markdown tables);
- :mod:`.tables`: the benchmark chapters' tables and sentences (errors per seed, the
  comparison with the paper);
- :mod:`.rq1` .. :mod:`.rq4`: one module per research question, its tables, counts and
  verdict rules, with the thresholds as named constants (RQ1 also compares the
  detector with the authors' own logs); :mod:`.verdicts`: what "most runs" and "more
  than half" mean in every verdict;
- :mod:`.benchmarks`: the benchmarks' titles and the paper's numbers, derived from the
  problem classes;
- :mod:`.transitions`: the jump into total diffusion over seeds, and RBA - vanilla as
  a tested difference (RQ1, RQ3);
- :mod:`.costs`: what training the runs cost, from the cached records;
- :mod:`.paper_scale`: this book's paper-scale runs against the authors' logs;
- grid evaluation (``grid_fields``) lives in :mod:`pinnlib.evaluate`, next to ``predict``.

The runs themselves are acquired (loaded, or trained) by :mod:`pinnlib.book_runs`,
whose names are re-exported here.
"""

from pinnlib.book_runs import (
    BENCHMARKS,
    LONG_BENCHMARKS,
    METHODS,
    PAPER_SCALE_RUNS,
    benchmark_runs,
    benchmark_specs,
    long_runs,
    long_seed_specs,
    long_specs,
    paper_scale_records,
    seeds,
)
from pinnlib.evaluate import grid_fields
from pinnlib.report.benchmarks import METHOD_LABELS, PAPER_ERRORS, PAPER_TRANSITIONS, TITLES
from pinnlib.report.costs import retrain_text, training_costs
from pinnlib.report.paper_scale import (
    PARTING_TOLERANCE,
    TRACK_FACTOR,
    BesideLogs,
    beside_logs,
    continuation_text,
    error_falls_text,
    falls_like_log,
    first_step_below,
    initial_error_and_loss,
    jump_phases_table,
    log_comparison_table,
    log_loss_table,
    log_snr_median_table,
    log_snr_table,
    log_tracking_text,
    longest_per_seed,
    match_counts_text,
    near_log_at,
    parting_step,
    parting_table,
    rba_at_scale_table,
    rba_setting_text,
    seed_jumps,
    tracks_until,
    value_at,
    variant_jump_table,
    variant_table,
)
from pinnlib.report.rq1 import (
    LATE_SHARE,
    AuthorsRun,
    PhaseKey,
    authors_counts,
    authors_runs,
    authors_table,
    describe_fall,
    describe_phases,
    phase_counts,
    phase_table,
)
from pinnlib.report.rq2 import (
    CLEAR_CORRELATION,
    HOMOGENEITY_MEASURES,
    homogeneity_counts,
    homogeneity_rows,
    homogeneity_table,
    homogeneity_verdict,
)
from pinnlib.report.rq3 import rba_counts, rba_table
from pinnlib.report.rq4 import (
    CEILING_MARGIN,
    ENTROPY_RESOLUTION,
    SATURATION_RESOLUTION,
    compression_changes,
    compression_counts,
    compression_table,
    labelled_compression_changes,
)
from pinnlib.report.stats import (
    COMPRESSION_KEYS,
    FALL_SPAN,
    FITTING_STEPS,
    AllRuns,
    ErrorFall,
    PhaseSummary,
    compression_change,
    error_summary,
    final_mean,
    first_seed,
    geometric_stats,
    homogeneity_correlation,
    jump_steps,
    phase_summary,
    steepest_fall,
    wins,
)
from pinnlib.report.tables import (
    CLEAR_FACTOR,
    compare_errors,
    convergence_table,
    glue_error_findings,
    paper_comparison,
    print_errors,
    target_summary,
)
from pinnlib.report.text import fmt, markdown_table
from pinnlib.report.transitions import (
    jump_counts_text,
    rba_shifts,
    shift_table,
    sooner_counts,
    transition_table,
    transitions,
)
from pinnlib.report.verdicts import MAJORITY, MOST_RUNS

__all__ = [
    "jump_counts_text",
    "rba_shifts",
    "shift_table",
    "sooner_counts",
    "transition_table",
    "transitions",
    "BENCHMARKS",
    "PAPER_SCALE_RUNS",
    "paper_scale_records",
    "CEILING_MARGIN",
    "CLEAR_CORRELATION",
    "CLEAR_FACTOR",
    "COMPRESSION_KEYS",
    "ENTROPY_RESOLUTION",
    "FALL_SPAN",
    "FITTING_STEPS",
    "HOMOGENEITY_MEASURES",
    "LATE_SHARE",
    "LONG_BENCHMARKS",
    "MAJORITY",
    "METHODS",
    "METHOD_LABELS",
    "MOST_RUNS",
    "PAPER_ERRORS",
    "PAPER_TRANSITIONS",
    "SATURATION_RESOLUTION",
    "TITLES",
    "AllRuns",
    "AuthorsRun",
    "ErrorFall",
    "PhaseKey",
    "PhaseSummary",
    "authors_counts",
    "authors_runs",
    "authors_table",
    "benchmark_runs",
    "benchmark_specs",
    "compare_errors",
    "log_comparison_table",
    "log_loss_table",
    "BesideLogs",
    "beside_logs",
    "continuation_text",
    "log_snr_median_table",
    "log_snr_table",
    "log_tracking_text",
    "longest_per_seed",
    "falls_like_log",
    "match_counts_text",
    "near_log_at",
    "rba_setting_text",
    "jump_phases_table",
    "seed_jumps",
    "first_step_below",
    "error_falls_text",
    "initial_error_and_loss",
    "parting_step",
    "parting_table",
    "tracks_until",
    "value_at",
    "variant_jump_table",
    "variant_table",
    "PARTING_TOLERANCE",
    "TRACK_FACTOR",
    "convergence_table",
    "target_summary",
    "compression_change",
    "compression_changes",
    "labelled_compression_changes",
    "rba_at_scale_table",
    "compression_counts",
    "compression_table",
    "describe_fall",
    "describe_phases",
    "error_summary",
    "final_mean",
    "first_seed",
    "fmt",
    "geometric_stats",
    "glue_error_findings",
    "grid_fields",
    "homogeneity_correlation",
    "homogeneity_counts",
    "homogeneity_rows",
    "homogeneity_table",
    "homogeneity_verdict",
    "jump_steps",
    "long_runs",
    "long_seed_specs",
    "long_specs",
    "markdown_table",
    "paper_comparison",
    "phase_counts",
    "phase_summary",
    "phase_table",
    "print_errors",
    "rba_counts",
    "rba_table",
    "seeds",
    "steepest_fall",
    "training_costs",
    "retrain_text",
    "wins",
]
