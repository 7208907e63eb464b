import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from models.forecasters.baselines import (
    BASELINES,
    Forecaster,
    HistoricMean,
    Naive,
    RecentMedian,
    SeasonalNaive,
)

NAN = np.nan
VALUES = st.one_of(st.floats(-1e4, 1e4, width=32), st.sampled_from([0.0, 1.0, -2.5]), st.just(np.nan))


def blocks(max_series: int = 4, max_months: int = 40) -> st.SearchStrategy[np.ndarray]:
    """float32 [series, month] histories with gaps, empty, one-month and all-NaN series included."""
    shapes = st.tuples(st.integers(0, max_series), st.integers(0, max_months))
    return shapes.flatmap(lambda shape: arrays(np.float32, shape, elements=VALUES))


def reference_naive(row: list[float], horizon: int) -> list[float]:
    observed = [v for v in row if not math.isnan(v)]
    return [observed[-1] if observed else NAN] * horizon


def reference_seasonal_naive(row: list[float], horizon: int, period: int) -> list[float]:
    naive = reference_naive(row, 1)[0]
    out = []
    for j in range(horizon):
        month = len(row) + j
        while month >= len(row):  # a month in the future: its own forecast, one season earlier
            month -= period
        out.append(row[month] if month >= 0 and not math.isnan(row[month]) else naive)
    return out


def reference_mean(row: list[float], horizon: int) -> list[float]:
    observed = [v for v in row if not math.isnan(v)]
    return [math.fsum(observed) / len(observed) if observed else NAN] * horizon


def reference_recent_median(row: list[float], horizon: int, window: int) -> list[float]:
    recent = sorted(v for v in row[max(0, len(row) - window):] if not math.isnan(v))
    if not recent:
        return reference_naive(row, horizon)
    middle = len(recent) // 2
    return [recent[middle] if len(recent) % 2 else (recent[middle - 1] + recent[middle]) / 2] * horizon


def assert_forecast(actual: np.ndarray, expected: list[list[float]], shape: tuple[int, int]) -> None:
    assert actual.dtype == np.float64 and actual.shape == shape
    np.testing.assert_allclose(actual, np.array(expected, dtype=np.float64).reshape(shape), rtol=1e-12)


@settings(deadline=None)
@given(history=blocks(), horizon=st.integers(1, 30), period=st.integers(1, 13))
def test_baselines_equal_their_references(history, horizon, period):
    rows = [[float(v) for v in row] for row in history]
    shape = (history.shape[0], horizon)
    assert_forecast(Naive().fit_predict(history, horizon), [reference_naive(r, horizon) for r in rows], shape)
    assert_forecast(HistoricMean().fit_predict(history, horizon), [reference_mean(r, horizon) for r in rows], shape)
    assert_forecast(SeasonalNaive(period).fit_predict(history, horizon),
                    [reference_seasonal_naive(r, horizon, period) for r in rows], shape)
    assert_forecast(RecentMedian(period).fit_predict(history, horizon),
                    [reference_recent_median(r, horizon, period) for r in rows], shape)


def test_seasonal_naive_repeats_the_last_season_and_falls_back_to_naive():
    history = np.arange(1, 25, dtype=np.float32)[None, :]  # 24 months: 1..24
    history[0, 13] = NAN  # the last season's second month is a gap: the last value (24) stands in
    forecast = SeasonalNaive().fit_predict(history, 26)
    expected = np.tile(np.r_[13, 24, 15:25], 3)[:26].astype(np.float64)
    np.testing.assert_array_equal(forecast[0], expected)


def test_series_shorter_than_a_season_uses_what_it_has():
    history = np.array([[5, 6, NAN, 8]], dtype=np.float32)
    # target months 4..: one season earlier is before the history for the first 8, then months 0..3
    expected = [8] * 8 + [5, 6, 8, 8] + [8] * 8 + [5]
    np.testing.assert_array_equal(SeasonalNaive().fit_predict(history, 21)[0], expected)


def test_all_nan_and_empty_histories_give_nan():
    for history in (np.full((2, 30), NAN, dtype=np.float32), np.empty((2, 0), dtype=np.float32)):
        for model in BASELINES:
            forecast = model.fit_predict(history, 3)
            assert forecast.shape == (2, 3) and np.isnan(forecast).all()


def test_constant_series_and_horizon_one():
    history = np.full((3, 20), 7.25, dtype=np.float32)
    history[1, ::3] = NAN
    for model in BASELINES:
        np.testing.assert_array_equal(model.fit_predict(history, 1), np.full((3, 1), 7.25))


def test_mean_is_computed_in_float64():
    history = np.array([[1e8, 1, 1, 1]], dtype=np.float32)
    assert HistoricMean().fit_predict(history, 1)[0, 0] == (1e8 + 3) / 4


@pytest.mark.parametrize("horizon", [0, -1, 1.5, True])
def test_horizon_must_be_a_positive_integer(horizon):
    with pytest.raises(ValueError, match="horizon"):
        Naive().fit_predict(np.zeros((1, 5), dtype=np.float32), horizon)


def test_history_must_be_two_dimensional_and_period_positive():
    with pytest.raises(ValueError, match="series, month"):
        Naive().fit_predict(np.zeros(5, dtype=np.float32), 1)
    with pytest.raises(ValueError, match="period"):
        SeasonalNaive(0)
    with pytest.raises(ValueError, match="window"):
        RecentMedian(0)


def test_baselines_follow_the_protocol_with_distinct_names():
    assert all(isinstance(model, Forecaster) for model in BASELINES)
    assert [m.name for m in BASELINES] == ["naive", "seasonal_naive", "historic_mean"]
    assert SeasonalNaive(4).name == "seasonal_naive_4"


def test_seasonal_drift_is_exact_on_a_seasonal_series_with_a_linear_trend() -> None:
    from models.forecasters.baselines import SeasonalDrift

    t = np.arange(72, dtype=float)
    series = 100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12)
    forecast = SeasonalDrift().fit_predict(series[None, :48], 24)
    np.testing.assert_allclose(forecast[0], series[48:], atol=1e-9)


def test_seasonal_drift_ignores_one_step_change_by_the_median() -> None:
    from models.forecasters.baselines import SeasonalDrift

    # a new rate 20 months ago, flat since: 4 of the last 12 yearly changes are 40, 8 are 0 -> no drift
    series = np.r_[np.full(28, 10.0), np.full(20, 50.0)]
    np.testing.assert_allclose(SeasonalDrift().fit_predict(series[None, :], 12)[0], 50.0)
    # the mean would have made it a trend of 40 / 3 a year; a genuine trend still shows
    trend = 10.0 + 2.0 * np.arange(48)
    np.testing.assert_allclose(SeasonalDrift().fit_predict(trend[None, :], 12)[0], trend[-12:] + 24.0)


def test_seasonal_mean_is_exact_on_a_stable_seasonal_profile() -> None:
    from models.forecasters.baselines import SeasonalMean

    t = np.arange(61, dtype=float)
    series = 40 * (1 + 0.3 * np.cos(2 * np.pi * t / 12))
    for n in (36, 41, 49):  # any phase of the history's end
        forecast = SeasonalMean().fit_predict(series[None, :n], 12)
        np.testing.assert_allclose(forecast[0], series[n:n + 12], rtol=1e-12)


def test_seasonal_mean_with_gaps_and_short_history() -> None:
    from models.forecasters.baselines import SeasonalMean

    block = np.array([[np.nan, 2.0, np.nan, 4.0], [np.nan] * 4])
    forecast = SeasonalMean().fit_predict(block, 3)
    assert np.isfinite(forecast[0]).all() and np.isnan(forecast[1]).all()
