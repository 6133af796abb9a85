"""The authors' own runs (:mod:`pinnlib.authors_logs`): error and SNR with the phases.

One row per benchmark: the relative L2 error against the step (left) and the
whole-network batch SNR at 256 points per batch (right, the paper's units: as logged,
faint, and the arithmetic moving average over 60 logged points, as the authors smooth
their figures), with the phases this book's detector finds shaded and the step the
authors place the jump into total diffusion at marked by a dotted line.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import cycle

import numpy as np
from matplotlib.figure import Figure

from pinnlib.authors_logs import AuthorsLog
from pinnlib.diagnostics.phases import PhaseResult
from pinnlib.plotting.diagnostics import PAPER_SMOOTHING, paper_snr, smoothed
from pinnlib.plotting.style import (
    BENCHMARK_TITLES,
    METHOD_COLORS,
    METHOD_LABELS,
    book_style,
    new_figure,
)
from pinnlib.records import RunRecord

#: Steps of the authors' log shown when no run of this book is there to compare.
EMPTY_STEPS = 5000
#: Colours of this book's runs beside the authors' (black) curve, repeated if needed.
RUN_COLORS = ("tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink")


def _shade(ax, phases: PhaseResult, color: str) -> None:
    """Mark the detected boundaries of one run (dashed, in the run's colour)."""
    for step in (phases.fitting_end, phases.total_diffusion):
        if step is not None:
            ax.axvline(max(step, 1), color=color, lw=1.0, ls="--")


def plot_authors_logs(
    logs: Mapping[str, Mapping[str, AuthorsLog]],
    phases: Mapping[str, Mapping[str, PhaseResult]],
    transitions: Mapping[str, Mapping[str, float]],
) -> Figure:
    """``logs[benchmark][method]``, the detected ``phases`` of each, and the authors'
    hand-placed ``transitions[benchmark][method]`` (steps)."""
    with book_style():
        fig = new_figure((10.5, 3.3 * len(logs)))
        axes = np.atleast_2d(fig.subplots(len(logs), 2))
        for (problem, runs), (ax_e, ax_s) in zip(logs.items(), axes):
            for method, log in runs.items():
                color = METHOD_COLORS[method]
                label = METHOD_LABELS[method]
                ax_e.loglog(np.clip(log.steps, 1, None), log.error, color=color, label=label)
                steps = np.clip(log.snr_steps, 1, None)
                ax_s.loglog(steps, log.snr, color=color, lw=0.4, alpha=0.25)
                smooth = smoothed(log.snr, PAPER_SMOOTHING)
                ax_s.loglog(steps, smooth, color=color, lw=2.0, label=f"{label}: moving average")
                for ax in (ax_e, ax_s):
                    _shade(ax, phases[problem][method], color)
                    ax.axvline(transitions[problem][method], color=color, lw=1.2, ls=":")
            title = BENCHMARK_TITLES.get(problem, problem)
            ax_e.set(xlabel="Adam step", ylabel=r"relative $L^2$ error", title=f"{title}: error")
            ax_s.set(
                xlabel="Adam step",
                ylabel="batch SNR (256 points per batch)",
                title=f"{title}: SNR (dashed: detected, dotted: authors' jump)",
            )
            ax_s.axhline(1.0, color="k", lw=0.6)
            ax_e.legend(loc="lower left")
            ax_s.legend(loc="lower left", fontsize=8)
    return fig


def plot_against_authors(log: AuthorsLog, records: Mapping[str, RunRecord]) -> Figure:
    """This book's paper-scale ``records`` ({label: record}) against the authors' ``log`` of
    the same benchmark and method, over the steps the runs reached: the relative L2 error
    (left) and the whole-network batch SNR at 256 points per batch (right: as logged,
    faint; the arithmetic moving average over 60 logged points, thick)."""
    last = max((int(r.history["step"][-1]) for r in records.values()), default=EMPTY_STEPS)
    with book_style():
        fig = new_figure((10.5, 3.6))
        ax_e, ax_s = fig.subplots(1, 2)
        keep, snr_keep = log.steps <= last, log.snr_steps <= last
        curves = [("authors' log", "k", log.steps[keep], log.error[keep],
                   log.snr_steps[snr_keep], log.snr[snr_keep])]  # fmt: skip
        for (label, record), color in zip(records.items(), cycle(RUN_COLORS)):
            h = record.history
            curves.append((label, color, h["step"], h["error"], h["step"], paper_snr(h)))
        for label, color, steps, error, snr_steps, snr in curves:
            ax_e.semilogy(steps, error, color=color, label=label)
            ax_s.semilogy(snr_steps, snr, color=color, lw=0.4, alpha=0.3)
            ax_s.semilogy(snr_steps, smoothed(snr, PAPER_SMOOTHING), color=color, lw=2.0)
        ax_s.axhline(1.0, color="k", lw=0.6, ls="-.")
        title = f"{BENCHMARK_TITLES.get(log.problem, log.problem)} {METHOD_LABELS[log.method]}"
        ax_e.set(xlabel="Adam step", ylabel=r"relative $L^2$ error", title=f"{title}: error")
        ax_s.set(xlabel="Adam step", ylabel="batch SNR (256 points per batch)",
                 title=f"{title}: SNR (thick: moving average)")  # fmt: skip
        ax_e.legend(loc="best", fontsize=8)
    return fig


__all__ = ["plot_against_authors", "plot_authors_logs"]
