"""Session-wide test setup: every library's caches and temp files go to the project's work folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from khlang.catalog import Catalog
from khlang.config import Settings, load_settings
from khlang.domain.reference import ReferenceData, load_reference
from khlang.runtime import configure_runtime

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Property tests check results, not speed: on a 2-core machine running the cluster, the app and the
# browser beside them, one example can take 400 ms (a first call warming a cache) where Hypothesis's
# default 200 ms deadline calls it flaky. Timings live in benchmarks/.
hypothesis_settings.register_profile("khlang", deadline=None)
hypothesis_settings.load_profile("khlang")


def pytest_configure(config: pytest.Config) -> None:
    configure_runtime(Catalog(PROJECT_ROOT / "work"))


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings(PROJECT_ROOT / "khlang.toml")


@pytest.fixture(scope="session")
def reference(settings: Settings) -> ReferenceData:
    return load_reference(settings.thailand_dir)


@pytest.fixture(scope="session")
def served_world(tmp_path_factory: pytest.TempPathFactory, settings: Settings, reference: ReferenceData):
    """tests.served_world: tiny data, trained families and published forecasts (built once, read only)."""
    from tests.served_world import build_served_world

    return build_served_world(tmp_path_factory.mktemp("served"), settings, reference)
