"""Reference solutions of the four benchmarks, computed by the book's own solvers.

- Allen-Cahn: Fourier pseudo-spectral + ETDRK4 (:mod:`~pinnlib.reference.allen_cahn`).
- Burgers: exact Cole-Hopf solution (:mod:`~pinnlib.reference.burgers`), cross-checked by
  a spectral solver (:mod:`~pinnlib.reference.burgers_spectral`).
- Helmholtz: analytic (:mod:`~pinnlib.reference.helmholtz`).
- Lid-driven cavity, Re = 100 and 1000: stream function-vorticity Newton solver
  (:mod:`~pinnlib.reference.cavity`) on two grids, Richardson-extrapolated
  (:mod:`~pinnlib.reference.richardson`), pressure (:mod:`~pinnlib.reference.cavity_pressure`),
  validated against Ghia, Ghia & Shin (1982) and high-accuracy published extrema
  (:mod:`~pinnlib.reference.cavity_benchmarks`).

The computed fields live in ``data/reference/`` with a manifest (:mod:`~pinnlib.reference.store`):
``load(name)`` returns checked arrays, ``verify()`` lists problems, ``regenerate(names)``
recomputes (``python -m pinnlib data --regenerate [names]``).
"""

from pinnlib.reference.burgers import burgers_exact, burgers_grid
from pinnlib.reference.helmholtz import helmholtz_forcing, helmholtz_grid, helmholtz_solution
from pinnlib.reference.store import (
    DATA_DIR,
    NAMES,
    ReferenceCorruptError,
    ReferenceMissingError,
    UnknownReferenceError,
    load,
    manifest_entry,
    regenerate,
    verify,
)

__all__ = [
    "DATA_DIR",
    "NAMES",
    "ReferenceCorruptError",
    "ReferenceMissingError",
    "UnknownReferenceError",
    "burgers_exact",
    "burgers_grid",
    "helmholtz_forcing",
    "helmholtz_grid",
    "helmholtz_solution",
    "load",
    "manifest_entry",
    "regenerate",
    "verify",
]
