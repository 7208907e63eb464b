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


def home_state() -> dict[str, tuple[int, int]]:
    """(modified ns, size) of every file and folder MLflow would write in HOME: the run must leave it as it was.
    (A machine may have them from before: another program, a user's own MLflow.)"""
    home = Path.home()
    state = {}
    for top in (home / ".mlflow", home / ".config" / "mlflow"):
        for path in [top, *top.rglob("*")] if top.exists() else []:
            info = path.stat()
            state[str(path)] = (info.st_mtime_ns, info.st_size)
    return state


HOME_BEFORE: dict[str, tuple[int, int]] = {}


def pytest_configure(config: pytest.Config) -> None:
    HOME_BEFORE.update(home_state())
    configure_runtime(Catalog(PROJECT_ROOT / "work"))


@pytest.fixture(scope="session")
def home_changes():
    """A function listing what in ~/.mlflow and ~/.config/mlflow was created or changed since the run began."""
    def changes() -> list[str]:
        now = home_state()
        return sorted(p for p in {*now, *HOME_BEFORE} if now.get(p) != HOME_BEFORE.get(p))

    return changes


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


@pytest.fixture(scope="session")
def real_tickets(settings: Settings):
    """Every real Traffy Fondue ticket of the shared complaints folder, as text (read once)."""
    from pipelines.complaints.traffy import read_tickets, ticket_files

    files = ticket_files(settings.complaints_dir)
    assert files, f"no ticket file in {settings.complaints_dir}"
    return read_tickets(files[0])


@pytest.fixture(scope="session")
def ticket_sample(real_tickets, tmp_path_factory: pytest.TempPathFactory):
    """A seeded sample of 4,000 real tickets as a CSV file (what a user hands `--data`)."""
    path = tmp_path_factory.mktemp("tickets") / "sample.csv"
    real_tickets.sample(n=4000, random_state=7).to_csv(path, index=False)
    return path
