"""The benchmarks: one module each, registered by name."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pinnlib.problems.allen_cahn import AllenCahn
from pinnlib.problems.base import Condition, PeriodicCondition, Problem
from pinnlib.problems.burgers import Burgers
from pinnlib.problems.cavity import Cavity
from pinnlib.problems.helmholtz import Helmholtz

PROBLEMS: dict[str, type[Problem]] = {
    "allen_cahn": AllenCahn,
    "helmholtz": Helmholtz,
    "burgers": Burgers,
    "cavity": Cavity,
}


def problem_name(name: str) -> str:
    """A benchmark's registered name: lower case, ``-`` as ``_`` ("Allen-Cahn" ->
    "allen_cahn"); an unknown benchmark is a ValueError naming the known ones."""
    key = name.strip().lower().replace("-", "_")
    if key not in PROBLEMS:
        raise ValueError(f"unknown benchmark {name!r}; choose one of {sorted(PROBLEMS)}")
    return key


class ByProblem(Mapping[str, Any]):
    """A live read-only view {benchmark: an attribute of its problem class} over
    :data:`PROBLEMS`, so a benchmark registered later (a test's toy) appears too."""

    def __init__(self, attribute: str) -> None:
        self.attribute = attribute

    def __getitem__(self, name: str) -> Any:
        return getattr(PROBLEMS[name], self.attribute)

    def __iter__(self) -> Iterator[str]:
        return iter(PROBLEMS)

    def __len__(self) -> int:
        return len(PROBLEMS)


def make_problem(name: str, **kwargs: Any) -> Problem:
    """Build a benchmark by name; an unknown name or parameter is a clear error."""
    key = problem_name(name)
    try:
        return PROBLEMS[key](**kwargs)
    except TypeError as err:
        raise ValueError(f"bad parameter for benchmark {name!r}: {err}") from None


__all__ = [
    "PROBLEMS",
    "ByProblem",
    "AllenCahn",
    "Burgers",
    "Cavity",
    "Condition",
    "Helmholtz",
    "PeriodicCondition",
    "Problem",
    "make_problem",
    "problem_name",
]
