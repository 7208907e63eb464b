"""app.service: `khlang app up|down|status`, the app detached on 127.0.0.1 with its pid record and log."""

from __future__ import annotations

import httpx
import pytest

from app.service import app_server_status, start_app_server, stop_app_server
from khlang.catalog import Catalog
from tests.app.browser import free_port

pytestmark = pytest.mark.slow


def test_up_status_down(api_url, tmp_path):
    catalog = Catalog(tmp_path / "work").ensure()
    port = free_port()
    try:
        url = start_app_server(catalog, port, api_url)
        assert url == f"http://127.0.0.1:{port}"
        assert start_app_server(catalog, port, api_url) == url  # already running: the same one
        status = app_server_status(catalog)
        assert status["running"] and status["healthy"] and status["url"] == url
        with httpx.Client(trust_env=False, timeout=10) as http:
            assert http.get(f"{url}/_stcore/health").text.strip() == "ok"
        assert (catalog.run / "app.log").is_file()
    finally:
        pids = stop_app_server(catalog)
    assert pids
    assert app_server_status(catalog) == {"running": False, "url": None, "healthy": False, "pid": None}
    assert stop_app_server(catalog) == []  # idempotent
