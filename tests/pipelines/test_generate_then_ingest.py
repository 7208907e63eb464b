"""The generator's files through ingest: every injected dirty record is quarantined with the reason the
generator expects, and the store holds exactly the truth (less the gaps and the dirt); for the default
twelve fiscal years and for a history twice as long (FY2545-2568, ingested from FY2545 on)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow.dataset as ds
import pytest

from cluster.engine import open_engine
from khlang.catalog import Catalog
from khlang.config import ClusterConfig
from khlang.runtime import configure_runtime
from pipelines.generate import generate_dataset
from pipelines.ingest import ingest

KEY = ["lao_code", "metric", "period"]


@pytest.fixture(scope="module", params=[None, 2545], ids=["fy2557", "fy2545"])
def ingested(request, tmp_path_factory, settings, reference):
    catalog = Catalog(tmp_path_factory.mktemp("work")).ensure()
    configure_runtime(catalog)
    first_fy = {} if request.param is None else {"first_fy": request.param}
    first_ingested = {} if request.param is None else {"first_fiscal_year": request.param}
    generate_dataset(reference, settings.thailand_dir, scale="tiny", seed=11, raw_dir=catalog.raw,
                     truth_dir=catalog.truth, dirty_share=0.01, **first_fy)
    with open_engine(ClusterConfig(address="local", n_workers=2), local_directory=str(catalog.tmp)) as engine:
        report = ingest(catalog.raw, catalog, reference, engine, dt.date(2026, 11, 1), **first_ingested)
    quarantine = ds.dataset(catalog.quarantine, format="parquet", partitioning="hive").to_table().to_pandas()
    store = ds.dataset(catalog.store, format="parquet", partitioning="hive").to_table().to_pandas()
    store["period"] = pd.to_datetime(store["period"]).dt.date
    return report, catalog, quarantine, store


def test_every_file_balances(ingested):
    report, catalog = ingested[:2]
    truth = pd.read_parquet(catalog.truth / "records.parquet", columns=["period"])
    assert report.balanced and report.totals["records_stored"] > 0.9 * len(truth) > 30_000
    assert all(f.status == "ingested" for f in report.files)


def test_every_dirty_record_is_quarantined_with_the_expected_reason(ingested):
    _, catalog, quarantine, store = ingested
    dirt = pd.read_parquet(catalog.truth / "dirt.parquet")
    assert set(dirt["kind"]) >= {"unknown_lao_code", "invalid_lao_code", "non_numeric_value", "negative_value",
                                 "out_of_range", "be_ce_mixup", "future_period", "duplicate_row",
                                 "conflicting_duplicate", "duplicate_across_files"}
    located = dirt[dirt["kind"] != "duplicate_across_files"].merge(
        quarantine[["source_file", "source_row", "source_column", "reason"]],
        on=["source_file", "source_row", "source_column"], how="left")
    wrong = located[located["reason"] != located["expected_reason"]]
    assert wrong.empty, wrong[["source_file", "source_row", "kind", "expected_reason", "reason"]].head(10)
    # A copy in a late file: one of the two copies is stored, the other quarantined as duplicate_row
    # (which one depends only on the files' path order, never on timing).
    across = dirt[dirt["kind"] == "duplicate_across_files"]
    dup_keys = quarantine.loc[quarantine["reason"] == "duplicate_row", ["lao_code", "period"]]
    for row in across.itertuples():
        stored = store[(store["lao_code"] == row.lao_code) & (store["metric"] == row.metric)
                       & (store["period"] == row.period)]
        assert len(stored) == 1
        assert ((dup_keys["lao_code"] == row.lao_code)
                & dup_keys["period"].str.startswith(str(row.period)[:7])).any()


def test_store_is_the_truth_less_gaps_and_dirt(ingested):
    _, catalog, _, store = ingested
    truth = pd.read_parquet(catalog.truth / "records.parquet")
    truth["period"] = pd.to_datetime(truth["period"]).dt.date
    joined = store.merge(truth, on=KEY, how="left", suffixes=("", "_truth"))
    assert joined["value_truth"].notna().all(), "stored records the truth does not have"
    assert (joined["value"] - joined["value_truth"]).abs().max() <= 1e-6 * joined["value_truth"].abs().max()
    absent = truth.merge(store[KEY], on=KEY, how="left", indicator=True)
    absent = absent[absent["_merge"] == "left_only"][KEY]
    explained = pd.concat([pd.read_parquet(catalog.truth / "missing.parquet")[KEY],
                           pd.read_parquet(catalog.truth / "dirt.parquet")[KEY]])
    explained["period"] = pd.to_datetime(explained["period"]).dt.date
    unexplained = absent.merge(explained.drop_duplicates(), on=KEY, how="left", indicator=True)
    unexplained = unexplained[unexplained["_merge"] == "left_only"]
    assert unexplained.empty, unexplained.head(10)
