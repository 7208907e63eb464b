"""Services the project starts as detached processes (dask scheduler/workers, the MLflow UI): their pid
records (pid + start time, so a reused pid is never mistaken for ours) and their logs."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

import psutil

__all__ = ["read_pid_record", "live_process", "log_tail"]


def read_pid_record(path: Path) -> dict[str, Any] | None:
    """The JSON pid record at `path`, or None when missing or unreadable."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def live_process(record: dict[str, Any] | None) -> psutil.Process | None:
    """The live process a pid record names, or None (gone, a zombie, or its pid now used by another)."""
    if not record:
        return None
    try:
        proc = psutil.Process(int(record["pid"]))
        if abs(proc.create_time() - float(record["create_time"])) > 1.0:
            return None
        if proc.status() == psutil.STATUS_ZOMBIE:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(proc.pid, os.WNOHANG)  # our own child (started in this process): reap it
            return None
        return proc
    except (psutil.Error, KeyError, ValueError):
        return None


def log_tail(path: Path, lines: int = 20) -> str:
    """The last lines of a service's log, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
