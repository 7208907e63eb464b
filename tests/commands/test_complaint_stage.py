"""The complaints stage of `khlang pipeline` (commands.complaint_stage) in a fresh work folder, as a user sees
it: the raw tickets are imported (rows in = stored + quarantined), a champion classifier is registered in the
work folder's SQLite MLflow store from the real tickets of <data_dir>/complaints (here a 4,000-ticket sample),
weekly volumes are published for the store's districts; a second run with nothing changed is skipped and
touches nothing, a changed raw file makes the stage run again without retraining the classifier, and new
real tickets retrain it; new tickets in a later raw file join the existing store."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from mlflow import MlflowClient

from cluster.engine import IN_PROCESS
from commands.complaint_stage import complaints_stage
from commands.runner import PipelineContext, pipeline_record, run_pipeline
from khlang.catalog import Catalog
from models.complaints.tracking import load_champion
from models.complaints.volume import TOTAL
from models.tracking.registry import CHAMPION, registered_model_name
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

RAW_ROWS, REPEATED, ADDED = 1200, 3, 150
MODEL = registered_model_name("complaints")


def _context(settings, reference, root: Path, real: Path | None) -> PipelineContext:
    """A work folder under root; <data_dir>/complaints holds `real` alone (nothing when None)."""
    (root / "data" / "complaints").mkdir(parents=True)
    if real is not None:
        (root / "data" / "complaints" / real.name).write_bytes(real.read_bytes())
    (root / "data" / "thailand").symlink_to(settings.thailand_dir)  # the gazetteer that places the tickets
    world = dataclasses.replace(settings, data_dir=root / "data",
                                mlflow=dataclasses.replace(settings.mlflow, tracking_uri=""))
    world = world.with_work_dir(root / "work")
    return PipelineContext(world, Catalog.from_settings(world).ensure(), reference, IN_PROCESS)


def _raw_tickets(real_tickets: pd.DataFrame, ticket_sample: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """RAW_ROWS real tickets outside the training sample, and ADDED more (a later export)."""
    sample_ids = set(pd.read_csv(ticket_sample, dtype=str, keep_default_na=False)["ticket_id"])
    unseen = real_tickets[~real_tickets["ticket_id"].isin(sample_ids)].sample(n=RAW_ROWS + ADDED, random_state=11)
    return unseen.iloc[:RAW_ROWS], unseen.iloc[RAW_ROWS:]


def _quarantined(catalog: Catalog) -> pd.DataFrame:
    files = sorted(catalog.complaints_quarantine.glob("*.parquet"))
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True) if files else pd.DataFrame(
        columns=["ticket_id", "reason"])


def _versions(catalog: Catalog) -> list[str]:
    client = MlflowClient(tracking_uri=catalog.tracking_uri)
    return sorted(v.version for v in client.search_model_versions(f"name = '{MODEL}'"))


def test_stage_imports_trains_forecasts_then_skips_until_the_raw_file_changes(
        settings, reference, real_tickets, ticket_sample: Path, tmp_path: Path) -> None:
    context = _context(settings, reference, tmp_path, ticket_sample)
    catalog, stages = context.catalog, (complaints_stage(),)
    tickets, _ = _raw_tickets(real_tickets, ticket_sample)
    raw = catalog.raw / "complaints" / "tickets.csv"
    raw.parent.mkdir(parents=True)
    pd.concat([tickets, tickets.head(REPEATED)]).to_csv(raw, index=False)  # a few rows twice: quarantined

    first = run_pipeline(context, stages)
    assert first.ok, first.summary()
    assert first.outcome("complaints").label == "ran: first run"
    stored, rejected = pd.read_parquet(catalog.complaints_store), _quarantined(catalog)
    assert len(stored) + len(rejected) == RAW_ROWS + REPEATED
    assert (rejected["reason"] == "duplicate_ticket").sum() >= REPEATED
    assert set(stored["ticket_id"]) <= set(tickets["ticket_id"])

    # a champion in the work folder's SQLite store, trained on the real tickets, that loads
    assert catalog.tracking_db.is_file() and catalog.tracking_uri == f"sqlite:///{catalog.tracking_db.resolve()}"
    client = MlflowClient(tracking_uri=catalog.tracking_uri)
    champion = client.get_registered_model(MODEL).aliases[CHAMPION]
    assert _versions(catalog) == [champion] and len(load_champion(catalog).types) >= 2
    assert client.get_run(client.get_model_version(MODEL, champion).run_id).data.params["files"] == ticket_sample.name
    assert not (PROJECT_ROOT / "mlruns").exists() and not (tmp_path / "mlruns").exists()

    # weekly volumes for districts of the store (the busiest among them), 8 weeks of each district's total
    published = catalog.complaints / "forecast.parquet"
    forecast = pd.read_parquet(published)
    placed = stored.loc[stored["district_code"].fillna("") != "", "district_code"]
    assert len(forecast) and set(forecast["district_code"]) <= set(placed)
    assert placed.value_counts().index[0] in set(forecast["district_code"])
    totals = forecast[forecast["type"] == TOTAL].groupby("district_code").size()
    assert set(totals.index) == set(forecast["district_code"]) and (totals == 8).all()

    # nothing changed: skipped by its fingerprint, nothing rewritten, no new model version
    before = {p: p.stat().st_mtime_ns for p in [published, *catalog.complaints_store.rglob("*.parquet")]}
    recorded = pipeline_record(catalog)["complaints"]
    again = run_pipeline(context, stages)
    assert again.outcome("complaints").label == "skipped: inputs unchanged"
    assert again.outcome("complaints").fingerprint == recorded["fingerprint"]
    assert {p: p.stat().st_mtime_ns for p in before} == before and _versions(catalog) == [champion]
    assert pipeline_record(catalog)["complaints"] == recorded

    # the raw file changed (a corrected export, without the repeats): the stage runs again; the classifier,
    # trained from the same real tickets, labels and code, is kept
    tickets.to_csv(raw, index=False)
    third = run_pipeline(context, stages)
    assert third.ok, third.summary()
    assert third.outcome("complaints").label == "ran: inputs changed"
    assert "classifier unchanged" in third.summary()
    assert sorted(pd.read_parquet(catalog.complaints_store)["ticket_id"]) == sorted(stored["ticket_id"])
    assert published.stat().st_mtime_ns != before[published] and _versions(catalog) == [champion]

    # new real tickets (here: a shorter sample) train the classifier again
    real = tmp_path / "data" / "complaints" / ticket_sample.name
    pd.read_csv(ticket_sample, dtype=str, keep_default_na=False).head(3000).to_csv(real, index=False)
    fourth = run_pipeline(context, stages)
    assert fourth.ok, fourth.summary()
    assert "classifier unchanged" not in fourth.summary() and len(_versions(catalog)) == 2


def test_new_tickets_in_the_raw_file_are_added_to_the_store(settings, reference, real_tickets, ticket_sample: Path,
                                                            tmp_path: Path) -> None:
    context = _context(settings, reference, tmp_path, None)  # no real tickets: nothing to train
    catalog, stages = context.catalog, (complaints_stage(),)
    tickets, added = _raw_tickets(real_tickets, ticket_sample)
    raw = catalog.raw / "complaints" / "tickets.csv"
    raw.parent.mkdir(parents=True)
    tickets.to_csv(raw, index=False)
    first = run_pipeline(context, stages)
    assert first.ok, first.summary()
    assert len(pd.read_parquet(catalog.complaints_store)) + len(_quarantined(catalog)) == RAW_ROWS
    assert (catalog.complaints / "forecast.parquet").is_file() and _versions(catalog) == []
    assert run_pipeline(context, stages).outcome("complaints").label == "skipped: inputs unchanged"

    pd.concat([tickets, added]).to_csv(raw, index=False)  # a later export: the same tickets and new ones
    again = run_pipeline(context, stages).outcome("complaints")
    if again.exception is not None:
        raise again.exception
    assert again.label == "ran: inputs changed"
    stored, rejected = pd.read_parquet(catalog.complaints_store), _quarantined(catalog)
    assert set(added["ticket_id"]) <= set(stored["ticket_id"]) | set(rejected["ticket_id"])
    assert len(stored) + rejected["ticket_id"].nunique() == RAW_ROWS + ADDED  # (a rejected row, once a file)
