"""Every figure the book shows; each function returns a matplotlib Figure."""

from pinnlib.plotting.fields import plot_slices, plot_solution_comparison
from pinnlib.plotting.style import METHOD_COLORS, METHOD_LABELS, book_style
from pinnlib.plotting.training import plot_histories

__all__ = [
    "METHOD_COLORS",
    "METHOD_LABELS",
    "book_style",
    "plot_histories",
    "plot_slices",
    "plot_solution_comparison",
]
