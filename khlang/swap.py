"""Replace a whole folder (a Zarr store) atomically: build beside it, then swap it in.

A reader sees the old folder or the new one, never half of either. A crash between the two renames
leaves the old folder aside as `<name>.old-<id>`; `recover` puts it back (or drops it once a new one
is in place) and removes temp builds."""

from __future__ import annotations

import shutil
from pathlib import Path

__all__ = ["recover", "swap_in", "temp_beside"]


def temp_beside(target: Path, build_id: str) -> Path:
    """Where a new build of `target` is written before it is swapped in."""
    return target.with_name(f"{target.name}.tmp-{build_id}")


def recover(target: Path) -> None:
    """Finish or undo a swap cut short: put an aside folder back if none is in place; drop temp builds."""
    for tmp in target.parent.glob(f"{target.name}.tmp-*"):
        shutil.rmtree(tmp, ignore_errors=True)
    for old in sorted(target.parent.glob(f"{target.name}.old-*"), key=lambda p: p.stat().st_mtime):
        if not target.exists():
            old.rename(target)
        else:
            shutil.rmtree(old, ignore_errors=True)


def swap_in(tmp: Path, target: Path, build_id: str) -> None:
    """Move the finished build `tmp` to `target`, the previous `target` aside and then away."""
    old = target.with_name(f"{target.name}.old-{build_id}")
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    shutil.rmtree(old, ignore_errors=True)
