"""The benchmarks' names and the paper's numbers, read off the problem classes.

Each problem class in :mod:`pinnlib.problems` carries its ``title``, ``paper_errors``
and ``paper_transitions``; the mappings here are live views of
:data:`~pinnlib.problems.PROBLEMS`, so a new benchmark needs only its problem file.
"""

from __future__ import annotations

from collections.abc import Mapping

from pinnlib.plotting.style import BENCHMARK_TITLES, METHOD_LABELS
from pinnlib.problems import ByProblem

__all__ = ["METHOD_LABELS", "PAPER_ERRORS", "PAPER_TRANSITIONS", "TITLES"]

#: {benchmark: its name in titles and tables}.
TITLES: Mapping[str, str] = BENCHMARK_TITLES
#: {benchmark: the paper's relative L2 errors (vanilla, RBA)}, nan where it reports none.
PAPER_ERRORS: Mapping[str, tuple[float, float]] = ByProblem("paper_errors")
#: {benchmark: the authors' steps of the jump into total diffusion (vanilla, RBA)}.
PAPER_TRANSITIONS: Mapping[str, tuple[float, float]] = ByProblem("paper_transitions")
