"""The serving layer's settings: port, deposit size limit and registry cache from the project's settings
(`[serve]` of khlang.toml, KHLANG_SERVE_PORT, KHLANG_DEPOSIT_MAX_BYTES, KHLANG_MODELS_CACHE_S), and the
deposit token from the environment alone (KHLANG_DEPOSIT_TOKEN: never in a file that could be committed)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from khlang.config import ServeSettings, Settings, load_settings

__all__ = ["DEFAULT_DEPOSIT_MAX_BYTES", "DEFAULT_PORT", "ServeConfig", "serve_config"]

_DEFAULTS = ServeSettings()
DEFAULT_PORT = _DEFAULTS.port
DEFAULT_DEPOSIT_MAX_BYTES = _DEFAULTS.deposit_max_bytes


@dataclass(frozen=True)
class ServeConfig:
    """port on 127.0.0.1; deposit_token None = deposits disabled; deposit_max_bytes per uploaded file (bytes)."""

    port: int = _DEFAULTS.port
    deposit_token: str | None = None
    deposit_max_bytes: int = _DEFAULTS.deposit_max_bytes
    models_cache_s: float = _DEFAULTS.models_cache_s  # how long the MLflow registry summary is reused (seconds)

    def __repr__(self) -> str:  # the token never reaches a log line
        token = "set" if self.deposit_token else "none"
        return f"ServeConfig(port={self.port}, deposit_token=<{token}>, deposit_max_bytes={self.deposit_max_bytes})"


def serve_config(environ: Mapping[str, str] | None = None, settings: Settings | None = None) -> ServeConfig:
    """The settings' [serve] section (loaded with `environ`, default os.environ, unless given) and the
    token of KHLANG_DEPOSIT_TOKEN (empty = deposits disabled)."""
    env = os.environ if environ is None else environ
    serve = (settings or load_settings(environ=env)).serve
    token = env.get("KHLANG_DEPOSIT_TOKEN", "").strip() or None
    return ServeConfig(port=serve.port, deposit_token=token, deposit_max_bytes=serve.deposit_max_bytes,
                       models_cache_s=serve.models_cache_s)
