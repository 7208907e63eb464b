"""`khlang cluster up|down|status`: a real `dask scheduler` and `dask worker` processes on 127.0.0.1.

The processes are detached (their own session), log to catalog.run/*.log and leave pid files in
catalog.run, so a later `khlang` invocation can find and stop them. Their environment comes from
khlang.runtime, so their temp files and caches stay in the work folder."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from khlang.catalog import Catalog
from khlang.config import Settings
from khlang.processes import (
    live_process,
    log_tail,
    port_taken,
    read_pid_record,
    terminate_group,
    wait_or_kill,
)
from khlang.runtime import runtime_environment

__all__ = ["ClusterServiceError", "start_local_cluster", "stop_local_cluster", "cluster_status", "dask_program"]

_SCHEDULER = "scheduler"
_POLL_S = 0.1


class ClusterServiceError(RuntimeError):
    """The local cluster did not start (port taken, a process died): the message carries its log tail."""


def dask_program() -> Path:
    """The `dask` command of this interpreter's environment."""
    return Path(sys.executable).parent / "dask"


def _dashboard_available() -> bool:
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return False
    return True


def _pid_files(catalog: Catalog) -> list[Path]:
    return sorted(catalog.run.glob("dask-*.pid"))


def _wait_until(condition: Callable[[], bool], deadline_s: float, what: str,
                failed: Callable[[], str | None] = lambda: None) -> None:
    """Poll `condition` until it holds; raise when `failed()` names a reason or the deadline passes."""
    deadline = time.monotonic() + deadline_s
    while not condition():
        if reason := failed():
            raise ClusterServiceError(f"{what}: {reason}")
        if time.monotonic() > deadline:
            raise ClusterServiceError(f"{what}: not done after {deadline_s:.0f} s")
        time.sleep(_POLL_S)


def _spawn(catalog: Catalog, name: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Start `dask <args>` detached (its own session, stdin /dev/null, output to its log)."""
    log = catalog.run / f"dask-{name}.log"
    program = str(dask_program())
    # posix_spawn rather than Popen: the process outlives this one, and no Popen object is left to
    # warn about a child still running when it is collected.
    pid = os.posix_spawn(program, [program, *args], env, setsid=True, file_actions=[
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, str(log), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2)])
    record = {"pid": pid, "create_time": psutil.Process(pid).create_time(), "role": name,
              "log": str(log), "args": args}
    (catalog.run / f"dask-{name}.pid").write_text(json.dumps(record))
    return record


def _live_scheduler(catalog: Catalog) -> dict[str, Any] | None:
    record = read_pid_record(catalog.run / f"dask-{_SCHEDULER}.pid")
    return record if live_process(record) else None


def _clean_stale(catalog: Catalog) -> None:
    for path in _pid_files(catalog):
        if not live_process(read_pid_record(path)):
            path.unlink(missing_ok=True)


def _connected_workers(client: Any) -> list[str]:
    return sorted(client.scheduler_info().get("workers", {}))


def _client(address: str, timeout_s: float = 10.0) -> Any:
    from distributed import Client

    return Client(address, timeout=f"{timeout_s}s")


def start_local_cluster(settings: Settings, catalog: Catalog, timeout_s: float = 120.0) -> str:
    """Start a scheduler and settings.cluster.n_workers workers; return tcp://127.0.0.1:PORT.
    If one started here is running already, return its address instead of starting another."""
    catalog.ensure()
    _clean_stale(catalog)
    if running := _live_scheduler(catalog):
        return str(running["address"])
    stop_local_cluster(catalog)  # workers left without their scheduler
    config = settings.cluster
    address = f"tcp://127.0.0.1:{config.scheduler_port}"
    env = {**os.environ, **runtime_environment(catalog)}
    for key in ("TMPDIR", "XDG_CACHE_HOME", "DASK_TEMPORARY_DIRECTORY", "NUMBA_CACHE_DIR", "MPLCONFIGDIR"):
        Path(env[key]).mkdir(parents=True, exist_ok=True)
    # The scheduler serves HTTP (health, metrics, and the dashboard where bokeh is installed) in any
    # case: keep it on 127.0.0.1 and the configured port rather than its default :8787 on every interface.
    dashboard = ["--dashboard-address", f"127.0.0.1:{config.dashboard_port}",
                 "--dashboard" if _dashboard_available() else "--no-dashboard"]
    if port_taken(config.scheduler_port):
        raise ClusterServiceError(f"port {config.scheduler_port} on 127.0.0.1 is taken by another program "
                                  "(set KHLANG_SCHEDULER_PORT)")
    scheduler = _spawn(catalog, _SCHEDULER, ["scheduler", "--host", "127.0.0.1", "--port",
                                             str(config.scheduler_port), *dashboard], env)
    scheduler["address"] = address
    scheduler["dashboard"] = f"http://127.0.0.1:{config.dashboard_port}/status" if _dashboard_available() else None
    (catalog.run / f"dask-{_SCHEDULER}.pid").write_text(json.dumps(scheduler))
    try:
        _wait_until(lambda: port_taken(config.scheduler_port), timeout_s, "dask scheduler",
                    lambda: None if live_process(scheduler) else f"exited; log:\n{log_tail(Path(scheduler['log']))}")
        workers = [_spawn(catalog, f"worker-{i}", [
            "worker", address, "--host", "127.0.0.1", "--name", f"worker-{i}",
            "--nthreads", str(config.threads_per_worker), "--memory-limit", config.memory_limit,
            "--local-directory", str(catalog.tmp / "dask-worker"), "--no-dashboard",
            "--death-timeout", "60"], env) for i in range(config.n_workers)]

        def dead_worker() -> str | None:
            dead = [w for w in workers if not live_process(w)]
            return f"{dead[0]['role']} exited; log:\n{log_tail(Path(dead[0]['log']))}" if dead else None

        with _client(address) as client:
            _wait_until(lambda: len(_connected_workers(client)) >= config.n_workers, timeout_s,
                        f"{config.n_workers} dask workers", dead_worker)
    except BaseException:
        stop_local_cluster(catalog)
        raise
    return address


def stop_local_cluster(catalog: Catalog, timeout_s: float = 30.0) -> list[int]:
    """SIGTERM every process started by `start_local_cluster` (workers first), wait with a deadline,
    SIGKILL what is left; remove the pid files. Idempotent. Returns the pids that were running."""
    paths = sorted(_pid_files(catalog), key=lambda p: p.name == f"dask-{_SCHEDULER}.pid")
    procs: list[psutil.Process] = []
    for path in paths:
        proc = live_process(read_pid_record(path))
        if proc is not None:
            procs += terminate_group(proc)
    wait_or_kill(procs, timeout_s)
    for path in paths:
        path.unlink(missing_ok=True)
    return sorted({p.pid for p in procs})


def cluster_status(catalog: Catalog) -> dict[str, Any]:
    """{'running': bool, 'address', 'dashboard' (its URL, None without bokeh), 'workers': [addresses],
    'pids'}; stale pid files are removed."""
    _clean_stale(catalog) if catalog.run.is_dir() else None
    scheduler = _live_scheduler(catalog) if catalog.run.is_dir() else None
    if scheduler is None:
        return {"running": False, "status": "not running", "address": None, "dashboard": None, "workers": [],
                "pids": {}}
    pids = {str(r["role"]): int(r["pid"]) for r in map(read_pid_record, _pid_files(catalog)) if r}
    try:
        with _client(scheduler["address"], timeout_s=5.0) as client:
            workers = _connected_workers(client)
    except OSError as error:
        return {"running": True, "status": f"scheduler process alive but not answering: {error}",
                "address": scheduler["address"], "dashboard": scheduler.get("dashboard"), "workers": [], "pids": pids}
    return {"running": True, "status": f"running with {len(workers)} workers", "address": scheduler["address"],
            "dashboard": scheduler.get("dashboard"), "workers": workers, "pids": pids}
