"""The run cache never serves a wrong or damaged record and never loses finished work.

A table of damages to a cache record folder, as a hostile but fair review would make
them, is applied to a copy of the clean record of a tiny run; ``run()`` must then

* retrain: warn "detected: retrained" and give exactly the clean record, which the
  next call serves without training ("detected: retrained");
* or stop with an error that names the damaged file and the fix ("clear error");
* or, for a harmless leftover (a tmp file, a finished run's checkpoint, an old record
  renamed aside, another process's lock file, a complete record left in staging by an
  interrupted swap), serve the clean record without training and clean up ("served").

"Served silently" (a damaged record returned as if right), "crashed" (any other
exception) and "retrained wrongly" are failures. The other tests: a valid checkpoint
still resumes, an interrupted retrain or swap keeps the old or the new record, an
unwritable cache fails before any training step, and the committed records are sealed.
"""

from __future__ import annotations

import builtins
import errno
import io
import json
import os
import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

from pinnlib.experiments import (
    DEFAULT_CACHE,
    NO_TRAINING_ENV,
    MissingRecord,
    experiment,
    record_path,
    run,
)
from pinnlib.records import (
    SEAL,
    UnwritableCache,
    checkpoint_path,
    read_record,
    record_checksum,
    staging_path,
    write_record,
)
from pinnlib.storage import sha256
from pinnlib.train import Trainer

SPEC = experiment("burgers", "ci", steps=20, monitors=())
OTHER = SPEC.replace(seed=999)
#: What run() says when it retrains a damaged record or checkpoint.
DETECTED = ("detected: retrained",)
#: What a clear error must offer besides the damaged file's name.
FIXES = ("--retrain", "chmod")


@dataclass
class Clean:
    """The clean records of SPEC and OTHER, and checkpoints of both at step 10."""

    record: Path
    other: Path
    checkpoint: bytes
    other_checkpoint: bytes


@dataclass
class Setup:
    """One test's cache, holding a copy of the clean record of SPEC at ``path``."""

    cache: Path
    path: Path
    clean: Clean
    monkeypatch: pytest.MonkeyPatch


def checkpoint_bytes(spec, folder: Path) -> bytes:
    trainer = Trainer(spec)
    trainer.run(progress=False, stop_at=10)
    trainer.save_checkpoint(folder / f"{spec.seed}.pt")
    return (folder / f"{spec.seed}.pt").read_bytes()


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Clean:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in every test (the thread count changes float32 sums)
    base = tmp_path_factory.mktemp("clean-cache")
    made = Clean(
        run(SPEC, cache=base, progress=False).path,
        run(OTHER, cache=base, progress=False).path,
        checkpoint_bytes(SPEC, base),
        checkpoint_bytes(OTHER, base),
    )
    torch.set_num_threads(threads)
    return made


@pytest.fixture
def setup(tmp_path, clean, monkeypatch) -> Setup:
    path = record_path(SPEC, tmp_path)
    shutil.copytree(clean.record, path)
    return Setup(tmp_path, path, clean, monkeypatch)


# -- damages ---------------------------------------------------------------------------------
def edit_meta(s: Setup, change: Callable[[dict], None], reseal: bool = True) -> Path:
    """Apply ``change`` to record.json; with ``reseal``, recompute its record checksum."""
    file = s.path / "record.json"
    meta = json.loads(file.read_text())
    change(meta)
    if reseal:
        meta[SEAL] = record_checksum(meta)
    file.write_text(json.dumps(meta, indent=1))
    return file


def rewrite(s: Setup, name: str, data: bytes) -> Path:
    """Replace a data file and update every checksum: only a content check can tell."""
    (s.path / name).write_bytes(data)
    return edit_meta(s, lambda meta: meta["sha256"].update({name: sha256(s.path / name)}))


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def edit_npz(s: Setup, name: str, change: Callable[[dict], None]) -> Path:
    with np.load(s.path / name) as z:
        arrays = {k: z[k].copy() for k in z.files}
    change(arrays)
    return rewrite(s, name, npz_bytes(arrays))


def nan_weights(s: Setup) -> Path:
    state = torch.load(s.path / "state.pt", weights_only=True)
    next(iter(state.values())).view(-1)[0] = float("nan")
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return rewrite(s, "state.pt", buffer.getvalue())


def delete(name: str) -> Callable[[Setup], Path]:
    return lambda s: (s.path / name).unlink() or s.path / name


def truncate(name: str) -> Callable[[Setup], Path]:
    def damage(s: Setup) -> Path:
        data = (s.path / name).read_bytes()
        (s.path / name).write_bytes(data[: len(data) // 2])
        return s.path / name

    return damage


def garbage(name: str) -> Callable[[Setup], Path]:
    def damage(s: Setup) -> Path:
        size = (s.path / name).stat().st_size
        (s.path / name).write_bytes(np.random.default_rng(0).bytes(size))
        return s.path / name

    return damage


def flip_byte(name: str) -> Callable[[Setup], Path]:
    def damage(s: Setup) -> Path:
        data = bytearray((s.path / name).read_bytes())
        data[len(data) // 2] ^= 0x01
        (s.path / name).write_bytes(bytes(data))
        return s.path / name

    return damage


def folder_for_file(name: str) -> Callable[[Setup], Path]:
    def damage(s: Setup) -> Path:
        (s.path / name).unlink()
        (s.path / name).mkdir()
        return s.path / name

    return damage


def write_text(name: str, text: str) -> Callable[[Setup], Path]:
    return lambda s: (s.path / name).write_text(text) and s.path / name


def empty_folder(s: Setup) -> Path:
    shutil.rmtree(s.path)
    s.path.mkdir()
    return s.path


def file_for_folder(s: Setup) -> Path:
    shutil.rmtree(s.path)
    s.path.write_text("not a record")
    return s.path


def copy_other(s: Setup) -> Path:
    shutil.rmtree(s.path)
    shutil.copytree(s.clean.other, s.path)
    return s.path


def other_seed_rekeyed(s: Setup) -> Path:
    """The spec edited to seed 999 and the key recomputed: a seed-999 record here."""

    def change(meta: dict) -> None:
        meta["spec"]["seed"] = 999
        meta["key"] = OTHER.key

    return edit_meta(s, change)


def deny_reading(name: str) -> Callable[[Setup], Path]:
    """Reading the file raises PermissionError (chmod does not stop root, who runs tests)."""

    def damage(s: Setup) -> Path:
        denied = os.fspath(s.path / name)
        real_open = io.open

        def guarded(file, mode="r", *args, **kwargs):
            if isinstance(file, str | os.PathLike) and os.fspath(file) == denied and "r" in mode:
                raise PermissionError(errno.EACCES, "Permission denied", denied)
            return real_open(file, mode, *args, **kwargs)

        s.monkeypatch.setattr(builtins, "open", guarded)
        s.monkeypatch.setattr(io, "open", guarded)
        return s.path / name

    return damage


def put_checkpoint(change: Callable[[Setup, bytes], bytes | None]) -> Callable[[Setup], Path]:
    """A partial run (no record) whose checkpoint is the clean one at step 10, changed."""

    def damage(s: Setup) -> Path:
        shutil.rmtree(s.path)
        file = checkpoint_path(s.path)
        file.parent.mkdir(parents=True, exist_ok=True)
        data = change(s, s.clean.checkpoint)
        if data is None:
            file.mkdir()
        else:
            file.write_bytes(data)
        return file

    return damage


def edit_checkpoint(change: Callable[[dict], None]) -> Callable[[Setup, bytes], bytes]:
    def edited(s: Setup, data: bytes) -> bytes:
        state = torch.load(io.BytesIO(data), weights_only=False)
        change(state)
        buffer = io.BytesIO()
        torch.save(state, buffer)
        return buffer.getvalue()

    return edited


def nan_model(state: dict) -> None:
    next(iter(state["model"].values())).view(-1)[0] = float("nan")


def orphan_tmp(s: Setup) -> Path:
    file = s.path / ".history.npz.k2j3h4.tmp"
    file.write_bytes(b"half a write")
    return file


def finished_checkpoint(s: Setup) -> Path:
    file = s.path / "checkpoint.pt"
    file.write_bytes(s.clean.checkpoint)
    return file


def old_record_aside(s: Setup) -> Path:
    old = s.path.with_name(f"{s.path.name}.old-0123456789ab")
    shutil.copytree(s.path, old)
    return old


def lock_file(s: Setup) -> Path:
    lock = s.path.with_name(f"{s.path.name}.lock")
    lock.write_text("pid 12345")
    return lock


def record_left_in_staging(s: Setup) -> Path:
    """Interrupted after the new record was complete, before it was renamed into place."""
    os.rename(s.path, staging_path(s.path))
    return staging_path(s.path)


def swap_interrupted(s: Setup) -> Path:
    """Interrupted between the two renames: old record aside, the new one in staging."""
    shutil.copytree(s.path, staging_path(s.path))
    os.rename(s.path, s.path.with_name(f"{s.path.name}.old-0123456789ab"))
    return staging_path(s.path)


@dataclass
class Case:
    name: str
    damage: Callable[[Setup], Path]
    expect: str  # "detected: retrained", "clear error" or "served"


FILES = ("history.npz", "final.npz", "state.pt", "record.json")
CASES = [
    *(Case(f"{name} deleted", delete(name), "detected: retrained") for name in FILES),
    *(Case(f"{name} truncated", truncate(name), "detected: retrained") for name in FILES),
    *(Case(f"{name} garbage", garbage(name), "detected: retrained") for name in FILES),
    *(Case(f"{name} byte flipped", flip_byte(name), "detected: retrained") for name in FILES),
    Case("record.json is a folder", folder_for_file("record.json"), "detected: retrained"),
    Case("state.pt is a folder", folder_for_file("state.pt"), "detected: retrained"),
    Case("record folder is a file", file_for_folder, "detected: retrained"),
    Case("record folder empty", empty_folder, "detected: retrained"),
    Case("record.json not an object", write_text("record.json", "[]"), "detected: retrained"),
    Case("file checksum edited", lambda s: edit_meta(
        s, lambda m: m["sha256"].update({"state.pt": "0" * 64}), reseal=False),
        "detected: retrained"),
    Case("file checksum edited, resealed", lambda s: edit_meta(
        s, lambda m: m["sha256"].update({"state.pt": "0" * 64})), "detected: retrained"),
    Case("file checksum missing", lambda s: edit_meta(s, lambda m: m["sha256"].pop("final.npz")),
         "detected: retrained"),
    Case("file checksums mistyped", lambda s: edit_meta(s, lambda m: m.update(sha256="abc")),
         "detected: retrained"),
    Case("file checksum mistyped", lambda s: edit_meta(
        s, lambda m: m["sha256"].update({"history.npz": 12})), "detected: retrained"),
    Case("file checksums removed", lambda s: edit_meta(s, lambda m: m.pop("sha256")),
         "detected: retrained"),
    Case("record checksum removed", lambda s: edit_meta(
        s, lambda m: m.pop(SEAL, None), reseal=False), "detected: retrained"),
    Case("record checksum mistyped", lambda s: edit_meta(
        s, lambda m: m.update({SEAL: 7}), reseal=False), "detected: retrained"),
    Case("spec edited, key recomputed", other_seed_rekeyed, "detected: retrained"),
    Case("spec edited, key kept", lambda s: edit_meta(
        s, lambda m: m["spec"].update(seed=999)), "detected: retrained"),
    Case("spec with an unknown field", lambda s: edit_meta(
        s, lambda m: m["spec"].update(colour="red")), "detected: retrained"),
    Case("another spec's record copied in", copy_other, "detected: retrained"),
    Case("metadata edited", lambda s: edit_meta(s, lambda m: (
        m.update(steps_per_second=1e9), m["provenance"].update(device="cuda:7")), reseal=False),
        "detected: retrained"),
    Case("final error edited, resealed", lambda s: edit_meta(
        s, lambda m: m.update(final_error=1e-9)), "detected: retrained"),
    Case("NaN loss, checksums updated", lambda s: edit_npz(
        s, "history.npz", lambda h: h["loss"].__setitem__(-1, np.nan)), "detected: retrained"),
    Case("NaN error, checksums updated", lambda s: edit_npz(
        s, "history.npz", lambda h: h["error"].__setitem__(0, np.nan)), "detected: retrained"),
    Case("history cut short, checksums updated", lambda s: edit_npz(
        s, "history.npz", lambda h: h.update({k: v[:-1] for k, v in h.items()})),
        "detected: retrained"),
    Case("NaN weight, checksums updated", nan_weights, "detected: retrained"),
    Case("infinite residual, checksums updated", lambda s: edit_npz(
        s, "final.npz", lambda f: f["abs_residual"].__setitem__(0, np.inf)),
        "detected: retrained"),
    Case("record.json unreadable", deny_reading("record.json"), "clear error"),
    Case("state.pt unreadable", deny_reading("state.pt"), "clear error"),
    Case("checkpoint truncated", put_checkpoint(lambda s, d: d[: len(d) // 2]),
         "detected: retrained"),
    Case("checkpoint garbage", put_checkpoint(
        lambda s, d: np.random.default_rng(1).bytes(len(d))), "detected: retrained"),
    Case("checkpoint of another spec", put_checkpoint(lambda s, d: s.clean.other_checkpoint),
         "detected: retrained"),
    Case("checkpoint with NaN weights", put_checkpoint(edit_checkpoint(nan_model)),
         "detected: retrained"),
    Case("checkpoint without a key", put_checkpoint(edit_checkpoint(lambda c: c.pop("key", None))),
         "detected: retrained"),
    Case("checkpoint past the last step", put_checkpoint(
        edit_checkpoint(lambda c: c.update(step=10**6))), "detected: retrained"),
    Case("checkpoint is a folder", put_checkpoint(lambda s, d: None), "detected: retrained"),
    Case("orphaned tmp file", orphan_tmp, "served"),
    Case("finished run's checkpoint", finished_checkpoint, "served"),
    Case("old record renamed aside", old_record_aside, "served"),
    Case("lock file of a sweep", lock_file, "served"),
    Case("record left in staging", record_left_in_staging, "served"),
    Case("swap interrupted between renames", swap_interrupted, "served"),
]  # fmt: skip


# -- outcomes --------------------------------------------------------------------------------
def count_steps(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one at every training step from now on."""
    steps: list[int] = []
    original = Trainer.train_step

    def counted(self: Trainer) -> None:
        steps.append(self.step)
        return original(self)

    monkeypatch.setattr(Trainer, "train_step", counted)
    return steps


def same_record(a, b) -> bool:
    """Equal spec, history, final arrays and weights (timings and provenance may differ)."""
    if a.spec != b.spec or set(a.history) != set(b.history) or set(a.final) != set(b.final):
        return False
    arrays = all(np.array_equal(a.history[k], b.history[k]) for k in a.history) and all(
        np.array_equal(a.final[k], b.final[k]) for k in a.final
    )
    sa, sb = a.state_dict(), b.state_dict()
    return arrays and sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def classify(s: Setup, case: Case) -> str:
    """Apply the damage, call run(), and say which outcome it had (see the module)."""
    named = case.damage(s)
    kept = named.read_bytes() if case.expect == "served" and named.is_file() else None
    steps = count_steps(s.monkeypatch)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            record = run(SPEC, cache=s.cache, progress=False)
        except Exception as err:
            clear = str(named) in str(err) and any(fix in str(err) for fix in FIXES)
            return "clear error" if clear else f"crashed: {type(err).__name__}: {err}"
    clean = read_record(s.clean.record)
    message = "\n".join(str(w.message) for w in caught)
    if not steps:
        if case.expect != "served":
            return "served silently"
        if not same_record(record, clean):
            return "served wrongly"
        if named.name.endswith(".lock"):
            return "served" if named.read_bytes() == kept else "lock file touched"
        return "served" if not os.path.lexists(named) else "served, leftover kept"
    if not same_record(record, clean):
        return "retrained wrongly"
    if not any(text in message for text in DETECTED):
        return "retrained without saying why"
    del steps[:]
    again = run(SPEC, cache=s.cache, progress=False)
    if steps or not same_record(again, clean):
        return "never recovered"
    return "detected: retrained"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_damaged_record_is_retrained_refused_or_cleaned(setup, case):
    assert classify(setup, case) == case.expect
    if case.expect != "clear error":  # nothing but a lock file is left next to the record
        siblings = {p.name for p in setup.path.parent.iterdir()} - {f"{setup.path.name}.lock"}
        assert siblings == {setup.path.name}


def test_table_covers_every_file_and_kind_of_damage():
    assert len(CASES) >= 33
    assert {c.expect for c in CASES} == {"detected: retrained", "clear error", "served"}


# -- checkpoints, interruptions, the cache folder -------------------------------------------
def test_valid_checkpoint_resumes_where_it_stopped(setup, monkeypatch):
    put_checkpoint(lambda s, d: d)(setup)
    steps = count_steps(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        record = run(SPEC, cache=setup.cache, progress=False)
    assert steps == list(range(10, 20))
    assert same_record(record, read_record(setup.clean.record))
    assert not os.path.lexists(staging_path(setup.path))


def test_interrupted_retrain_keeps_the_old_record(setup, monkeypatch):
    before = (setup.path / "record.json").read_bytes()
    original = Trainer.train_step

    def interrupted(self: Trainer) -> None:
        if self.step == 5:
            raise KeyboardInterrupt
        original(self)

    monkeypatch.setattr(Trainer, "train_step", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(SPEC, cache=setup.cache, progress=False, retrain=True, checkpoint_every=2)
    assert (setup.path / "record.json").read_bytes() == before
    monkeypatch.setattr(Trainer, "train_step", original)
    steps = count_steps(monkeypatch)
    record = run(SPEC, cache=setup.cache, progress=False)
    assert not steps and (record.path / "record.json").read_bytes() == before
    retrained = run(SPEC, cache=setup.cache, progress=False, retrain=True)
    assert steps == list(range(20))  # a retrain starts afresh, not from the checkpoint
    assert same_record(retrained, read_record(setup.clean.record))
    assert sorted(p.name for p in setup.path.parent.iterdir()) == [setup.path.name]


def test_swap_interrupted_after_the_old_record_moved_aside_loses_nothing(setup, monkeypatch):
    original = os.rename

    def rename(src, dst):
        if Path(src).name.endswith(".partial"):
            raise KeyboardInterrupt  # killed between the two renames
        original(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        run(SPEC, cache=setup.cache, progress=False, retrain=True)
    assert not setup.path.exists()  # the old record is aside, the new one in staging
    monkeypatch.setattr(os, "rename", original)
    steps = count_steps(monkeypatch)
    record = run(SPEC, cache=setup.cache, progress=False)
    assert not steps and same_record(record, read_record(setup.clean.record))
    assert sorted(p.name for p in setup.path.parent.iterdir()) == [setup.path.name]


@pytest.mark.parametrize("kind", ["under /dev/null", "a file", "permission denied"])
def test_unwritable_cache_fails_before_any_training(tmp_path, monkeypatch, kind):
    cache = Path("/dev/null/x") if kind == "under /dev/null" else tmp_path / "cache"
    if kind == "a file":
        cache.write_text("a file")
    if kind == "permission denied":

        def mkstemp(*args, **kwargs):
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr("tempfile.mkstemp", mkstemp)
    steps = count_steps(monkeypatch)
    with pytest.raises(UnwritableCache, match="not writable") as err:
        run(SPEC, cache=cache, progress=False)
    assert str(cache / SPEC.problem) in str(err.value) and not steps


def test_no_training_mode_reports_the_damage_and_deletes_nothing(setup, monkeypatch):
    flip_byte("state.pt")(setup)
    damaged = sorted((p.name, p.read_bytes()) for p in setup.path.iterdir())
    monkeypatch.setenv(NO_TRAINING_ENV, "1")
    with pytest.raises(MissingRecord, match="checksum"):
        run(SPEC, cache=setup.cache, progress=False)
    assert sorted((p.name, p.read_bytes()) for p in setup.path.iterdir()) == damaged


def test_a_non_finite_record_is_never_written(tmp_path, clean):
    record = read_record(clean.record)
    history = {**record.history, "loss": record.history["loss"] * np.nan}
    path = tmp_path / "record"
    with pytest.raises(ValueError, match="non-finite"):
        write_record(path, SPEC, history, record.final, record.state_dict(), record.info)
    assert not path.exists()


def test_committed_records_are_sealed_and_filed_under_their_key():
    paths = sorted(p.parent for p in DEFAULT_CACHE.glob("*/*/record.json"))
    assert paths
    for path in paths:
        record = read_record(path)
        assert path.name == f"{record.spec.method}-{record.spec.key}"
        assert path.parent.name == record.spec.problem
