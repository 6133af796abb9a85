"""One lock per run record, so that concurrent sweeps never train the same run twice.

The lock of ``<cache>/<problem>/<method>-<key>/`` is the file next to it,
``<cache>/<problem>/<method>-<key>.lock``, held with ``flock`` through the
``filelock`` package. The operating system releases it when its holder dies (Ctrl-C,
``kill -9``, a crashed node), so a dead sweep never blocks a run. Taking it never
waits: a process that finds it held skips the run, which another process is training.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout


def lock_path(record: Path) -> Path:
    """The lock file of a record folder: ``<record folder>.lock``."""
    return record.with_name(f"{record.name}.lock")


@contextmanager
def run_lock(record: Path) -> Iterator[bool]:
    """Take the lock of ``record`` without waiting: yields True if this process holds it,
    False if another one does. The lock file is removed once the record is complete."""
    record.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_path(record), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        if (record / "record.json").exists():
            # Safe while held: whoever locks a new file afterwards finds the record done.
            lock_path(record).unlink(missing_ok=True)
        lock.release()


def is_locked(record: Path) -> bool:
    """Whether a live process holds the lock of ``record`` now."""
    if not lock_path(record).exists():
        return False
    with run_lock(record) as mine:
        return not mine
