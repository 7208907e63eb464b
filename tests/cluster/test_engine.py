"""cluster.engine: `map` keeps item order, passes kwargs (shipped once), accepts no items; in this process, on a
LocalCluster and on a local Ray. (Losing a worker mid-map: tests/cluster/test_worker_loss.py.)"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

from cluster.engine import engine_kind, open_engine, ray_temp_dir, task_bounds
from khlang.catalog import Catalog
from khlang.config import ClusterConfig
from khlang.runtime import DASK_QUIETER, configure_runtime


def _make_scaled():
    # Defined in a closure so that it travels by value: Ray's workers cannot import test modules.
    def scaled(item: int, factor: int = 1, offset: int = 0) -> tuple[int, int]:
        return item * factor + offset, os.getpid()

    return scaled


scaled = _make_scaled()


def _make_reader():
    def read(item: int, blocks: dict | None = None) -> tuple[int, float]:
        return item, float(blocks["b"][item].sum())

    return read


read_shared = _make_reader()


def test_in_process_engine_is_the_same_interface() -> None:
    from cluster.engine import IN_PROCESS

    items = list(range(6, 0, -1))
    assert [value for value, _ in IN_PROCESS.map(scaled, items, factor=3, offset=1)] == [i * 3 + 1 for i in items]
    assert {pid for _, pid in IN_PROCESS.map(scaled, items)} == {os.getpid()}  # here, in item order
    assert IN_PROCESS.map(scaled, []) == [] and IN_PROCESS.n_workers() == 1
    blocks = {"b": np.arange(12.0).reshape(3, 4)}
    assert IN_PROCESS.map(read_shared, [2, 0], blocks=blocks) == [(2, 38.0), (0, 6.0)]


def test_engine_kind() -> None:
    assert engine_kind("ray") == engine_kind("ray://host:10001") == "ray"
    assert engine_kind("local") == engine_kind("tcp://127.0.0.1:8786") == "dask"


def test_dask_local_cluster_map() -> None:
    with open_engine(ClusterConfig(address="local", n_workers=2)) as engine:
        assert engine.kind == "dask" and engine.n_workers() == 2 and engine.address.startswith("tcp://127.0.0.1:")
        items = list(range(40, 0, -1))
        results = engine.map(scaled, items, factor=3, offset=1)
        assert [value for value, _ in results] == [i * 3 + 1 for i in items]  # item order kept
        assert os.getpid() not in {pid for _, pid in results}  # ran in the worker processes
        assert engine.map(scaled, []) == []
        assert [v for v, _ in engine.map(scaled, [5, 5, 5])] == [5, 5, 5]  # equal items are separate tasks
        assert "2 workers" in engine.describe()


def test_task_bounds_share_rows_evenly_in_a_multiple_of_the_workers() -> None:
    # 200 rows, 12 a task at most (200 // (8 tasks x 2 workers)): 18 tasks of 11 or 12, 9 for each worker
    bounds = task_bounds(200, 16, workers=2)
    sizes = [stop - start for start, stop in bounds]
    assert len(bounds) == 18 and set(sizes) == {11, 12} and sum(sizes) == 200
    assert [start for start, _ in bounds[1:]] == [stop for _, stop in bounds[:-1]]  # contiguous, in order
    assert bounds[0][0] == 0 and bounds[-1][1] == 200
    assert [b - a for a, b in task_bounds(100, 32, None)] == [25] * 4  # no engine: batch_size at most, even
    assert [b - a for a, b in task_bounds(5, 16, 2)] == [1] * 5  # fewer rows than a multiple of workers
    assert task_bounds(3, 16, 4) == [(0, 1), (1, 2), (2, 3)] and task_bounds(0, 16, 2) == []
    assert all(b - a <= 7 for a, b in task_bounds(1_000, 7, 3)) and len(task_bounds(1_000, 7, 3)) % 3 == 0


def _housekeeping() -> tuple:
    import dask

    return tuple(str(dask.config.get(key)) for key in ("distributed.worker.profile.enabled",
                                                        "distributed.admin.tick.interval",
                                                        "distributed.admin.system-monitor.interval",
                                                        "distributed.worker.memory.monitor-interval"))


def test_local_dask_workers_take_the_housekeeping_of_the_runtime() -> None:
    # khlang.runtime turns the worker's statistical profiler off and slows Dask's periodic checks (they cost
    # the tasks CPU) unless the user set them (tests.khlang.test_config); the workers the engine starts
    # follow those settings, not Dask's defaults (True, 20ms, 500ms, 100ms)
    wanted = tuple(os.environ[key] for key in DASK_QUIETER)
    assert wanted != ("True", "20ms", "500ms", "100ms")
    with open_engine(ClusterConfig(address="local", n_workers=2)) as engine:
        assert set(engine.client.run(_housekeeping).values()) == {wanted}


def test_dask_map_ships_shared_kwargs_once() -> None:
    """A 16 MiB kwarg read by 8 tasks: scattered once, so no task graph carries it (Dask warns of a graph
    over 10 MB; embedded in every task it would be 128 MiB), and a dict kwarg arrives whole."""
    import warnings

    blocks = {"a": np.zeros(3), "b": np.arange(8 * 2**18, dtype=np.float64).reshape(8, -1)}
    with open_engine(ClusterConfig(address="local", n_workers=2)) as engine, warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        results = engine.map(read_shared, list(range(8)), blocks=blocks)
    assert results == [(i, float(blocks["b"][i].sum())) for i in range(8)]
    assert not [w for w in seen if "large graph" in str(w.message)]


@pytest.fixture
def long_work_folder(tmp_path: Path):
    """A work folder whose temp path is too long for Ray's unix sockets, as runtime-configured."""
    saved_env, saved_tempdir = dict(os.environ), tempfile.tempdir
    work = tmp_path / ("w" * 40) / "work"
    configure_runtime(Catalog(work).ensure())
    try:
        yield work
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        tempfile.tempdir = saved_tempdir


def test_ray_temp_dir_is_short_enough(long_work_folder: Path) -> None:
    temp_dir, made = ray_temp_dir()
    try:
        assert made and len(temp_dir) <= 41
        assert Path(temp_dir).resolve() == (long_work_folder / "tmp" / "ray" / "ray").resolve()
    finally:
        Path(temp_dir).unlink()


def test_ray_links_of_dead_processes_are_swept_and_live_ones_kept(long_work_folder: Path) -> None:
    import subprocess

    child = subprocess.Popen(["true"])
    child.wait()  # its pid is now free: a process that died with its link still in /tmp
    prefix = f"khlang-ray-{os.getuid()}-"
    dead, live = Path("/tmp") / f"{prefix}{child.pid}-deadbeef", Path("/tmp") / f"{prefix}1-cafef00d"
    dead.symlink_to(long_work_folder)
    live.symlink_to(long_work_folder)  # pid 1 lives as long as the machine
    try:
        temp_dir, made = ray_temp_dir()
        Path(temp_dir).unlink()
        assert made and not dead.is_symlink() and live.is_symlink()
        assert Path(temp_dir).name.startswith(f"{prefix}{os.getpid()}-")
    finally:
        dead.unlink(missing_ok=True)
        live.unlink(missing_ok=True)


@pytest.mark.slow
@pytest.mark.ray
def test_ray_local_map(long_work_folder: Path) -> None:
    with open_engine(ClusterConfig(address="ray", n_workers=2)) as engine:
        assert engine.kind == "ray" and engine.n_workers() == 2
        items = list(range(10, 0, -1))
        results = engine.map(scaled, items, factor=2)
        assert [value for value, _ in results] == [i * 2 for i in items]
        assert os.getpid() not in {pid for _, pid in results}
        assert engine.map(scaled, []) == []
        blocks = {"b": np.arange(4 * 2**16, dtype=np.float64).reshape(4, -1)}
        assert engine.map(read_shared, [3, 0], blocks=blocks) == [(i, float(blocks["b"][i].sum())) for i in (3, 0)]
    sessions = list((long_work_folder / "tmp" / "ray" / "ray").glob("session_*"))
    assert sessions  # Ray's files landed in the work folder, through the short link
    assert not list(Path("/tmp").glob(f"khlang-ray-{os.getuid()}-{os.getpid()}-*"))  # our link is gone again
