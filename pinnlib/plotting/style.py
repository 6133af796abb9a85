"""One figure style for the whole book (applied per figure, no global rcParams change)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from pinnlib.problems import ByProblem

STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "image.cmap": "RdBu_r",
}

#: Colours of the training methods, the same in every figure.
METHOD_COLORS = {"vanilla": "tab:blue", "rba": "tab:orange"}
METHOD_LABELS = {"vanilla": "vanilla", "rba": "RBA"}
#: Names of the benchmarks in titles and tables, from the problem classes
#: (one registry: ``pinnlib.problems``).
BENCHMARK_TITLES: Mapping[str, str] = ByProblem("title")


@contextmanager
def book_style() -> Iterator[None]:
    with plt.rc_context(STYLE):
        yield


def new_figure(figsize: tuple[float, float]) -> Figure:
    """A figure outside pyplot's registry (so notebooks show it once, when returned)."""
    return Figure(figsize=figsize, layout="constrained")
