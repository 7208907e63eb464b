"""The alternative an ML engineer would try for serving: `mlflow models serve` of the same registered
model (models:/khlang-<family>@champion, the pyfunc the training run published), answering the same
query as /v1/forecasts: one unit's forecast, the pyfunc's request (metric, level, key). The model computes
a metric's reconciled forecasts from its fitted state on the first request for that metric and looks
units up after that (models.training.family_model), so the load is driven after one warm-up request per
metric, as Khlang's API is after its own warm-up: the same open-loop load at the same rate, each
request given `timeout` seconds from its due time."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil

from benchmarks.api_load import free_port
from khlang.catalog import Catalog
from khlang.config import load_settings
from khlang.domain.metrics import METRICS
from khlang.runtime import runtime_environment

__all__ = ["served_mlflow_model", "invocation_plan"]


@contextmanager
def served_mlflow_model(work_dir: Path, family: str, log: Path, timeout_s: float = 300.0):
    """`mlflow models serve` of models:/khlang-<family>@champion on 127.0.0.1 (local environment, one
    worker, as Khlang's own API runs); yields its URL once /ping answers."""
    catalog = Catalog.from_settings(load_settings().with_work_dir(work_dir))
    port = free_port()
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, **runtime_environment(catalog), "MLFLOW_TRACKING_URI": catalog.tracking_uri,
           "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}  # it starts `uvicorn` by name
    command = [str(Path(bin_dir) / "mlflow"), "models", "serve", "-m", f"models:/khlang-{family}@champion",
               "--env-manager", "local", "--host", "127.0.0.1", "-p", str(port), "--workers", "1"]
    url = f"http://127.0.0.1:{port}"
    with open(log, "w") as out, subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env,
                                                 start_new_session=True) as server:
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    if httpx.get(f"{url}/ping", timeout=2, trust_env=False).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"mlflow models serve did not start; see {log}")
                time.sleep(0.5)
            yield url
        finally:  # it runs uvicorn as a child of its own, still busy with queued requests: end the tree
            tree = psutil.Process(server.pid).children(recursive=True) if server.poll() is None else []
            for process in [*tree, server]:
                with contextlib.suppress(psutil.NoSuchProcess, ProcessLookupError):
                    process.kill()
            server.wait(timeout=30)
            psutil.wait_procs(tree, timeout=30)


def invocation_plan(forecast_plan: list[dict], family: str) -> list[dict]:
    """The /invocations requests of the forecast plan's units of `family`: the pyfunc's (metric, level, key)."""
    from urllib.parse import parse_qs, urlsplit

    plan = []
    for item in forecast_plan:
        query = {k: v[0] for k, v in parse_qs(urlsplit(item["path"]).query).items()}
        if METRICS[query["metric"]].family == family:
            plan.append({"method": "POST", "path": "/invocations", "body": {
                "dataframe_split": {"columns": ["metric", "level", "key"],
                                    "data": [[query["metric"], query["level"], int(query["code"])]]}}})
    return plan
