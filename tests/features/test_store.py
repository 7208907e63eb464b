"""The feature store built on a real Dask LocalCluster from the panel of a tiny hand-written store of
Saraburi LAOs: values equal compute_features on the panel, cross-level columns equal the parents'."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zarr

from cluster.engine import open_engine
from features import DEFAULT_FEATURES, calendar_features, compute_features
from features.cross_level import CROSS_LEVEL_FEATURES, PARENT_LEVELS
from features.static import LAO_TYPE_CODES, STATIC_FEATURE_NAMES
from features.store import build_features, open_features
from khlang.catalog import Catalog
from khlang.config import ClusterConfig
from khlang.domain.calendar import fiscal_year
from khlang.domain.hierarchy import LEVELS, lao_parents
from khlang.domain.reference import ReferenceData
from pipelines.panel import build_panels, open_panel
from pipelines.schema import MANIFEST_SCHEMA, STORE_SCHEMA

PAO = 2190101  # Saraburi PAO: rolls up to the province, so it has no district features
LAOS = ["2190101", "4190102", "5190103", "6190106", "4190201", "6190203", "5190301"]
MONTHS = [dt.date(2022 + (9 + i) // 12, (9 + i) % 12 + 1, 1) for i in range(30)]  # Oct 2022 .. Mar 2025
BLOCK = 8
METRICS = ("budget_appropriation", "budget_personnel", "waste_generated")


def _records() -> pd.DataFrame:
    rng = np.random.default_rng(2568)
    rows = []
    for code in LAOS:
        for i, month in enumerate(MONTHS):
            if code == "6190106" and i % 7 == 3:  # gaps
                continue
            rows.append(("budget_personnel", code, month, float(rng.integers(1, 10**7)), "baht"))
            if code != str(PAO):
                rows.append(("waste_generated", code, month, float(rng.uniform(0.5, 30)), "tonnes/day"))
        for year in (2022, 2023, 2024):
            rows.append(("budget_appropriation", code, dt.date(year, 10, 1), float(rng.integers(10**7, 10**9)),
                         "baht"))
    return pd.DataFrame(rows, columns=["metric", "lao_code", "period", "value", "unit"])


def _write_store(catalog: Catalog, records: pd.DataFrame) -> None:
    records = records.assign(fiscal_year=[fiscal_year(p.year, p.month) for p in records["period"]])
    for (metric, fy), part in records.groupby(["metric", "fiscal_year"]):
        folder = catalog.store / f"metric={metric}" / f"fiscal_year={fy}"
        folder.mkdir(parents=True, exist_ok=True)
        table = pa.table({
            "lao_code": part["lao_code"], "metric": part["metric"], "fiscal_year": part["fiscal_year"],
            "period": part["period"], "value": part["value"], "unit": part["unit"],
            "source_file": ["test.csv"] * len(part), "source_row": np.arange(2, len(part) + 2, dtype=np.int32),
            "source_column": ["value"] * len(part), "file_sha256": ["0" * 64] * len(part)}, schema=STORE_SCHEMA)
        pq.write_table(table, folder / "part-test.parquet")
    manifest = pa.table({
        "source_file": ["test.csv"], "file_sha256": ["0" * 64], "size_bytes": [1], "status": ["ingested"],
        "reason": [None], "rows_read": [len(records)], "records_in": [len(records)],
        "records_stored": [len(records)], "records_quarantined": [0], "encoding": ["utf-8"],
        "layout": ["long"], "batch_id": ["b1"], "ingested_at": [dt.datetime(2025, 1, 1, tzinfo=dt.UTC)]},
        schema=MANIFEST_SCHEMA)
    catalog.manifest.mkdir(parents=True, exist_ok=True)
    pq.write_table(manifest, catalog.manifest / "files.parquet")


def chunk_digests(store: Path) -> dict[str, str]:
    """sha256 of every chunk file under a Zarr store (metadata, which holds creation times, left out)."""
    return {str(p.relative_to(store)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(store.rglob("*")) if p.is_file() and p.name != "zarr.json"}


@pytest.fixture(scope="module")
def saraburi(reference: ReferenceData) -> ReferenceData:
    return reference.subset(["19"])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, saraburi: ReferenceData):
    # Caches and temp files stay in the project's work folder (tests/conftest.py), so the workers load the
    # numba kernels from its cache; only the data sets live in this temp catalogue.
    catalog = Catalog(tmp_path_factory.mktemp("features") / "work").ensure()
    _write_store(catalog, _records())
    with open_engine(ClusterConfig(address="local", n_workers=2)) as engine:
        build_panels(catalog, saraburi, engine, block_series=BLOCK)
        stages: list[tuple[str, int, int]] = []
        report = build_features(catalog, saraburi, engine, block_series=BLOCK,
                                progress=lambda *call: stages.append(call))
        yield catalog, report, engine, stages


def test_values_equal_compute_features_on_the_panel(built) -> None:
    catalog, _, _, _ = built
    names = [f.name for f in DEFAULT_FEATURES]
    for metric in METRICS:
        for level in LEVELS:
            panel, stored = open_panel(catalog, metric, level), open_features(catalog, metric, level)
            expected, _ = compute_features(panel.values[:], DEFAULT_FEATURES)
            assert stored.names[:len(names)] == tuple(names)
            own = stored.values[:, :, :len(names)]
            assert own.dtype == np.float32
            assert own.tobytes() == np.ascontiguousarray(expected.transpose(1, 2, 0)).tobytes(), (metric, level)
            np.testing.assert_array_equal(stored.series, panel.series)
            np.testing.assert_array_equal(stored.periods, panel.periods)


def test_cross_level_features_are_the_parents_row_by_row(built, saraburi: ReferenceData) -> None:
    catalog, _, _, _ = built
    parents = lao_parents(saraburi).set_index("lao")
    for metric in ("budget_personnel", "waste_generated"):
        lao = open_features(catalog, metric, "lao")
        values = lao.values[:]
        for level in PARENT_LEVELS:
            parent = open_features(catalog, metric, level)
            parent_values = parent.values[:]
            for feature in CROSS_LEVEL_FEATURES:
                column = values[:, :, lao.column(f"{level}__{feature.name}")]
                for row, key in enumerate(lao.series):
                    parent_key = parents.loc[key, level]
                    if parent_key < 0:
                        assert key == PAO and level == "district" and np.isnan(column[row]).all()
                        continue
                    parent_row = int(np.searchsorted(parent.series, parent_key))
                    expected = parent_values[parent_row, :, parent.column(feature.name)]
                    assert column[row].tobytes() == expected.tobytes(), (metric, level, feature.name, key)
        if metric == "budget_personnel":
            pao = int(np.searchsorted(lao.series, PAO))
            assert not np.isnan(values[pao, :, lao.column("province__rolling_mean_12")]).all()


def test_layout_names_and_attributes(built, saraburi: ReferenceData) -> None:
    catalog, report, _, stages = built
    panel_attrs = zarr.open_group(str(catalog.panel), mode="r").attrs
    n_own, n_cross = len(DEFAULT_FEATURES), len(CROSS_LEVEL_FEATURES) * len(PARENT_LEVELS)
    for metric in METRICS:
        for level in LEVELS:
            stored = open_features(catalog, metric, level)
            width = n_own + (n_cross if level == "lao" else 0)
            n_series, n_periods = len(stored.series), len(stored.periods)
            assert stored.values.shape == (n_series, n_periods, width) and len(stored.names) == width
            assert stored.values.chunks == (min(BLOCK, n_series), n_periods, width)
            assert stored.values.metadata.dimension_names == ("series", "period", "feature")
            assert stored.attrs["panel_manifest_sha256"] == panel_attrs["source_manifest_sha256"]
            assert stored.attrs["panel_created"] == panel_attrs["created"] and stored.attrs["created"]
            assert stored.attrs["time_step"] == ("fiscal year" if metric == "budget_appropriation" else "month")
            assert stored.attrs["non_nan_values"] == int(np.count_nonzero(~np.isnan(stored.values[:])))
            assert (stored.static is not None) == (level == "lao")
    lao = open_features(catalog, "budget_personnel", "lao")
    assert lao.names[n_own:] == tuple(f"{lv}__{f.name}" for lv in PARENT_LEVELS for f in CROSS_LEVEL_FEATURES)
    assert "district__rolling_mean_12" in lao.names and lao.static_names == STATIC_FEATURE_NAMES
    assert lao.static.shape == (len(saraburi.laos), len(STATIC_FEATURE_NAMES))
    pao = int(np.searchsorted(lao.series, PAO))
    assert lao.static[pao, 0] == LAO_TYPE_CODES["provincial_admin_org"] and (lao.static[:, 1] == 19).all()
    assert len(open_features(catalog, "waste_generated", "lao").series) == len(saraburi.laos) - 1  # no PAO
    assert report.panel_manifest_sha256 == panel_attrs["source_manifest_sha256"]
    assert [m.metric for m in report.metrics] == sorted(METRICS) and "budget_personnel" in report.summary()
    assert not list(catalog.root.glob("features.zarr.*"))  # no temp or aside folder left behind
    assert stages[0][1] == 0 and stages[-1][1] == stages[-1][2] > 0


def test_calendar_features_once_per_metric(built) -> None:
    catalog, _, _, _ = built
    for metric in METRICS:
        stored = open_features(catalog, metric, "province")
        expected = calendar_features(stored.periods)
        assert stored.calendar_names == tuple(expected)
        np.testing.assert_array_equal(stored.calendar, np.stack(list(expected.values())))
        assert stored.calendar.shape == (len(expected), len(stored.periods))


def test_rebuild_is_byte_identical_and_partial_rebuild_keeps_others(built, saraburi: ReferenceData) -> None:
    catalog, _, engine, _ = built
    before = chunk_digests(catalog.features)
    build_features(catalog, saraburi, engine, block_series=BLOCK)
    assert chunk_digests(catalog.features) == before
    report = build_features(catalog, saraburi, engine, metrics=["waste_generated", "elderly_60_69"],
                            levels=("lao", "district"), block_series=BLOCK)
    assert report.skipped == ("elderly_60_69",) and set(report.kept) == {"budget_appropriation", "budget_personnel"}
    root = zarr.open_group(str(catalog.features), mode="r")
    assert sorted(root.attrs["metrics"]) == sorted(METRICS)
    assert sorted(root["waste_generated"].group_keys()) == ["district", "lao"]
    after = chunk_digests(catalog.features)
    assert {k: v for k, v in after.items() if not k.startswith("waste_generated")} == \
        {k: v for k, v in before.items() if not k.startswith("waste_generated")}
    assert all(before[k] == v for k, v in after.items())


@pytest.mark.slow
@pytest.mark.ray
def test_same_bytes_on_ray(built, saraburi: ReferenceData, tmp_path: Path) -> None:
    catalog, _, engine, _ = built
    build_features(catalog, saraburi, engine, block_series=BLOCK)
    other = Catalog(tmp_path / "work").ensure()
    shutil.copytree(catalog.panel, other.panel)
    with open_engine(ClusterConfig(address="ray", n_workers=2)) as ray_engine:
        report = build_features(other, saraburi, ray_engine, block_series=BLOCK)
    assert "ray" in report.engine
    assert chunk_digests(other.features) == chunk_digests(catalog.features)
