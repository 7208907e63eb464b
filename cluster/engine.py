"""The engine every stage is handed: a Dask distributed client or a Ray runtime, behind one `map`.

Stages write one partition function and call `engine.map(fn, items)`; the engine decides where it runs.
Nothing here starts at import time, and no stage creates a client of its own."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from khlang.config import ClusterConfig

__all__ = ["Engine", "DaskEngine", "RayEngine", "open_engine", "engine_kind", "ray_temp_dir"]

T = TypeVar("T")
# Linux allows 107 bytes in a unix socket path; Ray appends about 66 to its temp dir
# (/session_<date>_<time>_<micros>_<pid>/sockets/plasma_store).
_RAY_TEMP_DIR_MAX = 107 - 66


class Engine(ABC):
    """Runs a pure function over items on a cluster and returns the results in item order."""

    kind: str
    address: str

    @abstractmethod
    def map(self, fn: Callable[..., T], items: Sequence[Any], **kwargs: Any) -> list[T]:
        """fn(item, **kwargs) for every item, in parallel; results in the order of `items`. The kwargs are
        shared by every item and travel to the cluster once (Dask: scattered; Ray: the object store), not
        once per task: pass a large input that every task reads (a history block) as a kwarg."""

    @abstractmethod
    def n_workers(self) -> int:
        """Worker processes (Dask) or CPUs (Ray) available to tasks now."""

    def describe(self) -> str:
        return f"{self.kind} @ {self.address} ({self.n_workers()} workers)"


class DaskEngine(Engine):
    kind = "dask"

    def __init__(self, client: Any, address: str) -> None:
        self.client = client
        self.address = address

    def map(self, fn: Callable[..., T], items: Sequence[Any], **kwargs: Any) -> list[T]:
        if not items:
            return []
        # one future per kwarg: scatter([value]) keeps a list or dict value whole instead of splitting it
        shared = {name: self.client.scatter([value], hash=False)[0] for name, value in kwargs.items()}
        futures = self.client.map(fn, list(items), pure=False, key=getattr(fn, "__name__", "task"), **shared)
        return self.client.gather(futures)

    def n_workers(self) -> int:
        return len(self.client.scheduler_info().get("workers", {}))


class RayEngine(Engine):
    kind = "ray"

    def __init__(self, address: str) -> None:
        self.address = address

    def map(self, fn: Callable[..., T], items: Sequence[Any], **kwargs: Any) -> list[T]:
        import ray

        if not items:
            return []
        remote = ray.remote(num_cpus=1, max_retries=2)(fn)
        shared = {name: ray.put(value) for name, value in kwargs.items()}  # top-level refs: resolved in the task
        return ray.get([remote.remote(item, **shared) for item in items])

    def n_workers(self) -> int:
        import ray

        return int(ray.cluster_resources().get("CPU", 0))


def engine_kind(address: str) -> str:
    """'ray' for `ray` / `ray://…`, else 'dask' (`local`, `tcp://…`)."""
    return "ray" if address == "ray" or address.startswith("ray://") else "dask"


@contextlib.contextmanager
def _dask_engine(config: ClusterConfig, local_directory: str | None) -> Iterator[DaskEngine]:
    from distributed import Client, LocalCluster

    if config.address in ("local", ""):
        # The scheduler always serves HTTP (health, metrics; the dashboard where bokeh is installed):
        # on 127.0.0.1 and a free port, never a clash on 8787 with another cluster.
        with LocalCluster(n_workers=config.n_workers, threads_per_worker=config.threads_per_worker,
                          processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0",
                          memory_limit=config.memory_limit, local_directory=local_directory) as cluster, \
                Client(cluster) as client:
            yield DaskEngine(client, cluster.scheduler_address)
    else:
        with Client(config.address, timeout="30s") as client:
            yield DaskEngine(client, config.address)


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


@contextlib.contextmanager
def _ray_engine(config: ClusterConfig) -> Iterator[RayEngine]:
    import ray

    made_link = None
    if config.address == "ray":
        # A local Ray of its own; RAY_TMPDIR (set by khlang.runtime) keeps its files in the work folder.
        temp_dir, made = ray_temp_dir()
        made_link = temp_dir if made else None
        env_vars = {k: v for k, v in os.environ.items()
                    if k.startswith(("KHLANG_", "NUMBA_", "MPLCONFIGDIR", "TMPDIR", "XDG_CACHE_HOME"))}
        init = functools.partial(ray.init, num_cpus=config.n_workers, include_dashboard=False,
                                 log_to_driver=False, object_store_memory=1 << 30, configure_logging=False,
                                 _temp_dir=temp_dir, runtime_env={"env_vars": env_vars})
    else:
        init = functools.partial(ray.init, address=config.address, log_to_driver=False, configure_logging=False)
    try:
        init()
        yield RayEngine(config.address)
    finally:
        ray.shutdown()
        if made_link:
            Path(made_link).unlink(missing_ok=True)


@contextlib.contextmanager
def open_engine(config: ClusterConfig, local_directory: str | None = None) -> Iterator[Engine]:
    """The engine for `config.address`: `local` (a LocalCluster of worker processes on 127.0.0.1),
    `tcp://HOST:PORT` (a running Dask scheduler), `ray` (a local Ray), `ray://HOST:10001`."""
    if engine_kind(config.address) == "ray":
        with _ray_engine(config) as engine:
            yield engine
    else:
        with _dask_engine(config, local_directory) as engine:
            yield engine
