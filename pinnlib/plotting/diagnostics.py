"""Figures of the training diagnostics: SNR and phases, order parameters, compression, maps.

Each function takes run records (``{label: RunRecord}``) made with the monitors
of :mod:`pinnlib.diagnostics.monitors` and returns a matplotlib Figure. Steps
are on a log axis, step 0 drawn at step 1. Noisy histories are drawn thin and
faint, with a moving average (over ``smooth`` logged points, of the log10 for
SNRs) drawn on top, as the paper smooths its curves.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from pinnlib.diagnostics.phases import PhaseResult, detect_phases, moving_average
from pinnlib.plotting.style import (
    BENCHMARK_TITLES,
    METHOD_COLORS,
    METHOD_LABELS,
    book_style,
    new_figure,
)
from pinnlib.records import RunRecord

PHASE_COLORS = {"fitting": "tab:green", "diffusion": "tab:gray", "total diffusion": "tab:purple"}


def _color(label: str, record: RunRecord) -> str | None:
    return METHOD_COLORS.get(label, METHOD_COLORS.get(record.spec.method))


def _label(label: str) -> str:
    return METHOD_LABELS.get(label, label)


def _title(record: RunRecord) -> str:
    return BENCHMARK_TITLES.get(record.spec.problem, record.spec.problem)


def _steps(record: RunRecord) -> np.ndarray:
    return np.clip(record.history["step"], 1, None)


def _window(n: int, smooth: int) -> int:
    return max(1, min(smooth, n // 4))


def _log_smooth(y: np.ndarray, smooth: int) -> np.ndarray:
    """10 ** moving average of log10 y over the finite positive values (others left nan)."""
    y = np.asarray(y, dtype=float)
    out = np.full(y.shape, np.nan)
    ok = np.isfinite(y) & (y > 0)
    out[ok] = 10 ** moving_average(np.log10(y[ok]), _window(int(ok.sum()), smooth))
    return out


def _layer_colors(n: int) -> list:
    cmap = colormaps["viridis"]
    return [cmap(i / max(n - 1, 1) * 0.9) for i in range(n)]


def shade_phases(ax: Axes, phases: PhaseResult) -> None:
    """Shade the detected phases on ``ax`` (log step axis) and name them at the top."""
    for name, start, end in phases.spans():
        lo, hi = max(start, 1), max(end, 1)
        ax.axvspan(lo, hi, color=PHASE_COLORS[name], alpha=0.1, lw=0)
        ax.text(np.sqrt(lo * hi), 0.98, name, transform=ax.get_xaxis_transform(),
                ha="center", va="top", fontsize=8, color=PHASE_COLORS[name])  # fmt: skip
    for step in (phases.fitting_end, phases.total_diffusion):
        if step is not None:
            ax.axvline(max(step, 1), color="k", lw=0.8, ls="--")


def draw_snr(
    ax: Axes, label: str, record: RunRecord, smooth: int = 10, layers: bool = True
) -> None:
    """One run's SNR panel: raw and smoothed whole-network SNR, per-layer and Adam SNR,
    SNR = 1, and the detected phases shaded."""
    h, steps, color = record.history, _steps(record), _color(label, record)
    shade_phases(ax, detect_phases(h["step"], h["snr"]))
    ax.axhline(1.0, color="k", lw=0.6, ls="-.", alpha=0.6)
    if layers and "snr_layers" in h:
        per_layer = h["snr_layers"]
        n = per_layer.shape[1]
        for i, c in enumerate(_layer_colors(n)):
            name = "output layer" if i == n - 1 else f"layer {i + 1}"
            ax.loglog(steps, _log_smooth(per_layer[:, i], smooth), color=c, lw=0.9, label=name)
    ax.loglog(steps, h["snr"], color=color, lw=0.7, alpha=0.5)
    ax.loglog(steps, _log_smooth(h["snr"], smooth), color=color, lw=2.2, label="whole network")
    if "adam_snr" in h:
        ax.loglog(steps, _log_smooth(h["adam_snr"], smooth), color="k", ls=":", lw=1.2,
                  label="Adam SNR")  # fmt: skip
    ax.set_xlabel("Adam step")


def plot_snr(records: dict[str, RunRecord], smooth: int = 10, layers: bool = True) -> Figure:
    """Batch gradient SNR against the step, one panel per run, detected phases shaded.

    Whole network: raw (faint) and smoothed (thick, the run's colour); per weight
    matrix: smoothed thin lines (input layer dark to output layer light); Adam SNR
    dotted when logged; SNR = 1 dash-dotted. Phases from
    :func:`pinnlib.diagnostics.detect_phases` (its default rule).
    """
    with book_style():
        fig = new_figure((4.4 * len(records), 3.6))
        axes = fig.subplots(1, len(records), squeeze=False, sharey=True)[0]
        for ax, (label, record) in zip(axes, records.items()):
            draw_snr(ax, label, record, smooth, layers)
            ax.set_title(f"{_label(label)}: {_title(record)}")
            ax.legend(loc="lower left", fontsize=7, ncol=2)
        axes[0].set_ylabel(r"batch gradient SNR $\|\mu\| / \|\sigma\|$")
    return fig


def plot_order(records: dict[str, RunRecord], smooth: int = 10) -> Figure:
    """Gradient order phi, residual homogeneity phi_r and the test error against the step.

    phi_r of |r| solid, of the RBA weights dashed (RBA runs); raw values faint,
    moving averages on top.
    """
    with book_style():
        fig = new_figure((12.6, 3.4))
        ax_phi, ax_r, ax_err = fig.subplots(1, 3)
        for label, record in records.items():
            h, steps, color = record.history, _steps(record), _color(label, record)
            w = _window(len(steps), smooth)
            name = _label(label)
            if "order" in h:
                ax_phi.semilogx(steps, h["order"], color=color, lw=0.6, alpha=0.35)
                ax_phi.semilogx(steps, moving_average(h["order"], w), color=color, label=name)
            for key, ls, what in (("homogeneity_residual", "-", "|r|"),
                                  ("homogeneity_rba", "--", "RBA weights")):  # fmt: skip
                if key in h:
                    ax_r.semilogx(steps, h[key], color=color, lw=0.6, ls=ls, alpha=0.35)
                    ax_r.semilogx(steps, moving_average(h[key], w), color=color, ls=ls,
                                  label=f"{name}: {what}")  # fmt: skip
            ax_err.loglog(steps, h["error"], color=color, label=name)
        ax_phi.set(ylabel=r"gradient order $\phi = \|\mu\| / \|\mathrm{rms}\|$", ylim=(0, 1.02))
        ax_r.set(ylabel=r"residual homogeneity $\phi_r$", ylim=(0, 1.02))
        ax_err.set(ylabel=r"relative $L^2$ error")
        for ax in (ax_phi, ax_r, ax_err):
            ax.set_xlabel("Adam step")
            ax.legend(fontsize=7)
    return fig


def plot_compression(records: dict[str, RunRecord], smooth: int = 5) -> Figure:
    """Per hidden layer against the step: binned entropy, KDE entropy, saturation share.

    One row per run; layers coloured input (dark) to output (light). Saturation:
    the paper's binned share solid, the share of |a| > 0.99 dashed. The binned
    entropy's maximum log2 N is drawn dotted, the detected jump into total diffusion
    as a dashed vertical line.
    """
    with book_style():
        fig = new_figure((12.6, 3.2 * len(records)))
        axes = fig.subplots(len(records), 3, squeeze=False)
        for row, (label, record) in zip(axes, records.items()):
            h, steps = record.history, _steps(record)
            w = _window(len(steps), smooth)
            n_layers = h["compression_entropy"].shape[1]
            for i, c in enumerate(_layer_colors(n_layers)):
                name = f"layer {i + 1}"
                row[0].semilogx(steps, moving_average(h["compression_entropy"][:, i], w),
                                color=c, label=name)  # fmt: skip
                row[1].semilogx(steps, moving_average(h["compression_entropy_kde"][:, i], w),
                                color=c, label=name)  # fmt: skip
                row[2].semilogx(steps, moving_average(h["compression_saturation"][:, i], w),
                                color=c, label=name)  # fmt: skip
                row[2].semilogx(steps, moving_average(h["compression_saturation_tanh"][:, i], w),
                                color=c, ls="--")  # fmt: skip
            n_points = len(record.final["points"])
            row[0].axhline(np.log2(n_points), color="k", ls=":", lw=0.8, label=r"$\log_2 N$")
            title = f"{_label(label)}: {_title(record)}"
            row[0].set(ylabel="binned entropy $H$ (bits)", title=f"{title}, binned")
            row[1].set(ylabel="KDE entropy (bits)", title=f"{title}, KDE")
            row[2].set(ylabel="saturation share", ylim=(-0.02, 1.02), title=f"{title}, saturation")
            row[2].plot([], [], color="k", label="edge bins")
            row[2].plot([], [], color="k", ls="--", label=r"$|a| > 0.99$")
            jump = detect_phases(h["step"], h["snr"]).total_diffusion
            for ax in row:
                ax.set_xlabel("Adam step")
                if jump is not None:
                    ax.axvline(max(jump, 1), color=PHASE_COLORS["total diffusion"], ls="--",
                               lw=1.2, label="SNR jump")  # fmt: skip
            row[0].legend(fontsize=7, ncol=2)
            row[2].legend(fontsize=7)
    return fig


def _binned_image(points: np.ndarray, values: np.ndarray, bins: int):
    lo, hi = points.min(axis=0), points.max(axis=0)
    edges = [np.linspace(lo[k], hi[k], bins + 1) for k in range(2)]
    total, _, _ = np.histogram2d(points[:, 0], points[:, 1], bins=edges, weights=values)
    count, _, _ = np.histogram2d(points[:, 0], points[:, 1], bins=edges)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / count, np.nan)
    return mean.T, (lo[0], hi[0], lo[1], hi[1])


def plot_residual_maps(records: dict[str, RunRecord], bins: int | None = None) -> Figure:
    """Final |r| of every run and the final RBA weights of RBA runs, averaged in bins.

    One panel per map, side by side; |r| on one logarithmic colour scale shared by
    all runs. The first input across, the second up (e.g. t across, x up).
    ``bins`` per axis defaults to about sqrt(N / 10), between 10 and 100; empty
    bins are left blank.
    """
    from pinnlib.problems import PROBLEMS

    maps = []
    for label, record in records.items():
        points = record.final["points"]
        b = bins or int(np.clip(np.sqrt(len(points) / 10), 10, 100))
        problem = PROBLEMS.get(record.spec.problem.replace("-", "_").lower())
        names = [f"${c}$" for c in problem.input_names] if problem else ["$x_1$", "$x_2$"]
        maps.append(
            (label, "residual", *_binned_image(points, record.final["abs_residual"], b), names)
        )
        if "rba_weights" in record.final:
            maps.append(
                (label, "rba", *_binned_image(points, record.final["rba_weights"], b), names)
            )
    residuals = np.concatenate([m[2].ravel() for m in maps if m[1] == "residual"])
    residuals = residuals[np.isfinite(residuals) & (residuals > 0)]
    norm = LogNorm(residuals.min(), residuals.max()) if residuals.size else None
    with book_style():
        fig = new_figure((3.9 * len(maps), 3.3))
        for ax, (label, kind, image, extent, names) in zip(
            fig.subplots(1, len(maps), squeeze=False)[0], maps
        ):
            if kind == "residual":
                im = ax.imshow(image, origin="lower", extent=extent, aspect="auto",
                               cmap="magma", norm=norm, interpolation="nearest")  # fmt: skip
                fig.colorbar(im, ax=ax, label="final $|r|$ (bin mean)")
                ax.set_title(f"{_label(label)}: final residual")
            else:
                im = ax.imshow(image, origin="lower", extent=extent, aspect="auto",
                               cmap="viridis", interpolation="nearest")  # fmt: skip
                fig.colorbar(im, ax=ax, label=r"RBA weight $\lambda$ (bin mean)")
                ax.set_title(f"{_label(label)}: final RBA weights")
            ax.grid(False)
            ax.set_xlabel(names[0])
            ax.set_ylabel(names[1])
    return fig


__all__ = ["plot_compression", "plot_order", "plot_residual_maps", "plot_snr", "shade_phases"]
