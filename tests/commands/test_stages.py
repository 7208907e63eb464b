"""The train and forecast stages of `khlang pipeline` on a copy of the served world (tiny data, real
LocalCluster, real SQLite MLflow store): they run, are skipped when nothing changed, and a retraining
that only yields a challenger leaves the published forecasts alone."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from cluster.engine import open_engine
from commands.runner import PipelineContext, run_pipeline
from commands.stages import forecast_stage, panel_stage, train_stage
from khlang.config import ClusterConfig
from models.training.forecast_store import read_forecasts, read_runs
from tests.conftest import PROJECT_ROOT
from tests.models.training.tiny_world import FAST
from tests.served_world import copy_world

pytestmark = pytest.mark.slow


def test_train_then_forecast_run_once_and_rerun_only_on_change(served_world, reference, tmp_path) -> None:
    world = copy_world(served_world, tmp_path)
    settings = dataclasses.replace(world.settings, train=FAST)
    stages = (panel_stage(), train_stage(["waste"]), forecast_stage(["waste"]))
    before = read_runs(world.catalog).set_index("family").loc["waste", "model_version"]
    with open_engine(ClusterConfig(address="local", n_workers=2), local_directory=str(tmp_path / "dask")) as engine:
        context = PipelineContext(settings, world.catalog, reference, engine)
        first = run_pipeline(context, stages)
        assert first.ok and first.names("ran") == ["panel", "train", "forecast"]
        # the retraining on the same backtest is a challenger: the champion and its forecasts stay
        runs = read_runs(world.catalog).set_index("family")
        assert runs.loc["waste", "model_version"] == before
        assert "challenger" in first.outcome("train").summary

        again = run_pipeline(context, stages)
        assert again.names("ran") == [] and again.names("skipped") == ["panel", "train", "forecast"]

        # another train config: train reruns; a challenger again, so forecast is skipped
        changed = PipelineContext(dataclasses.replace(settings, train=dataclasses.replace(FAST, xgb_estimators=20)),
                                  world.catalog, reference, engine)
        third = run_pipeline(changed, stages)
        # forecast reruns exactly when the retraining took the champion alias
        took_over = "-> v3 champion" in third.outcome("train").summary
        assert third.names("ran") == (["train", "forecast"] if took_over else ["train"])
        champion = "3" if took_over else before
        assert read_runs(world.catalog).set_index("family").loc["waste", "model_version"] == champion

        # the forecast store gone: only the forecast stage runs, and writes the champion's forecasts again
        shutil.rmtree(world.catalog.forecasts)
        fourth = run_pipeline(changed, stages)
        assert fourth.names("ran") == ["forecast"] and fourth.outcome("forecast").reason == "outputs missing"
    # every artifact of the new runs lives in the copy's work folder, none in the current folder
    assert not (PROJECT_ROOT / "mlruns").exists() and not (tmp_path / "mlruns").exists()
    models = list((world.catalog.mlflow / "artifacts").rglob("MLmodel"))
    assert len(models) >= 2  # the served world's waste model and this retraining's
    store = read_forecasts(world.catalog, "waste_generated")
    assert len(store) > 0 and (store["model_version"] == champion).all()
