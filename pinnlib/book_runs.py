"""The runs each chapter of the book trains, as specs: one function per chapter.

The chapters acquire their runs through :func:`benchmark_runs` and :func:`long_runs`
(each run loaded from the cache or trained), which take their specs from
:func:`benchmark_specs` and :func:`long_seed_specs`. :data:`CHAPTER_RUNS` composes the
same two functions per chapter, so the sweep (``python -m pinnlib sweep``) trains
exactly the records the chapters then read; ``tests/test_sweep.py`` executes each
chapter's acquisition cells with training switched off after a sweep to check it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from pinnlib.experiments import (
    DEFAULT_CACHE,
    EXPERIMENTS,
    PROFILES,
    check_profile,
    experiment,
    record_path,
    run,
)
from pinnlib.records import RunRecord, read_checkpoint_run, read_record
from pinnlib.spec import METHODS, RunSpec

#: The benchmarks in book order: those of :data:`~pinnlib.experiments.EXPERIMENTS`.
BENCHMARKS = tuple(EXPERIMENTS)

#: The benchmarks RQ1, RQ3 and RQ4 also train for longer (every seed, both methods), for the
#: transition statistics over seeds; their settings per profile are
#: :attr:`~pinnlib.experiments.Profile.long_runs`.
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


def long_seed_specs(
    problem: str, profile: str, seed_list: Sequence[int] | None = None
) -> dict[tuple[str, int], RunSpec]:
    """{(method, seed): spec} of the longer runs of ``problem`` (:func:`long_specs`) for
    every seed (default: the profile's)."""
    return {
        (method, seed): spec
        for seed in seed_list or seeds(profile)
        for method, spec in long_specs(problem, profile, seed).items()
    }


# -- paper-scale runs: shown, never trained by the book --------------------------------------
#: The paper-scale runs the book shows beside the authors' logs, at the ``paper``
#: profile (6 x 128, 25,600 points, the paper's schedule, ``compile=True``): (benchmark,
#: method, seeds, Adam steps, other settings). Each is hours on a CPU, so neither
#: ``make book`` nor a chapter trains them: ``scripts/paper_runs.py`` trains the rows of
#: :data:`GPU_PLAN_ROWS` on a GPU (or one row, ``--row K``, on a CPU), and the records
#: and checkpoints are committed to ``data/runs``. Each of the first six goes a little
#: past the step where the authors place the jump into total diffusion (Helmholtz RBA
#: about 1,000, vanilla 19,000; Allen-Cahn RBA 11,100, vanilla 91,700). The Helmholtz
#: RBA variants use the authors' min-max normalised update (their Helmholtz script's
#: rule), with lambda starting at the scaled residual (the script's default) and at
#: zero; the seeds of the latter are those whose 1,000-step probes left the plateau at
#: error 1 as the log does (seed 2341 stays on it). The other rows are CPU probes of the
#: first 1,000 steps (about 36 minutes each on one of two busy cores,
#: ``scripts/paper_runs.py --probes``): lambda from zero with the min-max update over
#: three seeds (at the start of the authors' logged RBA run the batch SNR is in the
#: thousands, which only a near-zero PDE weight gives), the paper's |r|/max update from
#: zero, and vanilla as the control of everything but RBA. The row after them repeats
#: the first 300 steps of the vanilla probe with the derivatives taken by nested
#: autograd, uncompiled (the authors' way): the same loss from the same initial network
#: and points, rounded differently, to show how soon two such runs part. The two rows
#: after it start from the authors' own network for seed 2341 (``init_order="layer"``,
#: the order in which their scripts draw it; its initial error is their log's), vanilla
#: and RBA with lambda from zero and the min-max update. The next two rows carry the
#: first row's seed 2341 (from its checkpoint at step 2,250) and the third row's seed
#: 2342 (from step 1,250) on to 6,000 steps
#: (``scripts/paper_runs.py --row K --continue-from``,
#: :func:`pinnlib.experiments.continue_run`): the phase detector needs 20 logged points
#: (2,000 steps) after a rise before it can judge it. The last row trains four more
#: seeds of the second of these variants for 6,000 steps, for the jump statistics over
#: seeds.
PAPER_SCALE_RUNS = (
    ("helmholtz", "rba", (2341, 2342, 2343), 5_000, {}),
    ("helmholtz", "rba", (2341,), 5_000, {"rba_normalisation": "minmax"}),
    ("helmholtz", "rba", (2342, 2343), 5_000, {"rba_normalisation": "minmax", "rba_init": "zero"}),
    ("helmholtz", "vanilla", (2341,), 25_000, {}),
    ("allen_cahn", "rba", (2341,), 40_000, {}),
    ("allen_cahn", "vanilla", (2341,), 100_000, {}),
    (
        "helmholtz",
        "rba",
        (2341, 2342, 2343),
        1_000,
        {"rba_normalisation": "minmax", "rba_init": "zero"},
    ),
    ("helmholtz", "vanilla", (2341,), 1_000, {}),
    ("helmholtz", "rba", (2341,), 1_000, {"rba_init": "zero"}),
    ("helmholtz", "vanilla", (2341,), 300, {"derivatives": "autograd", "compile": False}),
    ("helmholtz", "vanilla", (2341,), 300, {"init_order": "layer"}),
    (
        "helmholtz",
        "rba",
        (2341,),
        1_000,
        {"init_order": "layer", "rba_init": "zero", "rba_normalisation": "minmax"},
    ),
    ("helmholtz", "rba", (2341,), 6_000, {}),
    ("helmholtz", "rba", (2342,), 6_000, {"rba_normalisation": "minmax", "rba_init": "zero"}),
    (
        "helmholtz",
        "rba",
        (2341, 2343, 2344, 2345),
        6_000,
        {"rba_normalisation": "minmax", "rba_init": "zero"},
    ),
)
#: The rows of :data:`PAPER_SCALE_RUNS` the GPU script trains: the first six, and the last,
#: which with the row before it gives the one variant with a detected jump at paper scale
#: (seed 2342 at step 3,400) five seeds of 6,000 steps, for its jump statistics over seeds.
GPU_PLAN_ROWS = (0, 1, 2, 3, 4, 5, 14)


def paper_scale_variant(spec: RunSpec) -> str:
    """A paper-scale run's method and RBA variant, e.g. "rba (min-max update, lambda from 0)"."""
    variant = []
    if spec.rba_normalisation == "minmax":
        variant.append("min-max update")
    if spec.method == "rba" and spec.rba_init == "zero":
        variant.append("lambda from 0")
    if spec.init_order == "layer":
        variant.append("the authors' initial network")
    if spec.derivatives == "autograd":
        variant.append("autograd derivatives, uncompiled")
    return spec.method + (f" ({', '.join(variant)})" if variant else "")


def paper_scale_label(spec: RunSpec) -> str:
    """A paper-scale run's name in tables and legends: method, RBA variant, seed, steps."""
    return f"{paper_scale_variant(spec)}, seed {spec.seed}, {spec.steps:,} steps"


def paper_scale_specs(
    problem: str | None = None, rows: Sequence[int] | None = None
) -> list[RunSpec]:
    """The specs of the ``rows`` (indices, from 0) of :data:`PAPER_SCALE_RUNS` (all by
    default), of ``problem`` only if given."""
    return [
        spec
        for i in (range(len(PAPER_SCALE_RUNS)) if rows is None else rows)
        if problem in (None, PAPER_SCALE_RUNS[i][0])
        for spec in paper_scale_row(i)
    ]


def paper_scale_row(row: int) -> list[RunSpec]:
    """The specs of row ``row`` (from 0) of :data:`PAPER_SCALE_RUNS`, one per seed."""
    if not 0 <= row < len(PAPER_SCALE_RUNS):
        raise ValueError(
            f"no row {row} in PAPER_SCALE_RUNS (rows 0 to {len(PAPER_SCALE_RUNS) - 1})"
        )
    problem, method, seed_list, steps, other = PAPER_SCALE_RUNS[row]
    return [
        experiment(
            problem, "paper", method=method, seed=seed, steps=steps, **{"compile": True, **other}
        )
        for seed in seed_list
    ]


def paper_scale_records(problem: str) -> tuple[dict[str, RunRecord], list[str]]:
    """({label: record} of the paper-scale runs of ``problem`` in the run cache or, failing
    that, committed in ``data/runs``; [labels of those in neither]). Never trains.

    A run not finished but checkpointed counts as found, with the history it logged so
    far (:func:`~pinnlib.records.read_checkpoint_run`) and "in progress: step N" added to
    its label."""
    found, missing = {}, []
    for spec in paper_scale_specs(problem):
        label = paper_scale_label(spec)
        paths = [record_path(spec), record_path(spec, DEFAULT_CACHE)]
        path = next((p for p in paths if (p / "record.json").exists()), None)
        if path is not None:
            found[label] = read_record(path, spec)
            continue
        partial = next(filter(None, (read_checkpoint_run(p, spec) for p in paths)), None)
        if partial is None:
            missing.append(label)
        else:
            found[f"{label} (in progress: step {partial.info['checkpoint_step']:,})"] = partial
    return found, missing


# -- per chapter ---------------------------------------------------------------------------
ChapterRuns = Callable[[str, Sequence[int] | None], list[RunSpec]]


def _benchmark(problem: str) -> ChapterRuns:
    """A benchmark chapter: its benchmark, both methods, every seed."""

    def specs(profile: str, seed_list: Sequence[int] | None = None) -> list[RunSpec]:
        return list(benchmark_specs(problem, profile, seed_list).values())

    return specs


def _every_benchmark(profile: str, seed_list: Sequence[int] | None = None) -> list[RunSpec]:
    """Every benchmark, both methods, every seed (RQ2)."""
    return [s for p in BENCHMARKS for s in benchmark_specs(p, profile, seed_list).values()]


def _every_benchmark_and_longer(
    profile: str, seed_list: Sequence[int] | None = None
) -> list[RunSpec]:
    """Every benchmark, plus the longer runs of every seed (RQ1, RQ3, RQ4)."""
    longer = [s for p in LONG_BENCHMARKS for s in long_seed_specs(p, profile, seed_list).values()]
    return _every_benchmark(profile, seed_list) + longer


def _every_benchmark_at_its_seeds(
    profile: str, seed_list: Sequence[int] | None = None
) -> list[RunSpec]:
    """Every benchmark at the profile's own seeds (the profiles appendix's convergence
    table, which takes no ``seeds`` parameter)."""
    return _every_benchmark(profile)


def _none(profile: str, seed_list: Sequence[int] | None = None) -> list[RunSpec]:
    """A chapter that trains nothing (it reads records or data files only)."""
    return []


#: {chapter: function(profile, seeds) -> the specs it trains}, for every executable chapter.
CHAPTER_RUNS: dict[str, ChapterRuns] = {
    "rq1_phases": _every_benchmark_and_longer,
    "rq2_homogeneity": _every_benchmark,
    "rq3_rba": _every_benchmark_and_longer,
    "rq4_compression": _every_benchmark_and_longer,
    "allen_cahn": _benchmark("allen_cahn"),
    "helmholtz": _benchmark("helmholtz"),
    "burgers": _benchmark("burgers"),
    "cavity": _benchmark("cavity"),
    "reproducing": _none,
    "appendix_profiles": _every_benchmark_at_its_seeds,
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


def _acquire(
    specs: dict[tuple[str, int], RunSpec], device: str, progress: bool
) -> dict[tuple[str, int], RunRecord]:
    """{(method, seed): record} for {(method, seed): spec}, each from the cache or trained."""
    return {k: run(spec, device=device, progress=progress) for k, spec in specs.items()}


def benchmark_runs(
    problem: str,
    profile: str,
    seed_list: Sequence[int] | None = None,
    device: str = "cpu",
    progress: bool = True,
) -> dict[tuple[str, int], RunRecord]:
    """Vanilla and RBA records of ``problem`` for every seed: {(method, seed): record},
    each loaded from the cache or trained (:func:`pinnlib.experiments.run`)."""
    return _acquire(benchmark_specs(problem, profile, seed_list), device, progress)


def long_runs(
    problem: str,
    profile: str,
    seed_list: Sequence[int] | None = None,
    device: str = "cpu",
    progress: bool = True,
) -> dict[tuple[str, int], RunRecord]:
    """{(method, seed): record} of the longer runs of ``problem`` for every seed
    (:func:`long_seed_specs`); at ``paper``, where the runs are already the paper's
    length, the profile's own runs."""
    return _acquire(long_seed_specs(problem, profile, seed_list), device, progress)
