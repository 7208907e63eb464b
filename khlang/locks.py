"""One writer at a time: an exclusive, non-blocking file lock in the work folder's run/ folder."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

__all__ = ["BusyError", "exclusive_lock"]


class BusyError(RuntimeError):
    """Another process holds the lock (another ingest or panel build on the same work folder)."""


@contextlib.contextmanager
def exclusive_lock(path: Path, what: str) -> Iterator[None]:
    """Hold `path` exclusively for the block; raise BusyError at once if someone else holds it.
    The kernel drops the lock when the holder dies, so a crash never leaves it stuck."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BusyError(f"another {what} is running on this work folder ({path})") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
