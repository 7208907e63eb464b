"""`khlang mlflow up|down|status`: the MLflow UI over the work folder's store, on 127.0.0.1.

`mlflow server` runs detached (its own session) with one uvicorn worker, logs to catalog.run/mlflow.log
and leaves catalog.run/mlflow.pid, so a later `khlang` invocation can find and stop it. Its environment
comes from khlang.runtime (temp files and caches in the work folder, telemetry off); its job runner
(huey, which would keep its queue in /dev/shm) is turned off."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psutil

from khlang.catalog import Catalog
from khlang.processes import live_process, log_tail, read_pid_record
from khlang.runtime import runtime_environment
from models.tracking import artifact_root, local_tracking_uri

__all__ = ["MlflowServerError", "mlflow_server_status", "server_command", "start_mlflow_server", "stop_mlflow_server"]

_POLL_S = 0.2
_PID, _LOG = "mlflow.pid", "mlflow.log"


class MlflowServerError(RuntimeError):
    """The MLflow server did not start (port taken, it exited): the message carries its log tail."""


def _record(catalog: Catalog) -> dict[str, Any] | None:
    return read_pid_record(catalog.run / _PID)


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _healthy(url: str) -> bool:
    # No proxy: http_proxy in the environment must not reroute a request to 127.0.0.1.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def server_command(catalog: Catalog, port: int) -> list[str]:
    """`mlflow server` over the work folder's SQLite store and artifacts, one worker on 127.0.0.1:port."""
    artifacts = artifact_root(catalog).resolve().as_uri()
    return [str(Path(sys.executable).parent / "mlflow"), "server",
            "--backend-store-uri", local_tracking_uri(catalog),
            "--default-artifact-root", artifacts, "--artifacts-destination", artifacts,
            "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]


def start_mlflow_server(catalog: Catalog, port: int = 5000, timeout_s: float = 120.0) -> str:
    """Start the UI; return http://127.0.0.1:PORT once GET /health answers. If the one started here is
    running already, return its URL instead of starting another."""
    catalog.ensure()
    if (running := _record(catalog)) and live_process(running):
        return str(running["url"])
    if _accepts(port):
        raise MlflowServerError(f"port {port} on 127.0.0.1 is taken by another program")
    artifact_root(catalog).mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **runtime_environment(catalog), "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    env.pop("MLFLOW_TRACKING_URI", None)
    log = catalog.run / _LOG
    args = server_command(catalog, port)
    # posix_spawn, not Popen: the server outlives this process and no Popen object is left to warn.
    pid = os.posix_spawn(args[0], args, env, setsid=True, file_actions=[
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, str(log), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2)])
    url = f"http://127.0.0.1:{port}"
    record = {"pid": pid, "create_time": psutil.Process(pid).create_time(), "url": url, "log": str(log),
              "args": args}
    (catalog.run / _PID).write_text(json.dumps(record))
    deadline = time.monotonic() + timeout_s
    while not _healthy(url):
        if live_process(record) is None:
            stop_mlflow_server(catalog)
            raise MlflowServerError(f"mlflow server exited; log:\n{log_tail(log)}")
        if time.monotonic() > deadline:
            stop_mlflow_server(catalog)
            raise MlflowServerError(f"mlflow server not answering after {timeout_s:.0f} s; log:\n{log_tail(log)}")
        time.sleep(_POLL_S)
    return url


def stop_mlflow_server(catalog: Catalog, timeout_s: float = 30.0) -> list[int]:
    """SIGTERM the server's process group (mlflow and its uvicorn), SIGKILL what outlives the deadline;
    remove the pid file. Idempotent. Returns the pids that were running."""
    proc = live_process(_record(catalog))
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
            os.waitpid(proc.pid, os.WNOHANG)
    (catalog.run / _PID).unlink(missing_ok=True)
    return sorted(p.pid for p in procs)


def mlflow_server_status(catalog: Catalog) -> dict[str, Any]:
    """{'running', 'url', 'healthy', 'pid'}; a stale pid file is removed."""
    record = _record(catalog)
    if live_process(record) is None:
        (catalog.run / _PID).unlink(missing_ok=True)
        return {"running": False, "url": None, "healthy": False, "pid": None}
    assert record is not None
    return {"running": True, "url": record["url"], "healthy": _healthy(record["url"]), "pid": record["pid"]}
