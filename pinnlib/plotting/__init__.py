"""Every figure the book shows; each function returns a matplotlib Figure."""

from pinnlib.plotting.authors import plot_against_authors, plot_authors_logs
from pinnlib.plotting.diagnostics import (
    plot_compression,
    plot_order,
    plot_residual_maps,
    plot_snr,
    shade_phases,
)
from pinnlib.plotting.fields import plot_run_fields, plot_slices, plot_solution_comparison
from pinnlib.plotting.reference import (
    plot_allen_cahn_reference,
    plot_burgers_reference,
    plot_cavity_reference,
    plot_ghia_comparison,
    plot_helmholtz_reference,
    plot_self_convergence,
)
from pinnlib.plotting.style import METHOD_COLORS, METHOD_LABELS, book_style
from pinnlib.plotting.summary import (
    plot_compression_change,
    plot_homogeneity_error,
    plot_seed_errors,
    plot_snr_grid,
)
from pinnlib.plotting.training import plot_histories

__all__ = [
    "METHOD_COLORS",
    "METHOD_LABELS",
    "book_style",
    "plot_allen_cahn_reference",
    "plot_against_authors",
    "plot_authors_logs",
    "plot_compression",
    "plot_compression_change",
    "plot_homogeneity_error",
    "plot_seed_errors",
    "plot_snr_grid",
    "plot_order",
    "plot_residual_maps",
    "plot_run_fields",
    "plot_snr",
    "shade_phases",
    "plot_burgers_reference",
    "plot_cavity_reference",
    "plot_ghia_comparison",
    "plot_helmholtz_reference",
    "plot_histories",
    "plot_self_convergence",
    "plot_slices",
    "plot_solution_comparison",
]
