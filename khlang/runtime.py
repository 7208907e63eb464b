"""Point every library's caches and temp files into the work folder; turn telemetry off."""

from __future__ import annotations

import os
import secrets
import tempfile

from khlang.catalog import Catalog
from khlang.telemetry import TELEMETRY_OFF

__all__ = ["DASK_QUIETER", "runtime_environment", "configure_runtime"]

# Dask's housekeeping, set for long CPU-bound tasks on a few cores; a value the user set is kept.
# - The worker's statistical profiler (the dashboard's profile page) samples the running task's stack every
#   10 ms: on Prophet's many-model fits it cost the workers 5 % more CPU (benchmarks.prophet_cost, two paired
#   runs: 1.08x -> 1.03x and 1.17x -> 1.12x the serial run's CPU).
# - Every scheduler, nanny and worker checks its event loop every 20 ms (tick), samples the machine every
#   500 ms (system monitor: the dashboard's graphs) and its memory every 100 ms (spill, pause and restart
#   thresholds). A LocalCluster of 2 workers, idle, used 7.7-8.8 % of a core with Dask's intervals and
#   3.7-4.7 % with these (1 s, 5 s, 500 ms; two 15-s measurements each): CPU the tasks get back. Memory
#   limits are still enforced, within half a second.
DASK_QUIETER = {
    "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
    "DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL": "1s",
    "DASK_DISTRIBUTED__ADMIN__SYSTEM_MONITOR__INTERVAL": "5s",
    "DASK_DISTRIBUTED__WORKER__MEMORY__MONITOR_INTERVAL": "500ms",
}


def runtime_environment(catalog: Catalog) -> dict[str, str]:
    """Environment variables that keep Ray, Dask, MLflow, numba, matplotlib … inside the work folder."""
    cache, tmp = catalog.cache, catalog.tmp
    return {
        "TMPDIR": str(tmp),
        "XDG_CACHE_HOME": str(cache),
        "XDG_CONFIG_HOME": str(cache / "config"),  # MLflow 3 keeps its installation id there
        "NUMBA_CACHE_DIR": str(cache / "numba"),
        "MPLCONFIGDIR": str(cache / "matplotlib"),
        "PYTHAINLP_DATA": str(cache / "pythainlp"),  # else ~/pythainlp-data (its bundled dictionary is used)
        "DASK_TEMPORARY_DIRECTORY": str(tmp / "dask"),
        "DASK_DISTRIBUTED__WORKER__DAEMON": "False",
        **{key: os.environ.get(key, value) for key, value in DASK_QUIETER.items()},
        "RAY_TMPDIR": str(tmp / "ray"),
        "RAY_ENABLE_UV_RUN_RUNTIME_ENV": "0",
        "MLFLOW_TRACKING_DIR": str(catalog.mlflow),
        "MLFLOW_UV_AUTO_DETECT": "false",
        "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
        # MLflow's INFO lines ("Creating initial MLflow database tables…") are its own bookkeeping, not what a
        # user of Khlang reads; its warnings still show. A value the user set is kept.
        "MLFLOW_LOGGING_LEVEL": os.environ.get("MLFLOW_LOGGING_LEVEL", "WARNING"),
        **TELEMETRY_OFF,
    }


def configure_runtime(catalog: Catalog) -> dict[str, str]:
    """Apply `runtime_environment` to this process (and so to the processes it starts)."""
    env = runtime_environment(catalog)
    for key in ("TMPDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "NUMBA_CACHE_DIR", "MPLCONFIGDIR", "PYTHAINLP_DATA",
                "DASK_TEMPORARY_DIRECTORY",
                "RAY_TMPDIR"):
        os.makedirs(env[key], exist_ok=True)
    # Ray (>= 2.59) authenticates local clusters with a token it would otherwise keep in ~/.ray. Ray caches
    # the token for the life of the process, so a process keeps the first token it was given even when it
    # later works on another work folder (tests do); its children inherit it.
    current = os.environ.get("RAY_AUTH_TOKEN_PATH", "")
    if current and os.path.isfile(current):
        env["RAY_AUTH_TOKEN_PATH"] = current
    else:
        token = catalog.run / "ray_auth_token"
        if not token.is_file():
            token.parent.mkdir(parents=True, exist_ok=True)
            token.write_text(secrets.token_hex(32))
            token.chmod(0o600)
        env["RAY_AUTH_TOKEN_PATH"] = str(token)
    os.environ.update(env)
    tempfile.tempdir = env["TMPDIR"]
    return env
