"""Losing a worker mid-stage, as when a machine of a real cluster dies: run a `khlang` command as a user
would, wait until the cluster is busy with its tasks, SIGKILL one worker process (and, on Dask, its
nanny, so that it does not come back), and let the command finish on the workers that are left.

Dask: the victim is the worker that holds the most data the scheduler knows of (the inputs every task
reads live there when they were shipped to one worker), chosen while tasks are processing. Ray: one
process running one of Khlang's partition functions (titled `ray::<function>`), chosen as soon as one runs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

KHLANG = [sys.executable, "-m", "commands.cli"]
_POLL_S = 0.05


@dataclass(frozen=True)
class Outcome:
    returncode: int
    output: str
    killed: list[int]  # the pids killed (worker, then nanny), empty when the command ended first
    seconds: float


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on now (for a scheduler, a dashboard, a server of the test)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def khlang_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "KHLANG_AS_OF": "2026-11-01", "COLUMNS": "200", **(extra or {})}


def run_khlang(work: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 900) -> str:
    """`khlang --work-dir WORK ARGS`; its output, asserting it succeeded."""
    result = subprocess.run([*KHLANG, "--work-dir", str(work), *args], capture_output=True, text=True,
                            env=khlang_env(env), timeout=timeout)
    assert result.returncode == 0, f"khlang {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def _dask_victim(address: str, deadline: float, scheduler: bool = False) -> list[int]:
    """Wait until the scheduler at `address` has tasks processing; the pids (worker, nanny) to kill, or
    the scheduler's own."""
    from distributed import Client

    with Client(address, timeout="30s") as client:
        while time.monotonic() < deadline:
            processing = client.processing()
            if any(processing.values()) and scheduler:
                return [client.run_on_scheduler(os.getpid)]
            if any(processing.values()):
                held = client.has_what()
                busy = [w for w, keys in processing.items() if keys]
                victim = max(busy, key=lambda w: (len(held.get(w, ())), w))
                pid = client.run(os.getpid, workers=[victim])[victim]
                worker = psutil.Process(pid)
                nanny = worker.parent()
                # `dask worker` runs the worker in a child of its nanny; never the khlang process itself
                nanny_args = nanny.cmdline() if nanny is not None else []
                is_nanny = any(a.endswith("dask") for a in nanny_args) and "worker" in nanny_args
                return [pid, nanny.pid] if is_nanny else [pid]
            time.sleep(_POLL_S)
    return []


def _ray_victim(tasks: tuple[str, ...], deadline: float) -> list[int]:
    """Wait for a Ray worker process running one of Khlang's partition functions (its title is
    `ray::<function>`; Ray's own processes, starting up beside them, are left alone); its pid."""
    while time.monotonic() < deadline:
        for proc in psutil.process_iter(["pid", "cmdline"]):
            title = " ".join(proc.info["cmdline"] or [])
            if title.startswith("ray::") and title[5:].split(" ")[0].split("(")[0] in tasks:
                return [proc.info["pid"]]
        time.sleep(_POLL_S)
    return []


RAY_TASKS = ("parse_task", "merge_task", "_cluster_task", "_write_block", "_write_lao_block", "_write_level_block")


def kill_mid_run(work: Path, args: list[str], *, dask_address: str | None = None, ray_tasks: tuple[str, ...] = RAY_TASKS,
                 scheduler: bool = False, env: dict[str, str] | None = None, timeout: float = 900) -> Outcome:
    """Run `khlang --work-dir WORK ARGS`; once tasks run on the cluster, SIGKILL one worker (on Dask with
    its nanny; with `scheduler`, the Dask scheduler instead); wait for the command. On Ray (dask_address
    None) the victim is a process running one of `ray_tasks`."""
    started = time.monotonic()
    deadline = started + timeout
    with subprocess.Popen([*KHLANG, "--work-dir", str(work), *args], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, env=khlang_env(env)) as proc:
        try:
            victims = (_dask_victim(dask_address, deadline, scheduler) if dask_address else _ray_victim(ray_tasks, deadline))
            killed = []
            if proc.poll() is None:
                for pid in victims:
                    try:
                        psutil.Process(pid).kill()
                        killed.append(pid)
                    except psutil.NoSuchProcess:
                        pass
            output, _ = proc.communicate(timeout=max(deadline - time.monotonic(), 1))
        except BaseException:
            proc.kill()
            raise
    return Outcome(proc.returncode, output, killed, time.monotonic() - started)
