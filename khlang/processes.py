"""Services the project starts as detached processes (dask scheduler/workers, the MLflow UI, the API, the
app): their pid records (pid + start time, so a reused pid is never mistaken for ours), their logs, and
one way to start an HTTP service detached, wait for its health check, stop it and say how it is."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

__all__ = ["read_pid_record", "live_process", "log_tail", "HttpService", "ServiceError", "port_taken", "http_ok",
           "start_http_service", "stop_service", "service_status", "terminate_group", "wait_or_kill"]

HOST = "127.0.0.1"
_POLL_S = 0.2


def read_pid_record(path: Path) -> dict[str, Any] | None:
    """The JSON pid record at `path`, or None when missing or unreadable."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def live_process(record: dict[str, Any] | None) -> psutil.Process | None:
    """The live process a pid record names, or None (gone, a zombie, or its pid now used by another)."""
    if not record:
        return None
    try:
        proc = psutil.Process(int(record["pid"]))
        if abs(proc.create_time() - float(record["create_time"])) > 1.0:
            return None
        if proc.status() == psutil.STATUS_ZOMBIE:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(proc.pid, os.WNOHANG)  # our own child (started in this process): reap it
            return None
        return proc
    except (psutil.Error, KeyError, ValueError):
        return None


def log_tail(path: Path, lines: int = 20) -> str:
    """The last lines of a service's log, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class ServiceError(RuntimeError):
    """A service did not start (port taken, it exited, no answer): the message carries its log tail."""


@dataclass(frozen=True)
class HttpService:
    """A detached HTTP service of the work folder: its pid record and log in `run_dir`, its health URL path."""

    name: str  # what it is, for messages: "API", "app", "MLflow UI"
    run_dir: Path
    stem: str  # <stem>.pid and <stem>.log
    health_path: str = "/health"

    @property
    def pid_file(self) -> Path:
        return self.run_dir / f"{self.stem}.pid"

    @property
    def log_file(self) -> Path:
        return self.run_dir / f"{self.stem}.log"


def port_taken(port: int) -> bool:
    """Something accepts connections on 127.0.0.1:port."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def http_ok(url: str, timeout_s: float = 2.0) -> bool:
    """GET url answers 200 (no proxy: http_proxy must not reroute a request to 127.0.0.1)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout_s) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_http_service(service: HttpService, args: Sequence[str], env: Mapping[str, str], port: int,
                       timeout_s: float = 120.0) -> str:
    """Start `args` detached (own session, log appended) and return http://127.0.0.1:PORT once its health
    path answers; the URL of the one already running if it is. ServiceError if it cannot start."""
    service.run_dir.mkdir(parents=True, exist_ok=True)
    if (running := read_pid_record(service.pid_file)) and live_process(running):
        return str(running["url"])
    if port_taken(port):
        raise ServiceError(f"port {port} on {HOST} is taken by another program (the {service.name} needs it)")
    args = [str(a) for a in args]
    # posix_spawn, not Popen: the server outlives this process and no Popen object is left to warn.
    pid = os.posix_spawn(args[0], args, dict(env), setsid=True, file_actions=[
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, str(service.log_file), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2)])
    url = f"http://{HOST}:{port}"
    record = {"pid": pid, "create_time": psutil.Process(pid).create_time(), "url": url,
              "log": str(service.log_file), "args": args}
    service.pid_file.write_text(json.dumps(record))
    deadline = time.monotonic() + timeout_s
    while not http_ok(url + service.health_path):
        problem = (f"the {service.name} exited" if live_process(record) is None else
                   f"the {service.name} is not answering after {timeout_s:.0f} s" if time.monotonic() > deadline
                   else None)
        if problem:
            stop_service(service)
            raise ServiceError(f"{problem}; log:\n{log_tail(service.log_file)}")
        time.sleep(_POLL_S)
    return url


def terminate_group(proc: psutil.Process) -> list[psutil.Process]:
    """SIGTERM the process group a detached service leads (it was started in its own session, so a
    nanny's worker or a server's children go too); the processes signalled."""
    group = [proc]
    with contextlib.suppress(psutil.NoSuchProcess):
        group += proc.children(recursive=True)
    with contextlib.suppress(ProcessLookupError, psutil.NoSuchProcess):
        os.killpg(proc.pid, signal.SIGTERM)
    return group


def wait_or_kill(procs: list[psutil.Process], timeout_s: float) -> None:
    """Wait for `procs` to exit, SIGKILL those alive after `timeout_s`."""
    _, alive = psutil.wait_procs(procs, timeout=timeout_s)
    for survivor in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            survivor.kill()
    psutil.wait_procs(alive, timeout=5)


def stop_service(service: HttpService, timeout_s: float = 30.0) -> list[int]:
    """SIGTERM the service's process group, SIGKILL what outlives the deadline, remove the pid record.
    Idempotent. Returns the pids that were running."""
    proc = live_process(read_pid_record(service.pid_file))
    procs = terminate_group(proc) if proc is not None else []
    wait_or_kill(procs, timeout_s)
    if proc is not None:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(proc.pid, os.WNOHANG)  # our own child (started in this process): reap it
    service.pid_file.unlink(missing_ok=True)
    return sorted(p.pid for p in procs)


def service_status(service: HttpService) -> dict[str, Any]:
    """{'running', 'url', 'healthy', 'pid'}; a stale pid record is removed."""
    record = read_pid_record(service.pid_file)
    if live_process(record) is None:
        service.pid_file.unlink(missing_ok=True)
        return {"running": False, "url": None, "healthy": False, "pid": None}
    assert record is not None
    return {"running": True, "url": record["url"], "healthy": http_ok(record["url"] + service.health_path),
            "pid": record["pid"]}
