"""The API under an open-loop load: `khlang serve` started as its own process over a work folder with
published forecasts, then benchmarks.load in another process sends /v1/forecasts of random published
units at a constant rate (300 requests/s in the full suite) and, after it, /v1/aggregate with random
dimensions and filters. Latency counts from the moment a request was due (see benchmarks.load)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
import numpy as np

from benchmarks.api_latency import request_plan
from khlang.catalog import Catalog
from khlang.config import load_settings
from khlang.runtime import runtime_environment

__all__ = ["ApiSize", "SIZES", "free_port", "run_api", "served_api", "latency_summary"]


@dataclass(frozen=True)
class ApiSize:
    forecasts_rate: float
    aggregate_rate: float
    seconds: float
    mlflow_seconds: float  # `mlflow models serve` at the forecasts rate (0: not compared)


SIZES = {"full": ApiSize(300, 50, 60, 10), "quick": ApiSize(300, 50, 10, 3), "smoke": ApiSize(50, 10, 2, 1)}


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served_api(work_dir: Path, log: Path, env: dict[str, str] | None = None):
    """`khlang serve` on a free port of 127.0.0.1 over work_dir (with `env` added to its environment), until
    the block ends; yields its URL."""
    from serving.service import ApiServerError, serve_command, wait_healthy

    settings = load_settings().with_work_dir(work_dir)
    catalog = Catalog.from_settings(settings)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log, "w") as out, subprocess.Popen(
            serve_command(settings, port), stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, **runtime_environment(catalog), **(env or {})}) as server:
        try:
            try:
                wait_healthy(url, lambda: server.poll() is None, timeout_s=180)
            except ApiServerError as error:
                raise RuntimeError(f"{error}; see {log}") from None
            yield url
        finally:
            server.terminate()
            server.wait(timeout=30)


def latency_summary(result: dict) -> dict:
    """p50/p99/max latency (ms), errors (non-200 or no answer) and the achieved rate of a load result."""
    records = np.asarray(result["records"], dtype=np.float64).reshape(-1, 3)
    latency, status = records[:, 1], records[:, 2]
    p50, p99 = np.percentile(latency, [50, 99]) if latency.size else (np.nan, np.nan)
    answered = latency[status == 200]
    return {"requests": int(latency.size), "rate": result["rate"], "seconds": result["seconds"],
            "achieved_rate": latency.size / result["elapsed_s"] if result["elapsed_s"] else 0.0,
            "p50_ms": float(p50), "p99_ms": float(p99), "max_ms": float(latency.max(initial=0.0)),
            "errors": int((status != 200).sum()), "dispatcher_late_ms": result["dispatcher_late_ms"],
            "timeout_s": result.get("timeout_s"),
            "answered_p50_ms": float(np.median(answered)) if answered.size else None,
            "connections": result["connections_opened"]}


def _drive(url: str, plan: list[dict], rate: float, seconds: float, scratch: Path, name: str,
           timeout: float = 10.0) -> dict:
    plan_file, out_file = scratch / f"{name}-plan.json", scratch / f"{name}-result.json"
    plan_file.write_text(json.dumps(plan))
    subprocess.run([sys.executable, "-m", "benchmarks.load", "--url", url, "--plan", str(plan_file),
                    "--rate", str(rate), "--seconds", str(seconds), "--timeout", str(timeout),
                    "--out", str(out_file)], check=True)
    result = json.loads(out_file.read_text())
    return {**latency_summary(result), "latencies_ms": [r[1] for r in result["records"]]}


def run_api(work_dir: Path, size: ApiSize, scratch: Path, seed: int = 2568) -> dict:
    """Forecasts then aggregates at their rates against a served work folder (see the module docstring)."""
    catalog = Catalog.from_settings(load_settings().with_work_dir(work_dir))
    scratch.mkdir(parents=True, exist_ok=True)
    mixed = request_plan(catalog, 4_000, seed)
    as_plan = [{"method": "GET", "path": f"{path}?{urlencode(params)}"} for _, path, params in mixed]
    forecasts = [p for p, (name, _, _) in zip(as_plan, mixed, strict=True) if name == "forecasts"]
    aggregates = [p for p, (name, _, _) in zip(as_plan, mixed, strict=True) if name == "aggregate"]
    with served_api(work_dir, scratch / "api-server.log") as url:
        _drive(url, forecasts[:50] + aggregates[:50], 50, 1, scratch, "warm-up")
        results = {"forecasts": _drive(url, forecasts, size.forecasts_rate, size.seconds, scratch, "forecasts"),
                   "aggregate": _drive(url, aggregates, size.aggregate_rate, size.seconds, scratch, "aggregate")}
    if size.mlflow_seconds > 0:
        results["mlflow_serve"] = _mlflow_peer(work_dir, forecasts, size, scratch)
    return {"work_dir": str(work_dir), "units": len(forecasts), "server": "khlang serve (uvicorn, 1 process)",
            "client": "benchmarks.load (open loop, its own process)", **results}


def _mlflow_peer(work_dir: Path, forecasts: list[dict], size: ApiSize, scratch: Path) -> dict:
    """`mlflow models serve` of the family with the most units in the plan, the same units, the same rate."""
    from benchmarks.mlflow_serve import invocation_plan, served_mlflow_model
    from khlang.domain.metrics import FAMILIES

    family = max(FAMILIES, key=lambda f: len(invocation_plan(forecasts, f)))
    plan = invocation_plan(forecasts, family)
    try:
        with served_mlflow_model(work_dir, family, scratch / "mlflow-serve.log") as url:
            # one request per metric: the first for a metric computes its forecasts (a lookup after it)
            warm = list({item["body"]["dataframe_split"]["data"][0][0]: item for item in plan}.values())
            _drive(url, warm, 1, len(warm), scratch, "mlflow-warm-up", timeout=600)
            started = time.perf_counter()  # one request alone, however long it takes
            alone = httpx.post(f"{url}/invocations", json=plan[0]["body"], timeout=600, trust_env=False)
            single_s = time.perf_counter() - started
            result = _drive(url, plan, size.forecasts_rate, size.mlflow_seconds, scratch, "mlflow-serve")
    except (RuntimeError, httpx.HTTPError) as error:
        return {"skipped": str(error)}
    return {**result, "model": f"models:/khlang-{family}@champion", "family": family,
            "single_request_s": single_s, "single_request_status": alone.status_code}
