"""`khlang app`: the Streamlit server for app/main.py on 127.0.0.1, headless, with usage statistics off."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from app.client import API_URL_ENV, api_url
from khlang.config import AppSettings

__all__ = ["DEFAULT_PORT", "HOST", "MAIN_SCRIPT", "streamlit_command", "streamlit_environment", "run_app"]

HOST = "127.0.0.1"
DEFAULT_PORT = AppSettings().port  # 8501, declared once in khlang.config
MAIN_SCRIPT = Path(__file__).resolve().parent / "main.py"


def streamlit_command(port: int = DEFAULT_PORT, python: str | None = None) -> list[str]:
    """`python -m streamlit run app/main.py` bound to 127.0.0.1:port, headless, no telemetry, no file watcher."""
    return [python or sys.executable, "-m", "streamlit", "run", str(MAIN_SCRIPT),
            "--server.headless", "true", "--server.address", HOST, "--server.port", str(port),
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
            "--global.developmentMode", "false", "--client.toolbarMode", "viewer"]


def streamlit_environment(api: str | None = None, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The server's environment: `base` (default os.environ) plus telemetry off and KHLANG_API_URL."""
    env = dict(os.environ if base is None else base)
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    env[API_URL_ENV] = (api or env.get(API_URL_ENV) or api_url()).rstrip("/")
    return env


def run_app(port: int = DEFAULT_PORT, api: str | None = None) -> None:
    """Replace this process by the Streamlit server (Ctrl-C stops it)."""
    command = streamlit_command(port)
    os.execve(command[0], command, streamlit_environment(api))
