"""The complaints stage of `khlang pipeline` (commands.runner's Stage contract), after the forecasts:

1. import the Traffy-style files of work/raw/complaints (what `khlang generate` writes; a user's exports put
   there are taken the same way) into the complaints store (pipelines.complaints.store);
2. train the type classifier on the real tickets of <data_dir>/complaints (`khlang complaints train`'s
   default) and register it, unless the champion was trained here from the same real tickets, officers'
   labels and model code (work/complaints/classifier.key): new raw complaints alone do not retrain it;
3. forecast weekly complaint volumes per district and type (models.complaints.volume) and publish them to
   work/complaints/forecast.parquet.

Fingerprint: the raw complaint files and the real ticket files (names, sizes, sha256), the tracking store
and the code of the complaints packages; done when a champion classifier exists and, where there were
complaints to import, the store and the published volumes exist."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from commands.runner import PipelineContext, Stage, digest, files_digest, source_digest

__all__ = ["complaints_stage", "ComplaintsOutcome"]

_CODE = ("pipelines.complaints", "models.complaints")


@dataclass(frozen=True)
class ComplaintsOutcome:
    imported: str
    trained: str
    forecast: str

    def summary(self) -> str:
        return "; ".join(part for part in (self.imported, self.trained, self.forecast) if part)


def _raw_files(context: PipelineContext) -> list[Path]:
    from pipelines.complaints.traffy import ticket_files

    return ticket_files(context.catalog.raw / "complaints")


def _real_files(context: PipelineContext) -> list[Path]:
    from pipelines.complaints.traffy import ticket_files

    return ticket_files(context.settings.complaints_dir)


def _digest_of(files: list[Path]) -> str:
    if not files:
        return "none"
    return digest(*(files_digest(f.parent, [f.name]) for f in files))


def _has_champion(context: PipelineContext) -> bool:
    from commands.stages import _champions

    return _champions(context, ("complaints",))["complaints"] is not None


def _training_key(context: PipelineContext, real: list[Path]) -> str:
    """What the classifier is trained from: the real ticket files, the officers' labels, the model code."""
    from models.complaints.train import officer_labels

    labels = officer_labels(context.catalog)
    return digest(_digest_of(real), labels.to_csv(index=False), source_digest("models.complaints"))


def complaints_stage() -> Stage:
    def fingerprint(context: PipelineContext, upstream: Mapping[str, str]) -> str:
        return digest(_digest_of(_raw_files(context)), _digest_of(_real_files(context)), context.catalog.tracking_uri,
                      source_digest(*_CODE))

    def outputs_exist(context: PipelineContext) -> bool:
        has_model = _has_champion(context) or not _real_files(context)
        imported = not _raw_files(context) or (context.catalog.complaints_store.exists()
                                               and (context.catalog.complaints / "forecast.parquet").is_file())
        return has_model and imported

    def run(context: PipelineContext) -> object:
        from models.complaints.train import publish_volumes, train_classifier
        from pipelines.complaints.routing import load_gazetteer
        from pipelines.complaints.store import import_files
        from pipelines.generate.writers import atomic_write_bytes

        say = context.say or (lambda _message: None)
        imported = trained = forecast = ""
        raw = _raw_files(context)
        if raw:
            say(f"importing {len(raw)} complaint file(s)")
            imported = import_files(raw, context.catalog, load_gazetteer(context.settings.thailand_dir)).summary()
        real = _real_files(context)
        if real:
            key, stamp = _training_key(context, real), context.catalog.complaints / "classifier.key"
            if _has_champion(context) and stamp.is_file() and stamp.read_text(encoding="utf-8") == key:
                trained = "classifier unchanged: the same real tickets, officers' labels and code as its champion"
            else:
                say(f"training the complaint classifier on {', '.join(p.name for p in real)}")
                trained = train_classifier(real, context.catalog, context.engine, say=say).summary()
                atomic_write_bytes(stamp, key.encode("utf-8"))
        if context.catalog.complaints_store.exists():
            say("forecasting weekly complaint volumes")
            forecast = publish_volumes(context.catalog, context.engine).summary().splitlines()[0]
        return ComplaintsOutcome(imported, trained, forecast)

    return Stage("complaints", fingerprint, outputs_exist, run)
