"""Figures across benchmarks: SNR overview, homogeneity against error, errors per seed,
and the change of compression per layer at the SNR jump."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from pinnlib.plotting.diagnostics import PAPER_SMOOTHING, draw_snr, snr_note, snr_ylabel
from pinnlib.plotting.style import (
    BENCHMARK_TITLES,
    METHOD_COLORS,
    METHOD_LABELS,
    book_style,
    new_figure,
)
from pinnlib.records import RunRecord

Runs = dict[str, dict[str, RunRecord]]  # {benchmark title: {method: record}}


def plot_snr_grid(runs: Runs, smooth: int = PAPER_SMOOTHING) -> Figure:
    """Whole-network batch gradient SNR of every benchmark (rows) and method (columns),
    in the paper's units (256 points per batch), with the detected phases shaded.

    Each panel as :func:`pinnlib.plotting.diagnostics.draw_snr` draws it without the
    per-layer lines: as logged (faint), the arithmetic moving average over ``smooth``
    logged points (thick), the geometric one (dashed), the residual term alone where
    logged, Adam's SNR dotted; titled with the points per batch the SNR was measured at.
    """
    methods = sorted({m for r in runs.values() for m in r}, key=list(METHOD_COLORS).index)
    with book_style():
        fig = new_figure((4.6 * len(methods), 3.0 * len(runs)))
        axes = fig.subplots(len(runs), len(methods), squeeze=False, sharex=True)
        for row, (title, records) in zip(axes, runs.items()):
            for ax, method in zip(row, methods):
                name = f"{title}: {METHOD_LABELS[method]}"
                if method in records:
                    draw_snr(ax, method, records[method], smooth, layers=False)
                    name += f"\n{snr_note(records[method].history)}"
                ax.set_title(name)
            row[0].set_ylabel(snr_ylabel([r.history for r in records.values()]))
        axes[0, 0].legend(loc="lower left", fontsize=7, ncol=2)
    return fig


def plot_homogeneity_error(runs: Runs, key: str = "homogeneity_residual") -> Figure:
    """Residual homogeneity phi_r against the test error at every logged step after 300,
    one panel per benchmark, one colour per method; later steps drawn darker."""
    with book_style():
        fig = new_figure((3.6 * len(runs), 3.4))
        axes = fig.subplots(1, len(runs), squeeze=False)[0]
        for ax, (title, records) in zip(axes, runs.items()):
            for method, record in records.items():
                h = record.history
                ok = (h["step"] >= 300) & np.isfinite(h[key])
                alpha = np.linspace(0.15, 1.0, int(ok.sum()))
                color = METHOD_COLORS[method]
                ax.scatter(h[key][ok], h["error"][ok], s=8, color=color, alpha=alpha, lw=0)
                ax.scatter([], [], s=12, color=color, label=METHOD_LABELS[method])
            ax.set(yscale="log", xlim=(0, 1.02), title=title,
                   xlabel=r"residual homogeneity $\phi_r$")  # fmt: skip
            ax.legend(fontsize=8)
        axes[0].set_ylabel(r"relative $L^2$ error")
    return fig


def plot_seed_errors(errors: dict[str, dict[str, list[float]]]) -> Figure:
    """Final relative L2 error of every seed (dots) and their geometric mean (bar),
    per benchmark and method. ``errors``: {benchmark title: {method: [error per seed]}}."""
    with book_style():
        fig = new_figure((1.9 * len(errors) + 1.5, 3.6))
        ax = fig.subplots()
        width = 0.36
        for i, by_method in enumerate(errors.values()):
            for j, (method, values) in enumerate(by_method.items()):
                x = i + (j - 0.5) * width
                v = np.asarray(values, dtype=float)
                color = METHOD_COLORS[method]
                label = METHOD_LABELS[method] if i == 0 else None
                ax.bar(x, np.exp(np.log(v).mean()), width * 0.9, color=color, alpha=0.35,
                       label=label)  # fmt: skip
                ax.scatter(np.full(len(v), x), v, color=color, s=18, zorder=3)
        ax.set(yscale="log", xlabel="benchmark", ylabel=r"final relative $L^2$ error")
        ax.set_xticks(range(len(errors)), list(errors))
        ax.legend(title="bars: geometric mean, dots: seeds", fontsize=8, title_fontsize=8)
    return fig


def plot_compression_change(changes: dict[str, dict], span: str = "across the SNR jump") -> Figure:
    """Per hidden layer: change of the KDE entropy (bits) and of the share of tanh units
    with |a| > 0.99 over ``span`` (the two measures with headroom; the binned entropy sits
    at its ceiling), one line per run, coloured by method, marked by benchmark.
    ``changes``: {run label: {"entropy_kde": dH per layer, "saturation_tanh": dS per
    layer, "method": ..., "benchmark": ...}} as made by
    :func:`pinnlib.report.compression_changes`."""
    markers = dict(zip(BENCHMARK_TITLES.values(), "osD^"))
    with book_style():
        fig = new_figure((10.5, 3.6))
        ax_h, ax_s = fig.subplots(1, 2)
        for change in changes.values():
            layers = np.arange(1, len(change["entropy_kde"]) + 1)
            style = dict(color=METHOD_COLORS[change["method"]], alpha=0.7, lw=1.0,
                         marker=markers.get(change["benchmark"], "o"), ms=4)  # fmt: skip
            ax_h.plot(layers, change["entropy_kde"], **style)
            ax_s.plot(layers, change["saturation_tanh"], **style)
        for ax, what in ((ax_h, f"change of KDE entropy\n{span} (bits)"),
                         (ax_s, f"change of share of |a| > 0.99\n{span}")):  # fmt: skip
            ax.axhline(0, color="k", lw=0.7)
            ax.set(xlabel="hidden layer (input side = 1)", ylabel=what)
            ax.xaxis.get_major_locator().set_params(integer=True)
        if changes:
            methods = sorted({c["method"] for c in changes.values()}, key=list(METHOD_COLORS).index)
            benchmarks = [b for b in markers if any(c["benchmark"] == b for c in changes.values())]
            for m in methods:
                ax_s.plot([], [], color=METHOD_COLORS[m], label=METHOD_LABELS[m])
            for b in benchmarks:
                ax_s.plot([], [], color="gray", marker=markers[b], ls="none", label=b)
            ax_s.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))
        else:
            for ax in (ax_h, ax_s):
                ax.text(0.5, 0.5, "no run with a detected SNR jump", ha="center",
                        va="center", transform=ax.transAxes)  # fmt: skip
    return fig


__all__ = ["plot_compression_change", "plot_homogeneity_error", "plot_seed_errors", "plot_snr_grid"]
