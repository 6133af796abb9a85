"""This book's paper-scale runs against the authors' logged runs of the same benchmark.

A run *tracks* the authors' log up to a step when, at every step both logged up to
there, its relative L2 error is within a factor :data:`TRACK_FACTOR` of the authors'
(the factor under which :mod:`pinnlib.report.tables` calls two errors equal).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from pinnlib.authors_logs import AuthorsLog
from pinnlib.records import RunRecord
from pinnlib.report.tables import CLEAR_FACTOR
from pinnlib.report.text import fmt, markdown_table

#: Errors within this factor of the authors' count as the same curve.
TRACK_FACTOR = CLEAR_FACTOR
#: The steps the comparison table shows (those a run reached).
TABLE_STEPS = (0, 100, 200, 300, 500, 1000, 2000, 3000, 5000, 10_000, 20_000, 25_000)


def common_errors(log: AuthorsLog, record: RunRecord) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(steps, the authors' errors, the run's errors) at the steps both logged."""
    steps, mine, theirs = np.intersect1d(
        record.history["step"], log.steps, assume_unique=True, return_indices=True
    )
    return steps, log.error[theirs], np.asarray(record.history["error"])[mine]


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
    rows = [["authors' log", *(fmt(_at(log.steps, log.error, s)) for s in shown), "-"]]
    for label, record in records.items():
        until = tracks_until(log, record)
        rows.append([
            label, *(fmt(_at(record.history["step"], record.history["error"], s)) for s in shown),
            "-" if until is None else f"{until:,}",
        ])  # fmt: skip
    headers = ["run", *(f"step {s:,}" for s in shown), f"tracks the log (x{TRACK_FACTOR:g}) to"]
    return markdown_table(rows, headers)


def _at(steps: np.ndarray, values: np.ndarray, step: int) -> float | None:
    hit = np.flatnonzero(np.asarray(steps) == step)
    return float(np.asarray(values)[hit[0]]) if len(hit) else None


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


__all__ = [
    "TRACK_FACTOR",
    "common_errors",
    "log_comparison_table",
    "log_tracking_text",
    "tracks_until",
]
