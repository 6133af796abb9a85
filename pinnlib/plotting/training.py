"""Training histories read from run records."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from pinnlib.plotting.style import METHOD_COLORS, METHOD_LABELS, book_style, new_figure
from pinnlib.records import RunRecord

HISTORY_LABELS = {
    "loss": "total loss",
    "loss_residual": "weighted residual loss",
    "error": "relative $L^2$ error",
}


def plot_histories(
    records: dict[str, RunRecord], keys: Sequence[str] = ("loss", "error")
) -> Figure:
    """One panel per history key, one line per run, against the Adam step (log-log axes).

    Step 0 is drawn at step 1 so it shows on the log axis.
    """
    with book_style():
        fig = new_figure((4.2 * len(keys), 3.2))
        axes = fig.subplots(1, len(keys), squeeze=False)
        for ax, key in zip(axes[0], keys):
            for label, record in records.items():
                h = record.history
                method = record.spec.method
                ax.loglog(
                    h["step"].clip(min=1),
                    h[key],
                    color=METHOD_COLORS.get(label, METHOD_COLORS.get(method)),
                    label=METHOD_LABELS.get(label, label),
                )
            ax.set_xlabel("Adam step")
            ax.set_ylabel(HISTORY_LABELS.get(key, key))
        axes[0, 0].legend()
    return fig
