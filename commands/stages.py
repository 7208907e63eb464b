"""Khlang's stages, each declared once (commands.runner's Stage contract): generate | ingest -> panel ->
features -> train -> forecast. `khlang pipeline` runs them in order, and each single command (`khlang
ingest`, `khlang train`, …) runs its own stage through the same runner (`run_pipeline(..., only=name)`).

generate / ingest / panel / features: fingerprints read their inputs from disk (the raw files, the manifest,
the panel's identity), so work done by a single command is seen by the next pipeline run.
train: fingerprint = the panel's output identity, the [train] config, the families trained, the
tracking store and the code of models/; it is done when every family has a registered champion in the
tracking store. Its output identity is the champion version of each family, so the forecast stage
reruns only when a champion changed (a challenger that lost leaves the published forecasts alone).
forecast: fingerprint = the train stage's output; done when the forecast store's run table exists.

Each stage's `run` returns its stage's own report (plain data); commands.render shows it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from commands.runner import PipelineContext, Stage, digest, file_sha256, files_digest, source_digest
from khlang.domain.metrics import FAMILIES

__all__ = ["SOURCES", "STAGE_NAMES", "default_stages", "generate_stage", "ingest_stage", "panel_stage",
           "features_stage", "train_stage", "forecast_stage"]

SOURCES = ("generate", "ingest")
STAGE_NAMES = ("generate", "ingest", "panel", "features", "train", "forecast", "complaints")


# --- shared by the data stages ----------------------------------------------------------------------

def _all_files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if p.is_file())


def _reference_digest(context: PipelineContext) -> str:
    """The reference data set (register, codes, real waste figures) the generator, panel and features read."""
    folder = context.settings.thailand_dir
    return files_digest(folder, _all_files(folder))


def _zarr_identity(path: Path, keys: tuple[str, ...]) -> str:
    import zarr

    attrs = zarr.open_group(str(path), mode="r").attrs
    return digest({key: attrs.get(key) for key in keys})


# --- the data stages -------------------------------------------------------------------------------

_DOMAIN = "khlang.domain"


def generate_stage(scale: str, seed: int | None = None, dirty_share: float | None = None,
                   income_test_cut: float | None = None, first_fy: int | None = None) -> Stage:
    """Generate the agency files of `scale` into work/raw (seed, dirty_share, the income-test scenario, the
    first fiscal year: default from the settings). Fingerprint: those options, the generator's code and
    the reference data."""
    from pipelines.generate import SCALES

    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; scales: {sorted(SCALES)}")
    if first_fy is not None:
        from pipelines.generate.scales import month_axis

        month_axis(first_fy)  # ValueError: outside the years the generator can make

    def options(context: PipelineContext) -> dict[str, Any]:
        gen = context.settings.generate
        return {"scale": scale, "seed": gen.seed if seed is None else seed,
                "dirty_share": gen.dirty_share if dirty_share is None else dirty_share,
                "income_test_cut": gen.income_test_cut if income_test_cut is None else income_test_cut,
                "first_fy": gen.first_fy if first_fy is None else first_fy}

    def fingerprint(context: PipelineContext, upstream: Mapping[str, str]) -> str:
        return digest(options(context), source_digest("pipelines.generate", "pipelines.headers", _DOMAIN),
                      _reference_digest(context))

    def listed(context: PipelineContext) -> Path:
        return context.catalog.truth_files

    def outputs_exist(context: PipelineContext) -> bool:
        import pyarrow.parquet as pq

        if not listed(context).is_file():
            return False
        names = pq.read_table(listed(context), columns=["source_file"]).column(0).to_pylist()
        return all((context.catalog.raw / name).is_file() for name in names)

    def run(context: PipelineContext) -> object:
        from pipelines.generate import generate_dataset

        catalog = context.catalog
        return generate_dataset(context.reference, context.settings.thailand_dir, raw_dir=catalog.raw,
                                truth_dir=catalog.truth, progress=context.progress, complaints=True,
                                **options(context))

    return Stage("generate", fingerprint, outputs_exist, run, output=lambda c: file_sha256(listed(c)))


def _ingest_summary(report: Any) -> str:
    statuses: dict[str, int] = {}
    for f in report.files:
        statuses[f.status] = statuses.get(f.status, 0) + 1
    files = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
    totals = report.totals
    return (f"{len(report.files)} files ({files or 'none'}); {totals['records_stored']:,} records stored, "
            f"{totals['records_quarantined']:,} quarantined; batch {report.batch_id or '-'}")


def ingest_stage(raw_dir: Path | None = None, as_of: dt.date | None = None) -> Stage:
    """Ingest the agency files of `raw_dir` (default work/raw) as of `as_of` (default from the settings).
    Fingerprint: name, size and content sha256 of every file ingest would read, as_of and the first fiscal
    year a record may name (settings.ingest.first_fiscal_year)."""

    def folder(context: PipelineContext) -> Path:
        return Path(raw_dir or context.catalog.raw).resolve()

    def as_of_date(context: PipelineContext) -> dt.date:
        return as_of or context.settings.ingest.as_of_date()

    def fingerprint(context: PipelineContext, upstream: Mapping[str, str]) -> str:
        from pipelines.ingest.run import discover

        if not folder(context).is_dir():
            raise FileNotFoundError(f"no folder of agency files at {folder(context)}")
        files = files_digest(folder(context), discover(folder(context)))
        return digest(files, as_of_date(context).isoformat(), context.settings.ingest.first_fiscal_year)

    def run(context: PipelineContext) -> object:
        from pipelines.ingest import ingest

        report = ingest(folder(context), context.catalog, context.reference, context.engine,
                        as_of_date(context), progress=context.progress,
                        first_fiscal_year=context.settings.ingest.first_fiscal_year)
        report.check_balanced()  # IngestBalanceError, holding the report, when a record was lost or doubled
        return report

    def manifest(context: PipelineContext) -> Path:
        return context.catalog.manifest_file

    return Stage("ingest", fingerprint, lambda c: manifest(c).is_file(), run, summarize=_ingest_summary,
                 output=lambda c: file_sha256(manifest(c)))


def panel_stage() -> Stage:
    """Build the Zarr panels from the store. Fingerprint: the store manifest's sha256 (as recorded in the
    panel's attrs), the panel code and the reference data."""

    def fingerprint(context: PipelineContext, upstream: Mapping[str, str]) -> str:
        manifest = context.catalog.manifest_file
        return digest(file_sha256(manifest) if manifest.is_file() else None,
                      source_digest("pipelines.panel", "pipelines.aggregate", _DOMAIN),
                      _reference_digest(context))

    def run(context: PipelineContext) -> object:
        from pipelines.panel import build_panels

        return build_panels(context.catalog, context.reference, context.engine, progress=context.progress)

    return Stage("panel", fingerprint, lambda c: (c.catalog.panel / "zarr.json").is_file(), run,
                 output=lambda c: _zarr_identity(c.catalog.panel, ("source_manifest_sha256", "created")))


def features_stage() -> Stage:
    """Build the feature store from the panels. Fingerprint: the panel's identity (manifest checksum and
    creation time, as features.store checks it), the features code and the reference data."""

    def fingerprint(context: PipelineContext, upstream: Mapping[str, str]) -> str:
        panel = context.catalog.panel
        if not (panel / "zarr.json").is_file():
            raise FileNotFoundError(f"no panel at {panel}; the panel stage makes it")
        return digest(_zarr_identity(panel, ("source_manifest_sha256", "created")),
                      source_digest("features", _DOMAIN), _reference_digest(context))

    def run(context: PipelineContext) -> object:
        from features.store import build_features

        return build_features(context.catalog, context.reference, context.engine, progress=context.progress)

    return Stage("features", fingerprint, lambda c: (c.catalog.features / "zarr.json").is_file(), run,
                 output=lambda c: _zarr_identity(c.catalog.features,
                                                 ("panel_manifest_sha256", "panel_created", "created")))


def default_stages(source: str = "generate", scale: str = "small", *, seed: int | None = None,
                   dirty_share: float | None = None, income_test_cut: float | None = None,
                   first_fy: int | None = None, raw_dir: Path | None = None, as_of: dt.date | None = None,
                   extra: Sequence[Stage] = ()) -> tuple[Stage, ...]:
    """generate (source="generate": at `scale` into work/raw) or not (source="ingest": the agency files
    of `raw_dir`, default work/raw), then ingest, panel, features, then the `extra` stages in order."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; sources: {SOURCES}")
    if source == "generate" and raw_dir is not None:
        raise ValueError("source='generate' writes work/raw; raw_dir is for source='ingest'")
    head = (generate_stage(scale, seed, dirty_share, income_test_cut, first_fy),) if source == "generate" else ()
    return (*head, ingest_stage(raw_dir, as_of), panel_stage(), features_stage(), *extra)


# --- the model stages ------------------------------------------------------------------------------

def _champions(context: PipelineContext, families: Sequence[str]) -> dict[str, str | None]:
    """family -> version holding `champion` in the catalogue's tracking store (None where it has none yet)."""
    from mlflow.exceptions import MlflowException

    from models.tracking.registry import CHAMPION, registered_model_name
    from models.tracking.runs import using_tracking_uri

    found: dict[str, str | None] = {}
    with using_tracking_uri(context.catalog.tracking_uri) as client:
        for family in families:
            try:
                version = client.get_registered_model(registered_model_name(family)).aliases.get(CHAMPION)
            except MlflowException:
                version = None
            found[family] = None if version is None else str(version)
    return found


def train_stage(families: Sequence[str] = FAMILIES) -> Stage:
    """Train, log and register each family (models.training.family.train_families: the next metric's fits
    run while the one before is assembled and logged) on the context's engine,
    in the catalogue's tracking store."""
    families = tuple(families)

    def fingerprint(context: PipelineContext, upstream: Mapping[str, str]) -> str:
        return digest(upstream.get("panel"), dataclasses.asdict(context.settings.train), families,
                      context.catalog.tracking_uri, source_digest("models"))

    def outputs_exist(context: PipelineContext) -> bool:
        return all(v is not None for v in _champions(context, families).values())

    def run(context: PipelineContext) -> object:
        from models.training.family import train_families

        return train_families(families, context.catalog, context.reference, context.settings.train, context.engine,
                              progress=context.say)

    def summarize(results: Any) -> str:
        return "; ".join(f"{r.family} LAO MASE {r.score:.3f} -> v{r.registration.version} {r.registration.alias}"
                         for r in results)

    return Stage("train", fingerprint, outputs_exist, run, summarize=summarize,
                 output=lambda c: digest(_champions(c, families)))


def forecast_stage(families: Sequence[str] = FAMILIES, alias: str = "champion") -> Stage:
    """Publish the forecasts of each family's model under `alias` to the forecast store
    (models.training.forecast_store)."""
    families = tuple(families)

    def runs(context: PipelineContext) -> Path:
        return context.catalog.forecast_runs

    def fingerprint(context: PipelineContext, upstream: Mapping[str, str]) -> str:
        return digest(upstream.get("train"), families, alias,
                      source_digest("models.training.forecast_store", "models.training.welfare"))

    def run(context: PipelineContext) -> object:
        from models.training.forecast_store import publish_forecasts

        return publish_forecasts(context.catalog, families, alias)

    def summarize(published: Any) -> str:
        return "; ".join(f"{p.family} v{p.model_version}: {p.rows:,} rows" for p in published)

    return Stage("forecast", fingerprint, lambda c: runs(c).is_file(), run, summarize=summarize,
                 output=lambda c: file_sha256(runs(c)))
