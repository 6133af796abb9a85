"""The benchmarks: one module each, registered by name."""

from __future__ import annotations

from typing import Any

from pinnlib.problems.base import Condition, Problem
from pinnlib.problems.burgers import Burgers

PROBLEMS: dict[str, type[Problem]] = {
    "burgers": Burgers,
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


__all__ = ["PROBLEMS", "Burgers", "Condition", "Problem", "make_problem"]
