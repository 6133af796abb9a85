"""Run records on disk: written atomically, verified against the spec asked for when read.

A record is a folder holding

* ``history.npz``: the logged arrays (step, loss terms, error, monitors);
* ``final.npz``: collocation points, final residuals and RBA weights;
* ``state.pt``: the final model weights;
* ``record.json``: the resolved spec and its key, provenance, timings, the sha256 of
  the three files above and ``record_sha256``, the sha256 of the canonical JSON of
  every other field of ``record.json`` (so no field can be edited unnoticed).

A record is never written in place. A run trains in the staging folder next to its
record, ``<record>.partial/`` (which holds its checkpoint), the finished record is
written there, ``record.json`` last, and the folder is then renamed into place; an
older record at that place is first renamed aside (``<record>.old-<random>``) and
deleted afterwards. A reader therefore sees the old record, the new one or, for an
instant, none, never a half record, and an interruption at any point leaves either
the old record or the complete new one in staging (which :func:`recover_record`
installs). Renames within one folder are atomic on local and network file systems.
Other files next to a record (such as the ``<record>.lock`` of a parallel sweep)
are left alone.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import uuid
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import torch

from pinnlib.build import build_model
from pinnlib.diagnostics.phases import PhaseResult, detect_history_phases
from pinnlib.spec import RunSpec
from pinnlib.storage import (
    atomic_savez,
    atomic_torch_save,
    atomic_write_bytes,
    fsync_dir,
    remove_path,
    sha256,
    sha256_bytes,
)

RECORD_FILES = ("history.npz", "final.npz", "state.pt")
META = "record.json"
CHECKPOINT = "checkpoint.pt"
#: The field of ``record.json`` holding the checksum of all its other fields.
SEAL = "record_sha256"
#: The fields every ``record.json`` has, and their JSON types.
META_FIELDS: dict[str, type | tuple[type, ...]] = {
    "key": str,
    "spec": dict,
    "provenance": dict,
    "train_seconds": (int, float),
    "steps_per_second": (int, float),
    "final_error": (int, float),
    "sha256": dict,
    SEAL: str,
}
#: How to repair a record that cannot be read, for the error messages.
RETRAIN_HINT = "retrain it with `--retrain` (or run(..., retrain=True))"


class CorruptRecord(ValueError):
    """A record folder that is missing, damaged, or not the record of the spec asked for."""


class UnreadableRecord(RuntimeError):
    """A record file that exists but cannot be read (e.g. no read permission)."""


class UnwritableCache(RuntimeError):
    """A run cache folder that cannot be created or written to."""


class CorruptCheckpoint(ValueError):
    """A training checkpoint that cannot resume this run: unreadable, foreign or non-finite."""


@dataclass
class RunRecord:
    """A finished run as loaded from disk."""

    path: Path
    spec: RunSpec
    history: dict[str, np.ndarray]
    final: dict[str, np.ndarray]
    info: dict[str, Any]

    @property
    def final_error(self) -> float:
        return float(self.history["error"][-1])

    @property
    def provenance(self) -> dict[str, Any]:
        return self.info["provenance"]

    @cached_property
    def adam_history(self) -> dict[str, np.ndarray]:
        """The history up to the last Adam step (``spec.steps``): all of it, unless an
        L-BFGS stage followed. The paper's phases are phases of training with Adam."""
        keep = np.asarray(self.history["step"]) <= self.spec.steps
        return {k: np.asarray(v)[keep] for k, v in self.history.items()}

    @cached_property
    def phases(self) -> PhaseResult:
        """The training phases detected in :attr:`adam_history`, computed once."""
        return detect_history_phases(self.adam_history)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return torch.load(self.path / "state.pt", weights_only=True)

    def model(self) -> torch.nn.Module:
        """The trained network (on the CPU, in the run's dtype)."""
        model = build_model(self.spec)
        model.load_state_dict(self.state_dict())
        return model.eval()


# -- the layout next to a record -------------------------------------------------------------
def staging_path(path: Path) -> Path:
    """Where the run of the record at ``path`` trains and its new record is written."""
    return path.with_name(f"{path.name}.partial")


def checkpoint_path(path: Path) -> Path:
    """The training checkpoint of the run whose record goes to ``path``."""
    return staging_path(path) / CHECKPOINT


def check_writable(folder: Path) -> None:
    """Create ``folder`` and write and delete a probe file in it.

    Raises :class:`UnwritableCache` naming the folder, so a run fails before any
    training step rather than losing its result when the record is written.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-probe-", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise UnwritableCache(
            f"the run cache folder {folder} is not writable ({err.strerror or err}); "
            "choose a writable cache with --cache or the PINNLIB_CACHE variable"
        ) from None


def install_record(staging: Path, path: Path) -> None:
    """Move the complete record in ``staging`` to ``path``, replacing what is there.

    Two renames: whatever is at ``path`` (an old record, a damaged folder, a stray
    file) goes aside first, then ``staging`` takes its place; the old one is
    deleted last, so an interruption at any point leaves a complete record.
    """
    old = None
    if os.path.lexists(path):
        old = path.with_name(f"{path.name}.old-{uuid.uuid4().hex[:12]}")
        os.rename(path, old)
    try:
        os.rename(staging, path)
    except OSError:
        if old is not None:
            os.rename(old, path)  # put the old record back
        raise
    fsync_dir(path.parent)
    if old is not None:
        remove_path(old)


def clean_leftovers(path: Path) -> None:
    """Delete what a finished record at ``path`` no longer needs (best effort).

    Orphaned ``*.tmp`` files of interrupted atomic writes and a ``checkpoint.pt``
    inside the folder, and old records renamed aside (``<record>.old-*``) next to
    it. Nothing else is touched: lock files and staging folders of other processes
    stay.
    """
    leftovers = [*path.glob("*.tmp"), path / CHECKPOINT, *path.parent.glob(f"{path.name}.old-*")]
    for leftover in leftovers:
        try:
            remove_path(leftover)
        except OSError:
            pass


# -- writing ---------------------------------------------------------------------------------
def record_checksum(meta: dict[str, Any]) -> str:
    """The sha256 of the canonical JSON (sorted keys, no spaces) of all fields but the seal."""
    fields = {k: v for k, v in meta.items() if k != SEAL}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return sha256_bytes(text.encode())


def write_record(
    path: Path,
    spec: RunSpec,
    history: dict[str, np.ndarray],
    final: dict[str, np.ndarray],
    state: dict[str, torch.Tensor],
    info: dict[str, Any],
) -> RunRecord:
    """Write a complete record to ``path`` through its staging folder (see the module).

    Refuses (``ValueError``) a record that :func:`read_record` would reject, such as
    one with a non-finite loss, error or weight. The run's checkpoint in the staging
    folder is deleted with the swap.
    """
    meta = json.loads(json.dumps({"key": spec.key, "spec": spec.to_dict(), **info}))
    problem = _content_problem(spec, meta, history, final, state)
    if problem:
        raise ValueError(f"refusing to write the record {path}: {problem}")
    staging = staging_path(path)
    if os.path.lexists(staging) and not staging.is_dir():
        staging.unlink()
    for name in (META, *RECORD_FILES):
        remove_path(staging / name)  # a stale file of an interrupted write
    atomic_savez(staging / "history.npz", history)
    atomic_savez(staging / "final.npz", final)
    atomic_torch_save(state, staging / "state.pt")
    meta["sha256"] = {name: sha256(staging / name) for name in RECORD_FILES}
    meta[SEAL] = record_checksum(meta)  # of the values exactly as a reader parses them
    atomic_write_bytes(staging / META, json.dumps(meta, indent=1).encode())
    remove_path(staging / CHECKPOINT)
    install_record(staging, path)
    clean_leftovers(path)
    return RunRecord(path, spec, history, final, meta)


def seal_record(path: Path) -> None:
    """Add ``record_sha256`` to a record written before records carried it.

    Every other check of :func:`read_record` must pass first (file checksums, key,
    finite numbers); only ``record.json`` is rewritten, never the data files.
    """
    meta = _read_meta(path)
    meta[SEAL] = record_checksum(meta)
    _verified(path, meta)
    atomic_write_bytes(path / META, json.dumps(meta, indent=1).encode())


# -- reading ---------------------------------------------------------------------------------
def read_record(path: Path, expected: RunSpec | None = None) -> RunRecord:
    """Load and verify the record at ``path``; with ``expected``, that it is that spec's.

    Checked, in order: ``path`` is a folder holding a ``record.json`` object with
    every field (:data:`META_FIELDS`) and a valid ``record_sha256`` (so no field was
    edited); its spec parses and hashes to its ``key``, which is ``expected``'s key
    (a record copied from, or edited into, another spec is not this run's); the three
    data files match their sha256 and load; the history ends at the run's last step
    with finite loss, error and learning rate; the final arrays and weights are finite;
    the stored final error is the history's last.

    Raises :class:`CorruptRecord` for any failure (the cure is to retrain), and
    :class:`UnreadableRecord`, naming the file and the fix, when a file exists but
    cannot be read (retraining over it may not be wanted).
    """
    try:
        return _verified(path, _read_meta(path), expected)
    except PermissionError as err:
        file = err.filename or path
        raise UnreadableRecord(
            f"cannot read the record file {file} ({err.strerror}): make it readable "
            f"(e.g. chmod a+r), or {RETRAIN_HINT}, which replaces the record"
        ) from None


def _read_bytes(file: Path) -> bytes:
    """The bytes of a record file; CorruptRecord if it is missing or not a plain file."""
    try:
        return file.read_bytes()
    except FileNotFoundError:
        raise CorruptRecord(f"{file} is missing") from None
    except IsADirectoryError:
        raise CorruptRecord(f"{file} is a folder, not a file") from None
    except PermissionError:
        raise
    except OSError as err:
        raise CorruptRecord(f"{file} cannot be read: {err}") from None


def _read_meta(path: Path) -> dict[str, Any]:
    """The parsed ``record.json`` of the folder ``path``, checked to be a JSON object."""
    if not os.path.lexists(path):
        raise CorruptRecord(f"no record at {path}")
    if not path.is_dir():
        raise CorruptRecord(f"{path} is a file, not a record folder")
    meta_path = path / META
    if not os.path.lexists(meta_path):
        raise CorruptRecord(f"{path} has no {META} (an unfinished run)")
    try:
        meta = json.loads(_read_bytes(meta_path))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CorruptRecord(f"{meta_path} is not valid JSON: {err}") from None
    if not isinstance(meta, dict):
        raise CorruptRecord(f"{meta_path} is not a JSON object")
    return meta


def _check_meta(path: Path, meta: dict[str, Any]) -> RunSpec:
    """The spec of a parsed ``record.json``, after checking its fields, seal and key."""
    meta_path = path / META
    if SEAL not in meta:
        raise CorruptRecord(
            f"{meta_path} has no {SEAL}: it was edited or made by an older pinnlib "
            "(pinnlib.records.seal_record seals an old record you trust)"
        )
    for name, kind in META_FIELDS.items():
        if not isinstance(meta.get(name), kind):
            raise CorruptRecord(f"{meta_path}: field {name!r} is missing or of the wrong type")
    if meta[SEAL] != record_checksum(meta):
        raise CorruptRecord(f"{meta_path} does not match its {SEAL} (a field was edited)")
    for name in RECORD_FILES:
        if not isinstance(meta["sha256"].get(name), str):
            raise CorruptRecord(f"{meta_path}: no sha256 of {name}")
    try:
        spec = RunSpec.from_dict(meta["spec"])
    except (TypeError, ValueError) as err:
        raise CorruptRecord(f"{meta_path}: its spec is invalid: {err}") from None
    if spec.key != meta["key"]:
        raise CorruptRecord(f"{meta_path}: stored key {meta['key']} does not match its spec")
    return spec


def _check_expected(path: Path, spec: RunSpec, expected: RunSpec) -> None:
    """A record is only the run asked for if its spec hashes to the same key."""
    if spec.key == expected.key:
        return
    ours, theirs = spec.to_dict(), expected.to_dict()
    changed = sorted(k for k in theirs if ours.get(k) != theirs[k])
    details = ", ".join(f"{k}={ours.get(k)!r} (asked {theirs[k]!r})" for k in changed)
    raise CorruptRecord(
        f"{path} holds the record of another spec (key {spec.key}, asked for "
        f"{expected.key}{': ' + details if details else ''})"
    )


def _load_files(path: Path, meta: dict[str, Any]) -> tuple[dict, dict, dict]:
    """History, final arrays and state of the record, each checked against its sha256."""
    data = {}
    for name in RECORD_FILES:
        file = path / name
        data[name] = _read_bytes(file)
        if sha256_bytes(data[name]) != meta["sha256"][name]:
            raise CorruptRecord(f"{file} does not match its checksum")
    try:  # whatever a damaged file raises, it is a damaged record
        with np.load(io.BytesIO(data["history.npz"])) as h:
            history = {k: h[k] for k in h.files}
        with np.load(io.BytesIO(data["final.npz"])) as f:
            final = {k: f[k] for k in f.files}
        state = torch.load(io.BytesIO(data["state.pt"]), map_location="cpu", weights_only=True)
    except Exception as err:
        raise CorruptRecord(f"{path}: a data file does not load ({err})") from None
    return history, final, state


def _all_finite(value: Any) -> bool:
    if isinstance(value, torch.Tensor):
        return bool(torch.isfinite(value).all()) if value.is_floating_point() else True
    array = np.asarray(value)
    return bool(np.isfinite(array).all()) if array.dtype.kind in "fc" else array.dtype.kind in "iub"


def _history_problem(history: dict[str, Any], total_steps: int) -> str | None:
    """Why ``history`` is not that of a run finished at ``total_steps``, or None.

    The step, loss terms, learning rate and error must be finite and as long as the
    steps, which rise to ``total_steps``; monitors may legitimately be NaN.
    """
    checked = [k for k in history if k in ("step", "lr", "error") or k.startswith("loss")]
    if not {"step", "loss", "error"} <= set(checked):
        return "the history lacks its step, loss or error"
    steps = np.asarray(history["step"])
    lengths = {np.shape(history[k])[:1] for k in checked}
    if steps.ndim != 1 or not len(steps) or lengths != {steps.shape}:
        return "the history arrays are empty or of unequal length"
    if not all(_all_finite(history[k]) for k in checked):
        return "the history holds a non-finite loss, error or step"
    if np.any(np.diff(steps) <= 0) or steps[-1] != total_steps:
        return f"the history does not rise to the run's last step {total_steps}"
    return None


def _content_problem(
    spec: RunSpec,
    meta: dict[str, Any],
    history: dict[str, np.ndarray],
    final: dict[str, np.ndarray],
    state: Any,
) -> str | None:
    """Why the loaded record is not a finished run of ``spec``, or None.

    A NaN in the results is no finished run; the stored final error must be the
    history's last.
    """
    problem = _history_problem(history, spec.total_steps)
    if problem:
        return problem
    if not all(_all_finite(a) for a in final.values()):
        return "the final arrays hold non-finite values"
    tensors = isinstance(state, dict) and all(isinstance(t, torch.Tensor) for t in state.values())
    if not tensors or not state or not all(_all_finite(t) for t in state.values()):
        return "the weights are missing or non-finite"
    if meta["final_error"] != float(history["error"][-1]):
        return "the stored final_error is not the last error of the history"
    return None


def _verified(path: Path, meta: dict[str, Any], expected: RunSpec | None = None) -> RunRecord:
    spec = _check_meta(path, meta)
    if expected is not None:
        _check_expected(path, spec, expected)
    history, final, state = _load_files(path, meta)
    problem = _content_problem(spec, meta, history, final, state)
    if problem:
        raise CorruptRecord(f"{path}: {problem}")
    _add_points_per_batch(history, final)
    return RunRecord(path, spec, history, final, meta)


#: The batch count of the SNR monitor in records made before it logged its points per
#: batch: the paper's B = 100 (chunks of N / 100 points on average).
LEGACY_SNR_BATCHES = 100


def _add_points_per_batch(history: dict[str, np.ndarray], final: dict[str, np.ndarray]) -> None:
    """Give a history that logged the SNR but not its points per batch (an older record)
    the mean points per batch its monitor used, N / min(100, N), as ``snr_points_per_batch``,
    so that its SNR can be put in the paper's units like a newer record's."""
    if "snr" in history and "snr_points_per_batch" not in history and "points" in final:
        n_points = len(final["points"])
        per_batch = n_points / min(LEGACY_SNR_BATCHES, n_points)
        history["snr_points_per_batch"] = np.full(len(history["snr"]), per_batch)


def recover_record(path: Path, expected: RunSpec) -> RunRecord | None:
    """Install a complete record of ``expected`` left in staging, if there is one.

    An interruption between writing a record and renaming it into place (or between
    the two renames) leaves the finished run there; it is not lost.
    """
    staging = staging_path(path)
    if not (staging / META).is_file():
        return None
    try:
        read_record(staging, expected)
        install_record(staging, path)
        return read_record(path, expected)
    except (CorruptRecord, UnreadableRecord, OSError):
        return None


# -- checkpoints -----------------------------------------------------------------------------
def _tensors(value: Any) -> list[torch.Tensor]:
    """Every tensor nested in dicts, lists and tuples."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _tensors(v)]
    return []


def read_checkpoint_run(path: Path, spec: RunSpec) -> RunRecord | None:
    """The run of ``spec`` in progress at the checkpoint of the record ``path``, as a
    :class:`RunRecord` with the history logged so far (no ``final`` fields; ``info``
    holds ``checkpoint_step`` and ``train_seconds``), or None where there is no
    checkpoint or it cannot resume this run (:func:`checkpoint_problem`)."""
    checkpoint = checkpoint_path(path)
    if not checkpoint.exists():
        return None
    try:
        state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    except Exception:  # whatever a damaged file raises: no run to show
        return None
    if checkpoint_problem(state, spec):
        return None
    history = {k: np.asarray(v) for k, v in state["history"].items()}
    info = {"checkpoint_step": state["step"], "train_seconds": state["train_seconds"]}
    if state.get("continued_from"):
        info["continued_from"] = state["continued_from"]
    return RunRecord(path=checkpoint.parent, spec=spec, history=history, final={}, info=info)


def checkpoint_problem(state: Any, spec: RunSpec) -> str | None:
    """Why the loaded checkpoint ``state`` cannot resume a run of ``spec``, or None.

    It must carry ``spec``'s key (so also the training-code version) and spec, stop
    at a step of the run, and hold finite tensors and a finite logged loss and error.
    """
    if not isinstance(state, dict):
        return "it is not a training checkpoint"
    if state.get("key") != spec.key or not spec.same_run(state.get("spec")):
        return f"it belongs to another run (key {state.get('key')!r}, this run's is {spec.key})"
    step = state.get("step")
    if not isinstance(step, int) or not 0 <= step <= spec.total_steps:
        return f"its step {step!r} is not a step of this run"
    history = state.get("history")
    if not isinstance(history, dict):
        return "it holds no history"
    logged = [k for k in history if k in ("error", "lr") or k.startswith("loss")]
    if not all(_all_finite(history[k]) for k in logged):
        return "its history holds a non-finite loss or error"
    rest = {k: v for k, v in state.items() if k != "history"}
    if not all(_all_finite(t) for t in _tensors(rest)):
        return "it holds non-finite weights or optimiser state"
    return None
