"""The runs each chapter of the book trains, as specs: one function per chapter.

The chapters acquire their runs through :func:`benchmark_runs` and :func:`long_runs`
(each run loaded from the cache or trained), which take their specs from
:func:`benchmark_specs` and :func:`long_specs`. :data:`CHAPTER_RUNS` composes the
same two functions per chapter, so the sweep (``python -m pinnlib sweep``) trains
exactly the records the chapters then read; ``tests/test_sweep.py`` executes each
chapter's acquisition cells with training switched off after a sweep to check it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from pinnlib.experiments import EXPERIMENTS, PROFILES, check_profile, experiment, record_path, run
from pinnlib.records import RunRecord
from pinnlib.spec import METHODS, RunSpec

#: The benchmarks in book order: those of :data:`~pinnlib.experiments.EXPERIMENTS`.
BENCHMARKS = tuple(EXPERIMENTS)

#: The benchmarks RQ1 also trains for longer (first seed, both methods); their
#: settings per profile are :attr:`~pinnlib.experiments.Profile.long_runs`.
LONG_BENCHMARKS = ("burgers", "allen_cahn")


def seeds(profile: str) -> tuple[int, ...]:
    """The network seeds a chapter trains at ``profile``."""
    return PROFILES[check_profile(profile)].seeds


def benchmark_specs(
    problem: str, profile: str, seed_list: Sequence[int] | None = None
) -> dict[tuple[str, int], RunSpec]:
    """Vanilla and RBA specs of ``problem`` for every seed: {(method, seed): spec}."""
    return {
        (method, seed): experiment(problem, profile, method=method, seed=seed)
        for seed in seed_list or seeds(profile)
        for method in METHODS
    }


def long_specs(problem: str, profile: str, seed: int | None = None) -> dict[str, RunSpec]:
    """{method: spec} of the longer run of ``problem`` (first seed by default); at
    ``paper``, where the runs are already the paper's length, the profile's own runs."""
    longer = PROFILES[check_profile(profile)].long_runs
    if profile != "paper" and problem not in longer:
        raise ValueError(
            f"no longer run of {problem!r} at profile {profile!r}; there are: {sorted(longer)}"
        )
    seed = seeds(profile)[0] if seed is None else seed
    settings = longer.get(problem, {})
    return {m: experiment(problem, profile, method=m, seed=seed, **settings) for m in METHODS}


# -- per chapter ---------------------------------------------------------------------------
ChapterRuns = Callable[[str, Sequence[int] | None], list[RunSpec]]


def _benchmark(problem: str) -> ChapterRuns:
    """A benchmark chapter: its benchmark, both methods, every seed."""

    def specs(profile: str, seed_list: Sequence[int] | None = None) -> list[RunSpec]:
        return list(benchmark_specs(problem, profile, seed_list).values())

    return specs


def _every_benchmark(profile: str, seed_list: Sequence[int] | None = None) -> list[RunSpec]:
    """Every benchmark, both methods, every seed (RQ2, RQ4)."""
    return [s for p in BENCHMARKS for s in benchmark_specs(p, profile, seed_list).values()]


def _every_benchmark_and_longer(
    profile: str, seed_list: Sequence[int] | None = None
) -> list[RunSpec]:
    """Every benchmark, plus the longer runs of the first seed (RQ1, RQ3)."""
    first = seed_list[0] if seed_list else None
    longer = [s for p in LONG_BENCHMARKS for s in long_specs(p, profile, first).values()]
    return _every_benchmark(profile, seed_list) + longer


def _none(profile: str, seed_list: Sequence[int] | None = None) -> list[RunSpec]:
    """A chapter that trains nothing (it reads records or data files only)."""
    return []


#: {chapter: function(profile, seeds) -> the specs it trains}, for every executable chapter.
CHAPTER_RUNS: dict[str, ChapterRuns] = {
    "rq1_phases": _every_benchmark_and_longer,
    "rq2_homogeneity": _every_benchmark,
    "rq3_rba": _every_benchmark_and_longer,
    "rq4_compression": _every_benchmark,
    "allen_cahn": _benchmark("allen_cahn"),
    "helmholtz": _benchmark("helmholtz"),
    "burgers": _benchmark("burgers"),
    "cavity": _benchmark("cavity"),
    "reproducing": _none,
    "appendix_profiles": _none,
    "appendix_detector": _none,
    "appendix_reference": _none,
}


def chapter_specs(
    chapter: str, profile: str, seed_list: Sequence[int] | None = None
) -> list[RunSpec]:
    """The specs ``chapter`` trains at ``profile`` with ``seed_list`` (default: the profile's)."""
    if chapter not in CHAPTER_RUNS:
        raise ValueError(f"unknown chapter {chapter!r}; chapters: {', '.join(CHAPTER_RUNS)}")
    return CHAPTER_RUNS[chapter](check_profile(profile), seed_list)


def book_specs(
    profile: str,
    chapters: Iterable[str] | None = None,
    seed_list: Sequence[int] | None = None,
) -> list[RunSpec]:
    """The specs of ``chapters`` (default: every chapter), each run once, in book order."""
    unique: dict[str, RunSpec] = {}
    for chapter in chapters or CHAPTER_RUNS:
        for spec in chapter_specs(chapter, profile, seed_list):
            unique.setdefault(str(record_path(spec, ".")), spec)
    return list(unique.values())


# -- acquiring the runs --------------------------------------------------------------------


def benchmark_runs(
    problem: str,
    profile: str,
    seed_list: Sequence[int] | None = None,
    device: str = "cpu",
    progress: bool = True,
) -> dict[tuple[str, int], RunRecord]:
    """Vanilla and RBA records of ``problem`` for every seed: {(method, seed): record},
    each loaded from the cache or trained (:func:`pinnlib.experiments.run`)."""
    specs = benchmark_specs(problem, profile, seed_list)
    return {k: run(spec, device=device, progress=progress) for k, spec in specs.items()}


def long_runs(
    problem: str, profile: str, seed: int | None = None, device: str = "cpu", progress: bool = True
) -> dict[str, RunRecord]:
    """{method: record} of the longer run of ``problem`` (first seed); at ``paper``,
    where the runs are already the paper's length, the profile's own runs."""
    specs = long_specs(problem, profile, seed)
    return {m: run(spec, device=device, progress=progress) for m, spec in specs.items()}
