"""`khlang serve`: the API under uvicorn on 127.0.0.1, in the foreground, or detached (`khlang serve up|down|
status`) the way `khlang mlflow up` runs the MLflow UI: its own session, a pid record and a log in
catalog.run, so a later `khlang` invocation can find and stop it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request
from dataclasses import replace
from typing import Any

import psutil

from khlang.catalog import Catalog
from khlang.config import Settings
from khlang.processes import live_process, log_tail, read_pid_record
from khlang.runtime import runtime_environment
from serving.config import serve_config

__all__ = ["ApiServerError", "api_server_status", "healthy", "serve_command", "serve_foreground", "start_api_server",
           "stop_api_server", "wait_healthy"]

HOST = "127.0.0.1"
_PID, _LOG = "api.pid", "api.log"
_POLL_S = 0.2


class ApiServerError(RuntimeError):
    """The API server did not start (port taken, it exited): the message carries its log tail."""


def serve_foreground(settings: Settings, port: int | None = None) -> None:
    """Run the API on 127.0.0.1:port until interrupted (port: KHLANG_SERVE_PORT, default 8000)."""
    import uvicorn

    from serving.api import create_app

    config = serve_config()
    if port:
        config = replace(config, port=port)
    uvicorn.run(create_app(settings, config), host=HOST, port=config.port, log_level="info")


def healthy(url: str, timeout_s: float = 2.0) -> bool:
    """GET {url}/health answers 200 (no proxy: http_proxy must not reroute a request to 127.0.0.1)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{url}/health", timeout=timeout_s) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


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
    args = [sys.executable, "-m", "khlang.cli"]
    if settings.config_file is not None:
        args += ["--config", str(settings.config_file)]
    return [*args, "--work-dir", str(settings.work_dir), "serve", "--port", str(port)]


def _port_taken(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def start_api_server(settings: Settings, catalog: Catalog, port: int | None = None, timeout_s: float = 120.0) -> str:
    """Start the API detached; return http://127.0.0.1:PORT once /health answers. If the one started here
    runs already, return its URL."""
    catalog.ensure()
    if (running := read_pid_record(catalog.run / _PID)) and live_process(running):
        return str(running["url"])
    port = port or serve_config().port
    if _port_taken(port):
        raise ApiServerError(f"port {port} on {HOST} is taken by another program")
    log = catalog.run / _LOG
    args = serve_command(settings, port)
    env = {**os.environ, **runtime_environment(catalog)}
    # posix_spawn, not Popen: the server outlives this process and no Popen object is left to warn.
    pid = os.posix_spawn(args[0], args, env, setsid=True, file_actions=[
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, str(log), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2)])
    url = f"http://{HOST}:{port}"
    record = {"pid": pid, "create_time": psutil.Process(pid).create_time(), "url": url, "log": str(log),
              "args": args}
    (catalog.run / _PID).write_text(json.dumps(record))
    try:
        wait_healthy(url, lambda: live_process(record) is not None, timeout_s)
    except ApiServerError as error:
        stop_api_server(catalog)
        raise ApiServerError(f"{error}; log:\n{log_tail(log)}") from None
    return url


def stop_api_server(catalog: Catalog, timeout_s: float = 30.0) -> list[int]:
    """SIGTERM the server's process group, SIGKILL what outlives the deadline; remove the pid record.
    Idempotent. Returns the pids that were running."""
    proc = live_process(read_pid_record(catalog.run / _PID))
    procs: list[psutil.Process] = []
    if proc is not None:
        procs = [proc]
        with contextlib.suppress(psutil.NoSuchProcess):
            procs += proc.children(recursive=True)
        with contextlib.suppress(ProcessLookupError, psutil.NoSuchProcess):
            os.killpg(proc.pid, signal.SIGTERM)
    _, alive = psutil.wait_procs(procs, timeout=timeout_s)
    for survivor in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            survivor.kill()
    psutil.wait_procs(alive, timeout=5)
    if proc is not None:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(proc.pid, os.WNOHANG)  # our own child (started in this process): reap it
    (catalog.run / _PID).unlink(missing_ok=True)
    return sorted(p.pid for p in procs)


def api_server_status(catalog: Catalog) -> dict[str, Any]:
    """{'running', 'url', 'healthy', 'pid'}; a stale pid record is removed."""
    record = read_pid_record(catalog.run / _PID)
    if live_process(record) is None:
        (catalog.run / _PID).unlink(missing_ok=True)
        return {"running": False, "url": None, "healthy": False, "pid": None}
    assert record is not None
    return {"running": True, "url": record["url"], "healthy": healthy(record["url"]), "pid": record["pid"]}
