"""What `khlang evaluate` leaves: one row per candidate (and `auto`, and the peers), shown as a table
(commands.render), logged to MLflow (experiment khlang-evaluate) and, with `--output`, the chosen model's forecasts.

Columns: kind, mase, smape, wape, bias, coverage80, coverage95, n_series, seconds; `mase_scored` and
`smape_scored`, the scores on the split that `auto` is scored on (the last backtest origin, or the
holdout), and `vs_best_peer`, mase_scored over the best peer's on that same split."""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from mlflow.entities import Metric, Param
from mlflow.tracking import MlflowClient

from khlang.catalog import Catalog
from models.evaluation.backtest import Backtest
from models.tracking.runs import (
    TAG,
    code_version,
    experiment_name,
    metric_key,
    using_tracking_uri,
)

__all__ = ["EXPERIMENT", "TABLE_COLUMNS", "CELL_FORMATS", "OUTPUT_COLUMNS", "EvaluateReport", "write_output"]

EXPERIMENT = experiment_name("evaluate")  # khlang-evaluate
TABLE_COLUMNS = ("kind", "mase", "smape", "wape", "bias", "coverage80", "coverage95", "n_series", "seconds",
                 "mase_scored", "smape_scored", "vs_best_peer")
OUTPUT_COLUMNS = ("unique_id", "ds", "forecast", "lo80", "hi80", "lo95", "hi95", "model")
CELL_FORMATS = {"mase": "{:.3f}", "smape": "{:.2f}", "wape": "{:.3f}", "bias": "{:.4g}", "coverage80": "{:.1%}",
            "coverage95": "{:.1%}", "n_series": "{:d}", "seconds": "{:.2f}", "mase_scored": "{:.3f}",
            "smape_scored": "{:.2f}", "vs_best_peer": "{:.3f}"}


@dataclass(frozen=True)
class EvaluateReport:
    """The evaluation of every candidate on one file: the table (one row per model, best MASE first), the
    models not run and why, notes, the backtest, the choice of `auto` and its forecasts."""

    table: pd.DataFrame  # index model; TABLE_COLUMNS (bias in the file's unit, sMAPE in percent)
    skipped: dict[str, str]  # model -> reason
    notes: tuple[str, ...]
    backtest: Backtest = field(repr=False)
    source: str
    sha256: str
    freq: str
    horizon: int
    n_origins: int
    step: int
    period: int
    n_series: int
    periods: tuple[str, str]  # first and last period of the file
    holdout: bool = False
    auto: str = ""  # the model auto chose
    chosen_on: tuple[str, ...] = ()  # the periods (cuts) of the origins that chose auto
    scored_on: str = ""  # what auto (and mase_scored) is scored on
    output: pd.DataFrame | None = field(default=None, repr=False)  # OUTPUT_COLUMNS: auto's forecasts
    mase_period: int | None = None  # the difference that scales MASE (None: the season, `period`)

    def params(self) -> dict[str, Any]:
        """What was evaluated: file, checksum and backtest settings (MLflow params, JSON)."""
        return {"file": self.source, "file_sha256": self.sha256, "freq": self.freq, "horizon": self.horizon,
                "origins": self.n_origins, "step": self.step, "season_length": self.period,
                "mase_period": self.mase_period or self.period,
                "n_series": self.n_series, "first_period": self.periods[0], "last_period": self.periods[1],
                "holdout": self.holdout, "auto": self.auto, "auto_chosen_on": ",".join(self.chosen_on),
                "auto_scored_on": self.scored_on}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: params, one record per model (NaN as null), skipped models and notes."""
        records = json.loads(self.table.reset_index().to_json(orient="records"))
        return {**self.params(), "models": records, "skipped": self.skipped, "notes": list(self.notes)}

    def log_to_mlflow(self, catalog: Catalog) -> str:
        """One parent run in experiment khlang-evaluate (params, `metric__model` metrics, the table as
        evaluate.parquet), a child run per model, in the catalogue's tracking store (the work folder's SQLite
        store unless a server is named). Returns the parent run id."""
        uri = catalog.tracking_uri
        location = None
        if not catalog.tracking_server_keeps_artifacts:  # a team server decides where its artifacts live
            location = catalog.artifacts / EXPERIMENT
            location.mkdir(parents=True, exist_ok=True)
        code = code_version()
        tags = {TAG.CODE: code, "khlang.evaluate.file": self.source,
                **{f"khlang.skipped.{name}": reason[:4000] for name, reason in self.skipped.items()}}
        with using_tracking_uri(uri) as client:
            experiment_id = _experiment_id(client, location)
            with mlflow.start_run(experiment_id=experiment_id, run_name=f"evaluate/{self.source}", tags=tags) as run:
                parent = run.info.run_id
                client.log_batch(parent, params=[Param(k, str(v)) for k, v in self.params().items()])
                _log_metrics(client, parent, {metric_key(metric, str(model)): value
                                              for model, row in self._metrics().iterrows()
                                              for metric, value in row.items()})
                _log_table(client, parent, self.table.reset_index(), catalog.tmp / "mlflow")
                for model, row in self._metrics().iterrows():
                    with mlflow.start_run(experiment_id=experiment_id, run_name=str(model), nested=True,
                                          tags={TAG.CODE: code, TAG.MODEL: str(model)}) as child:
                        client.log_batch(child.info.run_id, params=[Param("kind", str(self.table.at[model, "kind"])),
                                                                    Param("file_sha256", self.sha256)])
                        _log_metrics(client, child.info.run_id, row.to_dict())
        return str(parent)

    def _metrics(self) -> pd.DataFrame:
        return self.table.drop(columns="kind").astype(np.float64)


def write_output(frame: pd.DataFrame, path: str | Path) -> Path:
    """The forecasts as CSV or Parquet by the file's extension (.parquet / .pq, else CSV), written to a
    temporary file beside it and renamed into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as handle:
        staging = Path(handle.name)
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            frame.to_parquet(staging, index=False)
        else:
            frame.to_csv(staging, index=False)
        staging.replace(path)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    return path


def _experiment_id(client: MlflowClient, location: Path | None) -> str:
    if (experiment := client.get_experiment_by_name(EXPERIMENT)) is not None:
        return str(experiment.experiment_id)
    return str(client.create_experiment(EXPERIMENT, artifact_location=location.resolve().as_uri() if location else None))


def _log_metrics(client: MlflowClient, run_id: str, values: dict[str, float]) -> None:
    """Finite values only: an undefined MASE or coverage is left out rather than logged as NaN."""
    now = int(time.time() * 1000)
    metrics = [Metric(key, float(value), now, 0) for key, value in values.items() if np.isfinite(value)]
    client.log_batch(run_id, metrics=metrics)


def _log_table(client: MlflowClient, run_id: str, table: pd.DataFrame, staging: Path) -> None:
    staging.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=staging) as folder:
        path = Path(folder) / "evaluate.parquet"
        table.to_parquet(path, index=False)
        client.log_artifact(run_id, str(path))
