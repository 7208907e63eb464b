"""Where each data set lives: one catalogue of logical names to paths, built from the settings."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from khlang.config import Settings

__all__ = ["Catalog", "TRUTH_FILES"]

TRUTH_FILES = "files.parquet"  # in the truth folder: the generator's list of what it wrote (generate writes it)


@dataclass(frozen=True)
class Catalog:
    """Logical data sets of the work folder, and the tracking store. Nothing outside `root` is written
    (a team MLflow server, when named, keeps its own artifacts)."""

    root: Path
    tracking_server: str = ""  # a team MLflow server's URI ([mlflow] tracking_uri); empty = the local store

    @classmethod
    def from_settings(cls, settings: Settings) -> Catalog:
        return cls(root=settings.work_dir, tracking_server=settings.mlflow.tracking_uri)

    def with_tracking(self, uri: str | None) -> Catalog:
        """This catalogue with `uri` as the tracking store (`--mlflow-uri`); itself when uri is empty."""
        return replace(self, tracking_server=uri) if uri else self

    raw = property(lambda self: self.root / "raw")  # agency files as delivered (input of ingest)
    truth = property(lambda self: self.root / "truth")  # generator's clean ground truth (never ingested)
    store = property(lambda self: self.root / "store")  # validated long table, hive Parquet metric=/fiscal_year=
    quarantine = property(lambda self: self.root / "quarantine")  # rejected records with reasons, Parquet
    manifest = property(lambda self: self.root / "manifest")  # one record per ingested file (checksum, counts)
    manifest_file = property(lambda self: self.manifest / "files.parquet")  # that record: the store's version
    truth_files = property(lambda self: self.truth / TRUTH_FILES)  # the generator's list of what it wrote
    staging = property(lambda self: self.root / "staging")  # ingest's in-flight batches and journal
    panel = property(lambda self: self.root / "panel.zarr")  # dense [series, month] arrays per metric, level
    features = property(lambda self: self.root / "features.zarr")
    forecasts = property(lambda self: self.root / "forecasts")  # metric=…/level=…/part.parquet, swapped in whole
    # in the forecast store: one row per family published (model version, run id, when), and the welfare
    # budget in baht (part.parquet)
    forecast_runs = property(lambda self: self.forecasts / "_runs.parquet")
    welfare_budget = property(lambda self: self.forecasts / "welfare_budget")
    mlflow = property(lambda self: self.root / "mlflow")  # the local tracking store: mlflow.db and artifacts/
    artifacts = property(lambda self: self.mlflow / "artifacts")  # the local store's model and run artifacts
    # sqlite:////abs/work/mlflow/mlflow.db (four slashes: an absolute path)
    tracking_db = property(lambda self: self.mlflow / "mlflow.db")  # the local store's SQLite database
    local_tracking_uri = property(lambda self: f"sqlite:///{self.tracking_db.resolve()}")
    tracking_uri = property(lambda self: self.tracking_server or self.local_tracking_uri)  # where runs are logged
    # the work folder's own store, however it was named (its artifacts then live in `artifacts`)
    tracking_is_local = property(lambda self: self.tracking_uri == self.local_tracking_uri)
    # A tracking server (http, https, databricks) keeps its runs' artifacts where it was told to. A database
    # named by URI (sqlite:, postgresql:, ...) keeps none: its new experiments put theirs in `artifacts`,
    # never in MLflow's default ./mlruns of whatever folder the command ran in.
    tracking_server_keeps_artifacts = property(
        lambda self: self.tracking_uri.split(":", 1)[0].lower() in ("http", "https", "databricks"))
    complaints = property(lambda self: self.root / "complaints")  # citizens' complaints (below)
    complaints_store = property(lambda self: self.complaints / "tickets")  # masked, placed; hive month=YYYY-MM
    complaints_quarantine = property(lambda self: self.complaints / "quarantine")  # rejected rows with reasons
    complaints_imports = property(lambda self: self.complaints / "imports.parquet")  # one row per file imported
    complaints_submitted = property(lambda self: self.complaints / "submitted")  # cases from the API, one file each
    complaints_events = property(lambda self: self.complaints / "events")  # officers' actions, one file each
    complaints_contacts = property(lambda self: self.complaints / "contacts")  # citizens' contacts, apart (0600)
    cache = property(lambda self: self.root / "cache")  # numba, matplotlib, uv, … caches
    tmp = property(lambda self: self.root / "tmp")  # temp files of every library (dask, ray, python)
    run = property(lambda self: self.root / "run")  # pid files and logs of services the project started

    def ensure(self) -> Catalog:
        for p in (self.raw, self.store, self.quarantine, self.manifest, self.cache, self.tmp, self.run):
            p.mkdir(parents=True, exist_ok=True)
        return self
