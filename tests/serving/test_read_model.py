"""serving.read_model: history from the panel equals history summed from the store, and the snapshot is
rebuilt when a forecast run lands or the store changes (and only then)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from khlang.domain.reference import load_reference
from serving.history import from_store_rows, store_history_sql
from serving.read_model import ReadModel
from tests.served_world import SERVED_METRICS, copy_world

PANEL_METRICS = [m for names in SERVED_METRICS.values() for m in names]


def _model(world) -> ReadModel:
    return ReadModel(world.catalog, world.settings, lambda: load_reference(world.settings.thailand_dir))


@pytest.fixture(scope="module")
def snapshot(served_world):
    return _model(served_world).snapshot()


@pytest.mark.parametrize("metric", PANEL_METRICS)
@pytest.mark.parametrize(("level", "code"), [("nation", 0), ("province", 83), ("district", 8302), ("lao", 3830102)])
def test_panel_history_equals_the_store_summed(snapshot, metric, level, code):
    from_panel = snapshot.history(metric, level, code)
    assert from_panel.source == "panel"
    first, last = snapshot.axes[metric]
    rows = snapshot.fetch(store_history_sql(level, snapshot.store_table(metric)), [code])
    from_store = from_store_rows(metric, rows, first, last)
    np.testing.assert_array_equal(from_panel.months, from_store.months)
    np.testing.assert_allclose(from_panel.values, from_store.values, rtol=1e-6)  # the panel keeps float32
    np.testing.assert_array_equal(from_panel.laos_reporting, from_store.laos_reporting)
    assert np.isfinite(from_panel.values).sum() > 100


def test_snapshot_is_reused_until_a_file_changes(served_world, tmp_path):
    world = copy_world(served_world, tmp_path)
    model = _model(world)
    first = model.snapshot()
    assert model.snapshot() is first
    assert first.history("waste_generated", "province", 83).source == "panel"

    # A new forecast run: _runs.parquet replaced with a later publication time.
    runs_path = world.catalog.forecasts / "_runs.parquet"
    runs = pd.read_parquet(runs_path)
    runs["published_at"] = runs["published_at"] + pd.Timedelta(days=1)
    runs.to_parquet(runs_path, index=False)
    second = model.snapshot()
    assert second is not first
    assert second.published_at == (pd.Timestamp(first.published_at) + pd.Timedelta(days=1)).to_pydatetime()

    # An ingest committed (the manifest changed): the panel predates the store, history comes from the store.
    manifest_path = world.catalog.manifest / "files.parquet"
    manifest = pd.read_parquet(manifest_path)
    manifest.loc[0, "reason"] = "touched by a test"
    manifest.to_parquet(manifest_path, index=False)
    third = model.snapshot()
    assert third is not second
    history = third.history("waste_generated", "province", 83)
    assert history.source == "store"
    np.testing.assert_allclose(history.values, first.history("waste_generated", "province", 83).values, rtol=1e-6)
    assert not third.panel_current()


def test_warm_reads_every_metric_table_ahead_and_changes_no_answer(served_world):
    from serving.olap import AggregateQuery

    cold = _model(served_world).snapshot()
    query = AggregateQuery("waste_generated", source="history", by=("fiscal_year",), level="district")
    before = cold.aggregate(query)
    warmed = _model(served_world).snapshot()
    warmed.warm()
    assert {f"store_{m}" for m in PANEL_METRICS} <= warmed._store_tables
    assert {f"cube_{m}_history_{level}" for m in PANEL_METRICS for level in ("lao", "district", "nation")} <= warmed._cubes
    assert warmed.aggregate(query) == before and len(before) > 5


_QUERIES = [
    dict(by=()), dict(by=("fiscal_year",)), dict(by=("lao_type", "month")), dict(by=("province",), level="district"),
    dict(by=("region", "fiscal_year"), level="province"), dict(by=("level",), level="nation"),
    dict(by=("month",), province=83), dict(by=("fiscal_year",), lao_type="subdistrict_municipality"),
    dict(by=("lao_type",), fiscal_year=2567), dict(by=(), region=6, level="district", fiscal_year=2566),
    dict(by=("province", "month"), province=999),  # no such rows: an empty answer, and n = 0 without by
    dict(by=(), province=999),
]


@pytest.mark.parametrize("source", ["forecast", "history"])
@pytest.mark.parametrize("shape", _QUERIES)
def test_aggregates_from_the_cube_equal_the_direct_query(snapshot, source, shape):
    from serving.olap import AggregateQuery, aggregate_sql

    metric = "waste_generated"
    query = AggregateQuery(metric, source, **shape)
    direct = snapshot.rows(*aggregate_sql(query, snapshot.store_table(metric)))
    cubed = snapshot.aggregate(query)
    assert [{k: v for k, v in row.items() if k != "value"} for row in cubed] == [
        {k: v for k, v in row.items() if k != "value"} for row in direct]
    np.testing.assert_allclose([np.nan if r["value"] is None else r["value"] for r in cubed],
                               [np.nan if r["value"] is None else r["value"] for r in direct], rtol=1e-12)


def test_latest_per_lao_is_each_lao_s_newest_stored_value(snapshot):
    latest = snapshot.latest_per_lao("population_registered")
    rows = snapshot.fetch(f"select lao, period, value from {snapshot.store_table('population_registered')} "
                          "where value is not null order by lao, period")
    assert rows and len(latest) == len({lao for lao, _, _ in rows})
    newest = {f"{lao:07d}": value for lao, _, value in rows}  # ordered by period: the last one wins
    assert latest == pytest.approx(newest) and all(len(code) == 7 for code in latest)
