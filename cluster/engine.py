"""The engine every stage is handed: this process, a Dask distributed client or a Ray runtime, behind one
`map` (and one `train_booster`, whose per-engine adapters live in cluster.boosting).

Stages write one partition function and call `engine.map(fn, items)`; the engine decides where it runs.
Nothing here starts at import time, and no stage creates a client of its own.

A map outlives the loss of a worker, as Dask and Ray promise: Ray retries a task whose worker died and
keeps the shared inputs with the driver; on Dask the tasks lost with a worker run again elsewhere, and
when the shared inputs themselves were lost with it (they were shipped to one worker, and nothing can
recompute data shipped from the client) they are shipped again and the unfinished tasks resubmitted."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError
from pathlib import Path
from typing import Any, TypeVar

from cluster.boosting import BoosterJob, train_in_process, train_on_dask
from cluster.ray_runtime import ray_temp_dir
from khlang.config import ClusterConfig

__all__ = ["Engine", "EngineError", "InProcessEngine", "IN_PROCESS", "DaskEngine", "RayEngine", "open_engine",
           "engine_kind", "ray_temp_dir", "TASKS_PER_WORKER", "task_size", "task_bounds"]

TASKS_PER_WORKER = 8  # at least this many tasks per worker where the rows allow


def task_size(n_rows: int, batch_size: int, workers: int | None) -> int:
    """Rows per task: `batch_size`, fewer where an engine's `workers` would otherwise get under
    TASKS_PER_WORKER tasks each, so no worker idles through another's last task; at least 1."""
    if workers is None:
        return max(1, batch_size)
    return max(1, min(batch_size, n_rows // (TASKS_PER_WORKER * max(workers, 1))))


def task_bounds(n_rows: int, batch_size: int, workers: int | None) -> list[tuple[int, int]]:
    """(start, stop) of each task's rows, in order: at most `task_size` rows a task, the rows shared evenly
    (task sizes differ by at most one) and, for an engine's `workers`, a multiple of workers tasks where
    the rows allow, so the workers finish together: 200 rows at 12 a task on 2 workers are 18 tasks of
    11 or 12, not 16 of 12 and one of 8 that one worker runs while the other idles."""
    if n_rows <= 0:
        return []
    n_tasks = -(-n_rows // task_size(n_rows, batch_size, workers))
    if workers:
        n_tasks = min(n_rows, -(-n_tasks // workers) * workers)
    edges = [i * n_rows // n_tasks for i in range(n_tasks + 1)]
    return list(zip(edges[:-1], edges[1:], strict=True))


T = TypeVar("T")
log = logging.getLogger(__name__)


class EngineError(RuntimeError):
    """The cluster could not finish a map: every worker gone, or inputs lost more often than allowed."""


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

    def train_booster(self, job: BoosterJob) -> Any:
        """One XGBoost booster fitted to the job's rows (cluster.boosting): by default in one task."""
        return self.map(train_in_process, [job])[0]

    def describe(self) -> str:
        return f"{self.kind} @ {self.address} ({self.n_workers()} workers)"


class InProcessEngine(Engine):
    """Every task in this process, one after the other: the reference the cluster engines must match,
    and what a caller without a cluster is handed (no caller branches on a missing engine)."""

    kind = "in-process"
    address = "this process"

    def map(self, fn: Callable[..., T], items: Sequence[Any], **kwargs: Any) -> list[T]:
        return [fn(item, **kwargs) for item in items]

    def n_workers(self) -> int:
        return 1

    def train_booster(self, job: BoosterJob) -> Any:
        return train_in_process(job)


IN_PROCESS = InProcessEngine()


class DaskEngine(Engine):
    kind = "dask"
    resubmits = 3  # times a map ships its shared inputs again after losing them with a worker

    def __init__(self, client: Any, address: str) -> None:
        self.client = client
        self.address = address

    def map(self, fn: Callable[..., T], items: Sequence[Any], **kwargs: Any) -> list[T]:
        if not items:
            return []
        results: dict[int, Any] = {}
        pending = list(range(len(items)))
        for attempt in range(self.resubmits + 1):
            if self.client.status != "running":  # the scheduler is gone: nothing to resubmit to
                raise self._scheduler_lost(f"client {self.client.status}", len(pending), len(items))
            if attempt:
                log.warning("%d of %d %s tasks lost their inputs with a worker; shipping them again to the %d "
                            "workers left", len(pending), len(items), getattr(fn, "__name__", "task"),
                            self.n_workers())
            try:
                pending = self._run(fn, items, pending, kwargs, results)
            except OSError as error:  # the scheduler stopped answering (CommClosedError, connect timeout)
                raise self._scheduler_lost(str(error), len(pending), len(items)) from error
            if not pending:
                return [results[i] for i in range(len(items))]
        raise EngineError(f"{len(pending)} of {len(items)} tasks lost their inputs {self.resubmits + 1} times "
                          f"(workers leaving the cluster at {self.address}); {self.n_workers()} workers left")

    def _scheduler_lost(self, reason: str, unfinished: int, total: int) -> EngineError:
        return EngineError(f"lost the Dask scheduler at {self.address} ({reason}); {unfinished} of {total} tasks "
                           "unfinished")

    def _run(self, fn: Callable, items: Sequence[Any], pending: list[int], kwargs: dict[str, Any],
             results: dict[int, Any]) -> list[int]:
        """Submit the pending items and wait for them: their results into `results`; the items whose
        tasks were cancelled (an input lost with a worker) are returned. A task's own error is raised."""
        from distributed import wait

        if self.n_workers() == 0:
            raise EngineError(f"no Dask worker left at {self.address}")
        # one future per kwarg: scatter([value]) keeps a list or dict value whole instead of splitting it
        shared = {name: self.client.scatter([value], hash=False)[0] for name, value in kwargs.items()}
        futures = self.client.map(fn, [items[i] for i in pending], pure=False, key=getattr(fn, "__name__", "task"),
                                  **shared)
        with contextlib.suppress(CancelledError):  # raised once every future is done, if any was cancelled
            wait(futures)
        for future in futures:
            if future.status == "error":
                future.result()  # raises the task's own exception: a task that fails is not retried here
        done = [(i, f) for i, f in zip(pending, futures, strict=True) if f.status == "finished"]
        lost = [i for i, f in zip(pending, futures, strict=True) if f.status != "finished"]
        try:
            results.update(zip((i for i, _ in done), self.client.gather([f for _, f in done]), strict=True))
        except CancelledError:  # a finished result lost with a worker since: fetch one by one
            for i, future in done:
                try:
                    results[i] = future.result()
                except CancelledError:
                    lost.append(i)
        return sorted(lost)

    def n_workers(self) -> int:
        return len(self.client.scheduler_info().get("workers", {}))

    def train_booster(self, job: BoosterJob) -> Any:
        return train_on_dask(self.client, job)


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
