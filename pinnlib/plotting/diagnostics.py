"""Figures of the training diagnostics: SNR and phases, order parameters, compression, maps.

Each function takes run records (``{label: RunRecord}``) made with the monitors
of :mod:`pinnlib.diagnostics.monitors` and returns a matplotlib Figure. Steps
are on a log axis, step 0 drawn at step 1. Noisy histories are drawn thin and
faint, with their arithmetic moving average over :data:`PAPER_SMOOTHING` logged
points drawn on top, as the authors smooth their figures (:func:`smoothed`: the
window shrinks to a quarter of the history for short runs, and symmetrically near
the ends so that it stays centred).

Batch SNRs are drawn in the paper's units, 256 points per batch: an SNR measured
with n_b points per batch is multiplied by sqrt(256 / n_b)
(:func:`pinnlib.diagnostics.snr.paper_units`), n_b being the median of the
history's ``snr_points_per_batch``. A history that did not log n_b is drawn as
measured, and its panel says so; the phase detector reads it the same way.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from pinnlib.diagnostics.phases import (
    PAPER_POINTS_PER_BATCH,
    POINTS_PER_BATCH_KEY,
    PhaseResult,
    detect_phases,
)
from pinnlib.diagnostics.snr import paper_units
from pinnlib.plotting.style import (
    BENCHMARK_TITLES,
    METHOD_COLORS,
    METHOD_LABELS,
    book_style,
    new_figure,
)
from pinnlib.problems import PROBLEMS
from pinnlib.records import RunRecord

PHASE_COLORS = {"fitting": "tab:green", "diffusion": "tab:gray", "total diffusion": "tab:purple"}

PAPER_SMOOTHING = 60
"""Window of the moving averages, in logged points. It follows the authors' figures,
which smooth each history with an arithmetic moving average over about 60 logged points."""


def _color(label: str, record: RunRecord) -> str | None:
    return METHOD_COLORS.get(label, METHOD_COLORS.get(record.spec.method))


def _label(label: str) -> str:
    return METHOD_LABELS.get(label, label)


def _title(record: RunRecord) -> str:
    return BENCHMARK_TITLES.get(record.spec.problem, record.spec.problem)


def _steps(record: RunRecord) -> np.ndarray:
    return np.clip(record.history["step"], 1, None)


def smoothing_window(n: int, smooth: int = PAPER_SMOOTHING) -> int:
    """Moving-average window for a history of ``n`` values: ``smooth`` logged points,
    shrunk to a quarter of the history for short runs (at least 1)."""
    return max(1, min(smooth, n // 4))


def centred_average(x: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average of ``x`` over ``window`` points, x[k - window // 2 :
    k - window // 2 + window]; within window // 2 points of an end the window shrinks
    symmetrically, to x[k - e : k + e + 1] with e the distance to that end, so it stays
    centred (the first and last values are kept as they are)."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    if window <= 1 or n == 0:
        return x.copy()
    c = np.concatenate([[0.0], np.cumsum(x)])
    k, half = np.arange(n), window // 2
    edge = np.minimum(k, n - 1 - k)
    inside = edge >= half
    lo = np.where(inside, k - half, k - edge)
    hi = np.where(inside, k - half + window, k + edge + 1)
    return (c[hi] - c[lo]) / (hi - lo)


def smoothed(y: np.ndarray, smooth: int = PAPER_SMOOTHING) -> np.ndarray:
    """The authors' smoothing: the arithmetic :func:`centred_average` of ``y`` over its
    finite values (the others left nan), over :func:`smoothing_window` of them."""
    y = np.asarray(y, dtype=float)
    out = np.full(y.shape, np.nan)
    ok = np.isfinite(y)
    out[ok] = centred_average(y[ok], smoothing_window(int(ok.sum()), smooth))
    return out


def geometric_smoothed(y: np.ndarray, smooth: int = PAPER_SMOOTHING) -> np.ndarray:
    """Geometric moving average of ``y``: 10 ** the :func:`centred_average` of log10 y over
    its finite positive values (the others left nan), window as in :func:`smoothed`.

    With a decade of point-to-point scatter it lies 2 to 3 times below the arithmetic
    average, the one the authors' figures show."""
    y = np.asarray(y, dtype=float)
    out = np.full(y.shape, np.nan)
    ok = np.isfinite(y) & (y > 0)
    out[ok] = 10 ** centred_average(np.log10(y[ok]), smoothing_window(int(ok.sum()), smooth))
    return out


def points_per_batch(history: Mapping[str, np.ndarray]) -> float | None:
    """n_b of a history: the median of its finite ``snr_points_per_batch`` (None if not
    logged), the value the phase detector uses."""
    logged = np.asarray(history.get(POINTS_PER_BATCH_KEY, []), dtype=float)
    logged = logged[np.isfinite(logged)]
    return float(np.median(logged)) if len(logged) else None


def paper_snr(history: Mapping[str, np.ndarray], key: str = "snr") -> np.ndarray:
    """A batch SNR of ``history`` in the paper's units (256 points per batch), rescaled by
    sqrt(256 / n_b); as measured where n_b was not logged."""
    n_b = points_per_batch(history)
    return paper_units(history[key], n_b) if n_b else np.asarray(history[key], dtype=float)


def snr_note(history: Mapping[str, np.ndarray]) -> str:
    """The measured n_b of a history's SNR, as said on its panel."""
    n_b = points_per_batch(history)
    if n_b is None:
        return "points per batch not logged: drawn as measured"
    return f"measured at {n_b:.3g} points per batch"


def snr_ylabel(histories: list[Mapping[str, np.ndarray]]) -> str:
    """The SNR axis label, with the units of the panels' histories."""
    scaled = [points_per_batch(h) is not None for h in histories]
    units = f"{PAPER_POINTS_PER_BATCH} points per batch"
    if all(scaled):
        return f"batch SNR ({units})"
    if not any(scaled):
        return "batch SNR (as measured)"
    return f"batch SNR ({units} where logged)"


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
    ax: Axes, label: str, record: RunRecord, smooth: int = PAPER_SMOOTHING, layers: bool = True
) -> None:
    """One run's SNR panel, in the paper's units (256 points per batch).

    Whole network: as logged (faint), its arithmetic moving average over ``smooth``
    logged points (thick) and its geometric moving average (thin dashed, same colour);
    the residual term alone (thin, same colour) when logged; per weight matrix:
    arithmetic moving averages (thin, input layer dark to output layer light); Adam's
    SNR (a ratio of its moment estimates, not a batch SNR, so not rescaled) dotted;
    SNR = 1 dash-dotted; the detected phases shaded.
    """
    h, steps, color = record.history, _steps(record), _color(label, record)
    shade_phases(ax, record.phases)
    ax.axhline(1.0, color="k", lw=0.6, ls="-.", alpha=0.6)
    if layers and "snr_layers" in h:
        per_layer = paper_snr(h, "snr_layers")
        n = per_layer.shape[1]
        for i, c in enumerate(_layer_colors(n)):
            name = "output layer" if i == n - 1 else f"layer {i + 1}"
            ax.loglog(steps, smoothed(per_layer[:, i], smooth), color=c, lw=0.9, label=name)
    snr = paper_snr(h)
    ax.loglog(steps, snr, color=color, lw=0.7, alpha=0.4)
    ax.loglog(steps, smoothed(snr, smooth), color=color, lw=2.2, label="whole network")
    ax.loglog(steps, geometric_smoothed(snr, smooth), color=color, lw=1.0, ls="--",
              label="geometric mean")  # fmt: skip
    if "snr_residual" in h:
        ax.loglog(steps, smoothed(paper_snr(h, "snr_residual"), smooth), color=color, lw=1.0,
                  ls=(0, (5, 1, 1, 1)), label="residual term only")  # fmt: skip
    if "adam_snr" in h:
        ax.loglog(steps, smoothed(h["adam_snr"], smooth), color="k", ls=":", lw=1.2,
                  label="Adam SNR")  # fmt: skip
    ax.set_xlabel("Adam step")


def plot_snr(
    records: dict[str, RunRecord], smooth: int = PAPER_SMOOTHING, layers: bool = True
) -> Figure:
    """Batch gradient SNR in the paper's units against the step, one panel per run.

    Each panel as :func:`draw_snr` draws it, titled with the run and the points per
    batch its SNR was measured at. Phases from
    :func:`pinnlib.diagnostics.detect_history_phases` (its default rule).
    """
    with book_style():
        fig = new_figure((4.4 * len(records), 3.8))
        axes = fig.subplots(1, len(records), squeeze=False, sharey=True)[0]
        for ax, (label, record) in zip(axes, records.items()):
            draw_snr(ax, label, record, smooth, layers)
            ax.set_title(f"{_label(label)}: {_title(record)}\n{snr_note(record.history)}")
            ax.legend(loc="lower left", fontsize=7, ncol=2)
        axes[0].set_ylabel(snr_ylabel([r.history for r in records.values()]))
    return fig


def plot_phase_examples(
    examples: dict[str, tuple], ncols: int = 2, smooth: int = PAPER_SMOOTHING
) -> Figure:
    """Synthetic SNR histories with their true and detected phase boundaries.

    ``examples``: title -> (steps, SNR in the paper's units, true fitting end, true
    total-diffusion step; None where absent). The SNR as generated (faint) and its
    geometric moving average over ``smooth`` logged points (thick); detected phases
    shaded and dashed (as in :func:`plot_snr`), true boundaries dotted red, the levels
    SNR = 1 and 2 dash-dotted; the SNR axis spans the central 1 % to 99.5 % of the
    values. The synthetic noise is Student-t in log10 SNR, whose rare upward outliers
    (decades high) would carry an arithmetic average, so the geometric one, the
    detector's view, is drawn here.
    """
    with book_style():
        nrows = -(-len(examples) // ncols)
        fig = new_figure((4.4 * ncols, 3.0 * nrows))
        axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True).ravel()
        for ax, (title, (steps, snr, fit, total)) in zip(axes, examples.items()):
            shade_phases(ax, detect_phases(steps, snr))
            x = np.clip(steps, 1, None)
            ax.loglog(x, snr, color="tab:blue", lw=0.6, alpha=0.5, label="SNR")
            ax.loglog(x, geometric_smoothed(snr, smooth), color="tab:blue", lw=1.8,
                      label="geometric moving average")  # fmt: skip
            for level in (1.0, 2.0):
                ax.axhline(level, color="k", lw=0.6, ls="-.", alpha=0.5)
            for i, step in enumerate(b for b in (fit, total) if b is not None):
                ax.axvline(max(step, 1), color="tab:red", ls=":", lw=1.5,
                           label="true boundary" if i == 0 else None)  # fmt: skip
            ax.plot([], [], color="k", lw=0.8, ls="--", label="detected boundary")
            ax.set(title=title, xlabel="Adam step")
            ax.legend(loc="lower left", fontsize=7, ncol=2)
        logs = np.log10(np.concatenate([e[1] for e in examples.values()]))
        lo, hi = np.percentile(logs[np.isfinite(logs)], [1, 99.5])
        axes[0].set_ylim(10 ** (lo - 1.5), 10 ** (hi + 0.5))  # shared: room for the legend
        for ax in axes[len(examples) :]:
            ax.set_visible(False)
        for ax in axes[::ncols]:
            ax.set_ylabel(f"batch SNR ({PAPER_POINTS_PER_BATCH} points per batch)")
    return fig


def plot_order(records: dict[str, RunRecord], smooth: int = PAPER_SMOOTHING) -> Figure:
    """Gradient order phi, residual homogeneity phi_r and the test error against the step.

    phi_r of |r| solid, of the RBA weights dashed (RBA runs); raw values faint,
    arithmetic moving averages over ``smooth`` logged points on top.
    """
    with book_style():
        fig = new_figure((12.6, 3.4))
        ax_phi, ax_r, ax_err = fig.subplots(1, 3)
        for label, record in records.items():
            h, steps, color = record.history, _steps(record), _color(label, record)
            name = _label(label)
            if "order" in h:
                ax_phi.semilogx(steps, h["order"], color=color, lw=0.6, alpha=0.35)
                ax_phi.semilogx(steps, smoothed(h["order"], smooth), color=color, label=name)
            for key, ls, what in (("homogeneity_residual", "-", "|r|"),
                                  ("homogeneity_rba", "--", "RBA weights")):  # fmt: skip
                if key in h:
                    ax_r.semilogx(steps, h[key], color=color, lw=0.6, ls=ls, alpha=0.35)
                    ax_r.semilogx(steps, smoothed(h[key], smooth), color=color, ls=ls,
                                  label=f"{name}: {what}")  # fmt: skip
            ax_err.loglog(steps, h["error"], color=color, label=name)
        ax_phi.set(ylabel=r"gradient order $\phi = \|\mu\| / \|\mathrm{rms}\|$", ylim=(0, 1.02))
        ax_r.set(ylabel=r"residual homogeneity $\phi_r$", ylim=(0, 1.02))
        ax_err.set(ylabel=r"relative $L^2$ error")
        for ax in (ax_phi, ax_r, ax_err):
            ax.set_xlabel("Adam step")
            ax.legend(fontsize=7)
    return fig


def plot_compression(records: dict[str, RunRecord], smooth: int = PAPER_SMOOTHING) -> Figure:
    """Per hidden layer against the step: binned entropy, KDE entropy, saturation share.

    One row per run; arithmetic moving averages over ``smooth`` logged points, layers
    coloured input (dark) to output (light). Saturation: the paper's binned share
    solid, the share of |a| > 0.99 dashed. The binned entropy's maximum log2 N is
    drawn dotted, the detected jump into total diffusion as a dashed vertical line.
    """
    with book_style():
        fig = new_figure((12.6, 3.2 * len(records)))
        axes = fig.subplots(len(records), 3, squeeze=False)
        for row, (label, record) in zip(axes, records.items()):
            h, steps = record.history, _steps(record)
            n_layers = h["compression_entropy"].shape[1]
            for i, c in enumerate(_layer_colors(n_layers)):
                name = f"layer {i + 1}"
                row[0].semilogx(steps, smoothed(h["compression_entropy"][:, i], smooth),
                                color=c, label=name)  # fmt: skip
                row[1].semilogx(steps, smoothed(h["compression_entropy_kde"][:, i], smooth),
                                color=c, label=name)  # fmt: skip
                row[2].semilogx(steps, smoothed(h["compression_saturation"][:, i], smooth),
                                color=c, label=name)  # fmt: skip
                row[2].semilogx(steps, smoothed(h["compression_saturation_tanh"][:, i], smooth),
                                color=c, ls="--")  # fmt: skip
            n_points = len(record.final["points"])
            row[0].axhline(np.log2(n_points), color="k", ls=":", lw=0.8, label=r"$\log_2 N$")
            title = f"{_label(label)}: {_title(record)}"
            row[0].set(ylabel="binned entropy $H$ (bits)", title=f"{title}, binned")
            row[1].set(ylabel="KDE entropy (bits)", title=f"{title}, KDE")
            row[2].set(ylabel="saturation share", ylim=(-0.02, 1.02), title=f"{title}, saturation")
            row[2].plot([], [], color="k", label="edge bins")
            row[2].plot([], [], color="k", ls="--", label=r"$|a| > 0.99$")
            jump = record.phases.total_diffusion
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
    maps = []
    for label, record in records.items():
        points = record.final["points"]
        b = bins or int(np.clip(np.sqrt(len(points) / 10), 10, 100))
        problem = PROBLEMS.get(record.spec.problem)
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


__all__ = [
    "PAPER_SMOOTHING",
    "centred_average",
    "draw_snr",
    "geometric_smoothed",
    "paper_snr",
    "plot_compression",
    "plot_order",
    "plot_phase_examples",
    "plot_residual_maps",
    "plot_snr",
    "points_per_batch",
    "shade_phases",
    "smoothed",
]
