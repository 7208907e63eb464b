"""The forecast store: the champion model of each family, loaded from the MLflow registry, run once and
written as partitioned Parquet for the serving layer.

Layout (catalog.forecasts):
    metric=<metric>/level=<level>/part.parquet   FORECAST_COLUMNS + family, model_name, model_version,
                                                 run_id, published_at (UTC)
    welfare_budget/part.parquet                  models.training.welfare.welfare_budget of the welfare forecasts
    _runs.parquet                                one row per family: model version, run id, published_at
A run builds a new store beside the old one (carrying over the families it does not publish) and swaps
it in, so readers see the old store or the new one, never half of each; a crash leaves the old one."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from khlang.catalog import Catalog
from khlang.domain.metrics import METRICS
from khlang.locks import exclusive_lock
from khlang.swap import recover, swap_in, temp_beside
from models.tracking.registry import CHAMPION, registered_model_name
from models.tracking.runs import using_tracking_uri
from models.training.family_model import family_request
from models.training.welfare import welfare_budget

__all__ = ["PublishedFamily", "publish_forecasts", "read_forecasts", "read_runs"]


@dataclass(frozen=True)
class PublishedFamily:
    family: str
    model_name: str
    model_version: str
    run_id: str
    rows: int
    metrics: tuple[str, ...]


def _load_champion(family: str, catalog: Catalog, alias: str):
    import mlflow.pyfunc

    name = registered_model_name(family)
    with using_tracking_uri(catalog.tracking_uri) as client:
        version = client.get_model_version_by_alias(name, alias)
        model = mlflow.pyfunc.load_model(f"models:/{name}@{alias}")
    return model, version


def publish_forecasts(catalog: Catalog, families: Sequence[str], alias: str = CHAMPION) -> list[PublishedFamily]:
    """Run each family's `alias` model of the catalogue's tracking store and write its forecasts (see the
    module docstring)."""
    target = catalog.forecasts
    published, frames = [], {}
    now = pd.Timestamp.now(tz="UTC")
    for family in families:
        model, version = _load_champion(family, catalog, alias)
        metrics = model.unwrap_python_model().metrics
        frame = model.predict(family_request(metrics))
        frame = frame.assign(family=family, model_name=version.name, model_version=str(version.version),
                             run_id=version.run_id, published_at=now)
        frames[family] = frame
        published.append(PublishedFamily(family, version.name, str(version.version), version.run_id, len(frame),
                                         tuple(metrics)))
    with exclusive_lock(catalog.run / "forecast.lock", "forecast publish"):
        recover(target)
        build_id = uuid.uuid4().hex[:12]
        tmp = temp_beside(target, build_id)
        tmp.mkdir(parents=True)
        _carry_over(catalog, tmp, {m for f in frames.values() for m in f["metric"].unique()}, set(frames))
        for frame in frames.values():
            for (metric, level), part in frame.groupby(["metric", "level"], sort=True):
                folder = tmp / f"metric={metric}" / f"level={level}"
                folder.mkdir(parents=True, exist_ok=True)
                part.drop(columns=["metric", "level"]).to_parquet(folder / "part.parquet", index=False)
        if "welfare" in frames:  # the catalogue's locations, in the store being built
            (tmp / catalog.welfare_budget.name).mkdir()
            welfare_budget(frames["welfare"]).to_parquet(tmp / catalog.welfare_budget.name / "part.parquet",
                                                         index=False)
        runs = pd.DataFrame([{"family": p.family, "model_name": p.model_name, "model_version": p.model_version,
                              "run_id": p.run_id, "rows": p.rows, "metrics": ",".join(p.metrics),
                              "published_at": now} for p in published])
        previous = read_runs(catalog)
        if not previous.empty:
            runs = pd.concat([previous[~previous["family"].isin(frames)], runs], ignore_index=True)
        runs.to_parquet(tmp / catalog.forecast_runs.name, index=False)
        swap_in(tmp, target, build_id)
    return published


def _carry_over(catalog: Catalog, new: Path, replaced_metrics: set[str], replaced_families: set[str]) -> None:
    """Copy the old store's partitions of metrics (and the welfare budget) this run does not replace."""
    old = catalog.forecasts
    if not old.is_dir():
        return
    for folder in old.glob("metric=*"):
        if folder.name.split("=", 1)[1] not in replaced_metrics:
            shutil.copytree(folder, new / folder.name)
    if catalog.welfare_budget.is_dir() and "welfare" not in replaced_families:
        shutil.copytree(catalog.welfare_budget, new / catalog.welfare_budget.name)


def read_forecasts(catalog: Catalog, metric: str | None = None, level: str | None = None) -> pd.DataFrame:
    """The store as one frame (optionally one metric and level), metric and level as columns."""
    root = catalog.forecasts
    if metric is not None and metric not in METRICS:
        raise KeyError(f"unknown metric {metric!r}")
    frames = []
    for folder in sorted(root.glob(f"metric={metric or '*'}/level={level or '*'}")):
        part = pd.read_parquet(folder / "part.parquet")
        frames.append(part.assign(metric=folder.parent.name.split("=", 1)[1], level=folder.name.split("=", 1)[1]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def read_runs(catalog: Catalog) -> pd.DataFrame:
    path = catalog.forecast_runs
    return pd.read_parquet(path) if path.is_file() else pd.DataFrame()


def published_at(catalog: Catalog) -> dt.datetime | None:
    runs = read_runs(catalog)
    return None if runs.empty else pd.Timestamp(runs["published_at"].max()).to_pydatetime()
