"""The command line of a sweep: ``python -m pinnlib sweep`` (or ``python -m
pinnlib.sweep_command``). It parses and checks the options, expands the runs and calls
:func:`pinnlib.sweep.sweep` (or :func:`pinnlib.sweep.dry_run`); a bad option is a
one-line error before anything starts."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

from pinnlib.book_runs import CHAPTER_RUNS, book_specs
from pinnlib.experiments import PROFILES, cache_dir, check_profile
from pinnlib.spec import RunSpec
from pinnlib.sweep import SweepError, check_address, dry_run, label, sweep

#: The description ``--help`` shows.
DESCRIPTION = (
    "Train every run the book needs (or those of --chapter / --specs), in parallel on Ray, "
    "into the run cache; runs already there are skipped, a killed sweep resumes."
)


def check_args(args: argparse.Namespace) -> None:
    """Every count positive (GPUs: not negative), every chapter known: one-line errors."""
    for option in ("cpus_per_run", "max_parallel", "threads", "checkpoint_every"):
        value = getattr(args, option)
        if value is not None and value < 1:
            flag = "--" + option.replace("_", "-")
            raise SweepError(f"{flag} must be a positive integer, got {value}")
    if not (0 <= args.gpus_per_run < math.inf):
        raise SweepError(f"--gpus-per-run must be 0 or more, got {args.gpus_per_run}")
    unknown = [c for c in args.chapter or [] if c not in CHAPTER_RUNS]
    if unknown:
        raise SweepError(f"unknown chapter(s) {unknown}; chapters: {', '.join(CHAPTER_RUNS)}")
    if args.specs is not None and (args.chapter or args.seed):
        raise SweepError("--specs replaces --chapter and --seed; give one or the other")


def configure(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the sweep's options to ``parser``."""
    add = parser.add_argument
    add("--profile", choices=PROFILES, default="cpu", help="cost profile (default cpu)")
    add(
        "--seed",
        type=int,
        action="append",
        default=None,
        help="network seeds instead of the profile's, as the book's --seed (repeatable)",
    )
    add(
        "--chapter",
        action="append",
        default=None,
        help="the runs of this chapter only (repeatable; default: every chapter)",
    )
    add(
        "--specs",
        type=Path,
        default=None,
        metavar="FILE",
        help="sweep the runs of a JSON file (a list of RunSpec dicts) instead of chapters'",
    )
    add("--dry-run", action="store_true", help="list the runs and their estimated cost only")
    add(
        "--cache",
        type=Path,
        default=None,
        help="run cache (default $PINNLIB_CACHE or data/runs; a shared folder for a cluster)",
    )
    add(
        "--address",
        default=None,
        help="HOST:PORT of a running Ray cluster (`ray start --head`); default: a local one",
    )
    add("--cpus-per-run", type=int, default=1, help="Ray CPUs per run (default 1)")
    add(
        "--gpus-per-run",
        type=float,
        default=0.0,
        help="Ray GPUs per run, e.g. 1 or 0.5; above 0 a run trains on cuda (default 0)",
    )
    add(
        "--max-parallel",
        type=int,
        default=None,
        help="at most this many runs at once (default: as many as the cluster fits)",
    )
    add("--threads", type=int, default=None, help="torch threads per run (default: --cpus-per-run)")
    add("--checkpoint-every", type=int, default=500,
        help="steps between a run's checkpoints (default 500)")  # fmt: skip
    return parser


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``sweep`` on a command line's subparsers."""
    return configure(
        subparsers.add_parser("sweep", help="train every run the book needs, in parallel on Ray")
    )


def build_parser() -> argparse.ArgumentParser:
    return configure(
        argparse.ArgumentParser(prog="python -m pinnlib sweep", description=DESCRIPTION)
    )


def load_specs(path: Path) -> list[RunSpec]:
    """The runs of a JSON file holding a list of RunSpec dicts."""
    try:
        return [RunSpec.from_dict(d) for d in json.loads(Path(path).read_text())]
    except (OSError, ValueError, TypeError) as err:
        raise SweepError(f"cannot read runs from {path}: {err}") from None


def main(args: argparse.Namespace) -> int:
    """Run the sweep of parsed ``args``: 0 if every run is done, 1 if one failed, 2 if the
    sweep could not start (a one-line error)."""
    try:
        check_args(args)
        if args.address is not None:
            check_address(args.address)
        specs = (
            load_specs(args.specs)
            if args.specs is not None
            else book_specs(check_profile(args.profile), args.chapter, args.seed)
        )
        cache = cache_dir(args.cache).resolve()
        threads = args.threads or args.cpus_per_run
        if args.dry_run:
            local = max(1, (os.cpu_count() or 1) // args.cpus_per_run)
            device = "cuda" if args.gpus_per_run > 0 else "cpu"
            dry_run(specs, cache, device, threads, args.max_parallel or local)
            return 0
        result = sweep(
            specs, cache, args.cpus_per_run, args.gpus_per_run, threads, args.max_parallel,
            args.checkpoint_every, args.address,
        )  # fmt: skip
    except SweepError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: rerun the same command to finish the runs", file=sys.stderr)
        return 130
    print(
        f"{len(result.specs)} runs in {result.seconds:.1f} s: {result.count('cached')} in the "
        f"cache, {result.count('trained')} trained, {result.count('elsewhere')} trained by "
        f"another sweep, {len(result.failed)} failed"
    )
    for key, outcome in result.failed.items():
        print(f"FAILED {label(result.specs[key])}: {outcome.message}")
    return 1 if result.failed else 0


def cli(argv: list[str] | None = None) -> int:
    return main(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(cli())
