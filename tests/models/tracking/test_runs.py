"""models.tracking.runs against a real SQLite MLflow store in a temporary work folder (shared by the module:
MLflow's import and the store's migrations take seconds)."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from dataclasses import dataclass
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from mlflow.tracking import MlflowClient

from khlang.catalog import Catalog
from models.evaluation.backtest import rolling_origin_backtest
from models.evaluation.metrics import series_accuracy
from models.forecasters.baselines import HistoricMean, SeasonalNaive
from models.tracking.pyfunc import BlockForecast, forecast_request, pinned_requirements
from models.tracking.runs import TAG, training_cycle, using_tracking_uri

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HORIZON = 6


def seasonal_block(n_series: int = 12, n_months: int = 60, seed: int = 7) -> np.ndarray:
    """Tonnes/day-like monthly series with a yearly pattern and noise, float32 [series, month]."""
    rng = np.random.default_rng(seed)
    size = rng.lognormal(3, 1, n_series)[:, None]
    season = 1 + 0.3 * np.sin(2 * np.pi * np.arange(n_months)[None, :] / 12 + rng.uniform(0, 6, (n_series, 1)))
    return (size * season * (1 + 0.05 * rng.normal(size=(n_series, n_months)))).astype(np.float32)


@dataclass
class Logged:
    catalog: Catalog
    client: MlflowClient
    parent_id: str
    children: dict[str, str]  # model name -> run id
    model_uris: dict[str, str]
    series_metrics: pd.DataFrame
    request: pd.DataFrame
    tmp_before: set[str]


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Logged:
    tmp_before = {p.name for p in Path("/tmp").iterdir()}
    catalog = Catalog(tmp_path_factory.mktemp("tracking") / "work").ensure()
    (catalog.manifest / "files.parquet").write_bytes(b"manifest of the ingested files")
    block = seasonal_block()
    keys = np.arange(1001, 1001 + block.shape[0], dtype=np.int64)
    backtest = rolling_origin_backtest(block, [SeasonalNaive(), HistoricMean()], HORIZON, series=keys)
    request = forecast_request(keys, HORIZON)
    children, uris = {}, {}
    with training_cycle("waste", "2568-10", catalog, level="lao", params={"horizon": HORIZON}) as cycle:
        for forecaster in (SeasonalNaive(), HistoricMean()):
            name = forecaster.name
            with cycle.model(name, level="lao", params={"period": 12}) as run:
                summary = backtest.summary.loc[[name]].rename(index={name: "lao"})
                run.log_level_metrics(summary)
                run.log_level_metrics({"province": {"coverage80": 0.8, "mase": 0.9}})
                o = -1  # the last origin
                per_series = series_accuracy(backtest.actual[o], backtest.forecasts[name][o], backtest.scale[o])
                run.log_series_metrics(per_series.set_index(keys))
                figure = Figure(figsize=(4, 3))
                figure.add_subplot().plot(block[0])
                run.log_figure(figure, "series_1001")
                run.log_feature_importance({"rolling_mean_12": 0.7, "lag_1": 0.2, "fiscal month": 0.1})
                fitted = BlockForecast(forecaster, block, keys)
                uris[name] = run.log_forecaster(fitted, request)
                children[name] = run.run_id
        cycle.log_level_metrics({"lao": {"mase": float(backtest.summary["mase"].min())}})
        parent_id = cycle.run_id
    return Logged(catalog, MlflowClient(catalog.local_tracking_uri), parent_id, children, uris,
                  per_series, request, tmp_before)


def test_store_and_artifacts_live_in_the_work_folder(logged: Logged) -> None:
    mlflow_dir = logged.catalog.mlflow
    assert (mlflow_dir / "mlflow.db").is_file()
    run = logged.client.get_run(logged.children["historic_mean"])
    assert run.info.artifact_uri.startswith((mlflow_dir / "artifacts").resolve().as_uri())
    assert not mlflow.tracking.is_tracking_uri_set()  # the block restored the (unset) tracking URI


def test_parent_run_tags_params_and_metrics(logged: Logged) -> None:
    parent = logged.client.get_run(logged.parent_id)
    snapshot = hashlib.sha256(b"manifest of the ingested files").hexdigest()
    assert parent.info.status == "FINISHED" and parent.info.run_name == "waste/2568-10"
    assert logged.client.get_experiment(parent.info.experiment_id).name == "khlang-waste"
    tags = parent.data.tags
    assert (tags[TAG.FAMILY], tags[TAG.CYCLE], tags[TAG.LEVEL], tags[TAG.SNAPSHOT]) == (
        "waste", "2568-10", "lao", snapshot)
    assert tags[TAG.CODE].startswith("git:") and len(tags[TAG.CODE].split(":")[1].split("+")[0]) == 40
    assert parent.data.params == {"data_snapshot": snapshot, "horizon": str(HORIZON)}
    assert set(parent.data.metrics) == {"mase__lao"}


def test_child_runs_per_model(logged: Logged) -> None:
    found = logged.client.search_runs([logged.client.get_run(logged.parent_id).info.experiment_id],
                                      filter_string=f"tags.mlflow.parentRunId = '{logged.parent_id}'")
    assert {run.info.run_id for run in found} == set(logged.children.values())
    for name, run_id in logged.children.items():
        run = logged.client.get_run(run_id)
        assert run.info.status == "FINISHED" and run.info.run_name == name
        assert run.data.tags[TAG.MODEL] == name and run.data.tags[TAG.LEVEL] == "lao"
        assert run.data.tags[TAG.FAMILY] == "waste" and run.data.tags[TAG.CYCLE] == "2568-10"
        assert run.data.params == {"period": "12"}
        metrics = run.data.metrics
        assert {"mase__lao", "smape__lao", "wape__lao", "bias__lao", "coverage80__province",
                "mase__province", "importance__rolling_mean_12", "importance__fiscal month"} <= set(metrics)
        assert metrics["coverage80__province"] == 0.8 and metrics["importance__lag_1"] == 0.2


def test_child_artifacts(logged: Logged, tmp_path: Path) -> None:
    run_id = logged.children["historic_mean"]
    names = {a.path for a in logged.client.list_artifacts(run_id)}
    assert {"metrics", "plots", "feature_importance.json", "forecasts.parquet"} <= names
    local = Path(logged.client.download_artifacts(run_id, "", str(tmp_path)))
    pd.testing.assert_frame_equal(pd.read_parquet(local / "metrics" / "series_metrics.parquet"),
                                  logged.series_metrics.set_index(logged.request["series"].to_numpy()))
    assert (local / "plots" / "series_1001.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    importance = json.loads((local / "feature_importance.json").read_text())
    assert list(importance) == ["rolling_mean_12", "lag_1", "fiscal month"]  # largest first


def test_pyfunc_round_trip_reproduces_the_logged_forecasts(logged: Logged, tmp_path: Path) -> None:
    name = "seasonal_naive"
    local = Path(logged.client.download_artifacts(logged.children[name], "forecasts.parquet", str(tmp_path)))
    logged_forecasts = pd.read_parquet(local)
    with using_tracking_uri(logged.catalog.local_tracking_uri):
        model = mlflow.pyfunc.load_model(logged.model_uris[name])
    pd.testing.assert_frame_equal(model.predict(logged.request), logged_forecasts, check_exact=True)
    assert len(logged_forecasts) == len(logged.request) * HORIZON
    shorter = model.predict(logged.request.assign(horizon=2).head(3))
    assert list(shorter["step"]) == [1, 2] * 3


def test_model_requirements_are_pinned_and_exclude_khlang(logged: Logged, tmp_path: Path) -> None:
    with using_tracking_uri(logged.catalog.local_tracking_uri):
        folder = Path(mlflow.artifacts.download_artifacts(logged.model_uris["historic_mean"], dst_path=str(tmp_path)))
    requirements = (folder / "requirements.txt").read_text().split()
    assert {r.split("==")[0] for r in requirements} == {"mlflow", "numpy", "pandas", "cloudpickle"}
    assert all("==" in r for r in requirements)


def test_a_failing_model_marks_its_child_run_failed(logged: Logged) -> None:
    with pytest.raises(RuntimeError, match="diverged"), \
            training_cycle("waste", "failing", logged.catalog) as cycle, cycle.model("broken"):
        raise RuntimeError("diverged")
    runs = logged.client.search_runs([logged.client.get_experiment_by_name("khlang-waste").experiment_id],
                                     filter_string="tags.`khlang.training_cycle` = 'failing'")
    assert {run.info.status for run in runs} == {"FAILED"} and len(runs) == 2


def test_nothing_written_outside_the_work_folder_and_telemetry_off(logged: Logged, home_changes) -> None:
    assert not home_changes()  # nothing in ~/.mlflow or ~/.config/mlflow created or changed by the run
    new_in_tmp = {p.name for p in Path("/tmp").iterdir()} - logged.tmp_before
    assert not [name for name in new_in_tmp if "mlflow" in name.lower()]
    assert not [p for p in ("mlruns", "mlartifacts", "mlflow.db") if (PROJECT_ROOT / p).exists()]
    from mlflow.telemetry import get_telemetry_client

    assert get_telemetry_client() is None


def test_requirements_follow_the_fitted_objects_classes() -> None:
    fitted = BlockForecast(SeasonalNaive(), seasonal_block(), np.arange(12))
    assert [r.split("==")[0] for r in pinned_requirements(fitted)] == ["cloudpickle", "numpy", "pandas"]
    with_figure = BlockForecast(Figure(), seasonal_block(), np.arange(12))  # a third-party class inside
    assert "matplotlib" in {r.split("==")[0] for r in pinned_requirements(with_figure, ["pyarrow"])}
    assert f"pyarrow=={importlib.metadata.version('pyarrow')}" in pinned_requirements(fitted, ["pyarrow"])


def test_logging_a_model_repeats_no_mlflow_warning(tmp_path: Path) -> None:
    """`make demo` printed MLflow's cloudpickle caution and its integer-column hint for every model logged:
    the pickling by value is Khlang's choice (models.tracking.pyfunc), and series keys and steps never miss."""
    import logging
    import warnings

    catalog = Catalog(tmp_path / "work").ensure()
    block = seasonal_block()
    keys = np.arange(1, 1 + block.shape[0], dtype=np.int64)
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    pyfunc_log = logging.getLogger("mlflow.pyfunc")
    pyfunc_log.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            with training_cycle("waste", "2568-11", catalog, level="lao") as cycle, \
                    cycle.model("seasonal_naive", level="lao") as run:
                uri = run.log_forecaster(BlockForecast(SeasonalNaive(), block, keys), forecast_request(keys, HORIZON))
    finally:
        pyfunc_log.removeHandler(handler)
    assert uri.startswith("models:/")
    assert not [r.getMessage() for r in records if "CloudPickle" in r.getMessage()]
    assert not [str(w.message) for w in seen if "integer column" in str(w.message)]


def test_a_store_named_by_uri_keeps_its_artifacts_in_the_work_folder(tmp_path: Path, monkeypatch) -> None:
    """A database named by KHLANG_MLFLOW_TRACKING_URI keeps no artifacts itself: MLflow's default was
    ./mlruns in whatever folder the command ran in, outside the work folder."""
    from dataclasses import replace

    elsewhere = tmp_path / "the user's shell"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    catalog = replace(Catalog(tmp_path / "work").ensure(), tracking_server=f"sqlite:///{tmp_path / 'team.db'}")
    assert not catalog.tracking_is_local and not catalog.tracking_server_keeps_artifacts
    with training_cycle("waste", "2568-12", catalog) as cycle:
        cycle.client.log_text(cycle.run_id, "kept", "note.txt")
        artifact_uri = cycle.client.get_run(cycle.run_id).info.artifact_uri
    assert artifact_uri.startswith((catalog.artifacts / "khlang-waste").resolve().as_uri())
    assert [p.name for p in catalog.artifacts.rglob("note.txt")] == ["note.txt"]
    assert not list(elsewhere.iterdir())  # no mlruns/ where the command ran
    assert replace(catalog, tracking_server="http://127.0.0.1:5000").tracking_server_keeps_artifacts
