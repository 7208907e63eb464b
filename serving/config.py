"""The serving layer's own settings, read from the environment (the operator sets the deposit token there,
never in a file that could be committed): port, deposit token and deposit size limit."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DEFAULT_DEPOSIT_MAX_BYTES", "DEFAULT_PORT", "ServeConfig", "serve_config"]

DEFAULT_PORT = 8000
DEFAULT_DEPOSIT_MAX_BYTES = 20 * 2**20  # 20 MiB: a province's agency file is a few MiB


@dataclass(frozen=True)
class ServeConfig:
    """port on 127.0.0.1; deposit_token None = deposits disabled; deposit_max_bytes per uploaded file (bytes)."""

    port: int = DEFAULT_PORT
    deposit_token: str | None = None
    deposit_max_bytes: int = DEFAULT_DEPOSIT_MAX_BYTES
    models_cache_s: float = 60.0  # how long the MLflow registry summary is reused (seconds)

    def __repr__(self) -> str:  # the token never reaches a log line
        token = "set" if self.deposit_token else "none"
        return f"ServeConfig(port={self.port}, deposit_token=<{token}>, deposit_max_bytes={self.deposit_max_bytes})"


def serve_config(environ: Mapping[str, str] | None = None) -> ServeConfig:
    """KHLANG_SERVE_PORT, KHLANG_DEPOSIT_TOKEN (empty = deposits disabled), KHLANG_DEPOSIT_MAX_BYTES."""
    env = os.environ if environ is None else environ
    token = env.get("KHLANG_DEPOSIT_TOKEN", "").strip() or None
    return ServeConfig(port=int(env.get("KHLANG_SERVE_PORT", "") or DEFAULT_PORT), deposit_token=token,
                       deposit_max_bytes=int(env.get("KHLANG_DEPOSIT_MAX_BYTES", "") or DEFAULT_DEPOSIT_MAX_BYTES))
