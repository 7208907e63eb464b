"""serving.service: `khlang serve` as a real process (detached, as `khlang serve up` runs it) on a free port
of 127.0.0.1, answering over HTTP; then stopped."""

from __future__ import annotations

import socket

import httpx
import pytest

from serving.service import api_server_status, serve_command, start_api_server, stop_api_server
from tests.served_world import copy_world


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_khlang_serve_answers_over_http(served_world, tmp_path):
    world = copy_world(served_world, tmp_path)  # the server writes its pid record and log into run/
    port = _free_port()
    command = serve_command(world.settings, port)
    assert command[-3:] == ["serve", "--port", str(port)]
    assert command[command.index("--work-dir") + 1] == str(world.settings.work_dir)
    url = start_api_server(world.settings, world.catalog, port, timeout_s=120)  # returns once /health answers
    try:
        assert url == f"http://127.0.0.1:{port}"
        status = api_server_status(world.catalog)
        assert status["running"] and status["healthy"]
        with httpx.Client(base_url=url, trust_env=False, timeout=30) as http:
            assert http.get("/health").json()["families"] == ["budget", "waste", "welfare"]
            forecast = http.get("/v1/forecasts", params={"metric": "waste_generated", "level": "nation", "code": 0})
            assert forecast.status_code == 200 and forecast.json()["horizon"] == 24
            assert http.get("/v1/forecasts", params={"metric": "x", "level": "nation", "code": 0}).status_code == 422
        assert start_api_server(world.settings, world.catalog, port) == url  # already running: the same one
    finally:
        stopped = stop_api_server(world.catalog)
    assert stopped and not api_server_status(world.catalog)["running"]
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/health", trust_env=False, timeout=2)
