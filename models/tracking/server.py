"""`khlang mlflow up|down|status`: the MLflow UI over the work folder's store, on 127.0.0.1.

`mlflow server` runs detached (its own session) with one uvicorn worker, logs to catalog.run/mlflow.log
and leaves catalog.run/mlflow.pid, so a later `khlang` invocation can find and stop it (khlang.processes).
Its environment comes from khlang.runtime (temp files and caches in the work folder, telemetry off); its
job runner (huey, which would keep its queue in /dev/shm) is turned off."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from khlang.catalog import Catalog
from khlang.processes import HttpService, ServiceError, service_status, start_http_service, stop_service
from khlang.runtime import runtime_environment

__all__ = ["MlflowServerError", "mlflow_server_status", "server_command", "start_mlflow_server", "stop_mlflow_server"]


class MlflowServerError(ServiceError):
    """The MLflow server did not start (port taken, it exited): the message carries its log tail."""


def _service(catalog: Catalog) -> HttpService:
    return HttpService("MLflow UI", catalog.run, "mlflow")


def server_command(catalog: Catalog, port: int) -> list[str]:
    """`mlflow server` over the work folder's SQLite store and artifacts, one worker on 127.0.0.1:port."""
    artifacts = catalog.artifacts.resolve().as_uri()
    return [str(Path(sys.executable).parent / "mlflow"), "server",
            "--backend-store-uri", catalog.local_tracking_uri,
            "--default-artifact-root", artifacts, "--artifacts-destination", artifacts,
            "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]


def start_mlflow_server(catalog: Catalog, port: int = 5000, timeout_s: float = 120.0) -> str:
    """Start the UI; return http://127.0.0.1:PORT once GET /health answers. If the one started here is
    running already, return its URL instead of starting another."""
    catalog.ensure()
    catalog.artifacts.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **runtime_environment(catalog), "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    env.pop("MLFLOW_TRACKING_URI", None)
    try:
        return start_http_service(_service(catalog), server_command(catalog, port), env, port, timeout_s)
    except ServiceError as error:
        raise MlflowServerError(str(error)) from None


def stop_mlflow_server(catalog: Catalog, timeout_s: float = 30.0) -> list[int]:
    """SIGTERM the server's process group (mlflow and its uvicorn), SIGKILL what outlives the deadline;
    remove the pid file. Idempotent. Returns the pids that were running."""
    return stop_service(_service(catalog), timeout_s)


def mlflow_server_status(catalog: Catalog) -> dict[str, Any]:
    """{'running', 'url', 'healthy', 'pid'}; a stale pid file is removed."""
    return service_status(_service(catalog))
