"""The panel built on a real Dask LocalCluster from a tiny hand-written store of Saraburi LAOs."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zarr

from cluster.engine import open_engine
from khlang.catalog import Catalog
from khlang.config import ClusterConfig
from khlang.domain.calendar import fiscal_year, month_index
from khlang.domain.hierarchy import LEVELS
from khlang.domain.reference import ReferenceData
from khlang.runtime import configure_runtime
from pipelines.panel import build_panels, open_panel
from pipelines.schema import MANIFEST_SCHEMA, STORE_SCHEMA

PAO = "2190101"  # Saraburi PAO: its code carries district 1901, but it rolls up to the province
DISTRICT_1901 = ["4190102", "5190103", "6190106"]
DISTRICT_1902 = ["4190201", "6190203"]
MONTHS = [dt.date(2023 + (9 + i) // 12, (9 + i) % 12 + 1, 1) for i in range(8)]  # Oct 2023 .. May 2024
GAP_MONTH = dt.date(2024, 1, 1)  # nobody reported: an all-NaN column inside the time axis
BLOCK = 8


def _records() -> pd.DataFrame:
    rng = np.random.default_rng(2568)
    rows = []
    for code in [PAO, *DISTRICT_1901, *DISTRICT_1902]:
        for month in MONTHS:
            if month == GAP_MONTH or (code == "6190106" and month.month in (3, 4)):  # gaps
                continue
            rows.append(("budget_personnel", code, month, float(rng.integers(1, 10**7)), "baht"))
            if code != PAO:
                rows.append(("waste_generated", code, month, float(rng.uniform(0.5, 30)), "tonnes/day"))
    rows.append(("waste_generated", PAO, MONTHS[0], 1.0, "tonnes/day"))  # not applicable: left out
    for code in [PAO, *DISTRICT_1901]:
        for year in (2022, 2023):
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


@pytest.fixture(scope="module")
def saraburi(reference: ReferenceData) -> ReferenceData:
    return reference.subset(["19"])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, saraburi: ReferenceData):
    saved_env, saved_tempdir = dict(os.environ), tempfile.tempdir
    catalog = Catalog(tmp_path_factory.mktemp("panel") / "work").ensure()
    configure_runtime(catalog)
    records = _records()
    _write_store(catalog, records)
    try:
        with open_engine(ClusterConfig(address="local", n_workers=2)) as engine:
            stages: list[tuple[str, int, int]] = []
            report = build_panels(catalog, saraburi, engine, block_series=BLOCK,
                                  progress=lambda *call: stages.append(call))
            yield catalog, records, report, engine, stages
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        tempfile.tempdir = saved_tempdir


def _store_sum(records: pd.DataFrame, metric: str, codes: list[str]) -> np.ndarray:
    part = records[(records["metric"] == metric) & records["lao_code"].isin(codes)]
    wide = part.pivot_table(index="lao_code", columns="period", values="value", aggfunc="sum")
    wide = wide.reindex(columns=MONTHS)
    return wide.sum(axis=0, min_count=1).to_numpy()


def _row(panel, key: int) -> np.ndarray:
    row = int(np.searchsorted(panel.series, key))
    assert panel.series[row] == key
    return panel.values[row, :].astype(np.float64)


def test_lao_level_shape_gaps_and_chunks(built, saraburi: ReferenceData) -> None:
    catalog, records, report, _, _ = built
    budget = open_panel(catalog, "budget_personnel", "lao")
    assert budget.values.shape == (len(saraburi.laos), len(MONTHS))  # every unit, PAO included
    assert budget.values.chunks == (BLOCK, len(MONTHS))
    assert budget.series.dtype == np.int64 and list(budget.series) == sorted(budget.series)
    assert list(budget.periods) == [month_index(m.year, m.month) for m in MONTHS]
    assert budget.attrs["level"] == "lao" and budget.attrs["unit"] == "baht" and budget.attrs["frequency"] == "M"
    values, coverage = budget.values[:], budget.coverage[:]
    gap = MONTHS.index(GAP_MONTH)
    assert np.isnan(values[:, gap]).all() and (coverage[:, gap] == 0).all()
    row = _row(budget, 6190106)
    assert np.isnan(row[[MONTHS.index(dt.date(2024, 3, 1)), MONTHS.index(dt.date(2024, 4, 1))]]).all()
    stored = records[(records.metric == "budget_personnel") & (records.lao_code == PAO)].set_index("period")
    np.testing.assert_allclose(_row(budget, int(PAO))[0], stored.loc[MONTHS[0], "value"], rtol=1e-7)
    assert np.isnan(_row(budget, 6190107)).all()  # a Saraburi SAO with no records: NaN row
    assert int(coverage.sum()) == budget.attrs["non_nan_cells"] == (~np.isnan(values)).sum()
    assert (coverage == (~np.isnan(values))).all()

    waste = open_panel(catalog, "waste_generated", "lao")
    assert int(PAO) not in waste.series and len(waste.series) == len(saraburi.laos) - 1
    assert waste.attrs["unit"] == "tonnes/day"
    waste_report = next(m for m in report.metrics if m.metric == "waste_generated")
    assert waste_report.laos_outside_panel == 1


def test_aggregation_levels(built) -> None:
    catalog, records, _, _, _ = built
    for metric in ("budget_personnel", "waste_generated"):
        district = open_panel(catalog, metric, "district")
        province = open_panel(catalog, metric, "province")
        nation = open_panel(catalog, metric, "nation")
        region = open_panel(catalog, metric, "region")
        d1901, d1902 = _row(district, 1901), _row(district, 1902)
        np.testing.assert_allclose(d1901, _store_sum(records, metric, DISTRICT_1901), rtol=1e-6)
        np.testing.assert_allclose(d1902, _store_sum(records, metric, DISTRICT_1902), rtol=1e-6)
        pao = _store_sum(records, metric, [PAO]) if metric == "budget_personnel" else 0.0
        expected_province = np.nansum([d1901, d1902], axis=0) + np.nan_to_num(pao)
        expected_province[np.isnan(d1901) & np.isnan(d1902)] = np.nan
        np.testing.assert_allclose(_row(province, 19), expected_province, rtol=1e-6)
        np.testing.assert_allclose(nation.values[0, :], _row(province, 19), rtol=1e-6)
        assert list(nation.series) == [0] and len(region.series) == 1
        np.testing.assert_allclose(region.values[0, :], nation.values[0, :], rtol=1e-6)
        # A district with no reports stays NaN with zero coverage.
        assert np.isnan(_row(district, 1903)).all()
        assert (district.coverage[int(np.searchsorted(district.series, 1903)), :] == 0).all()
        gap = MONTHS.index(GAP_MONTH)
        assert np.isnan(nation.values[0, gap]) and nation.coverage[0, gap] == 0
        march = MONTHS.index(dt.date(2024, 3, 1))
        reporting = len(DISTRICT_1901) + len(DISTRICT_1902) - 1 + (metric == "budget_personnel")
        assert nation.coverage[0, march] == reporting and nation.coverage[0, 0] == reporting + 1
        assert district.coverage[int(np.searchsorted(district.series, 1901)), march] == 2


def test_annual_metric(built) -> None:
    catalog, records, _, _, _ = built
    annual = open_panel(catalog, "budget_appropriation", "province")
    assert annual.attrs["frequency"] == "A"
    assert list(annual.periods) == [month_index(2022, 10), month_index(2023, 10)]
    expected = records[records.metric == "budget_appropriation"].groupby("period")["value"].sum()
    np.testing.assert_allclose(annual.values[0, :], expected.to_numpy(), rtol=1e-6)
    assert annual.period_dates() == [dt.date(2022, 10, 1), dt.date(2023, 10, 1)]


def test_attributes_and_layout(built) -> None:
    catalog, _, report, _, stages = built
    checksum = hashlib.sha256((catalog.manifest / "files.parquet").read_bytes()).hexdigest()
    assert report.manifest_sha256 == checksum
    root = zarr.open_group(str(catalog.panel), mode="r")
    assert root.attrs["source_manifest_sha256"] == checksum
    assert sorted(root.attrs["metrics"]) == ["budget_appropriation", "budget_personnel", "waste_generated"]
    for level in LEVELS:
        panel = open_panel(catalog, "budget_personnel", level)
        assert panel.attrs["level"] == level and panel.attrs["source_manifest_sha256"] == checksum
        assert panel.attrs["label_en"] and panel.attrs["label_th"] and panel.attrs["created"]
        assert zarr.open_group(str(catalog.panel), mode="r")[f"budget_personnel/{level}/periods"].attrs[
            "iso_months"][0] == "2023-10"
    assert not list(catalog.root.glob("panel.zarr.*"))  # no temp or aside folder left behind
    assert "budget_personnel" in report.summary()
    n_lao_blocks = sum(-(-m.series["lao"] // BLOCK) for m in report.metrics)
    assert ("panel: LAO blocks", n_lao_blocks, n_lao_blocks) in stages


def test_rebuild_is_identical_and_partial_rebuild_keeps_others(built, saraburi: ReferenceData) -> None:
    catalog, _, _, engine, _ = built
    before = {(m, lv): open_panel(catalog, m, lv).values[:] for m in ("budget_personnel", "waste_generated")
              for lv in LEVELS}
    build_panels(catalog, saraburi, engine, block_series=BLOCK)
    for (m, lv), values in before.items():
        assert np.array_equal(open_panel(catalog, m, lv).values[:], values, equal_nan=True)
    partial = build_panels(catalog, saraburi, engine, metrics=["waste_generated"], block_series=BLOCK)
    assert [m.metric for m in partial.metrics] == ["waste_generated"]
    assert set(partial.kept) == {"budget_personnel", "budget_appropriation"}
    assert np.array_equal(open_panel(catalog, "budget_personnel", "lao").values[:],
                          before["budget_personnel", "lao"], equal_nan=True)

