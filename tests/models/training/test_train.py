"""Training a family end to end on the tiny world: backtest, champions, reconciliation, intervals, MLflow,
registry, the family model and the forecast store."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from cluster.engine import IN_PROCESS
from khlang.config import Settings
from khlang.domain.calendar import month_index
from khlang.domain.reference import ReferenceData
from models.evaluation.interval_scale import month_profile
from models.evaluation.metrics import mase_scale
from models.forecasters.combination import Combination
from models.hierarchy.reconcile import coherence_gap
from models.tracking.registry import CHALLENGER, CHAMPION, load_alias
from models.training.family import train_family
from models.training.family_model import family_request
from models.training.fits import fit_metric
from models.training.forecast_store import publish_forecasts, read_forecasts, read_runs
from models.training.history import load_history
from models.training.train import _level_fit, check_config, forecast_horizon, train_metric
from tests.models.training.tiny_world import FAST, tiny_world

METRIC = "waste_generated"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, settings: Settings, reference: ReferenceData):
    with tiny_world(tmp_path_factory.mktemp("train"), settings, reference, metrics=[METRIC]) as w:
        yield w


@pytest.fixture(scope="module")
def trained(world, reference: ReferenceData):
    return train_family("waste", world.catalog, reference, FAST, world.engine)


def test_forecast_horizon_is_rest_of_fiscal_year_and_the_next() -> None:
    assert forecast_horizon(month_index(2025, 9)) == 24  # data to September: FY2569 and FY2570 whole
    assert forecast_horizon(month_index(2025, 3)) == 6 + 12  # April..September, then a whole year
    assert forecast_horizon(month_index(2025, 8)) == 1 + 12
    assert forecast_horizon(month_index(2025, 3), horizon=5) == 5


def test_published_forecasts_are_coherent_non_negative_and_banded(trained) -> None:
    training = trained.trainings[METRIC]
    h = training.fitted.hierarchy
    arrays = training.fitted.forecast_arrays()
    stacked = h.stack({level: (h.keys(level), a["forecast"]) for level, a in arrays.items()})
    top = np.abs(stacked).max()
    assert coherence_gap(h, stacked) <= 1e-9 * top
    assert trained.coherence_gap <= 1e-9 * top
    frame = training.forecasts
    assert len(frame) == h.n_nodes * training.horizon
    assert (frame["forecast"] >= 0).all()
    finite = frame.dropna(subset=["lo95", "hi95"])
    assert len(finite) > 0.9 * len(frame)
    assert (finite["lo95"] <= finite["lo80"] + 1e-9).all() and (finite["lo80"] <= finite["forecast"] + 1e-9).all()
    assert (finite["forecast"] <= finite["hi80"] + 1e-9).all() and (finite["hi80"] <= finite["hi95"] + 1e-9).all()
    assert frame["step"].min() == 1 and frame["step"].max() == training.horizon
    assert training.horizon == forecast_horizon(int(training.fitted.periods[-1]))


def test_champion_is_the_lowest_mase_and_accuracy_is_reported_per_level(trained) -> None:
    training = trained.trainings[METRIC]
    acc = training.accuracy()
    for level, bt in training.backtests.items():
        assert training.champions[level] == bt.summary["mase"].idxmin()
        rows = acc[(acc["level"] == level)]
        assert set(rows["stage"]) == {"base", "reconciled"}
        assert {"seasonal_naive", "naive", "xgb_global", "ensemble"} <= set(rows["model"])
    # Prophet only where asked
    assert "prophet" in training.backtests["nation"].forecasts
    assert "prophet" not in training.backtests["lao"].forecasts
    # the statistical family where it is cheap (the default levels), the global model everywhere
    for level, bt in training.backtests.items():
        assert {"auto_ets", "auto_theta"} <= set(bt.forecasts) if level in ("nation", "region") \
            else not {"auto_ets", "auto_theta"} & set(bt.forecasts)
        assert np.isfinite(bt.summary.loc["xgb_global", "mase"])
    assert np.isfinite(training.backtests["region"].summary.loc[["auto_ets", "auto_theta"], "mase"]).all()
    # and the combinations of what was fitted there compete on the same origins
    for level in ("nation", "region"):
        f = training.backtests[level].forecasts
        np.testing.assert_allclose(f["stat_median"], (f["auto_ets"] + f["auto_theta"]) / 2)
        np.testing.assert_allclose(f["stat_global_median"],
                                   np.median(np.stack([f["auto_ets"], f["auto_theta"], f["xgb_global"]]), axis=0))
    assert not {"stat_median", "stat_global_median"} & set(training.backtests["lao"].forecasts)


def test_a_statistical_champion_is_reproduced_by_the_fitted_model(world, reference: ReferenceData) -> None:
    # only AutoETS and seasonal naive to choose from at the nation: whichever wins, the fitted model
    # reproduces it (train_metric checks the final forecasts against the fitted state)
    history = load_history(world.catalog, reference, METRIC)
    config = dataclasses.replace(FAST, statistical_levels=("nation",), statistical_models=("auto_ets",),
                                 prophet_levels=())
    training = train_metric(history, config, world.engine)
    nation = training.backtests["nation"]
    ets = nation.forecasts["auto_ets"]
    assert ets.shape == nation.actual.shape and np.isfinite(ets).all() and (ets >= 0).all()
    fit = training.fitted.levels["nation"]
    assert (fit.statistical is not None) is (training.champions["nation"] == "auto_ets")
    # a fitted model whose nation champion is AutoETS forecasts with the final fit it keeps
    final = np.full((ets.shape[1], training.horizon), 123.0)
    levels = {**training.fitted.levels, "nation": dataclasses.replace(fit, champion="auto_ets", statistical=final)}
    as_ets = dataclasses.replace(training.fitted, levels=levels)
    np.testing.assert_array_equal(as_ets.base_forecast("nation"), final)
    # a combination champion forecasts with its members' fitted state: the kept statistical forecasts,
    # the baselines recomputed from the history
    np.testing.assert_allclose(nation.forecasts["stat_global_median"], (ets + nation.forecasts["xgb_global"]) / 2)
    combined = dataclasses.replace(fit, champion="ets_and_seasonal_naive", statistical=None,
                                   combination=Combination("ets_and_seasonal_naive", ("auto_ets", "seasonal_naive")),
                                   members={"auto_ets": final})
    as_combination = dataclasses.replace(training.fitted, levels={**training.fitted.levels, "nation": combined})
    seasonal_naive = dataclasses.replace(training.fitted, levels={**training.fitted.levels, "nation": dataclasses.replace(
        fit, champion="seasonal_naive")}).base_forecast("nation")
    np.testing.assert_allclose(as_combination.base_forecast("nation"), (123.0 + seasonal_naive) / 2)
    # and what training keeps for it: the booster of a combination with XGBoost, its members' final forecasts
    kept = _level_fit("nation", "stat_global_median", fit.calibration, {"nation": "booster"}, {},
                      {("nation", "auto_ets"): final}, Combination("stat_global_median", ("auto_ets", "xgb_global")))
    assert kept.booster == "booster" and kept.prophet is None and kept.statistical is None
    assert set(kept.members) == {"auto_ets"} and kept.members["auto_ets"] is final
    assert _level_fit("nation", "naive", fit.calibration, {"nation": "booster"}, {}, {}, None).booster is None
    # the chosen reconciliation has the lowest geometric mean over levels of the scaled Winkler score
    # of its cross-origin intervals among the candidates, and its coverage is the one reported
    table = training.reconciliation_methods
    assert set(table["method"]) == {"bottom_up", "wls_struct", "wls_var", "ols"}
    methods = table.groupby("method")["winkler"].apply(lambda score: float(np.exp(np.log(score).mean())))
    assert methods.idxmin() == training.reconciliation
    assert set(table.loc[table["chosen"], "method"]) == {training.reconciliation}
    chosen = table[table["chosen"]].set_index("level")
    reported = training.coverage.set_index(["level", "interval"])["coverage"]
    for level in training.backtests:
        assert chosen.loc[level, "coverage80"] == reported[(level, 0.8)]
        assert chosen.loc[level, "coverage95"] == reported[(level, 0.95)]


def test_bottom_up_keeps_lao_forecasts_and_sums_them(world, reference) -> None:
    history = load_history(world.catalog, reference, METRIC)
    config = FAST.__class__(**{**FAST.__dict__, "reconciliation": "bottom_up"})
    training = train_metric(history, config, IN_PROCESS)
    arrays = training.fitted.forecast_arrays()
    lao = arrays["lao"]
    np.testing.assert_allclose(lao["forecast"], np.maximum(lao["base_forecast"], 0), rtol=0, atol=1e-9)
    np.testing.assert_allclose(arrays["nation"]["forecast"][0], lao["forecast"].sum(axis=0), rtol=1e-12)


def test_intervals_follow_the_calibration(trained, world, reference) -> None:
    training = trained.trainings[METRIC]
    fitted = training.fitted
    lao = fitted.forecast_arrays()["lao"]
    # each series' MASE scale times the LAO level's month profile at each step's target month
    calibration = fitted.levels["lao"].calibration
    assert calibration.scale == "mase_month"
    target_months = (fitted.periods[-1] + np.arange(1, fitted.horizon + 1)) % 12
    profile = month_profile(fitted.blocks["lao"], fitted.periods)[target_months]
    scale = mase_scale(fitted.blocks["lao"])[:, None] * profile[None, :]
    expected_hi = lao["forecast"] + scale * calibration.quantiles[0][None, :]  # 80 %
    np.testing.assert_allclose(lao["hi80"], np.maximum(expected_hi, 0), rtol=1e-12, equal_nan=True)
    cov = training.coverage
    assert set(cov["level"]) == set(fitted.hierarchy.levels)
    assert cov["coverage"].between(0, 1).all() and cov["coverage_last_origin"].between(0, 1).all()
    # the pooled cross-origin coverage lies between its best and worst single origin
    assert (cov["min_origin"] <= cov["coverage"] + 1e-12).all() and (cov["coverage"] <= cov["max_origin"] + 1e-12).all()


def test_the_same_forecasts_in_process_and_on_the_cluster(world, reference) -> None:
    history = load_history(world.catalog, reference, METRIC)
    local = train_metric(history, FAST, IN_PROCESS).forecasts
    cluster = train_metric(history, FAST, world.engine).forecasts
    pd.testing.assert_frame_equal(local, cluster)


def test_mlflow_holds_the_cycle_and_the_registered_model_reproduces_it(trained, world) -> None:
    assert trained.registration.alias == CHAMPION
    client = MlflowClient(tracking_uri=world.catalog.local_tracking_uri)
    child = client.get_run(trained.run_id)
    parent_id = child.data.tags["mlflow.parentRunId"]
    parent = client.get_run(parent_id)
    assert parent.data.tags["khlang.metric_family"] == "waste"
    assert parent.data.tags["khlang.data_snapshot"] != "none"
    assert parent.data.tags["khlang.code_version"]
    artifacts = {a.path for a in client.list_artifacts(parent_id, "backtest")}
    assert {"backtest/accuracy.parquet", "backtest/coverage.parquet", "backtest/champions.parquet",
            "backtest/reconciliation.parquet"} <= artifacts
    training = trained.trainings[METRIC]
    assert parent.data.params[f"reconciliation.{METRIC}"] == training.reconciliation
    assert any(a.path.endswith(".png") for a in client.list_artifacts(parent_id, "plots"))
    assert parent.data.metrics["coherence_gap"] == pytest.approx(trained.coherence_gap)
    seconds = trained.trainings[METRIC].seconds
    assert {f"seconds_{stage}__{METRIC}": v for stage, v in seconds.items()} == {
        k: v for k, v in parent.data.metrics.items() if k.startswith("seconds_")}
    assert set(seconds) == {"backtest", "reconcile", "final"} and min(seconds.values()) > 0
    # the registry's tie-break: the LAO level's scaled Winkler, 80 and 95 % averaged, logged and tagged
    cov = trained.trainings[METRIC].coverage.set_index(["level", "interval"])["scaled_winkler"]
    interval_score = (cov[("lao", 0.8)] + cov[("lao", 0.95)]) / 2
    assert parent.data.metrics["interval_score_lao"] == pytest.approx(interval_score, rel=1e-12)
    version = client.get_model_version("khlang-waste", trained.registration.version)
    assert float(version.tags["khlang.interval_score"]) == pytest.approx(interval_score, rel=1e-12)
    # a child run per candidate, with its MASE per level equal to the backtest's
    children = client.search_runs([parent.info.experiment_id], f"tags.mlflow.parentRunId = '{parent_id}'")
    names = {r.data.tags["mlflow.runName"] for r in children}
    assert {"seasonal_naive", "xgb_global", "ensemble", "champion"} <= names
    sn = next(r for r in children if r.data.tags["mlflow.runName"] == "seasonal_naive")
    bt = trained.trainings[METRIC].backtests["lao"]
    assert sn.data.metrics[f"mase__{METRIC}__lao"] == pytest.approx(bt.summary.loc["seasonal_naive", "mase"])
    # models:/khlang-waste@champion gives back exactly the published forecasts
    model = load_alias("waste", world.catalog)
    again = model.predict(family_request([METRIC]))
    pd.testing.assert_frame_equal(again, trained.forecasts())
    requirements = (world.catalog.mlflow / "artifacts").rglob("requirements.txt")
    pins = next(iter(requirements)).read_text()
    assert "xgboost-cpu==" in pins and "pandas==" in pins


def test_the_registered_model_answers_units_from_the_forecasts_it_computed_once(trained, world) -> None:
    import pickle

    published = trained.trainings[METRIC].forecasts
    model = load_alias("waste", world.catalog)
    wrapper = model.unwrap_python_model()
    # the example MLflow serves and the schema: metric required, level and key optional
    inputs = {c.name: (c.type.name, c.required) for c in model.metadata.get_input_schema().inputs}
    assert inputs == {"metric": ("string", True), "level": ("string", False), "key": ("long", False)}
    lao, district = published[published["level"] == "lao"], published[published["level"] == "district"]
    wanted = [("lao", int(lao["key"].iloc[-1])), ("district", int(district["key"].iloc[0])),
              ("lao", int(lao["key"].iloc[0]))]
    request = pd.DataFrame({"metric": METRIC, "level": [w[0] for w in wanted],
                            "key": np.array([w[1] for w in wanted], dtype=np.int64)})
    answer = model.predict(request)
    expected = pd.concat([published[(published["level"] == level) & (published["key"] == key)]
                          for level, key in wanted], ignore_index=True)
    pd.testing.assert_frame_equal(answer, expected, check_exact=True)
    assert set(wrapper._published) == {METRIC}  # computed once, then looked up
    frame = wrapper._published[METRIC].frame
    model.predict(request.head(1))
    assert wrapper._published[METRIC].frame is frame
    pd.testing.assert_frame_equal(model.predict(family_request([METRIC], ["lao"], [wanted[0][1]])),
                                  expected.head(len(answer) // 3), check_exact=True)
    # what is pickled is the fitted state, never the kept forecasts
    assert pickle.loads(pickle.dumps(wrapper))._published == {}
    with pytest.raises(KeyError, match="no forecast for unit 1 at level 'lao'"):
        model.predict(family_request([METRIC], ["lao"], [1]))
    with pytest.raises(ValueError, match="names their level"):
        family_request([METRIC], keys=[wanted[0][1]])
    mixed = request.astype({"key": "float64"})
    mixed.loc[0, "key"] = np.nan
    with pytest.raises(ValueError, match="every row"):
        wrapper.predict(None, mixed)


def test_the_guard_refuses_a_fitted_model_that_drifts_from_the_training(trained) -> None:
    from models.training.train import _check_final

    training = trained.trainings[METRIC]
    published = training.forecasts
    finals = {level: {champion: published.loc[published["level"] == level, "base_forecast"].to_numpy().reshape(
        len(training.fitted.hierarchy.keys(level)), training.horizon)} for level, champion in training.champions.items()}
    _check_final(training.fitted, published, finals, training.champions)  # what the training computed: accepted
    finals["province"][training.champions["province"]] = finals["province"][training.champions["province"]] + 1.0
    with pytest.raises(RuntimeError, match="province"):
        _check_final(training.fitted, published, finals, training.champions)


def test_retraining_on_the_same_backtest_is_a_challenger(trained, world, reference) -> None:
    again = train_family("waste", world.catalog, reference, FAST, world.engine)
    assert again.registration.alias == CHALLENGER
    assert again.registration.previous_champion == trained.registration.version
    assert again.score == pytest.approx(trained.score)


def test_forecast_store_holds_the_champion_forecasts(trained, world) -> None:
    published = publish_forecasts(world.catalog, ["waste"])
    assert [p.family for p in published] == ["waste"]
    store = read_forecasts(world.catalog, METRIC)
    expected = trained.forecasts()
    assert len(store) == len(expected)
    merged = store.merge(expected, on=["metric", "level", "key", "step"], suffixes=("", "_trained"))
    np.testing.assert_array_equal(merged["forecast"], merged["forecast_trained"])
    assert (store["model_version"] == trained.registration.version).all()
    runs = read_runs(world.catalog)
    assert runs.loc[runs["family"] == "waste", "run_id"].item() == trained.run_id
    # partitions: metric=<m>/level=<l>/part.parquet
    assert sorted(p.name for p in (world.catalog.forecasts / f"metric={METRIC}").iterdir()) == sorted(
        f"level={lv}" for lv in expected["level"].unique())
    # publishing again replaces, never duplicates
    publish_forecasts(world.catalog, ["waste"])
    assert len(read_forecasts(world.catalog, METRIC)) == len(expected)


@pytest.mark.slow
@pytest.mark.ray
def test_the_same_forecasts_on_dask_and_on_ray(world, reference) -> None:
    """Every fit is single-threaded and seeded: the Dask LocalCluster and a local Ray publish the same
    forecasts, intervals included (XGBoost and Prophet fits run on the engine)."""
    from cluster.engine import open_engine
    from khlang.config import ClusterConfig

    history = load_history(world.catalog, reference, METRIC)
    on_dask = train_metric(history, FAST, world.engine)
    with open_engine(ClusterConfig(address="ray", n_workers=2)) as ray_engine:
        on_ray = train_metric(history, FAST, ray_engine)
    assert on_dask.champions == on_ray.champions
    pd.testing.assert_frame_equal(on_dask.forecasts, on_ray.forecasts)


def test_a_bad_reconciliation_is_refused_before_any_fit() -> None:
    bad = dataclasses.replace(FAST, reconciliation="middle_out")
    with pytest.raises(ValueError, match="train.reconciliation must be auto or one of"):
        check_config(bad)
    # train_metric refuses it before the cluster fits: no history is even looked at
    with pytest.raises(ValueError, match="train.reconciliation"):
        train_metric(None, bad, IN_PROCESS)  # type: ignore[arg-type]


def test_a_refit_every_two_origins_keeps_the_final_fit_and_reuses_the_backtest_fits(world, reference) -> None:
    history = load_history(world.catalog, reference, METRIC)
    every = fit_metric(history, dataclasses.replace(FAST, prophet_levels=()), IN_PROCESS)
    two = fit_metric(history, dataclasses.replace(FAST, prophet_levels=(), xgb_refit=2), IN_PROCESS)
    assert len(every.cuts) == 3
    for level in history.levels:
        np.testing.assert_array_equal(two.xgb_final[level], every.xgb_final[level])  # the published model
        np.testing.assert_array_equal(two.xgb_backtest[level][[0, 2]], every.xgb_backtest[level][[0, 2]])
    # origin 1 is forecast by origin 0's model: not the model refitted at origin 1
    assert any(not np.allclose(two.xgb_backtest[level][1], every.xgb_backtest[level][1], equal_nan=True)
               for level in history.levels)
