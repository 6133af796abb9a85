"""Every bad input ends in one clear line before any work; equal specs get equal keys.

The table :data:`CASES` holds bad inputs of every entry point: command lines through
:func:`pinnlib.cli.main`, spec dicts through ``RunSpec.from_dict``, book parameters
through :func:`pinnlib.book.run_book` and :func:`pinnlib.book.load_chapter`, bench
arguments through :func:`pinnlib.bench.steps.run_bench`, and ``Trainer.run`` arguments.
Each must fail with its own exit status or exception, in one line that matches the
case's pattern, with no traceback and before any work: the test makes building a
Trainer, a training step, a notebook kernel and a benchmark timing fail the test.
"""

from __future__ import annotations

import glob
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import papermill
import pytest
import torch

import pinnlib.bench.steps
import pinnlib.train
from pinnlib.book import load_chapter, run_book
from pinnlib.cli import main
from pinnlib.experiments import DEFAULT_CACHE, experiment
from pinnlib.spec import RunSpec

RUNS = sorted(glob.glob(str(DEFAULT_CACHE / "*" / "*" / "record.json")))
TRAIN = ["train", "burgers", "--profile", "ci", "--steps", "5", "--quiet"]


@dataclass
class Case:
    """A bad input: ``kind`` says how it is given, ``pattern`` what the error must say."""

    id: str
    kind: str  # cli | spec | book | chapter | bench | trainer
    given: Any
    pattern: str


def cli(id: str, argv: list[str], pattern: str) -> Case:
    return Case(id, "cli", argv, pattern)


def train(id: str, extra: list[str], pattern: str) -> Case:
    return Case(id, "cli", [*TRAIN, *extra], pattern)


def setting(id: str, assignment: str, pattern: str) -> Case:
    """``train ... --set assignment`` (without ``--steps`` when it sets the steps)."""
    base = [a for a in TRAIN if a not in ("--steps", "5")] if "steps=" in assignment else TRAIN
    return Case(id, "cli", [*base, "--set", assignment], pattern)


def spec(id: str, d: Any, pattern: str) -> Case:
    return Case(id, "spec", d, pattern)


def book(id: str, kwargs: dict[str, Any], pattern: str) -> Case:
    return Case(id, "book", kwargs, pattern)


BURGERS = {"problem": "burgers"}
CASES = [
    # -- train --set: types -------------------------------------------------------------
    setting("set-width-abc", "width=abc", r"width must be an integer.*'abc'"),
    setting("set-width-float", "width=20.5", r"width must be an integer.*20\.5"),
    setting("set-width-bool", "width=True", r"width must be an integer.*True"),
    setting("set-steps-float", "steps=5.5", r"steps must be an integer"),
    setting("set-depth-list", "depth=[3]", r"depth must be an integer"),
    setting("set-lr-nan", "lr=nan", r"lr must be a finite number.*nan"),
    setting("set-lr-abc", "lr=abc", r"lr must be a finite number.*abc"),
    setting("set-lr-inf", "lr=inf", r"lr must be a finite number.*inf"),
    setting("set-lr-list", "lr=[1]", r"lr must be a finite number"),
    setting("set-rba-eta-nan", "rba_eta=nan", r"rba_eta must be a finite number"),
    setting("set-dtype-int", "dtype=32", r"dtype .*32"),
    setting("set-method-none", "method=None", r"method must be a string"),
    setting("set-compile-maybe", "compile=maybe", r"compile must be true or false"),
    setting("set-compile-int", "compile=1", r"compile must be true or false"),
    setting("set-monitors-int", "monitors=5", r"monitors must be a list of monitor names"),
    setting("set-monitors-typo", "monitors=snrr", r"unknown monitor.*snrr"),
    setting("set-monitors-letters", "monitors=s,n,r", r"unknown monitor.*'s', 'n', 'r'"),
    setting("set-problem-args-int", "problem_args=5", r"problem_args must be a dict"),
    # -- train --set: values ------------------------------------------------------------
    setting("set-width-zero", "width=0", r"width and depth must be positive"),
    setting("set-depth-negative", "depth=-1", r"width and depth must be positive"),
    setting("set-lr-huge", "lr=1e39", r"lr must lie in \(0, 1000\].*1e\+39"),
    setting("set-lr-diverging", "lr=1e6", r"lr must lie in \(0, 1000\]"),
    setting("set-lr-zero", "lr=0", r"lr must (be positive|lie in)"),
    setting("set-lr-negative", "lr=-1e-3", r"lr must (be positive|lie in)"),
    setting("set-lr-decay-zero", "lr_decay=0", r"lr_decay must lie in \(0, 1\]"),
    setting("set-lr-decay-big", "lr_decay=1.5", r"lr_decay must lie in \(0, 1\]"),
    setting("set-decay-every-zero", "decay_every=0", r"decay_every must be positive"),
    setting("set-steps-negative", "steps=-1", r"steps must be non-negative"),
    setting("set-seed-negative", "seed=-1", r"seed must lie in \[0, 2\*\*32\)"),
    setting("set-seed-huge", "seed=4294967296", r"seed must lie in \[0, 2\*\*32\)"),
    setting("set-method-unknown", "method=sa", r"unknown method 'sa'"),
    setting("set-dtype-unknown", "dtype=float16", r"unknown dtype 'float16'"),
    setting("set-architecture", "architecture=resnet", r"unknown architecture 'resnet'"),
    setting("set-embedding", "embedding=gauss", r"unknown embedding 'gauss'"),
    setting("set-derivatives", "derivatives=fd", r"unknown derivatives 'fd'"),
    setting("set-bias-init", "bias_init=ones", r"bias.init.*'ones'"),
    setting("set-rba-init", "rba_init=ones", r"rba.init.*'ones'"),
    setting("set-rba-gamma", "rba_gamma=1.5", r"rba.gamma.*1\.5"),
    setting("set-rba-eta-negative", "rba_eta=-1", r"rba.eta.*-1"),
    setting("set-lbfgs-steps", "lbfgs_steps=-1", r"lbfgs_steps must be non-negative"),
    setting("set-lbfgs-lr", "lbfgs_lr=0", r"lbfgs_lr must lie in"),
    setting("set-lbfgs-history", "lbfgs_history=0", r"lbfgs_history must be positive"),
    setting("set-log-every", "log_every=0", r"log intervals must be positive"),
    setting("set-log-dense-every", "log_dense_every=0", r"log intervals must be positive"),
    setting("set-log-dense-until", "log_dense_until=-5", r"log_dense_until must be non-neg"),
    setting("set-fourier-features", "fourier_features=0", r"fourier_features .*positive"),
    setting("set-fourier-scale", "fourier_scale=-1", r"fourier_scale must be positive"),
    setting("set-fourier-float", "fourier_features=2.5", r"fourier_features must be an int"),
    train(
        "set-compile-autograd",
        ["--set", "compile=True", "--set", "derivatives=autograd"],
        r"compile needs derivatives='taylor'",
    ),
    # -- train --set: names, problem_args and conflicts ---------------------------------
    setting("set-unknown-field", "learning_rate=1", r"unknown run parameter.*learning_rate"),
    setting("set-no-equals", "width", r"expected KEY=VALUE"),
    setting("set-no-key", "=5", r"expected KEY=VALUE"),
    setting("set-problem", "problem=cavity", r"--set problem=.* not allowed"),
    setting("args-unknown", "problem_args={'n_colocation': 10}", r"argument.*n_colocation"),
    setting("args-seed", "problem_args={'seed': 3}", r"no argument.*'seed'"),
    setting("args-int-str", "problem_args={'n_collocation': 'many'}", r"n_collocation .*int"),
    setting("args-int-float", "problem_args={'n_collocation': 10.5}", r"n_collocation .*int"),
    setting("args-float-str", "problem_args={'nu': 'x'}", r"nu must be a finite number"),
    train("set-twice", ["--set", "width=20", "--set", "width=30"], r"width given twice"),
    train("method-conflict", ["--method", "vanilla", "--set", "method=rba"], r"conflicts"),
    train("steps-conflict", ["--set", "steps=6"], r"--steps 5 conflicts with --set steps"),
    train("seed-conflict", ["--seed", "1", "--set", "seed=2"], r"--seed 1 conflicts"),
    # -- train options ------------------------------------------------------------------
    train("method-choice", ["--method", "sa"], r"argument --method: invalid choice"),
    cli("steps-negative", ["train", "burgers", "--steps", "-5"], r"--steps: must be a non-neg"),
    cli("steps-abc", ["train", "burgers", "--steps", "abc"], r"--steps: must be a non-neg"),
    cli("steps-float", ["train", "burgers", "--steps", "2.5"], r"--steps: must be a non-neg"),
    train("seed-abc", ["--seed", "abc"], r"--seed: must be a non-negative integer"),
    train("seed-negative", ["--seed", "-1"], r"--seed: must be a non-negative integer"),
    cli("profile-choice", ["train", "burgers", "--profile", "gpu"], r"--profile: invalid choice"),
    cli("problem-unknown", ["train", "heat", "--steps", "1"], r"unknown benchmark 'heat'"),
    cli("problem-empty", ["train", "", "--steps", "1"], r"unknown benchmark ''"),
    train("device-unknown", ["--device", "tpu"], r"unknown device 'tpu'"),
    train("device-bad-cuda", ["--device", "cuda:x"], r"unknown device 'cuda:x'"),
    train("checkpoint-every-zero", ["--checkpoint-every", "0"], r"--checkpoint-every: must be"),
    train("checkpoint-every-abc", ["--checkpoint-every", "abc"], r"--checkpoint-every: must"),
    cli("no-command", [], r"required: command"),
    cli("unknown-command", ["frobnicate"], r"invalid choice: 'frobnicate'"),
    cli("train-no-problem", ["train"], r"required: problem"),
    # -- spec dicts ---------------------------------------------------------------------
    spec("spec-not-dict", ["burgers"], r"a run spec is a dict"),
    spec("spec-no-problem", {}, r"needs a problem"),
    spec("spec-problem-unknown", {"problem": "heat"}, r"unknown benchmark 'heat'"),
    spec("spec-problem-int", {"problem": 5}, r"problem must be a string"),
    spec("spec-width-str", {**BURGERS, "width": "64"}, r"width must be an integer"),
    spec("spec-width-bool", {**BURGERS, "width": True}, r"width must be an integer"),
    spec("spec-steps-float", {**BURGERS, "steps": 5.5}, r"steps must be an integer"),
    spec("spec-lr-nan", {**BURGERS, "lr": float("nan")}, r"lr must be a finite number"),
    spec("spec-lr-inf", {**BURGERS, "lr": float("inf")}, r"lr must be a finite number"),
    spec("spec-lr-huge", {**BURGERS, "lr": 1e39}, r"lr must lie in"),
    spec("spec-lr-str", {**BURGERS, "lr": "1e-3"}, r"lr must be a finite number"),
    spec("spec-lr-decay-none", {**BURGERS, "lr_decay": None}, r"lr_decay must be a finite"),
    spec("spec-monitors-typo", {**BURGERS, "monitors": "al"}, r"unknown monitor.*'al'"),
    spec("spec-monitors-int", {**BURGERS, "monitors": ["snr", 3]}, r"list of monitor names"),
    spec("spec-compile-yes", {**BURGERS, "compile": "yes"}, r"compile must be true or false"),
    spec("spec-compile-int", {**BURGERS, "compile": 1}, r"compile must be true or false"),
    spec("spec-seed-negative", {**BURGERS, "seed": -3}, r"seed must lie in"),
    spec("spec-rba-gamma-one", {**BURGERS, "rba_gamma": 1.0}, r"rba.gamma"),
    spec("spec-method-case", {**BURGERS, "method": "RBA"}, r"unknown method 'RBA'"),
    spec("spec-args-list", {**BURGERS, "problem_args": [1]}, r"problem_args must be a dict"),
    spec("spec-args-unknown", {**BURGERS, "problem_args": {"re": 100}}, r"no argument.*'re'"),
    spec(
        "spec-args-float-str",
        {"problem": "cavity", "problem_args": {"re": "high"}},
        r"re must be a finite number",
    ),
    spec(
        "spec-args-str-int",
        {"problem": "cavity", "problem_args": {"formulation": 3}},
        r"formulation must be a string",
    ),
    # -- book ---------------------------------------------------------------------------
    book("book-seeds-int", {"parameters": {"seeds": 3}}, r"'seeds' must be a list of non-neg"),
    book("book-seeds-float", {"parameters": {"seeds": [1.5]}}, r"'seeds' must be a list"),
    book("book-seeds-empty", {"parameters": {"seeds": []}}, r"'seeds' must be a list"),
    book("book-seeds-negative", {"parameters": {"seeds": [-1]}}, r"'seeds' must be a list"),
    book("book-seeds-str", {"parameters": {"seeds": "1,2"}}, r"'seeds' must be a list"),
    book("book-seeds-bool", {"parameters": {"seeds": [True]}}, r"'seeds' must be a list"),
    book("book-device-unknown", {"parameters": {"device": "tpu"}}, r"unknown device 'tpu'"),
    book("book-device-int", {"parameters": {"device": 0}}, r"'device' must be a string"),
    book("book-device-cuda-x", {"parameters": {"device": "cuda:x"}}, r"unknown device"),
    book("book-profile-param", {"parameters": {"profile": "gpu"}}, r"profile 'gpu'"),
    book("book-profile", {"profile": "fast"}, r"unknown profile 'fast'"),
    book("book-chapter", {"chapters": ["heat"]}, r"unknown chapter 'heat'"),
    book("book-unknown-param", {"parameters": {"width": 3}}, r"no parameter\(s\) \['width'\]"),
    book("book-threads-zero", {"threads": 0}, r"threads must be a positive integer"),
    book("book-output-file", {"output": "FILE"}, r"is a file, not a folder"),
    Case("chapter-seeds-str", "chapter", {"seeds": "x"}, r"'seeds' must be a list"),
    Case("chapter-profile", "chapter", {"profile": "gpu"}, r"unknown profile 'gpu'"),
    Case("chapter-device-float", "chapter", {"device": 1.0}, r"'device' must be a string"),
    cli("cli-book-seeds", ["book", "--param", "seeds=3", "--no-build"], r"'seeds' must be"),
    cli("cli-book-device-param", ["book", "--param", "device=tpu", "--no-build"], r"unknown dev"),
    cli("cli-book-device", ["book", "--device", "tpu", "--no-build"], r"unknown device 'tpu'"),
    cli("cli-book-seed-negative", ["book", "--seed", "-1"], r"--seed: must be a non-negative"),
    cli("cli-book-seed-abc", ["book", "--seed", "abc"], r"--seed: must be a non-negative"),
    cli("cli-book-threads", ["book", "--threads", "0"], r"--threads: must be a positive"),
    cli("cli-book-profile-param", ["book", "--param", "profile=paper"], r"profile 'paper'"),
    cli("cli-book-param-no-equals", ["book", "--param", "seeds"], r"expected KEY=VALUE"),
    cli(
        "cli-book-seed-twice",
        ["book", "--seed", "1", "--param", "seeds=[2]", "--no-build"],
        r"--seed and --param seeds=\.\.\. both given",
    ),
    cli("cli-book-chapter", ["book", "--chapter", "nope", "--no-build"], r"unknown chapter"),
    cli("cli-book-profile", ["book", "--profile", "gpu"], r"--profile: invalid choice"),
    # -- bench --------------------------------------------------------------------------
    cli("bench-quick-points-zero", ["bench", "--quick", "--points", "0"], r"--points: must"),
    cli("bench-quick-steps-zero", ["bench", "--quick", "--steps", "0"], r"--steps: must"),
    cli(
        "bench-no-variant-left",
        ["bench", "--quick", "--variant", "taylor+compile", "--no-compile"],
        r"no variant left to time",
    ),
    cli("bench-variant", ["bench", "--variant", "jax"], r"--variant: invalid choice"),
    cli("bench-points-zero", ["bench", "--points", "0"], r"--points: must be a positive"),
    cli("bench-points-abc", ["bench", "--points", "abc"], r"--points: must be a positive"),
    cli("bench-points-none", ["bench", "--points"], r"--points: expected at least one"),
    cli("bench-steps-zero", ["bench", "--steps", "0"], r"--steps: must be a positive"),
    cli("bench-warmup-zero", ["bench", "--warmup", "0"], r"--warmup: must be a positive"),
    cli("bench-threads-zero", ["bench", "--threads", "0"], r"--threads: must be a positive"),
    cli("bench-device", ["bench", "--quick", "--device", "tpu"], r"unknown device 'tpu'"),
    cli("bench-problem", ["bench", "--problem", "heat"], r"unknown benchmark 'heat'"),
    cli("bench-dtype", ["bench", "--dtype", "float16"], r"--dtype: invalid choice"),
    Case("bench-api-no-points", "bench", {"points": ()}, r"points must be positive integers"),
    Case("bench-api-points-zero", "bench", {"points": (0,)}, r"(points|n_collocation) must be pos"),
    Case("bench-api-no-variants", "bench", {"variants": ()}, r"no variant to time"),
    Case("bench-api-steps-zero", "bench", {"steps": 0}, r"steps and warmup must be at least 1"),
    # -- data ---------------------------------------------------------------------------
    cli("data-unknown", ["data", "--regenerate", "nosuch"], r"unknown reference 'nosuch'"),
    cli("data-nothing", ["data"], r"one of the arguments --regenerate --verify is required"),
    # -- Trainer.run --------------------------------------------------------------------
    Case("run-checkpoint-every-zero", "trainer", 0, r"checkpoint_every must be positive"),
    Case("run-checkpoint-every-float", "trainer", 2.5, r"checkpoint_every must be an integer"),
]


class WorkStarted(BaseException):
    """Raised where work would start; a BaseException, so no error handler hides it."""


def forbid_work(monkeypatch: pytest.MonkeyPatch, allow_trainer: bool = False) -> None:
    """Make every kind of work raise :class:`WorkStarted`."""

    def started(*args: Any, **kwargs: Any) -> None:
        raise WorkStarted

    monkeypatch.setattr(pinnlib.train.Trainer, "train_step", started)
    if not allow_trainer:
        monkeypatch.setattr(pinnlib.train.Trainer, "__init__", started)
    monkeypatch.setattr(papermill, "execute_notebook", started)
    monkeypatch.setattr(pinnlib.bench.steps, "matmul_throughput", started)


def run_case(case: Case, tmp: Path) -> tuple[str, str]:
    """Feed the bad input in; returns (what ended it, the message), where the ending is
    ``"exit N"``, ``"return N"``, an exception's type name, or ``"ok"``."""
    if case.kind == "cli":
        return run_cli(case.given, tmp)
    try:
        if case.kind == "spec":
            RunSpec.from_dict(case.given)
        elif case.kind == "book":
            run_book(**book_kwargs(case.given, tmp))
        elif case.kind == "chapter":
            load_chapter("burgers", case.given)
        elif case.kind == "bench":
            pinnlib.bench.steps.run_bench(**{"width": 4, "depth": 1, **case.given})
        elif case.kind == "trainer":
            tiny = experiment("burgers", "ci", steps=5, monitors=())
            trainer = pinnlib.train.Trainer(tiny)
            trainer.run(checkpoint=tmp / "checkpoint.pt", checkpoint_every=case.given)
    except Exception as err:
        return type(err).__name__, str(err)
    return "ok", ""


def book_kwargs(given: dict[str, Any], tmp: Path) -> dict[str, Any]:
    kwargs = {"profile": "ci", "output": tmp / "out", "build": False, **given}
    if kwargs["output"] == "FILE":
        kwargs["output"] = tmp / "a-file"
        kwargs["output"].write_text("not a folder")
    return kwargs


def run_cli(argv: list[str], tmp: Path) -> tuple[str, str]:
    import contextlib
    import io

    where = {"train": ["--cache", str(tmp / "cache")], "book": ["--output", str(tmp / "out")]}
    argv = [*argv, *where.get(argv[0] if argv else "", [])]
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as exit:
            return f"exit {exit.code}", err.getvalue()
    return f"return {code}", err.getvalue()


EXPECTED_EXCEPTION = {"spec": "ValueError", "bench": "ValueError", "trainer": "ValueError"}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_fails_in_one_clear_line_before_any_work(case, tmp_path, monkeypatch):
    forbid_work(monkeypatch, allow_trainer=case.kind == "trainer")
    ending, message = run_case(case, tmp_path)
    if case.kind == "cli":
        assert ending in ("exit 2", "return 2"), (ending, message)
        lines = message.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), message
    elif case.kind in ("book", "chapter"):
        assert ending in ("ChapterError", "ValueError"), (ending, message)
    else:
        assert ending == EXPECTED_EXCEPTION[case.kind], (ending, message)
    assert "Traceback" not in message and "\n" not in message.strip()
    assert re.search(case.pattern, message), message
    assert not list((tmp_path / "cache").glob("*/*")), "a record folder appeared"
    if case.kind == "book" or (case.kind == "cli" and case.given[:1] == ["book"]):
        assert not (tmp_path / "out").exists(), "the book runner wrote something"


def test_the_table_covers_the_review():
    assert len(CASES) >= 95 and len({c.id for c in CASES}) == len(CASES)


# -- what is accepted, and how ------------------------------------------------------------
def tiny_cli(tmp_path: Path, *extra: str) -> tuple[int, str]:
    argv = [*TRAIN, "--cache", str(tmp_path), "--set", "monitors=()", *extra]
    return main(argv), str(next(tmp_path.glob("*/*"), ""))


def test_set_method_is_honoured(tmp_path, capsys):
    code, folder = tiny_cli(tmp_path, "--set", "method=rba")
    assert code == 0 and Path(folder).name.startswith("rba-")
    assert "burgers/rba-" in capsys.readouterr().out


def test_method_option_and_equal_set_agree(tmp_path):
    code, folder = tiny_cli(tmp_path, "--method", "rba", "--set", "method=rba")
    assert code == 0 and Path(folder).name.startswith("rba-")


def test_bench_quick_keeps_the_points_and_steps_it_is_given(capsys):
    argv = ["bench", "--quick", "--no-compile", "--variant", "taylor", "--points", "64", "100"]
    assert main([*argv, "--steps", "3", "--warmup", "2"]) == 0
    out = capsys.readouterr().out
    assert "median of 3 after 2 warm-up" in out
    assert re.search(r"^taylor +64 ", out, re.M) and re.search(r"^taylor +100 ", out, re.M)


def test_checkpoint_every_option_saves_on_its_schedule(tmp_path, monkeypatch):
    saved = []
    monkeypatch.setattr(pinnlib.train.Trainer, "save_checkpoint", lambda t, p: saved.append(t.step))
    code, _ = tiny_cli(tmp_path, "--checkpoint-every", "2")
    assert code == 0 and saved == [2, 4]


def test_interrupted_run_says_where_its_checkpoint_is(tmp_path, monkeypatch, capsys):
    step = pinnlib.train.Trainer.train_step

    def interrupted(trainer):
        if trainer.step == 3:
            raise KeyboardInterrupt
        step(trainer)

    monkeypatch.setattr(pinnlib.train.Trainer, "train_step", interrupted)
    code, _ = tiny_cli(tmp_path, "--checkpoint-every", "2")
    err = capsys.readouterr().err.strip()
    assert code == 130 and len(err.splitlines()) == 1
    assert re.match(r"error: training interrupted at step 3; its checkpoint \(step 2\) at ", err)
    checkpoint = Path(re.search(r" at (\S+) is kept", err).group(1))
    assert checkpoint.exists() and checkpoint.name == "checkpoint.pt"
    code, _ = tiny_cli(tmp_path, "--seed", "7")  # another run, checkpointed every 1000 steps
    assert "no checkpoint was written" in capsys.readouterr().err and code == 130


@pytest.mark.parametrize(
    "raised, line",
    [
        (ZeroDivisionError("integer modulo by zero"), "error: ZeroDivisionError: integer modulo"),
        (KeyError("width"), "error: KeyError: 'width'"),
        (TypeError(), "error: TypeError"),
        (KeyboardInterrupt(), "error: interrupted"),
    ],
)
def test_any_failure_is_one_line_without_traceback(raised, line, monkeypatch, capsys):
    def fail(*args, **kwargs):
        raise raised

    monkeypatch.setattr("pinnlib.experiments.experiment", fail)
    code = main(TRAIN)
    err = capsys.readouterr().err
    assert code == (130 if isinstance(raised, KeyboardInterrupt) else 2)
    assert err.startswith(line) and len(err.strip().splitlines()) == 1, err


def test_diverging_run_stops_without_a_record(tmp_path, capsys):
    argv = ["train", "burgers", "--profile", "ci", "--steps", "20", "--quiet", "--cache"]
    code = main([*argv, str(tmp_path), "--set", "lr=10", "--set", "monitors=()"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert "diverged: test error" in err and "no checkpoint was written" in err
    assert "last good checkpoint" not in err
    assert not list(tmp_path.glob("*/*/record.json"))


def test_divergence_rule_on_the_logged_error(monkeypatch):
    from pinnlib.train import DIVERGED_FACTOR, TrainingDiverged, diverged

    assert not diverged([]) and not diverged([0.5, 99.0]) and diverged([0.5, 101.0])
    assert not diverged([3.0, 299.0]) and diverged([3.0, 301.0]) and diverged([1.0, np.nan])
    assert DIVERGED_FACTOR == 100
    for bad in (1e3, float("nan")):
        trainer = pinnlib.train.Trainer(experiment("burgers", "ci", steps=30, monitors=()))
        monkeypatch.setattr(trainer, "error", iter([1.0, 2.0, bad]).__next__)
        with pytest.raises(TrainingDiverged, match="at step 20; no checkpoint was written"):
            trainer.run(progress=False)


def test_checkpoint_named_only_when_one_exists(tmp_path, monkeypatch):
    from pinnlib.train import TrainingDiverged

    trainer = pinnlib.train.Trainer(experiment("burgers", "ci", steps=30, monitors=()))
    monkeypatch.setattr(trainer, "error", iter([1.0, 2.0, 1e3]).__next__)
    checkpoint = tmp_path / "checkpoint.pt"
    with pytest.raises(TrainingDiverged, match=r"last checkpoint \(step 15\) is kept at"):
        trainer.run(checkpoint=checkpoint, checkpoint_every=15, progress=False)
    assert checkpoint.exists()


@pytest.mark.parametrize("record", RUNS, ids=[Path(r).parent.name for r in RUNS])
def test_no_committed_run_trips_the_divergence_rule(record):
    from pinnlib.train import DIVERGED_FACTOR

    with np.load(Path(record).parent / "history.npz") as h:
        error = h["error"]
    assert np.isfinite(error).all()
    assert (error / max(error[0], 1.0)).max() < DIVERGED_FACTOR / 5  # a wide margin


# -- canonical keys ---------------------------------------------------------------------------
def test_committed_records_keep_their_keys():
    assert len(RUNS) >= 20
    for record in RUNS:
        meta = json.loads(Path(record).read_text())
        assert RunSpec.from_dict(meta["spec"]).key == meta["key"], record


@pytest.mark.parametrize(
    "a, b",
    [
        (dict(lr_decay=1), dict(lr_decay=1.0)),
        (dict(steps=5), dict(steps=5.0)),
        (dict(lr=1), dict(lr=1.0)),
        (dict(problem="Burgers"), dict(problem="burgers")),
        (dict(problem="ALLEN-CAHN"), dict(problem="allen_cahn")),
        (dict(monitors="all"), dict(monitors=("all",))),
        (dict(monitors=["snr", "all"]), dict(monitors=["all"])),
        (dict(monitors="order,snr,snr"), dict(monitors=("snr", "order"))),
        (dict(monitors=[]), dict(monitors=())),
        (dict(compile="True"), dict(compile=True)),
        (dict(compile="false"), dict(compile=False)),
        (dict(problem_args={"n_collocation": 100.0}), dict(problem_args={"n_collocation": 100})),
    ],
)
def test_equal_specs_get_equal_keys(a, b):
    first = RunSpec.from_dict({"problem": "burgers", **a})
    second = RunSpec.from_dict({"problem": "burgers", **b})
    assert first == second and first.key == second.key
    assert json.dumps(first.to_dict()) == json.dumps(second.to_dict())


def test_experiment_names_are_canonical_too():
    assert experiment("Allen-Cahn", "ci").key == experiment("allen_cahn", "ci").key
    with pytest.raises(ValueError, match="problem_args must be a dict"):
        experiment("burgers", "ci", problem_args=5)


def test_canonical_values_have_the_field_types():
    spec = RunSpec.from_dict({"problem": "Burgers", "steps": 5.0, "lr_decay": 1, "monitors": "all"})
    assert spec.problem == "burgers" and spec.monitors == ("all",)
    assert type(spec.steps) is int and type(spec.lr_decay) is float
    assert RunSpec(problem="burgers", monitors=("order", "snr")).monitors == ("snr", "order")


def test_a_float_problem_argument_is_keyed_as_given():
    """Committed records hold both spellings (cavity ``re=100``, Helmholtz ``a1=1.0``)."""
    cavity = {"problem": "cavity", "problem_args": {"re": 100}}
    assert RunSpec.from_dict(cavity).problem_args == {"re": 100}
    assert RunSpec.from_dict({**cavity, "problem_args": {"re": 100.0}}).problem_args["re"] == 100.0


def test_the_thread_count_is_not_in_the_key():
    spec = experiment("burgers", "ci")
    threads = torch.get_num_threads()
    keys = set()
    for n in (1, 2):
        torch.set_num_threads(n)
        keys.add(experiment("burgers", "ci").key)
    torch.set_num_threads(threads)
    assert keys == {spec.key}
    assert "threads" not in spec.to_dict()
    assert "thread" in (RunSpec.__doc__ or "")


def test_monitors_all_trains_with_every_monitor(tmp_path):
    code = main([*TRAIN, "--cache", str(tmp_path), "--set", "monitors=all"])
    assert code == 0
    spec = json.loads(next(tmp_path.glob("*/*/record.json")).read_text())["spec"]
    assert spec["monitors"] == ["all"]
