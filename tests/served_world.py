"""A served world for the serving and app tests: the tiny scale generated, ingested and paneled on a real
LocalCluster, one or two metrics of each family trained (FAST config) into a real SQLite MLflow store,
and the champions published to the forecast store. About a minute; built once per test session
(the `served_world` fixture in tests/conftest.py) and never modified by a test: a test that writes
(a deposit) copies it first with `copy_world`."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from khlang.catalog import Catalog
from khlang.config import Settings
from khlang.domain.reference import ReferenceData
from models.family import train_family
from models.forecast_store import publish_forecasts
from tests.models.tiny_world import AS_OF, FAST, tiny_world

__all__ = ["SERVED_METRICS", "ServedWorld", "build_served_world", "copy_world"]

# family -> the metrics trained for it (a subset keeps the session fixture near a minute)
SERVED_METRICS = {"budget": ["budget_operations"], "waste": ["waste_generated"],
                  "welfare": ["elderly_60_69", "elderly_90_plus", "disability_standard"]}


@dataclass(frozen=True)
class ServedWorld:
    catalog: Catalog
    settings: Settings  # work_dir = catalog.root
    as_of: object = AS_OF


def build_served_world(root: Path, settings: Settings, reference: ReferenceData) -> ServedWorld:
    metrics = [m for names in SERVED_METRICS.values() for m in names]
    with tiny_world(root, settings, reference, metrics=metrics) as world:
        for family, names in SERVED_METRICS.items():
            train_family(family, world.catalog, reference, FAST, world.engine, metrics=names)
        publish_forecasts(world.catalog, list(SERVED_METRICS))
        return ServedWorld(world.catalog, settings.with_work_dir(world.catalog.root))


def copy_world(world: ServedWorld, root: Path) -> ServedWorld:
    """A private copy of the world's work folder (data, store, panels, forecasts, MLflow) under `root`."""
    target = root / "work"
    shutil.copytree(world.catalog.root, target, symlinks=True,
                    ignore=shutil.ignore_patterns("tmp", "cache", "run"))
    catalog = Catalog(target).ensure()
    return ServedWorld(catalog, world.settings.with_work_dir(target))
