"""serving.model_registry_view: coverage joined to the reconciled accuracy rows; the MLflow UI address; a
missing tracking store is reported, never created."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from khlang.catalog import Catalog
from serving.model_registry_view import ACCURACY_COLUMNS, accuracy_rows, mlflow_ui_base, model_families


def test_coverage_goes_beside_the_reconciled_rows_only():
    accuracy = pd.DataFrame({
        "metric": ["waste_generated"] * 3, "level": ["lao", "lao", "nation"],
        "model": ["naive", "seasonal_drift", "seasonal_drift"], "stage": ["base", "reconciled", "reconciled"],
        "champion": [False, True, True], "mase": [1.5, 0.9, 0.7], "smape": [20.0, 12.0, 8.0], "wape": [0.2, 0.1, 0.05]})
    coverage = pd.DataFrame({"metric": ["waste_generated"] * 4, "level": ["lao", "lao", "nation", "nation"],
                             "interval": [0.8, 0.95, 0.8, 0.95], "coverage": [0.78, 0.93, 0.81, 0.97]})
    rows = accuracy_rows(accuracy, coverage)
    assert list(rows.columns) == ACCURACY_COLUMNS
    assert np.isnan(rows.loc[0, "coverage80"]) and np.isnan(rows.loc[0, "coverage95"])
    assert rows.loc[1, ["coverage80", "coverage95"]].tolist() == [0.78, 0.93]
    assert rows.loc[2, ["coverage80", "coverage95"]].tolist() == [0.81, 0.97]
    assert accuracy_rows(accuracy, None)["coverage80"].isna().all()


def test_mlflow_ui_is_the_team_server_or_the_local_ui(settings):
    assert mlflow_ui_base(settings) == f"http://127.0.0.1:{settings.mlflow.port}"
    team = dataclasses.replace(settings, mlflow=dataclasses.replace(settings.mlflow,
                                                                    tracking_uri="https://mlflow.example.org/"))
    assert mlflow_ui_base(team) == "https://mlflow.example.org"


def test_no_tracking_store_is_reported_not_created(settings, tmp_path):
    catalog = Catalog(tmp_path / "work").ensure()
    families = model_families(catalog, settings.with_work_dir(catalog.root), ["waste"])
    assert [(f["family"], f["champion"]) for f in families] == [("waste", None)]
    assert "no MLflow tracking store" in families[0]["error"]
    assert not (catalog.mlflow / "mlflow.db").exists()
