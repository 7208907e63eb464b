"""`khlang app up|down|status`: the Streamlit app detached on 127.0.0.1 (khlang.processes: its own session,
pid record and log in catalog.run), reading the API at KHLANG_API_URL."""

from __future__ import annotations

import os
from typing import Any

from app.launch import DEFAULT_PORT, streamlit_command, streamlit_environment
from khlang.catalog import Catalog
from khlang.processes import HttpService, service_status, start_http_service, stop_service
from khlang.runtime import runtime_environment

__all__ = ["start_app_server", "stop_app_server", "app_server_status"]


def _service(catalog: Catalog) -> HttpService:
    # Streamlit's own health check: 200 once the server is ready for sessions
    return HttpService("app", catalog.run, "app", health_path="/_stcore/health")


def start_app_server(catalog: Catalog, port: int = DEFAULT_PORT, api: str | None = None,
                     timeout_s: float = 120.0) -> str:
    """Start the app detached; return http://127.0.0.1:PORT once Streamlit answers its health check."""
    catalog.ensure()
    env = streamlit_environment(api, {**os.environ, **runtime_environment(catalog)})
    return start_http_service(_service(catalog), streamlit_command(port), env, port, timeout_s)


def stop_app_server(catalog: Catalog, timeout_s: float = 30.0) -> list[int]:
    """Stop the app started by `start_app_server` (idempotent); the pids that were running."""
    return stop_service(_service(catalog), timeout_s)


def app_server_status(catalog: Catalog) -> dict[str, Any]:
    """{'running', 'url', 'healthy', 'pid'}."""
    return service_status(_service(catalog))
