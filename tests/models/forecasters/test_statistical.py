"""models.forecasters.statistical, combination and candidates: statsforecast per series on the engine's
batches, gaps and late starts handled, combinations NaN-aware, the registry's applicability rules."""

from __future__ import annotations

import numpy as np
import pytest

from models.forecasters.candidates import (
    BuildContext,
    DataProfile,
    build_candidates,
    profile_block,
    training_combinations,
)
from models.forecasters.combination import Combination
from models.forecasters.statistical import StatisticalForecaster, arima_approximation, fit_predict_batch


def seasonal_block(n_series: int = 6, n_periods: int = 48, season: int = 12, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n_periods)
    level = rng.uniform(50, 500, (n_series, 1))
    return level * (1 + 0.3 * np.sin(2 * np.pi * t / season))[None, :] + rng.normal(0, 1, (n_series, n_periods))


def test_ets_follows_a_seasonal_pattern_far_better_than_naive() -> None:
    block = seasonal_block()
    history, actual = block[:, :36], block[:, 36:]
    ets = StatisticalForecaster("auto_ets", seasons=12).fit_predict(history, 12)
    naive = np.repeat(history[:, -1:], 12, axis=1)
    assert np.abs(actual - ets).mean() < 0.25 * np.abs(actual - naive).mean()


def test_batches_do_not_change_forecasts_and_gaps_and_late_starts_are_handled() -> None:
    block = seasonal_block(n_series=5)
    block[1, :30] = np.nan  # a late start: fewer than two seasons, fitted without the season
    block[2, 30] = np.nan  # an inner gap: interpolated
    block[3, -3:] = np.nan  # ends early: forecast over the gap, the last h kept
    block[4, :] = np.nan  # nothing observed: not forecast
    one = StatisticalForecaster("auto_theta", seasons=12, batch_size=1).forecast(block, 6)
    all_ = StatisticalForecaster("auto_theta", seasons=12, batch_size=64).forecast(block, 6)
    np.testing.assert_array_equal(one.forecast, all_.forecast)
    assert np.isfinite(one.forecast[:4]).all() and np.isnan(one.forecast[4]).all()
    assert one.nonseasonal.tolist() == [False, True, False, False, False]
    # the early-ending series' forecast equals forecasting 9 ahead from its own end, the last 6 kept
    own = StatisticalForecaster("auto_theta", seasons=12).fit_predict(block[3:4, :-3], 9)
    np.testing.assert_allclose(one.forecast[3], own[0, 3:])


def test_short_and_flat_series_fall_back_to_naive() -> None:
    rows = np.array([[np.nan, np.nan, 5.0, 6.0], [3.0, 3.0, 3.0, 3.0]])
    from models.forecasters.statistical import StatisticalBatch

    result = fit_predict_batch(StatisticalBatch("auto_arima", (12,), rows, 2))
    assert result.fallback.tolist() == [True, True]
    np.testing.assert_array_equal(result.forecast, [[6.0, 6.0], [3.0, 3.0]])


def test_own_spread_is_the_models_interval_and_naives_for_a_fallback() -> None:
    from statsforecast.models import AutoETS

    from models.forecasters.statistical import StatisticalBatch, naive_spread

    rng = np.random.default_rng(4)
    walk = 100 + np.cumsum(rng.normal(0, 2, (3, 40)), axis=1)
    walk[2, :-2] = np.nan  # two observations: naive, with naive's own spread
    result = fit_predict_batch(StatisticalBatch("auto_ets", (1,), walk, 6))
    assert result.fallback.tolist() == [False, False, True]
    # the spread is statsforecast's own 80 % interval read as a standard error
    own = AutoETS(season_length=1).forecast(y=walk[0], h=6, level=[80])
    np.testing.assert_allclose(result.spread[0], (own["hi-80"] - own["lo-80"]) / (2 * 1.2815515655446004))
    assert (np.diff(result.spread[:2], axis=1) >= 0).all()  # a random walk's uncertainty grows with the step
    step = abs(walk[2, -1] - walk[2, -2])
    np.testing.assert_allclose(result.spread[2], step * np.sqrt(np.arange(1, 7)))
    np.testing.assert_allclose(naive_spread(np.array([1.0, 3.0, 2.0]), 2), np.sqrt(2.5) * np.sqrt([1.0, 2.0]))
    assert np.isnan(naive_spread(np.array([4.0]), 3)).all() and np.isnan(naive_spread(np.full(5, 2.0), 2)).all()
    # models that state no interval of their own (the intermittent ones, CES) leave it NaN
    counts = np.tile([0.0, 0.0, 3.0, 0.0, 5.0], (2, 8))
    assert np.isnan(fit_predict_batch(StatisticalBatch("croston", (1,), counts, 4)).spread).all()
    # a caller with intervals of its own (the complaint volumes) skips the model's: same means, no spread
    quiet = fit_predict_batch(StatisticalBatch("auto_ets", (1,), walk, 6, own_spread=False))
    np.testing.assert_array_equal(quiet.forecast, result.forecast)
    assert np.isnan(quiet.spread).all()


def test_unknown_model_and_bad_season_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown statistical model"):
        StatisticalForecaster("arima_by_hand")
    with pytest.raises(ValueError, match="seasons"):
        StatisticalForecaster("auto_ets", seasons=0)


def test_combination_median_and_mean_skip_missing_members() -> None:
    forecasts = {"a": np.array([[1.0, np.nan]]), "b": np.array([[3.0, np.nan]]), "c": np.array([[8.0, 4.0]])}
    np.testing.assert_array_equal(Combination("m", ("a", "b", "c")).combine(forecasts), [[3.0, 4.0]])
    np.testing.assert_array_equal(Combination("m", ("a", "b", "c"), "mean").combine(forecasts), [[4.0, 4.0]])
    with pytest.raises(ValueError):
        Combination("m", ("a",))
    with pytest.raises(KeyError):
        Combination("m", ("a", "z")).combine(forecasts)


def test_registry_applies_models_by_frequency_and_intermittency() -> None:
    yearly = DataProfile(freq="Y", season=1, n_series=5, n_periods=30, median_length=30, zero_share=0.0)
    built, skipped = build_candidates(yearly, BuildContext())
    assert "seasonal_naive" in skipped and "prophet" in skipped and "croston" in skipped
    assert "for intermittent series" in skipped["recent_median"]
    assert {"naive", "drift", "auto_ets", "auto_theta", "auto_arima", "xgb_global", "stat_median"} <= set(built)
    weekly = DataProfile(freq="W", season=52, n_series=5, n_periods=200, median_length=200, zero_share=0.0)
    assert "auto_arima" in build_candidates(weekly, BuildContext())[1]
    counts = np.zeros((4, 40))
    counts[:, ::5] = 3.0
    profile = profile_block(counts, "M")
    assert profile.intermittent and profile.zero_share == pytest.approx(0.8)
    built, skipped = build_candidates(profile, BuildContext())
    assert {"croston", "adida", "imapa", "recent_median", "intermittent_mean"} <= set(built)
    assert built["recent_median"][1].window == 24  # two seasons of months
    hourly = DataProfile(freq="H", season=24, n_series=2, n_periods=400, median_length=400, zero_share=0.0)
    built, _ = build_candidates(hourly, BuildContext(), names=["mstl"])
    assert built["mstl"][1].seasons == (24, 168)
    with pytest.raises(ValueError, match="unknown models"):
        build_candidates(yearly, BuildContext(), names=["arima_by_hand"])


def test_training_forms_each_distinct_combination_of_what_it_fitted() -> None:
    # ETS and Theta only: the median of two is their mean, so stat_mean and the ETS-Theta-ARIMA median
    # would repeat stat_median and are left out; with XGBoost a median of three is new
    formed = training_combinations(["naive", "seasonal_naive", "auto_ets", "auto_theta", "xgb_global"])
    assert [(c.name, c.members, c.how) for c in formed] == [
        ("stat_median", ("auto_ets", "auto_theta"), "median"),
        ("stat_global_median", ("auto_ets", "auto_theta", "xgb_global"), "median")]
    three = {c.name: c.members for c in training_combinations(["auto_ets", "auto_theta", "auto_arima"])}
    assert three == {"stat_median": ("auto_ets", "auto_theta", "auto_arima"),
                     "stat_mean": ("auto_ets", "auto_theta", "auto_arima")}
    assert [c.members for c in training_combinations(["naive", "xgb_global", "auto_ets"])] == [
        ("auto_ets", "xgb_global")]
    assert training_combinations(["naive", "seasonal_naive", "auto_ets"]) == ()


@pytest.mark.slow
@pytest.mark.parametrize("address", ["local", pytest.param("ray", marks=pytest.mark.ray)])
def test_dask_and_ray_give_the_in_process_forecasts_in_enough_batches(address: str) -> None:
    from cluster.engine import TASKS_PER_WORKER, open_engine
    from khlang.config import ClusterConfig

    block = seasonal_block(n_series=40)
    block[3, :30] = np.nan
    here = StatisticalForecaster("auto_ets", seasons=12).forecast(block, 6)
    with open_engine(ClusterConfig(address=address, n_workers=2)) as engine:
        model = StatisticalForecaster("auto_ets", seasons=12)
        batches = model.batches(block, 6, engine.n_workers())
        there = model.forecast(block, 6, engine)
    # 40 series on 2 workers: 2 rows a batch, 20 batches (not 2 of the default 32 rows)
    assert len(batches) == 20 >= TASKS_PER_WORKER * 2 and max(len(b.rows) for b in batches) == 2
    np.testing.assert_array_equal(there.forecast, here.forecast)
    np.testing.assert_array_equal(there.fallback, here.fallback)
    np.testing.assert_array_equal(there.nonseasonal, here.nonseasonal)
    np.testing.assert_array_equal(there.spread, here.spread)


def test_auto_arimas_approximation_rule_is_r_auto_arimas() -> None:
    assert not arima_approximation(150, [12]) and arima_approximation(151, [12])
    assert arima_approximation(60, [24]) and arima_approximation(60, [52, 7])  # a season over 12
    assert not arima_approximation(60, [12]) and not arima_approximation(60, []) and not arima_approximation(60, [1])


def _seasonal_walk(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 100 + np.cumsum(rng.normal(0, 1, n)) + 8 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, n)


@pytest.mark.filterwarnings("ignore:possible convergence problem")  # statsforecast's own, on the exact search
@pytest.mark.parametrize(("n", "approximated"), [(200, True), (120, False)])
def test_auto_arima_searches_long_series_on_the_approximation(n: int, approximated: bool) -> None:
    from statsforecast.models import AutoARIMA

    y = _seasonal_walk(n, seed=5)
    exact = AutoARIMA(season_length=12, approximation=False).forecast(y=y, h=12)["mean"]
    approx = AutoARIMA(season_length=12, approximation=True).forecast(y=y, h=12)["mean"]
    assert not np.allclose(exact, approx)  # the two differ on this series, so the test tells them apart
    mine = StatisticalForecaster("auto_arima", seasons=12).fit_predict(y[None, :], 12)[0]
    np.testing.assert_allclose(mine, approx if approximated else exact, rtol=1e-10)
