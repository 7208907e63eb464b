"""models.tracking.server: a real `mlflow server` on 127.0.0.1 over a temporary work folder's store."""

from __future__ import annotations

import json
import socket
import urllib.request
from pathlib import Path

import psutil
import pytest

from khlang.catalog import Catalog
from models.tracking.server import (
    MlflowServerError,
    mlflow_server_status,
    server_command,
    start_mlflow_server,
    stop_mlflow_server,
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        return response.status, response.read().decode(errors="replace")


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    catalog = Catalog(tmp_path / "work").ensure()
    yield catalog
    stop_mlflow_server(catalog)


def test_command_uses_one_worker_on_localhost_and_the_work_folder(catalog: Catalog) -> None:
    command = server_command(catalog, 5123)
    assert command[1] == "server" and command[command.index("--workers") + 1] == "1"
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--backend-store-uri") + 1].endswith("/work/mlflow/mlflow.db")
    assert command[command.index("--artifacts-destination") + 1].endswith("/work/mlflow/artifacts")


@pytest.mark.slow
def test_up_health_down(catalog: Catalog) -> None:
    port = _free_port()
    url = start_mlflow_server(catalog, port=port)
    assert url == f"http://127.0.0.1:{port}"
    assert _get(f"{url}/health") == (200, "OK")
    status, body = _get(f"{url}/ajax-api/2.0/mlflow/experiments/search?max_results=10")
    assert status == 200 and "Default" in body  # the UI's API reads the work folder's store
    assert (catalog.mlflow / "mlflow.db").is_file()
    assert start_mlflow_server(catalog, port=port) == url  # reports the running one, starts nothing
    record = json.loads((catalog.run / "mlflow.pid").read_text())
    processes = [record["pid"], *(c.pid for c in psutil.Process(record["pid"]).children(recursive=True))]
    assert len(processes) >= 2  # mlflow and its uvicorn
    assert mlflow_server_status(catalog) == {"running": True, "url": url, "healthy": True, "pid": record["pid"]}

    assert set(stop_mlflow_server(catalog)) == set(processes) and all(_gone(pid) for pid in processes)
    assert not (catalog.run / "mlflow.pid").exists() and mlflow_server_status(catalog)["running"] is False
    assert stop_mlflow_server(catalog) == []  # idempotent
    assert "huey" not in (catalog.run / "mlflow.log").read_text().lower()  # job runner off


def test_port_taken_by_another_program(catalog: Catalog) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        with pytest.raises(MlflowServerError, match="taken"):
            start_mlflow_server(catalog, port=other.getsockname()[1])
    assert not (catalog.run / "mlflow.pid").exists()
