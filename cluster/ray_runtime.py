"""Where a local Ray keeps its files: under RAY_TMPDIR (the work folder, set by khlang.runtime), through a
short link in /tmp when that path is too long for Ray's unix sockets."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

__all__ = ["ray_temp_dir"]

# Linux allows 107 bytes in a unix socket path; Ray appends about 66 to its temp dir
# (/session_<date>_<time>_<micros>_<pid>/sockets/plasma_store).
_RAY_TEMP_DIR_MAX = 107 - 66


def ray_temp_dir() -> tuple[str, bool]:
    """Ray's root temp dir, RAY_TMPDIR/ray (in the work folder, set by khlang.runtime), and whether a
    link was made for it: where that path is too long for Ray's unix sockets, a short link in /tmp
    that points at it (the files still live in the work folder). The link's name carries this
    process's id, so no other process can take it or leave it behind for us; links of processes
    that are gone (killed before they could remove theirs) are swept first."""
    base = Path(os.environ.get("RAY_TMPDIR") or tempfile.gettempdir()).resolve() / "ray"
    base.mkdir(parents=True, exist_ok=True)
    if len(os.fsencode(base)) <= _RAY_TEMP_DIR_MAX:
        return str(base), False
    _sweep_dead_ray_links()
    digest = hashlib.sha256(os.fsencode(base)).hexdigest()[:8]
    link = Path("/tmp") / f"{_ray_link_prefix()}{os.getpid()}-{digest}"
    if link.is_symlink() and link.resolve() == base:
        return str(link), False  # made by an engine still open in this process: leave it to that one
    link.unlink(missing_ok=True)
    link.symlink_to(base, target_is_directory=True)
    return str(link), True


def _ray_link_prefix() -> str:
    return f"khlang-ray-{os.getuid()}-"


def _sweep_dead_ray_links() -> None:
    for link in Path("/tmp").glob(f"{_ray_link_prefix()}*-*"):
        pid = link.name[len(_ray_link_prefix()):].split("-")[0]
        if link.is_symlink() and pid.isdigit() and not _alive(int(pid)):
            link.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
