"""`khlang cluster up|down|status`: real `dask scheduler` / `dask worker` processes on a free port."""

from __future__ import annotations

import json
import os
import socket
import urllib.request
from dataclasses import replace
from pathlib import Path

import psutil
import pytest

from cluster.engine import open_engine
from cluster.service import ClusterServiceError, cluster_status, start_local_cluster, stop_local_cluster
from khlang.catalog import Catalog
from khlang.config import ClusterConfig, Settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.fixture
def service(tmp_path: Path, settings: Settings) -> tuple[Settings, Catalog]:
    catalog = Catalog(tmp_path / "work").ensure()
    cluster = replace(settings.cluster, scheduler_port=_free_port(), dashboard_port=_free_port(), n_workers=2,
                      threads_per_worker=1,
                      memory_limit="1GiB")
    yield replace(settings, cluster=cluster), catalog
    stop_local_cluster(catalog)


def test_up_map_down(service: tuple[Settings, Catalog]) -> None:
    settings, catalog = service
    address = start_local_cluster(settings, catalog)
    assert address == f"tcp://127.0.0.1:{settings.cluster.scheduler_port}"
    status = cluster_status(catalog)
    assert status["running"] and status["address"] == address and len(status["workers"]) == 2
    # the Dask dashboard, on 127.0.0.1 and the configured port (bokeh is a dependency)
    assert status["dashboard"] == f"http://127.0.0.1:{settings.cluster.dashboard_port}/status"
    with urllib.request.urlopen(status["dashboard"], timeout=30) as page:
        assert page.status == 200 and b"Dask" in page.read()
    assert start_local_cluster(settings, catalog) == address  # reports the running one, starts nothing
    assert len(list(catalog.run.glob("dask-*.pid"))) == 3 and (catalog.run / "dask-scheduler.log").is_file()
    started = [json.loads(p.read_text())["pid"] for p in catalog.run.glob("dask-*.pid")]
    processes = {pid for root in started for pid in [root, *(c.pid for c in psutil.Process(root).children(True))]}

    with open_engine(ClusterConfig(address=address)) as engine:
        assert engine.n_workers() == 2
        seen = engine.map(lambda _: (os.getpid(), os.environ.get("TMPDIR")), list(range(8)))
    pids = {pid for pid, _ in seen}
    assert os.getpid() not in pids and pids <= processes
    assert {tmp for _, tmp in seen} == {str(catalog.tmp)}  # khlang.runtime's environment
    assert "already in use" not in (catalog.run / "dask-scheduler.log").read_text()

    stopped = stop_local_cluster(catalog)
    assert set(started) <= set(stopped) and all(_gone(pid) for pid in processes)
    assert not list(catalog.run.glob("dask-*.pid"))
    assert cluster_status(catalog)["running"] is False
    assert stop_local_cluster(catalog) == []  # idempotent


def test_stale_pid_file_is_cleaned_up(service: tuple[Settings, Catalog]) -> None:
    _, catalog = service
    stale = {"pid": os.getpid(), "create_time": 0.0, "role": "scheduler", "address": "tcp://127.0.0.1:1"}
    (catalog.run / "dask-scheduler.pid").write_text(json.dumps(stale))  # pid alive, but another process
    assert cluster_status(catalog) == {"running": False, "status": "not running", "address": None, "dashboard": None,
                                       "workers": [], "pids": {}}
    assert not (catalog.run / "dask-scheduler.pid").exists()


def test_port_taken_by_another_program(service: tuple[Settings, Catalog]) -> None:
    settings, catalog = service
    with socket.socket() as other:
        other.bind(("127.0.0.1", settings.cluster.scheduler_port))
        other.listen()
        with pytest.raises(ClusterServiceError, match="taken"):
            start_local_cluster(settings, catalog)
    assert not list(catalog.run.glob("dask-*.pid"))
