"""Telemetry off for every library Khlang loads, from the moment any Khlang package is imported.

MLflow decides at `import mlflow` whether to start its telemetry client (and writes an installation id
under ~/.config on the way), so the switches must be in the environment before any library loads, not
only once a command has configured its work folder (khlang.runtime). Every top-level package of the
project imports `khlang` first, and `khlang/__init__` calls `telemetry_off()`."""

from __future__ import annotations

import os

__all__ = ["TELEMETRY_OFF", "telemetry_off"]

TELEMETRY_OFF: dict[str, str] = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "1",
    "RAY_USAGE_STATS_ENABLED": "0",
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    "HF_HUB_OFFLINE": "1",
}


def telemetry_off() -> None:
    """Put the switches in this process's environment (and so in every process it starts)."""
    os.environ.update(TELEMETRY_OFF)
