"""Fixtures of the app tests: the real Khlang API (serving.api.create_app) over the session's served world,
under uvicorn in a thread on a free port of 127.0.0.1, and a way to open the app's pages with AppTest."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from serving.config import ServeConfig
from tests.app.api_thread import api_in_thread

MAIN = Path(__file__).resolve().parents[2] / "app" / "main.py"


@pytest.fixture(scope="session")
def api_url(served_world) -> Iterator[str]:
    """http://127.0.0.1:PORT of the real API over the served world (read-only; deposits disabled)."""
    with api_in_thread(served_world.settings, ServeConfig(deposit_token=None)) as url:
        yield url


@pytest.fixture(scope="session")
def api(api_url) -> Iterator[httpx.Client]:
    """A plain HTTP client of the API, for the numbers the pages must show."""
    with httpx.Client(base_url=api_url, trust_env=False, timeout=60) as client:
        yield client


_SHARED: dict[str, object] = {}


def _share_component_scan(at: AppTest) -> None:
    # AppTest scans every installed distribution for custom components once per instance (1-2 s here);
    # the page tests open ~40 instances of one environment, so the first scan is handed to the others.
    if not hasattr(at, "_bidi_component_manager"):
        return
    if "manager" in _SHARED:
        at._bidi_component_manager = _SHARED["manager"]


def _keep_component_scan(at: AppTest) -> None:
    if "manager" not in _SHARED and getattr(at, "_bidi_component_manager", None) is not None:
        _SHARED["manager"] = at._bidi_component_manager


@pytest.fixture
def open_app(api_url, monkeypatch) -> Callable[..., AppTest]:
    """open_app(page=None, **session_state): the app opened on pages/<page>.py (default: the overview) and
    run once, with no uncaught exception."""
    monkeypatch.setenv("KHLANG_API_URL", api_url)

    def _open(page: str | None = None, **state: object) -> AppTest:
        at = AppTest.from_file(str(MAIN), default_timeout=120)
        _share_component_scan(at)
        for key, value in state.items():
            at.session_state[key] = value
        if page:
            at.switch_page(f"views/{page}.py")
        at.run()
        _keep_component_scan(at)
        assert not at.exception, [e.value for e in at.exception]
        return at

    return _open
