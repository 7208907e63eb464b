"""The engine every stage is handed: a Dask distributed client or a Ray runtime, behind one `map`.

Stages write one partition function and call `engine.map(fn, items)`; the engine decides where it runs.
Nothing here starts at import time, and no stage creates a client of its own."""

from __future__ import annotations

import contextlib
import functools
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from khlang.config import ClusterConfig

__all__ = ["Engine", "DaskEngine", "RayEngine", "open_engine", "engine_kind"]

T = TypeVar("T")


class Engine(ABC):
    """Runs a pure function over items on a cluster and returns the results in item order."""

    kind: str
    address: str

    @abstractmethod
    def map(self, fn: Callable[..., T], items: Sequence[Any], **kwargs: Any) -> list[T]:
        """fn(item, **kwargs) for every item, in parallel; results in the order of `items`."""

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
        task = functools.partial(fn, **kwargs) if kwargs else fn
        futures = self.client.map(task, list(items), pure=False, key=getattr(fn, "__name__", "task"))
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
        return ray.get([remote.remote(item, **kwargs) for item in items])

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
        with LocalCluster(n_workers=config.n_workers, threads_per_worker=config.threads_per_worker,
                          processes=True, host="127.0.0.1", dashboard_address=None,
                          memory_limit=config.memory_limit, local_directory=local_directory) as cluster, \
                Client(cluster) as client:
            yield DaskEngine(client, cluster.scheduler_address)
    else:
        with Client(config.address, timeout="30s") as client:
            yield DaskEngine(client, config.address)


@contextlib.contextmanager
def _ray_engine(config: ClusterConfig) -> Iterator[RayEngine]:
    import ray

    if config.address == "ray":
        # A local Ray of its own; RAY_TMPDIR (set by khlang.runtime) keeps its files in the work folder.
        ray.init(num_cpus=config.n_workers, include_dashboard=False, log_to_driver=False,
                 object_store_memory=1 << 30, configure_logging=False,
                 runtime_env={"env_vars": {k: v for k, v in os.environ.items() if k.startswith(
                     ("KHLANG_", "NUMBA_", "MPLCONFIGDIR", "TMPDIR", "XDG_CACHE_HOME"))}})
    else:
        ray.init(address=config.address, log_to_driver=False, configure_logging=False)
    try:
        yield RayEngine(config.address)
    finally:
        ray.shutdown()


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
