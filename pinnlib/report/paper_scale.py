"""This book's paper-scale runs against the authors' logged runs of the same benchmark.

A run *tracks* the authors' log up to a step when, at every step both logged up to
there, its relative L2 error is within a factor :data:`TRACK_FACTOR` of the authors'
(the factor under which :mod:`pinnlib.report.tables` calls two errors equal). The SNR
is compared as a table only (:func:`log_snr_table`), with no tracking rule.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pinnlib.authors_logs import AuthorsLog, load_authors_log
from pinnlib.book_runs import METHODS, paper_scale_records, paper_scale_variant
from pinnlib.diagnostics.phases import history_points_per_batch
from pinnlib.diagnostics.snr import paper_units
from pinnlib.records import RunRecord
from pinnlib.report.stats import PhaseSummary, final_mean, phase_summary
from pinnlib.report.tables import CLEAR_FACTOR
from pinnlib.report.text import fmt, markdown_table, rate
from pinnlib.seed_stats import error_at
from pinnlib.spec import RunSpec
from pinnlib.train import Trainer

#: Errors within this factor of the authors' count as the same curve.
TRACK_FACTOR = CLEAR_FACTOR
#: The steps the comparison table shows (those a run reached).
TABLE_STEPS = (0, 100, 200, 300, 500, 1000, 2000, 3000, 5000, 10_000, 20_000, 25_000)
#: The steps the SNR table shows: the first hundred steps, where the weights of an RBA
#: run starting from zero are still small, then the table steps.
SNR_STEPS = (10, 20, 50, 100, 200, 300, 500, 1000, 2000, 5000, 10_000, 20_000)
#: The width in steps of the windows over which :func:`log_snr_median_table` takes medians.
SNR_SPAN = 1000
#: Two runs of one configuration have *parted* at the first common logged step where their
#: errors differ by more than this fraction of the larger.
PARTING_TOLERANCE = 0.01
#: The steps the parting table shows (those both runs reached).
PARTING_STEPS = (0, 10, 20, 30, 50, 70, 100, 150, 200, 300)


def common_errors(log: AuthorsLog, record: RunRecord) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(steps, the authors' errors, the run's errors) at the steps both logged."""
    return _aligned(log.steps, log.error, record.history["step"], record.history["error"])


def _aligned(
    steps_a: np.ndarray, values_a: np.ndarray, steps_b: np.ndarray, values_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(steps, values_a, values_b) at the steps both series logged."""
    steps, ia, ib = np.intersect1d(steps_a, steps_b, assume_unique=True, return_indices=True)
    return steps, np.asarray(values_a)[ia], np.asarray(values_b)[ib]


def tracks_until(log: AuthorsLog, record: RunRecord, factor: float = TRACK_FACTOR) -> int | None:
    """The last common logged step up to which the run's error stays within ``factor`` of
    the authors' at every common step (None: not even at the first)."""
    steps, theirs, mine = common_errors(log, record)
    ratio = np.maximum(mine / theirs, theirs / mine)  # NaN (not finite) counts as off
    off = np.flatnonzero(~(ratio <= factor))
    last = len(steps) if len(off) == 0 else off[0]
    return int(steps[last - 1]) if last > 0 else None


def log_comparison_table(
    log: AuthorsLog, records: Mapping[str, RunRecord], steps: Sequence[int] = TABLE_STEPS
) -> str:
    """Markdown table: the authors' error and each run's at the :data:`TABLE_STEPS` any
    run reached, and the step up to which each run tracks the log."""
    last = max((int(r.history["step"][-1]) for r in records.values()), default=0)
    shown = [s for s in steps if s <= last]
    rows = [["authors' log", *(fmt(value_at(log.steps, log.error, s)) for s in shown), "-"]]
    for label, record in records.items():
        until = tracks_until(log, record)
        errors = (value_at(record.history["step"], record.history["error"], s) for s in shown)
        rows.append([label, *(fmt(e) for e in errors), "-" if until is None else f"{until:,}"])
    headers = ["run", *(f"step {s:,}" for s in shown), f"tracks the log (x{TRACK_FACTOR:g}) to"]
    return markdown_table(rows, headers)


def log_snr_table(
    log: AuthorsLog, records: Mapping[str, RunRecord], steps: Sequence[int] = SNR_STEPS
) -> str:
    """Markdown table: the authors' whole-network batch SNR (their ``grad_stats`` Mean /
    Std) and each run's, in the paper's units (256 points per batch), at the
    :data:`SNR_STEPS` any run reached."""
    return _series_table(log.snr_steps, log.snr, records, _snr_series(records), steps)


def _snr_series(records: Mapping[str, RunRecord]) -> dict[str, np.ndarray]:
    """{label: the run's whole-network batch SNR in the paper's units (256 points per batch)}."""
    return {
        label: paper_units(r.history["snr"], history_points_per_batch(r.history))
        for label, r in records.items()
    }


def log_snr_median_table(
    log: AuthorsLog, records: Mapping[str, RunRecord], span: int = SNR_SPAN
) -> str:
    """Markdown table: the median whole-network batch SNR (256 points per batch) of the
    authors' log and of each run over the logged steps of each ``span``-step window
    [a, a + span), for the windows the longest run reached the end of ("-" where a run
    did not). A median over ten or more logged points shows a lasting
    level that single logged values, spread over a decade and more, hide."""
    series = _snr_series(records)
    last = max((int(r.history["step"][-1]) for r in records.values()), default=0)
    starts = range(0, last - span + 1, span)

    def medians(steps: np.ndarray, values: np.ndarray) -> list[str]:
        steps, values = np.asarray(steps), np.asarray(values, dtype=float)
        reached = steps.max(initial=-1)
        cells = []
        for a in starts:
            inside = (steps >= a) & (steps < a + span) & np.isfinite(values)
            complete = reached >= a + span and inside.any()
            cells.append(fmt(float(np.median(values[inside]))) if complete else "-")
        return cells

    rows = [["authors' log", *medians(log.snr_steps, log.snr)]]
    rows += [[label, *medians(r.history["step"], series[label])] for label, r in records.items()]
    return markdown_table(rows, ["run", *(f"steps {a:,}-{a + span:,}" for a in starts)])


def log_loss_table(
    log: AuthorsLog, records: Mapping[str, RunRecord], steps: Sequence[int] = TABLE_STEPS
) -> str:
    """Markdown table: the authors' logged training loss and each run's total loss at the
    :data:`TABLE_STEPS` any run reached. The two compare for vanilla runs only: the logged
    loss of the authors' RBA run equals their vanilla run's at step 0, so it is not the
    weighted loss that this book logs for RBA."""
    series = {label: np.asarray(r.history["loss"]) for label, r in records.items()}
    return _series_table(log.steps, log.loss, records, series, steps)


def _series_table(
    log_steps: np.ndarray,
    log_values: np.ndarray,
    records: Mapping[str, RunRecord],
    series: Mapping[str, np.ndarray],
    steps: Sequence[int],
) -> str:
    """The log's values and each run's ``series[label]`` at the ``steps`` any run reached."""
    last = max((int(r.history["step"][-1]) for r in records.values()), default=0)
    shown = [s for s in steps if s <= last]
    rows = [["authors' log", *(fmt(value_at(log_steps, log_values, s)) for s in shown)]]
    for label, record in records.items():
        rows.append(
            [label, *(fmt(value_at(record.history["step"], series[label], s)) for s in shown)]
        )
    return markdown_table(rows, ["run", *(f"step {s:,}" for s in shown)])


def variant_table(log: AuthorsLog, records: Mapping[str, RunRecord]) -> str:
    """Markdown table: per method and RBA variant over its seeds, how far each seed tracks
    the authors' log (:func:`tracks_until`) and at how many of the steps that all its
    seeds and the log share the log's error lies inside the seeds' range [min, max]
    (the seeds' spread, no factor; a variant of one seed has none), and the steps where it
    lies outside. A seed trained to several lengths counts once, with its longest history
    (the first steps of a run do not depend on its length)."""
    groups: dict[str, dict[int, RunRecord]] = {}
    for record in records.values():  # a seed's longest history (shorter runs are prefixes)
        seeds = groups.setdefault(paper_scale_variant(record.spec), {})
        kept = seeds.get(record.spec.seed)
        if kept is None or len(kept.history["step"]) < len(record.history["step"]):
            seeds[record.spec.seed] = record
    rows = []
    for variant, by_seed in groups.items():
        runs = [by_seed[seed] for seed in sorted(by_seed)]
        tracked = [tracks_until(log, r) for r in runs]
        steps = log.steps
        for r in runs:
            steps = np.intersect1d(steps, r.history["step"])
        errors = np.array([[value_at(r.history["step"], r.history["error"], s) for s in steps]
                           for r in runs])  # fmt: skip
        theirs = np.array([value_at(log.steps, log.error, s) for s in steps])
        inside = (errors.min(axis=0) <= theirs) & (theirs <= errors.max(axis=0))
        outside = ", ".join(f"{int(s):,}" for s in steps[~inside]) or "none"
        several = len(runs) >= 2  # one seed has no spread
        rows.append([
            variant, ", ".join(str(r.spec.seed) for r in runs),
            ", ".join("-" if t is None else f"{t:,}" for t in tracked),
            f"{int(inside.sum())} of {len(steps)}" if several else "-",
            outside if several else "-",
        ])  # fmt: skip
    headers = ["run", "seeds", f"each seed tracks the log (x{TRACK_FACTOR:g}) to",
               "steps with the log inside the seeds' range", "steps outside"]  # fmt: skip
    return markdown_table(rows, headers)


def value_at(steps: Sequence[int] | np.ndarray, values: Sequence[float] | np.ndarray,
             step: int) -> float | None:  # fmt: skip
    """``values`` at the logged ``step`` (None where ``steps`` does not hold it)."""
    hit = np.flatnonzero(np.asarray(steps) == step)
    return float(np.asarray(values)[hit[0]]) if len(hit) else None


def first_step_below(
    steps: Sequence[int] | np.ndarray,
    values: Sequence[float] | np.ndarray,
    level: float = 1.0,
    after: int = 300,
) -> int | None:
    """The first logged step from ``after`` on at which ``values`` is below ``level``
    (None: never). With the defaults: when the error of a run that began on the plateau at
    error 1 first falls below it."""
    steps, values = np.asarray(steps), np.asarray(values)
    hit = np.flatnonzero((steps >= after) & (values < level))
    return int(steps[hit[0]]) if len(hit) else None


def error_falls_text(
    records: Mapping[str, RunRecord], level: float = 1.0, min_steps: int = 0
) -> str:
    """For each run that logged at least ``min_steps`` steps, "label: step N", N being the
    first step from 300 on with error below ``level`` (:func:`first_step_below`), or
    "label: not by step M", M its last step; joined with "; " ("" when no run qualifies)."""
    falls = []
    for label, record in records.items():
        steps, errors = record.history["step"], record.history["error"]
        if steps[-1] < min_steps:
            continue
        step = first_step_below(steps, errors, level)
        when = f"step {step:,}" if step is not None else f"not by step {int(steps[-1]):,}"
        falls.append(f"{label}: {when}")
    return "; ".join(falls)


def _factor_apart(value: float | None, reference: float | None) -> float:
    """max(value / reference, reference / value); infinite where either is missing or 0."""
    if not value or not reference:
        return math.inf
    return max(value / reference, reference / value)


def _per_seed(
    records: Mapping[str, RunRecord], match: Callable[[RunRecord], bool | None]
) -> dict[str, dict[int, bool]]:
    """{variant: {seed: ``match`` of the seed's longest run (:func:`longest_per_seed`)}},
    leaving out the seeds whose ``match`` is None (not judged)."""
    out: dict[str, dict[int, bool]] = {}
    for variant, seeds in longest_per_seed(records).items():
        for seed, r in sorted(seeds.items()):
            if (matched := match(r)) is not None:
                out.setdefault(variant, {})[seed] = matched
    return out


def falls_like_log(
    log: AuthorsLog,
    records: Mapping[str, RunRecord],
    level: float = 1.0,
    min_steps: int = 0,
    factor: float = TRACK_FACTOR,
) -> dict[str, dict[int, bool]]:
    """{variant: {seed: whether the seed's error first falls below ``level`` from step 300
    on (:func:`first_step_below`) within ``factor`` of the step at which the log's error
    does}}, each seed once (:func:`longest_per_seed`), for the seeds whose longest run
    logged ``min_steps`` steps. A seed that never falls matches nothing, and where the log
    never falls no seed matches."""
    logged = first_step_below(log.steps, log.error, level)

    def match(r: RunRecord) -> bool | None:
        steps, errors = r.history["step"], r.history["error"]
        if steps[-1] < min_steps:
            return None
        return _factor_apart(first_step_below(steps, errors, level), logged) <= factor

    return _per_seed(records, match)


def near_log_at(
    log: AuthorsLog, records: Mapping[str, RunRecord], step: int, factor: float = TRACK_FACTOR
) -> dict[str, dict[int, bool]]:
    """{variant: {seed: whether the seed's error at ``step`` is within ``factor`` of the
    log's there}}, each seed once (:func:`longest_per_seed`), for the seeds that logged
    ``step`` (no seed matches where the log did not)."""
    theirs = value_at(log.steps, log.error, step)

    def match(r: RunRecord) -> bool | None:
        mine = value_at(r.history["step"], r.history["error"], step)
        return None if mine is None else _factor_apart(mine, theirs) <= factor

    return _per_seed(records, match)


def match_counts_text(matches: Mapping[str, Mapping[int, bool]], noun: str = "seeds") -> str:
    """Markdown: "k of n ``noun`` (per variant: variant: k of n; ...)" of {variant: {seed:
    matched}} (as from :func:`falls_like_log`), the total first ("0 of 0 ``noun``" when
    there are no seeds)."""
    total = sum(len(seeds) for seeds in matches.values())
    hits = sum(sum(seeds.values()) for seeds in matches.values())
    parts = "; ".join(f"{v}: {sum(s.values())} of {len(s)}" for v, s in matches.items() if s)
    return f"{hits} of {total} {noun}" + (f" (per variant: {parts})" if parts else "")


#: The scaled residual that RBA adds under each ``rba_normalisation`` (:mod:`pinnlib.weighting`).
_SCALED_RESIDUAL = {
    None: r"$|r_i| / \max_j |r_j|$",
    "minmax": r"$(|r_i| - \min_j |r_j|) / (\max_j |r_j| - \min_j |r_j|)$",
}


def rba_setting_text(spec: RunSpec) -> str:
    """Markdown, to follow "the RBA weights": where ``spec``'s weights start
    (``rba_init``) and which scaled residual their update adds (``rba_normalisation``), as
    :class:`pinnlib.weighting.RBA` computes them, with the two settings."""
    scaled = _SCALED_RESIDUAL[spec.rba_normalisation]
    update = "the paper's update" if spec.rba_normalisation is None else "the min-max update"
    if spec.rba_init == "zero":
        text = f"start at zero, and {update} adds the scaled residual {scaled}"
    else:
        text = f"start at the scaled residual {scaled}, which {update} adds"
    return (
        f"{text}, times $\\eta$, at every step "
        f'(`rba_init="{spec.rba_init}"`, `rba_normalisation={spec.rba_normalisation!r}`)'
    )


def initial_error_and_loss(spec: RunSpec) -> tuple[float, float]:
    """The relative L2 error and the training loss of ``spec``'s network before its first
    step (computed here, uncompiled: a forward pass, no training)."""
    trainer = Trainer(spec.replace(compile=False))
    loss, _ = trainer.loss_terms(update_weights=False)
    return trainer.error(), loss.item()


def parting_step(
    first: RunRecord, second: RunRecord, tolerance: float = PARTING_TOLERANCE
) -> int | None:
    """The first step both runs logged at which their errors e1, e2 differ by more than
    ``tolerance``: |e1 - e2| > tolerance * max(e1, e2) (None: they never do)."""
    steps, e1, e2 = _aligned(
        first.history["step"],
        first.history["error"],
        second.history["step"],
        second.history["error"],
    )
    apart = np.flatnonzero(~(np.abs(e1 - e2) <= tolerance * np.maximum(e1, e2)))
    return int(steps[apart[0]]) if len(apart) else None


def continuation_text(records: Mapping[str, RunRecord]) -> str:
    """One clause per run that continues another from its checkpoint (``continued_from``
    in its info, :func:`pinnlib.experiments.continue_run`): which run, from which step,
    and whether the two logged the same errors, to the last digit, at every step both
    logged after that one ("" when no run continues another)."""
    by_key = {r.spec.key: (label, r) for label, r in records.items()}
    parts = []
    for label, record in records.items():
        origin = record.info.get("continued_from")
        if not origin:
            continue
        start = f"the run {label} continues"
        if origin["key"] not in by_key:
            parts.append(f"{start} a run not shown here from its step {origin['step']:,}")
            continue
        source_label, source = by_key[origin["key"]]
        common = np.intersect1d(source.history["step"], record.history["step"])
        after = common[common > origin["step"]]
        parted = parting_step(source, record, tolerance=0.0)
        start += f" the run {source_label} from its checkpoint at step {origin['step']:,}"
        if len(after) == 0:
            parts.append(f"{start} and has logged no step after it that both logged")
        elif parted is None:
            parts.append(
                f"{start} and logs the same errors, to the last digit, at every step both "
                f"logged after it (to step {after[-1]:,})"
            )
        else:
            parts.append(f"{start}; their logged errors first differ at step {parted:,}")
    return "; ".join(parts)


def parting_table(records: Mapping[str, RunRecord], steps: Sequence[int] = PARTING_STEPS) -> str:
    """Markdown table: the error and the loss of each run at the ``steps`` all reached,
    with four significant digits (the runs compared start from the same network)."""
    last = min((int(r.history["step"][-1]) for r in records.values()), default=0)
    shown = [s for s in steps if s <= last]
    rows = []
    for label, record in records.items():
        for name in ("error", "loss"):
            values = [value_at(record.history["step"], record.history[name], s) for s in shown]
            rows.append([label, name, *(f"{v:.4g}" if v is not None else "-" for v in values)])
    return markdown_table(rows, ["run", "quantity", *(f"step {s:,}" for s in shown)])


def log_tracking_text(log: AuthorsLog, records: Mapping[str, RunRecord]) -> str:
    """One sentence per run: up to which step it tracks the authors' log, and how far the
    two are apart at the run's last logged step."""
    parts = []
    for label, record in records.items():
        steps, theirs, mine = common_errors(log, record)
        if len(steps) == 0:
            parts.append(f"the run {label} logged no step the authors' log has")
            continue
        until = tracks_until(log, record)
        reach = f"not even at step {int(steps[0]):,}" if until is None else f"up to step {until:,}"
        parts.append(
            f"the run {label} tracks the log {reach}; at step {int(steps[-1]):,} its error is "
            f"{fmt(mine[-1])} against the log's {fmt(theirs[-1])}"
        )
    return "; ".join(parts) if parts else "no paper-scale run of this benchmark is committed"


@dataclass(frozen=True)
class BesideLogs:
    """One benchmark's committed paper-scale runs beside the authors' logs of it."""

    #: {method: the authors' logged run}
    logs: dict[str, AuthorsLog]
    #: {label: record} of this book's committed (or checkpointed) runs, in plan order
    records: dict[str, RunRecord]
    #: labels of the planned runs that are not committed yet
    not_committed: list[str]

    @property
    def by_method(self) -> dict[str, dict[str, RunRecord]]:
        """{method: {label: record}} of the committed runs."""
        return {m: {k: r for k, r in self.records.items() if r.spec.method == m} for m in self.logs}

    def tracking_text(self) -> str:
        """:func:`log_tracking_text` of every method with a committed run, joined."""
        runs = self.by_method.items()
        parts = [log_tracking_text(self.logs[m], records) for m, records in runs if records]
        return "; ".join(parts) or "no paper-scale run of this benchmark is committed"

    def missing_text(self) -> str:
        """The planned runs not committed yet, or "none"."""
        return ", ".join(self.not_committed) or "none"


def beside_logs(problem: str) -> BesideLogs:
    """The paper-scale runs of ``problem`` (:func:`~pinnlib.book_runs.paper_scale_records`,
    never trains) split by method, with the authors' log of each method."""
    records, not_committed = paper_scale_records(problem)
    return BesideLogs({m: load_authors_log(problem, m) for m in METHODS}, records, not_committed)


def longest_per_seed(records: Mapping[str, RunRecord]) -> dict[str, dict[int, RunRecord]]:
    """{variant: {seed: the seed's run that logged the most steps}} of paper-scale runs
    ({label: record}). Runs of one variant and seed differ only in their Adam steps, and a
    longer one repeats a shorter one's steps, so each seed counts once."""
    out: dict[str, dict[int, RunRecord]] = {}
    for record in records.values():
        seeds = out.setdefault(paper_scale_variant(record.spec), {})
        known = seeds.get(record.spec.seed)
        if known is None or record.history["step"][-1] > known.history["step"][-1]:
            seeds[record.spec.seed] = record
    return out


def variant_jump_table(records: Mapping[str, RunRecord]) -> str:
    """Markdown: per paper-scale variant, each seed once (:func:`longest_per_seed`): the
    seeds, those with a detected jump into total diffusion and its step, and for the
    seeds without one the step up to which the detector could judge (``judged_until``)."""
    rows = []
    for variant, seeds in longest_per_seed(records).items():
        phases = {seed: r.phases for seed, r in sorted(seeds.items())}
        jumped = {
            seed: p.total_diffusion for seed, p in phases.items() if p.total_diffusion is not None
        }
        unjudged = [
            f"{seed}: {'-' if p.judged_until is None else f'{p.judged_until:,}'}"
            for seed, p in phases.items()
            if seed not in jumped
        ]
        rows.append([variant, f"{len(seeds)}", f"{len(jumped)}",
                     "; ".join(f"{seed}: {step:,}" for seed, step in jumped.items()) or "-",
                     "; ".join(unjudged) or "-"])  # fmt: skip
    headers = ["variant", "seeds", "with a jump", "seed: jump step",
               "seed without one: judged up to step"]  # fmt: skip
    return markdown_table(rows, headers)


def seed_jumps(
    records: Mapping[str, RunRecord],
) -> list[tuple[str, int, RunRecord, PhaseSummary]]:
    """(variant, seed, run, its :func:`~pinnlib.report.stats.phase_summary`) of every
    paper-scale seed with a detected jump into total diffusion, each seed once
    (:func:`longest_per_seed`)."""
    return [
        (variant, seed, r, summary)
        for variant, seeds in longest_per_seed(records).items()
        for seed, r in sorted(seeds.items())
        if (summary := phase_summary(r)).phases.total_diffusion is not None
    ]


def jump_phases_table(records: Mapping[str, RunRecord]) -> str:
    """Markdown: one row per paper-scale seed with a detected jump (:func:`seed_jumps`):
    the jump step, the error there, the median SNR (256 points per batch) and the error
    decay rate (decades per 1,000 steps) in diffusion and in total diffusion, and the
    phase in which the error falls fastest. Empty when no seed jumped."""
    phases = ("diffusion", "total diffusion")
    rows = []
    for variant, seed, r, summary in seed_jumps(records):
        jump = summary.phases.total_diffusion
        rows.append([variant, f"{seed}", f"{jump:,}", fmt(error_at(r.adam_history, jump)),
                     *(fmt(summary.snr_median.get(k)) for k in phases),
                     *(rate(summary.error_rate.get(k, math.nan)) for k in phases),
                     summary.fastest or "-"])  # fmt: skip
    headers = ["variant", "seed", "jump step", "error there", "SNR diffusion",
               "SNR total diffusion", "error rate diffusion", "error rate total diffusion",
               "fastest phase"]  # fmt: skip
    return markdown_table(rows, headers) if rows else ""


__all__ = [
    "PARTING_TOLERANCE",
    "TRACK_FACTOR",
    "common_errors",
    "falls_like_log",
    "first_step_below",
    "initial_error_and_loss",
    "jump_phases_table",
    "log_comparison_table",
    "log_loss_table",
    "log_snr_table",
    "log_tracking_text",
    "longest_per_seed",
    "match_counts_text",
    "near_log_at",
    "parting_step",
    "parting_table",
    "rba_setting_text",
    "seed_jumps",
    "tracks_until",
    "value_at",
    "variant_jump_table",
    "variant_table",
]


def _beside_log(value: float | None, logged: float | None) -> str:
    return f"{fmt(value)} ({fmt(logged)})"


def rba_at_scale_table(
    records: Mapping[str, RunRecord], logs: Mapping[str, AuthorsLog], step: int = 1000
) -> str:
    """Markdown: per paper-scale run ({label: record}), its relative L2 error at ``step``
    and at its last logged step, each beside the authors' logged run of the same method
    at that step (in brackets), its final residual homogeneity phi_r and its detected
    jump into total diffusion."""
    rows = []
    for label, r in records.items():
        log = logs[r.spec.method]
        steps, error = r.history["step"], r.history["error"]
        last = int(steps[-1])
        jump = r.phases.total_diffusion
        rows.append([
            label,
            _beside_log(value_at(steps, error, step), value_at(log.steps, log.error, step)),
            f"{last:,}",
            _beside_log(float(error[-1]), value_at(log.steps, log.error, last)),
            f"{final_mean(r, 'homogeneity_residual'):.3f}",
            "-" if jump is None else f"{jump:,}",
        ])  # fmt: skip
    headers = ["run", f"error at step {step:,} (authors' log)", "last step",
               "error there (authors' log)", "final phi_r", "detected jump"]  # fmt: skip
    return markdown_table(rows, headers)
