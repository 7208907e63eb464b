"""Fixtures of the serving tests: the API over the session's served world (read-only) through FastAPI's
TestClient, and the world's data read back independently with pandas for the expected numbers."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from serving.api import create_app
from serving.config import ServeConfig

with warnings.catch_warnings():
    # starlette asks for httpx2 in place of httpx; the pinned environment has httpx, which still works.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`", category=UserWarning)
    from fastapi.testclient import TestClient



def api_client(settings, config: ServeConfig) -> TestClient:
    """A TestClient over the work folder of `settings`; use it as a context manager (runs the lifespan)."""
    return TestClient(create_app(settings, config))


def read_store(root: Path, metric: str) -> pd.DataFrame:
    """The store's records of one metric (lao_code, period, value …) with pandas, no DuckDB."""
    files = sorted((root / "store" / f"metric={metric}").glob("fiscal_year=*/*.parquet"))
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    frame["period"] = pd.to_datetime(frame["period"])
    return frame


@pytest.fixture(scope="session")
def make_client():
    """api_client(settings, config), for tests that need their own configuration or world."""
    return api_client


@pytest.fixture(scope="session")
def client(served_world):
    """A TestClient over the served world; deposits disabled (no token)."""
    with api_client(served_world.settings, ServeConfig(deposit_token=None)) as test_client:  # runs the lifespan: reference and snapshot loaded once
        yield test_client
