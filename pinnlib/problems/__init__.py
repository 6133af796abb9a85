"""The benchmarks: one module each, registered by name."""

from __future__ import annotations

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


def make_problem(name: str, **kwargs: Any) -> Problem:
    """Build a benchmark by name; an unknown name or parameter is a clear error."""
    key = name.replace("-", "_").lower()
    if key not in PROBLEMS:
        raise ValueError(f"unknown benchmark {name!r}; choose one of {sorted(PROBLEMS)}")
    try:
        return PROBLEMS[key](**kwargs)
    except TypeError as err:
        raise ValueError(f"bad parameter for benchmark {name!r}: {err}") from None


__all__ = [
    "PROBLEMS",
    "AllenCahn",
    "Burgers",
    "Cavity",
    "Condition",
    "Helmholtz",
    "PeriodicCondition",
    "Problem",
    "make_problem",
]
