"""`khlang serve`: the API under uvicorn on 127.0.0.1, in the foreground, or detached (`khlang serve up|down|
status`) the way `khlang mlflow up` runs the MLflow UI (khlang.processes: its own session, a pid record and
a log in catalog.run, so a later `khlang` invocation can find and stop it)."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from typing import Any

from khlang.catalog import Catalog
from khlang.config import Settings
from khlang.processes import (
    HttpService,
    ServiceError,
    http_ok,
    service_status,
    start_http_service,
    stop_service,
)
from khlang.runtime import runtime_environment
from serving.config import serve_config

__all__ = ["ApiServerError", "api_server_status", "healthy", "serve_command", "serve_foreground", "start_api_server",
           "stop_api_server", "wait_healthy"]

HOST = "127.0.0.1"
_POLL_S = 0.2


class ApiServerError(ServiceError):
    """The API server did not start (port taken, it exited): the message carries its log tail."""


def _service(catalog: Catalog) -> HttpService:
    return HttpService("API", catalog.run, "api")


def serve_foreground(settings: Settings, port: int | None = None) -> None:
    """Run the API on 127.0.0.1:port until interrupted (port: KHLANG_SERVE_PORT, default 8000)."""
    import uvicorn

    from serving.api import create_app

    config = serve_config(settings=settings)
    if port:
        config = replace(config, port=port)
    uvicorn.run(create_app(settings, config), host=HOST, port=config.port, log_level="info")


def healthy(url: str, timeout_s: float = 2.0) -> bool:
    """GET {url}/health answers 200."""
    return http_ok(f"{url}/health", timeout_s)


def wait_healthy(url: str, alive: Any, timeout_s: float) -> None:
    """Poll /health until it answers; ApiServerError when `alive()` turns false or the deadline passes."""
    deadline = time.monotonic() + timeout_s
    while not healthy(url):
        if not alive():
            raise ApiServerError(f"the API server at {url} exited")
        if time.monotonic() > deadline:
            raise ApiServerError(f"the API server at {url} is not answering after {timeout_s:.0f} s")
        time.sleep(_POLL_S)


def serve_command(settings: Settings, port: int) -> list[str]:
    """`khlang serve --port PORT` over the same config file and work folder, as this Python runs it."""
    args = [sys.executable, "-m", "commands.cli"]
    if settings.config_file is not None:
        args += ["--config", str(settings.config_file)]
    return [*args, "--work-dir", str(settings.work_dir), "serve", "--port", str(port)]


def start_api_server(settings: Settings, catalog: Catalog, port: int | None = None, timeout_s: float = 120.0) -> str:
    """Start the API detached; return http://127.0.0.1:PORT once /health answers. If the one started here
    runs already, return its URL."""
    catalog.ensure()
    port = port or settings.serve.port
    env = {**os.environ, **runtime_environment(catalog)}
    try:
        return start_http_service(_service(catalog), serve_command(settings, port), env, port, timeout_s)
    except ServiceError as error:
        raise ApiServerError(str(error)) from None


def stop_api_server(catalog: Catalog, timeout_s: float = 30.0) -> list[int]:
    """SIGTERM the server's process group, SIGKILL what outlives the deadline; remove the pid record.
    Idempotent. Returns the pids that were running."""
    return stop_service(_service(catalog), timeout_s)


def api_server_status(catalog: Catalog) -> dict[str, Any]:
    """{'running', 'url', 'healthy', 'pid'}; a stale pid record is removed."""
    return service_status(_service(catalog))
