"""MLflow tracking: one parent run per (metric family, training cycle), one child run per model.

The default store is SQLite in the work folder (catalog.mlflow/mlflow.db) with artifacts beside it
(catalog.artifacts); a catalogue naming a team server (catalog.tracking_uri) points there instead. The URI is
set only for the duration of a `using_tracking_uri` block and restored after it: nothing is set at
import, and nothing outside the work folder is written (temp files go to catalog.tmp)."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import re
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import mlflow.pyfunc
import pandas as pd
from mlflow.entities import Metric, Param
from mlflow.models import infer_signature
from mlflow.tracking import MlflowClient

from khlang.catalog import Catalog
from models.tracking.pyfunc import FittedForecaster, ForecastModel, own_code_by_value, pinned_requirements

__all__ = ["TAG", "CycleRun", "ModelRun", "code_version", "data_snapshot", "experiment_name",
           "metric_key", "model_signature", "training_cycle", "using_tracking_uri"]

_PROJECT_ROOT = Path(__file__).resolve().parent.parent


class TAG:
    """Tag (and param) names Khlang sets on runs and model versions."""

    FAMILY = "khlang.metric_family"
    CYCLE = "khlang.training_cycle"
    LEVEL = "khlang.level"
    MODEL = "khlang.model"
    SNAPSHOT = "khlang.data_snapshot"  # sha256 of manifest/files.parquet, "none" before any ingest
    CODE = "khlang.code_version"  # git:<commit>[+dirty], else khlang==<version>


def experiment_name(family: str) -> str:
    return f"khlang-{family}"


def data_snapshot(catalog: Catalog) -> str:
    """sha256 of the ingest manifest (manifest/files.parquet): which store the models were trained on."""
    path = catalog.manifest_file
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "none"


def code_version(root: Path = _PROJECT_ROOT) -> str:
    """git:<commit> of the project (+dirty with uncommitted changes to tracked files), else the package version."""
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                                check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True, timeout=10).stdout.strip()
        return f"git:{commit}{'+dirty' if dirty else ''}"
    except (OSError, subprocess.SubprocessError):
        return f"khlang=={importlib.metadata.version('khlang')}"


_UNSAFE = re.compile(r"[^A-Za-z0-9_\-. /]")


def metric_key(metric: str, level: str) -> str:
    """`mase__lao`, `coverage80__province`: MLflow metric names allow letters, digits, _ - . / and space."""
    return _UNSAFE.sub("_", f"{metric}__{level}")


@contextlib.contextmanager
def using_tracking_uri(uri: str) -> Iterator[MlflowClient]:
    """Point MLflow's fluent API (and models:/ URIs) at `uri` for the block; restore the previous setting."""
    previous = mlflow.get_tracking_uri() if mlflow.tracking.is_tracking_uri_set() else None
    mlflow.set_tracking_uri(uri)
    try:
        yield MlflowClient(tracking_uri=uri, registry_uri=uri)
    finally:
        mlflow.set_tracking_uri(previous)  # None unsets MLFLOW_TRACKING_URI again


@dataclass
class _Run:
    """Logging calls shared by the parent and the child runs."""

    client: MlflowClient
    run_id: str
    tmp: Path  # where files are staged before upload (in the work folder)

    def log_params(self, params: Mapping[str, Any]) -> None:
        self.client.log_batch(self.run_id, params=[Param(key, str(value)) for key, value in params.items()])

    def log_level_metrics(self, metrics: Mapping[str, Mapping[str, float]] | pd.DataFrame, step: int = 0) -> None:
        """{level: {metric: value}} (or a frame indexed by level, one column per metric) as `metric__level`."""
        if isinstance(metrics, pd.DataFrame):
            numeric = metrics.select_dtypes("number")
            metrics = {str(level): row.to_dict() for level, row in numeric.iterrows()}
        self._log_metrics({metric_key(metric, level): float(value)
                           for level, values in metrics.items() for metric, value in values.items()}, step)

    def _log_metrics(self, values: Mapping[str, float], step: int = 0) -> None:
        now = int(time.time() * 1000)
        self.client.log_batch(self.run_id, metrics=[Metric(key, value, now, step) for key, value in values.items()])

    def log_series_metrics(self, frame: pd.DataFrame, name: str = "series_metrics") -> str:
        """Per-series accuracy as Parquet under metrics/; returns its artifact path."""
        return self._log_file(f"metrics/{name}.parquet", lambda path: frame.to_parquet(path, index=True))

    def log_figure(self, figure: Any, name: str) -> str:
        """A matplotlib Figure as plots/<name>.png (rendered by Agg whatever the pyplot backend)."""
        return self._log_file(f"plots/{name}.png", lambda path: figure.savefig(path, format="png", dpi=100))

    def log_feature_importance(self, importance: Mapping[str, float], name: str = "feature_importance") -> str:
        """Importance per feature: a JSON artifact (largest first) and metrics `importance__<feature>`."""
        ranked = dict(sorted(((str(k), float(v)) for k, v in importance.items()), key=lambda kv: -kv[1]))
        self._log_metrics({metric_key("importance", feature): value for feature, value in ranked.items()})
        return self._log_file(f"{name}.json", lambda path: path.write_text(json.dumps(ranked, indent=1)))

    def log_frame(self, frame: pd.DataFrame, artifact: str) -> str:
        return self._log_file(artifact, lambda path: frame.to_parquet(path, index=False))

    def _log_file(self, artifact: str, write: Any) -> str:
        folder, _, filename = artifact.rpartition("/")
        self.tmp.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.tmp) as staging:
            path = Path(staging) / filename
            write(path)
            self.client.log_artifact(self.run_id, str(path), folder or None)
        return artifact


@dataclass
class ModelRun(_Run):
    """The child run of one model of a training cycle."""

    name: str = ""

    def log_forecaster(self, fitted: FittedForecaster, request: pd.DataFrame,
                       extra_requirements: Iterable[str] = ()) -> str:
        """Log the fitted model as a pyfunc MLflow model (pinned requirements, no inference) and its
        forecasts for `request` (series, horizon) as forecasts.parquet; returns the model URI."""
        wrapper = ForecastModel(fitted)
        forecasts = wrapper.predict(None, request)
        with own_code_by_value():
            info = mlflow.pyfunc.log_model(name=self.name, python_model=wrapper,
                                           signature=model_signature(request, forecasts),
                                           input_example=request.head(2),
                                           pip_requirements=pinned_requirements(fitted, extra_requirements),
                                           tags={TAG.MODEL: self.name})
        self.log_frame(forecasts, "forecasts.parquet")
        self.client.set_tag(self.run_id, "khlang.model_uri", info.model_uri)
        return str(info.model_uri)


def model_signature(request: pd.DataFrame, forecasts: pd.DataFrame) -> Any:
    """The pyfunc signature of a request and its forecasts, inferred without MLflow's integer-column hint."""
    with warnings.catch_warnings():
        # "integer columns cannot represent missing values": series keys and horizons never miss
        warnings.filterwarnings("ignore", message=".*integer column", category=UserWarning)
        return infer_signature(request, forecasts)


@dataclass
class CycleRun(_Run):
    """The parent run of one (metric family, training cycle)."""

    family: str = ""
    cycle: str = ""
    experiment_id: str = ""
    tags: dict[str, str] | None = None

    @contextlib.contextmanager
    def model(self, name: str, level: str | None = None, params: Mapping[str, Any] | None = None
              ) -> Iterator[ModelRun]:
        """A child run for one model (marked FAILED if the block raises)."""
        tags = {**(self.tags or {}), TAG.MODEL: name, **({TAG.LEVEL: level} if level else {})}
        with mlflow.start_run(experiment_id=self.experiment_id, run_name=name, nested=True, tags=tags) as run:
            child = ModelRun(client=self.client, run_id=run.info.run_id, tmp=self.tmp, name=name)
            if params:
                child.log_params(params)
            yield child


def _experiment_id(client: MlflowClient, name: str, artifact_location: Path | None) -> str:
    if (experiment := client.get_experiment_by_name(name)) is not None:
        return str(experiment.experiment_id)
    location = artifact_location.resolve().as_uri() if artifact_location else None
    return str(client.create_experiment(name, artifact_location=location))


@contextlib.contextmanager
def training_cycle(family: str, cycle: str, catalog: Catalog, level: str | None = None,
                   params: Mapping[str, Any] | None = None) -> Iterator[CycleRun]:
    """The parent run of (family, cycle) in experiment khlang-<family>, tagged with the data snapshot and
    code version, in the catalogue's tracking store (the work folder's SQLite store unless a server is named)."""
    uri = catalog.tracking_uri
    if not catalog.tracking_server_keeps_artifacts:
        catalog.artifacts.mkdir(parents=True, exist_ok=True)
    snapshot = data_snapshot(catalog)
    tags = {TAG.FAMILY: family, TAG.CYCLE: cycle, TAG.SNAPSHOT: snapshot, TAG.CODE: code_version(),
            **({TAG.LEVEL: level} if level else {})}
    with using_tracking_uri(uri) as client:
        name = experiment_name(family)
        # A team server decides where its artifacts live; any other store keeps them in the work folder.
        location = None if catalog.tracking_server_keeps_artifacts else catalog.artifacts / name
        experiment_id = _experiment_id(client, name, location)
        with mlflow.start_run(experiment_id=experiment_id, run_name=f"{family}/{cycle}", tags=tags) as run:
            parent = CycleRun(client=client, run_id=run.info.run_id, tmp=catalog.tmp / "mlflow", family=family,
                              cycle=cycle, experiment_id=experiment_id,
                              tags={TAG.FAMILY: family, TAG.CYCLE: cycle, TAG.SNAPSHOT: snapshot})
            parent.log_params({"data_snapshot": snapshot, **(params or {})})
            yield parent
