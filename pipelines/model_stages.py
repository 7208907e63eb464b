"""The train and forecast stages of `khlang pipeline` (pipelines.orchestrate's Stage contract).

train: fingerprint = the panel's output identity, the [train] config, the families trained, the
tracking store and the code of models/; it is done when every family has a registered champion in the
tracking store. Its output identity is the champion version of each family, so the forecast stage
reruns only when a champion changed (a challenger that lost leaves the published forecasts alone).
forecast: fingerprint = the train stage's output; done when the forecast store's run table exists."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from khlang.domain.metrics import FAMILIES
from pipelines.orchestrate import PipelineContext, Stage, digest, file_sha256, source_digest

__all__ = ["train_stage", "forecast_stage"]


def _uri(context: PipelineContext, tracking_uri: str | None) -> str:
    from models.tracking.runs import local_tracking_uri

    return tracking_uri or context.settings.mlflow.tracking_uri or local_tracking_uri(context.catalog)


def _champions(context: PipelineContext, families: Sequence[str], tracking_uri: str | None) -> dict[str, str | None]:
    """family -> version holding `champion` (None where the family has none yet)."""
    from mlflow.exceptions import MlflowException

    from models.tracking.registry import CHAMPION, registered_model_name
    from models.tracking.runs import using_tracking_uri

    found: dict[str, str | None] = {}
    with using_tracking_uri(_uri(context, tracking_uri)) as client:
        for family in families:
            try:
                version = client.get_registered_model(registered_model_name(family)).aliases.get(CHAMPION)
            except MlflowException:
                version = None
            found[family] = None if version is None else str(version)
    return found


def train_stage(families: Sequence[str] = FAMILIES, tracking_uri: str | None = None,
                say: Callable[[str], None] | None = None) -> Stage:
    """Train, log and register each family (models.training.family.train_family) on the context's engine."""
    families = tuple(families)

    def fingerprint(context: PipelineContext, upstream: Mapping[str, str]) -> str:
        if "panel" not in upstream:
            raise ValueError("the train stage needs the panel stage before it")
        return digest(upstream["panel"], dataclasses.asdict(context.settings.train), families,
                      _uri(context, tracking_uri), source_digest("models"))

    def outputs_exist(context: PipelineContext) -> bool:
        return all(v is not None for v in _champions(context, families, tracking_uri).values())

    def run(context: PipelineContext) -> object:
        from models.training.family import train_family

        # None = the work folder's store, whose artifacts live beside it (models.tracking.runs)
        uri = tracking_uri or context.settings.mlflow.tracking_uri or None
        return [train_family(family, context.catalog, context.reference, context.settings.train, context.engine,
                             uri, progress=say)
                for family in families]

    def summarize(results: Any) -> str:
        return "; ".join(f"{r.family} LAO MASE {r.score:.3f} -> v{r.registration.version} {r.registration.alias}"
                         for r in results)

    return Stage("train", fingerprint, outputs_exist, run, summarize=summarize,
                 output=lambda c: digest(_champions(c, families, tracking_uri)))


def forecast_stage(families: Sequence[str] = FAMILIES, tracking_uri: str | None = None) -> Stage:
    """Publish each family's champion forecasts to the forecast store (models.training.forecast_store)."""
    families = tuple(families)

    def runs(context: PipelineContext):
        from models.training.forecast_store import RUNS

        return context.catalog.forecasts / RUNS

    def fingerprint(context: PipelineContext, upstream: Mapping[str, str]) -> str:
        if "train" not in upstream:
            raise ValueError("the forecast stage needs the train stage before it")
        return digest(upstream["train"], families, source_digest("models.training.forecast_store", "models.training.welfare"))

    def run(context: PipelineContext) -> object:
        from models.training.forecast_store import publish_forecasts

        return publish_forecasts(context.catalog, families, tracking_uri or context.settings.mlflow.tracking_uri or None)

    def summarize(published: Any) -> str:
        return "; ".join(f"{p.family} v{p.model_version}: {p.rows:,} rows" for p in published)

    return Stage("forecast", fingerprint, lambda c: runs(c).is_file(), run, summarize=summarize,
                 output=lambda c: file_sha256(runs(c)))
