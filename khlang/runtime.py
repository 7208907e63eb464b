"""Point every library's caches and temp files into the work folder; turn telemetry off."""

from __future__ import annotations

import os
import secrets
import tempfile

from khlang.catalog import Catalog
from khlang.telemetry import TELEMETRY_OFF

__all__ = ["runtime_environment", "configure_runtime"]


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
        # A Dask worker's statistical profiler (the dashboard's profile page) samples the running task's
        # stack every 10 ms. Off unless the user turned it on: on Prophet's many-model fits it cost the
        # workers 5 % more CPU (benchmarks.prophet_cost, two paired runs: 1.08x -> 1.03x and 1.17x -> 1.12x
        # the serial run's CPU).
        "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": os.environ.get("DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED",
                                                                     "False"),
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
