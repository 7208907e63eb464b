"""What the API says about the models: per family the registered champion and challenger (version, run,
backtest score and key), the champion's backtest accuracy per metric, level and model, and the
challenger's accuracy of its published (reconciled) forecasts per metric and level, read from the MLflow
registry and each parent run's `backtest/accuracy.parquet` and `backtest/coverage.parquet`."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from khlang.catalog import Catalog
from khlang.config import Settings
from khlang.domain.metrics import FAMILIES

__all__ = ["ACCURACY_COLUMNS", "accuracy_rows", "backtest_tables", "mlflow_ui_base", "model_families"]

ACCURACY_COLUMNS = ["metric", "level", "model", "stage", "champion", "mase", "smape", "wape", "coverage80",
                    "coverage95"]
_PARENT_TAG = "mlflow.parentRunId"


def mlflow_ui_base(settings: Settings) -> str:
    """The MLflow UI: the team server when the tracking URI is one, else `khlang mlflow up` on 127.0.0.1."""
    uri = settings.mlflow.tracking_uri
    return uri.rstrip("/") if uri.startswith(("http://", "https://")) else f"http://127.0.0.1:{settings.mlflow.port}"


def accuracy_rows(accuracy: pd.DataFrame, coverage: pd.DataFrame | None) -> pd.DataFrame:
    """The accuracy table (metric, level, model, stage …) with the interval coverage of the published
    (reconciled) forecasts beside the reconciled rows; base rows have no coverage."""
    out = accuracy.copy()
    for column in ("mase", "smape", "wape", "champion"):
        if column not in out:
            out[column] = None
    out["coverage80"] = float("nan")
    out["coverage95"] = float("nan")
    if coverage is not None and not coverage.empty:
        wide = coverage.assign(interval=(coverage["interval"] * 100).round().astype(int)).pivot_table(
            index=["metric", "level"], columns="interval", values="coverage", aggfunc="first")
        reconciled = out["stage"] == "reconciled"
        keys = pd.MultiIndex.from_frame(out.loc[reconciled, ["metric", "level"]])
        for interval in (80, 95):
            if interval in wide.columns:
                out.loc[reconciled, f"coverage{interval}"] = wide[interval].reindex(keys).to_numpy()
    return out[ACCURACY_COLUMNS]


def _version(client: Any, name: str, version: str | None) -> dict | None:
    if version is None:
        return None
    mv = client.get_model_version(name, str(version))
    run = client.get_run(mv.run_id)
    tags = mv.tags or {}
    score = tags.get("khlang.score")
    return {"version": str(mv.version), "run_id": mv.run_id, "score": float(score) if score else None,
            "backtest_key": tags.get("khlang.backtest_key"), "score_metric": tags.get("khlang.score_metric"),
            "decision": tags.get("khlang.decision"), "parent_run_id": run.data.tags.get(_PARENT_TAG),
            "experiment_id": run.info.experiment_id}


def backtest_tables(run_id: str, scratch: Path, uri: str) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """A family cycle's parent run's backtest/accuracy.parquet and backtest/coverage.parquet (None when
    an older cycle logged no coverage), downloaded under `scratch`."""
    import mlflow.artifacts

    accuracy = pd.read_parquet(mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path="backtest/accuracy.parquet", dst_path=str(scratch), tracking_uri=uri))
    try:
        coverage = pd.read_parquet(mlflow.artifacts.download_artifacts(
            run_id=run_id, artifact_path="backtest/coverage.parquet", dst_path=str(scratch), tracking_uri=uri))
    except Exception:  # an older cycle logged no coverage: accuracy alone is still worth showing
        coverage = None
    return accuracy, coverage


def _empty_entry(family: str) -> dict[str, Any]:
    from models.tracking.registry import registered_model_name

    return {"family": family, "model_name": registered_model_name(family), "champion": None, "challenger": None,
            "accuracy": [], "mlflow_run_url": None, "challenger_accuracy": [], "challenger_run_url": None,
            "error": None}


def model_families(catalog: Catalog, settings: Settings, published: Sequence[str] = ()) -> list[dict]:
    """One entry per family with a registered model (or published forecasts): see the module docstring."""
    from mlflow.exceptions import MlflowException

    from models.tracking.registry import CHALLENGER, CHAMPION, registered_model_name
    from models.tracking.runs import using_tracking_uri

    base = mlflow_ui_base(settings)
    uri = catalog.tracking_uri
    if catalog.tracking_is_local and not catalog.tracking_db.is_file():
        # Opening a missing SQLite store would create one: the API never writes the tracking store.
        return [{**_empty_entry(f), "error": f"no MLflow tracking store at {catalog.mlflow}"} for f in published]
    out = []
    with using_tracking_uri(uri) as client, \
            tempfile.TemporaryDirectory(dir=catalog.tmp) as scratch:
        for family in FAMILIES:
            name = registered_model_name(family)
            entry = _empty_entry(family)
            try:
                aliases = client.get_registered_model(name).aliases
            except MlflowException:
                if family in published:
                    out.append({**entry, "error": f"{name} is not in the registry {uri}"})
                continue
            entry["champion"] = _version(client, name, aliases.get(CHAMPION))
            entry["challenger"] = _version(client, name, aliases.get(CHALLENGER))
            for alias, key, url_key in ((CHAMPION, "accuracy", "mlflow_run_url"),
                                        (CHALLENGER, "challenger_accuracy", "challenger_run_url")):
                version = entry[alias]
                if version is None:
                    continue
                run_id = version["parent_run_id"] or version["run_id"]
                entry[url_key] = f"{base}/#/experiments/{version['experiment_id']}/runs/{run_id}"
                try:
                    accuracy, coverage = backtest_tables(run_id, Path(scratch) / family / alias, uri)
                    rows = accuracy_rows(accuracy, coverage)
                    entry[key] = (rows if alias == CHAMPION else rows[rows["stage"] == "reconciled"]).to_dict("records")
                except (MlflowException, OSError) as error:
                    entry["error"] = f"no backtest accuracy for the {alias}'s run {run_id}: {error}"
            out.append(entry)
    return out
