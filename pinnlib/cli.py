"""Command line: ``python -m pinnlib {book,train,data,bench} ...`` (``--help`` on each)."""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path
from typing import Any

from pinnlib.experiments import PROFILES


def _parse_value(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _key_value(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, _parse_value(value)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text}")
    return value


def _problem_name(text: str) -> str:
    from pinnlib.problems import PROBLEMS

    name = text.replace("-", "_")
    if name not in PROBLEMS:
        raise argparse.ArgumentTypeError(
            f"unknown benchmark {text!r}; choose from {', '.join(sorted(PROBLEMS))}"
        )
    return name


def build_parser() -> argparse.ArgumentParser:
    from pinnlib.problems import PROBLEMS

    parser = argparse.ArgumentParser(prog="python -m pinnlib", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    book = sub.add_parser(
        "book", help="execute the chapters with papermill and build the HTML book"
    )
    book.add_argument(
        "--profile", choices=PROFILES, default="cpu", help="cost profile (default cpu)"
    )
    book.add_argument(
        "--chapter", action="append", help="run only this chapter (repeatable; default: all)"
    )
    book.add_argument("--output", type=Path, default=None, help="output folder (default _build/)")
    book.add_argument(
        "--notebooks",
        type=Path,
        default=None,
        help="where executed notebooks go (default OUTPUT/book)",
    )
    book.add_argument("--no-build", action="store_true", help="execute only, skip jupyter-book")
    book.add_argument(
        "--seed",
        type=int,
        action="append",
        default=None,
        help="train these network seeds instead of the profile's (repeatable)",
    )
    book.add_argument("--device", default=None, help="inject this device (cpu, cuda, auto)")
    book.add_argument(
        "--param", action="append", type=_key_value, default=[], metavar="KEY=VALUE",
        help="inject another chapter parameter (repeatable)",
    )  # fmt: skip
    book.add_argument("--threads", type=_positive_int, default=2, help="torch threads (default 2)")

    train = sub.add_parser("train", help="train one PINN and print its error")
    train.add_argument("problem", help=f"benchmark: {', '.join(sorted(PROBLEMS))}")
    train.add_argument("--profile", choices=PROFILES, default="cpu", help="base settings")
    train.add_argument("--method", choices=("vanilla", "rba"), default="vanilla")
    train.add_argument("--steps", type=_non_negative_int, default=None, help="Adam steps")
    train.add_argument("--seed", type=int, default=None)
    train.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    train.add_argument(
        "--set", action="append", type=_key_value, default=[], metavar="KEY=VALUE",
        help="override a RunSpec field, e.g. --set width=64 (repeatable)",
    )  # fmt: skip
    train.add_argument("--cache", type=Path, default=None, help="run cache (default data/runs)")
    train.add_argument("--retrain", action="store_true", help="ignore a cached record")
    train.add_argument("--quiet", action="store_true", help="no progress bar")

    data = sub.add_parser("data", help="regenerate or verify the reference solutions in data/")
    group = data.add_mutually_exclusive_group(required=True)
    group.add_argument(
        "--regenerate", nargs="*", metavar="NAME", help="regenerate (all by default)"
    )
    group.add_argument("--verify", action="store_true", help="check the manifest checksums")

    from pinnlib.bench import VARIANTS

    bench = sub.add_parser(
        "bench", help="time a training step: nested autograd vs the Taylor fast path"
    )
    bench.add_argument(
        "--problem", type=_problem_name, default="allen_cahn",
        help=f"benchmark whose step is timed (default allen_cahn): {', '.join(sorted(PROBLEMS))}",
    )  # fmt: skip
    bench.add_argument(
        "--points", type=_positive_int, nargs="+", default=[4096, 25_600],
        help="collocation points (default 4096 25600)",
    )  # fmt: skip
    bench.add_argument("--steps", type=_positive_int, default=10, help="timed steps (default 10)")
    bench.add_argument("--warmup", type=_positive_int, default=3, help="untimed first steps")
    bench.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    bench.add_argument(
        "--variant", action="append", choices=list(VARIANTS), default=None,
        help="time only this variant (repeatable; default: all)",
    )  # fmt: skip
    bench.add_argument("--no-compile", action="store_true", help="skip the torch.compile variant")
    bench.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    bench.add_argument("--threads", type=_positive_int, default=None, help="torch CPU threads")
    bench.add_argument(
        "--quick", action="store_true", help="a tiny network and few points (a smoke test)"
    )
    bench.add_argument(
        "--diagnostics", action="store_true",
        help="also time the monitors: SNR evaluation vs a step, overhead at the paper's schedule",
    )  # fmt: skip
    return parser


def cmd_book(args: argparse.Namespace) -> int:
    from pinnlib.book import TIMINGS_TABLE, run_book

    params = dict(args.param)
    if args.seed is not None:
        params["seeds"] = args.seed
    if args.device is not None:
        params["device"] = args.device
    kwargs = {} if args.output is None else {"output": args.output}
    run_book(
        profile=args.profile,
        chapters=args.chapter,
        notebooks=args.notebooks,
        build=not args.no_build,
        parameters=params,
        threads=args.threads,
        timings_table=TIMINGS_TABLE,
        **kwargs,
    )
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from pinnlib.experiments import experiment, record_path, run
    from pinnlib.train import resolve_device

    resolve_device(args.device)  # a bad device fails before any work
    problem = args.problem.replace("-", "_")
    overrides = dict(args.set, method=args.method)
    if args.steps is not None:
        overrides["steps"] = args.steps
    if args.seed is not None:
        overrides["seed"] = args.seed
    spec = experiment(problem, args.profile, **overrides)
    print(f"run {record_path(spec, args.cache)}", flush=True)
    record = run(
        spec, device=args.device, cache=args.cache, retrain=args.retrain, progress=not args.quiet
    )
    print(f"relative L2 error {record.final_error:.3e}")
    print(f"record {record.path}")
    print(
        f"throughput {record.info['steps_per_second']:.1f} steps/s on {record.provenance['device']}"
    )
    return 0


def cmd_data(args: argparse.Namespace) -> int:
    from pinnlib import reference

    if args.verify:
        problems = reference.verify()
        for p in problems:
            print(p, file=sys.stderr)
        print("all reference files verified" if not problems else f"{len(problems)} problem(s)")
        return 1 if problems else 0
    timings = reference.regenerate(args.regenerate or None, log=print)
    for name, seconds in timings.items():
        print(f"{name}: {seconds:.1f} s")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    import torch

    from pinnlib.bench import VARIANTS, header, run_bench
    from pinnlib.train import resolve_device

    device = str(resolve_device(args.device))
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    variants = tuple(args.variant or VARIANTS)
    if args.no_compile:
        variants = tuple(v for v in variants if v != "taylor+compile")
    size = dict(width=16, depth=2) if args.quick else dict(width=128, depth=6)
    points = (256,) if args.quick else tuple(args.points)
    steps, warmup = (2, 1) if args.quick else (args.steps, args.warmup)
    print(header(device, steps, warmup, args.problem), flush=True)
    run_bench(
        points, steps, warmup, device, variants, dtype=args.dtype, problem=args.problem, **size
    )
    if args.diagnostics:
        from pinnlib.diagnostics.bench import bench_diagnostics

        print("\nCost of the monitors: one SNR evaluation; all monitors at the paper's schedule")
        bench_diagnostics(device=device, profiles=("cpu",) if args.quick else ("paper", "cpu"))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"book": cmd_book, "train": cmd_train, "data": cmd_data, "bench": cmd_bench}
    try:
        return handlers[args.command](args)
    except (ValueError, KeyError, FileNotFoundError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
