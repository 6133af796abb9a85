"""Command line: ``python -m pinnlib {book,train,data,bench} ...`` (``--help`` on each).

Every failure ends in one line on stderr, ``error: ...``, and exit status 2, before
any work where the input is to blame: a bad option (the parser's own errors are one
line too), a bad ``--set`` value (checked by :class:`pinnlib.spec.RunSpec`), a bad
book parameter (checked by :func:`pinnlib.book.load_chapter`). An interrupted
command (Ctrl-C) says so, and where a resumable checkpoint is, with status 130.

A subcommand registers its parser in :func:`build_parser` and its handler with
``parser.set_defaults(handler=...)``; :func:`main` calls it.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path
from typing import Any, NoReturn

import torch

from pinnlib.bench.diagnostics import bench_diagnostics
from pinnlib.bench.steps import VARIANTS, header, run_bench
from pinnlib.experiments import PROFILES
from pinnlib.spec import METHODS
from pinnlib.train import resolve_device

#: Exceptions whose message says it all; any other (a KeyError too, whose message is
#: only the key) is reported with its type's name.
PLAIN_ERRORS = (ValueError, LookupError, OSError, RuntimeError)


class Parser(argparse.ArgumentParser):
    """An argument parser that reports a bad argument in one line, ``error: ...``,
    and exits with status 2 (argparse's default prints the usage first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {self.prog}: {message} (see --help)\n")


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


def _integer(text: str, minimum: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise argparse.ArgumentTypeError(f"must be a {what} integer, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    return _integer(text, 1, "positive")


def _non_negative_int(text: str) -> int:
    return _integer(text, 0, "non-negative")


def _problem_name(text: str) -> str:
    from pinnlib.problems import problem_name

    try:
        return problem_name(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def build_parser() -> argparse.ArgumentParser:
    from pinnlib.problems import PROBLEMS

    parser = Parser(prog="python -m pinnlib", description=__doc__)
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
        type=_non_negative_int,
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
    book.set_defaults(handler=cmd_book)

    train = sub.add_parser("train", help="train one PINN and print its error")
    train.add_argument("problem", help=f"benchmark: {', '.join(sorted(PROBLEMS))}")
    train.add_argument("--profile", choices=PROFILES, default="cpu", help="base settings")
    train.add_argument(
        "--method", choices=METHODS, default=None,
        help="weighting (default vanilla); the same as --set method=...",
    )  # fmt: skip
    train.add_argument("--steps", type=_non_negative_int, default=None, help="Adam steps")
    train.add_argument("--seed", type=_non_negative_int, default=None)
    train.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    train.add_argument(
        "--set", action="append", type=_key_value, default=[], metavar="KEY=VALUE",
        help="override a RunSpec field, e.g. --set width=64 (repeatable)",
    )  # fmt: skip
    train.add_argument("--cache", type=Path, default=None, help="run cache (default data/runs)")
    train.add_argument("--retrain", action="store_true", help="ignore a cached record")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument(
        "--checkpoint-every", type=_positive_int, default=None, metavar="N",
        help="save a resumable checkpoint every N steps (default 1000)",
    )  # fmt: skip
    train.set_defaults(handler=cmd_train)

    data = sub.add_parser("data", help="regenerate or verify the reference solutions in data/")
    group = data.add_mutually_exclusive_group(required=True)
    group.add_argument(
        "--regenerate", nargs="*", metavar="NAME", help="regenerate (all by default)"
    )
    group.add_argument("--verify", action="store_true", help="check the manifest checksums")
    data.set_defaults(handler=cmd_data)

    bench = sub.add_parser(
        "bench", help="time a training step: nested autograd vs the Taylor fast path"
    )
    bench.add_argument(
        "--problem", type=_problem_name, default="allen_cahn",
        help=f"benchmark whose step is timed (default allen_cahn): {', '.join(sorted(PROBLEMS))}",
    )  # fmt: skip
    bench.add_argument(
        "--points", type=_positive_int, nargs="+", default=None,
        help=f"collocation points (default {' '.join(map(str, BENCH_POINTS))})",
    )  # fmt: skip
    bench.add_argument(
        "--steps", type=_positive_int, default=None,
        help=f"timed steps (default {BENCH_STEPS})",
    )  # fmt: skip
    bench.add_argument(
        "--warmup", type=_positive_int, default=None,
        help=f"untimed first steps (default {BENCH_WARMUP})",
    )  # fmt: skip
    bench.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    bench.add_argument(
        "--variant", action="append", choices=list(VARIANTS), default=None,
        help="time only this variant (repeatable; default: all)",
    )  # fmt: skip
    bench.add_argument("--no-compile", action="store_true", help="skip the torch.compile variant")
    bench.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    bench.add_argument("--threads", type=_positive_int, default=None, help="torch CPU threads")
    bench.add_argument(
        "--quick", action="store_true",
        help="a smoke test: a 2 x 16 network and, unless given, 256 points and "
        "2 steps after 1 warm-up",
    )  # fmt: skip
    bench.add_argument(
        "--diagnostics", action="store_true",
        help="also time the monitors (SNR evaluation vs a step, overhead at the paper's "
        "schedule) of --problem at the paper's and the cpu profile's sizes (--quick: the ci "
        "profile's), with --device, --dtype and --threads",
    )  # fmt: skip
    bench.set_defaults(handler=cmd_bench)

    from pinnlib import sweep_command
    from pinnlib.diagnostics import phase_suite

    sweep_command.add_parser(sub).set_defaults(handler=sweep_command.main)
    phase_suite.add_parser(sub).set_defaults(handler=phase_suite.main)
    return parser


def cmd_book(args: argparse.Namespace) -> int:
    from pinnlib.book import run_book

    params = key_values(args.param, "--param")
    options = (("--seed", "seeds", args.seed), ("--device", "device", args.device))
    for option, name, value in options:
        if value is None:
            continue
        if name in params:
            raise ValueError(f"{option} and --param {name}=... both given; give one")
        params[name] = value
    kwargs = {} if args.output is None else {"output": args.output}
    run_book(
        profile=args.profile,
        chapters=args.chapter,
        notebooks=args.notebooks,
        build=not args.no_build,
        parameters=params,
        threads=args.threads,
        **kwargs,
    )
    return 0


def key_values(pairs: list[tuple[str, Any]], option: str) -> dict[str, Any]:
    """``--set``/``--param`` pairs as a dict; one key given two different values is an error."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out and out[key] != value:
            raise ValueError(f"{option} {key} given twice: {out[key]!r} and {value!r}")
        out[key] = value
    return out


def train_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The ``--set`` pairs, plus ``--method``, ``--steps`` and ``--seed`` where given.

    An option and a ``--set`` of the same field must agree; ``--set problem=...`` is
    refused (the benchmark is the command's first argument).
    """
    overrides = key_values(args.set, "--set")
    if "problem" in overrides:
        raise ValueError("--set problem=... is not allowed: the benchmark is train's argument")
    for name in ("method", "steps", "seed"):
        given = getattr(args, name)
        if given is None:
            continue
        if name in overrides and overrides[name] != given:
            raise ValueError(
                f"--{name} {given} conflicts with --set {name}={overrides[name]!r}; give one"
            )
        overrides[name] = given
    return overrides


def cmd_train(args: argparse.Namespace) -> int:
    from pinnlib.experiments import cache_dir, experiment, record_path, run
    from pinnlib.records import check_writable
    from pinnlib.train import resolve_device

    resolve_device(args.device)  # a bad device fails before any work
    spec = experiment(args.problem, args.profile, **train_overrides(args))
    check_writable(cache_dir(args.cache))  # before any work
    path = record_path(spec, args.cache)
    print(f"run {path}", flush=True)
    extra = {} if args.checkpoint_every is None else {"checkpoint_every": args.checkpoint_every}
    record = run(
        spec,
        device=args.device,
        cache=args.cache,
        retrain=args.retrain,
        progress=not args.quiet,
        **extra,
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


BENCH_POINTS = (4096, 25_600)
BENCH_STEPS, BENCH_WARMUP = 10, 3


def bench_variants(args: argparse.Namespace) -> tuple[str, ...]:
    """The variants to time: ``--variant`` (all by default, no repeats), less the compiled
    one with ``--no-compile``; none left is an error."""
    variants = tuple(dict.fromkeys(args.variant or VARIANTS))
    if args.no_compile:
        variants = tuple(v for v in variants if v != "taylor+compile")
    if not variants:
        raise ValueError(f"no variant left to time: --no-compile excludes {args.variant}")
    return variants


def bench_sizes(args: argparse.Namespace) -> tuple[tuple[int, ...], int, int]:
    """(points, timed steps, warm-up steps): those given, else the defaults, which
    ``--quick`` makes 256 points and 2 steps after 1 (it never drops a given value)."""
    defaults = ((256,), 2, 1) if args.quick else (BENCH_POINTS, BENCH_STEPS, BENCH_WARMUP)
    given = (None if args.points is None else tuple(args.points), args.steps, args.warmup)
    points, steps, warmup = (d if g is None else g for g, d in zip(given, defaults))
    return points, steps, warmup


def cmd_bench(args: argparse.Namespace) -> int:
    device = str(resolve_device(args.device))
    variants = bench_variants(args)
    points, steps, warmup = bench_sizes(args)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    size = dict(width=16, depth=2) if args.quick else dict(width=128, depth=6)
    print(header(device, steps, warmup, args.problem), flush=True)
    run_bench(
        points, steps, warmup, device, variants, dtype=args.dtype, problem=args.problem, **size
    )
    if args.diagnostics:
        print("\nCost of the monitors: one SNR evaluation; all monitors at the paper's schedule")
        bench_diagnostics(
            args.problem,
            device=device,
            profiles=("ci",) if args.quick else ("paper", "cpu"),
            dtype=args.dtype,
        )
    return 0


def error_message(err: BaseException) -> str:
    """``error: <first line of the message>`` (with the type's name for an unexpected
    kind of error), then any further lines of the message as they are."""
    lines = str(err).strip().splitlines() or [""]
    first = lines[0]
    plain = isinstance(err, PLAIN_ERRORS) and not isinstance(err, KeyError)
    if not plain or not first:
        first = f"{type(err).__name__}: {first}" if first else type(err).__name__
    return "\n".join([f"error: {first}", *lines[1:]])


def interrupted_message(err: KeyboardInterrupt) -> str:
    """What an interrupted command left: training says which checkpoint a rerun resumes."""
    return f"error: {err}" if str(err) else "error: interrupted"


def main(argv: list[str] | None = None) -> int:
    """Run one command; any failure is reported by :func:`error_message`, status 2."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt as err:
        print(interrupted_message(err), file=sys.stderr)
        return 130
    except Exception as err:
        print(error_message(err), file=sys.stderr)
        return 2
