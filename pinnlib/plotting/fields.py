"""Solution fields and pointwise errors over a 2-D domain."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from pinnlib.evaluate import grid_fields
from pinnlib.plotting.style import METHOD_COLORS, METHOD_LABELS, book_style, new_figure
from pinnlib.records import RunRecord


def plot_solution_comparison(
    axes_values: tuple[np.ndarray, np.ndarray],
    axes_names: tuple[str, str],
    reference: np.ndarray,
    predictions: dict[str, np.ndarray],
    field_name: str = "u",
) -> Figure:
    """Reference field, each prediction, and each |prediction - reference|.

    ``axes_values = (a, b)`` are the grid coordinates, the fields have shape
    (len(a), len(b)); ``a`` is drawn horizontally (e.g. time), ``b`` vertically.
    Top row: fields on one colour scale; bottom row: absolute errors.
    """
    a, b = axes_values
    n = len(predictions)
    with book_style():
        fig = new_figure((3.4 * (n + 1), 5.4))
        axes = fig.subplots(2, n + 1, squeeze=False)
        vmax = np.abs(reference).max()
        extent = (a[0], a[-1], b[0], b[-1])
        panels = [("reference", reference), *predictions.items()]
        for ax, (label, field) in zip(axes[0], panels):
            im = ax.imshow(field.T, origin="lower", aspect="auto", extent=extent,
                           vmin=-vmax, vmax=vmax, cmap="RdBu_r")  # fmt: skip
            ax.set_title(f"{field_name}: {label}")
        fig.colorbar(im, ax=axes[0].tolist(), label=field_name, shrink=0.9)
        errors = {k: np.abs(v - reference) for k, v in predictions.items()}
        emax = max(e.max() for e in errors.values())
        axes[1, 0].axis("off")
        axes[1, 0].grid(False)
        for ax, (label, err) in zip(axes[1, 1:], errors.items()):
            im = ax.imshow(err.T, origin="lower", aspect="auto", extent=extent,
                           vmin=0, vmax=emax, cmap="magma")  # fmt: skip
            ax.set_title(f"|{field_name} - reference|: {label}")
        fig.colorbar(im, ax=axes[1].tolist(), label=f"absolute error in {field_name}", shrink=0.9)
        for ax in axes.ravel():
            ax.grid(False)
            ax.set_xlabel(axes_names[0])
            ax.set_ylabel(axes_names[1])
    return fig


def plot_slices(
    coordinate: np.ndarray,
    coordinate_name: str,
    slices: dict[str, tuple[float, np.ndarray, dict[str, np.ndarray]]],
    field_name: str = "u",
) -> Figure:
    """Line plots of the reference and predictions at a few fixed values of the other input.

    ``slices[title] = (value, reference_line, {label: prediction_line})``.
    """
    with book_style():
        fig = new_figure((3.6 * len(slices), 3.0))
        axes = fig.subplots(1, len(slices), squeeze=False)
        for ax, (title, (_, ref, preds)) in zip(axes[0], slices.items()):
            ax.plot(coordinate, ref, "k-", lw=2.5, alpha=0.4, label="reference")
            for label, line in preds.items():
                ax.plot(coordinate, line, "--", color=METHOD_COLORS.get(label),
                        label=METHOD_LABELS.get(label, label))  # fmt: skip
            ax.set_title(title)
            ax.set_xlabel(coordinate_name)
            ax.set_ylabel(field_name)
        axes[0, 0].legend()
    return fig


def plot_run_fields(
    records: dict[str, RunRecord], axes_names: tuple[str, str], field_name: str = "u"
) -> Figure:
    """:func:`plot_solution_comparison` of trained runs ({method: RunRecord}) against the
    reference, on the reference grid of the quantity their error measures."""
    fields = {m: grid_fields(r) for m, r in records.items()}
    axes_values, reference, _ = next(iter(fields.values()))
    predictions = {METHOD_LABELS.get(m, m): f[2] for m, f in fields.items()}
    return plot_solution_comparison(axes_values, axes_names, reference, predictions, field_name)
