"""models.forecasters.prophet: seeded per-series Prophet fits, the same serially, on Dask and on Ray; seasonal-naive
fallback for short series; quiet, and tidy with its temp files; a Forecaster for the backtest."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from cluster.engine import Engine, open_engine
from khlang.config import ClusterConfig
from khlang.domain.calendar import month_index
from models.evaluation.backtest import rolling_origin_backtest
from models.evaluation.metrics import mase, mase_scale
from models.forecasters.baselines import Forecaster, Naive, SeasonalNaive
from models.forecasters.prophet import MIN_OBSERVED, ProphetForecast, ProphetForecaster, fit_predict_batch

NAN = np.nan
START = month_index(2015, 10)  # October 2015, the first month of fiscal year 2559


def trend_panel(n_series: int = 4, n_months: int = 96, seed: int = 7) -> np.ndarray:
    """Monthly series with a level, a linear trend, a yearly pattern and a little noise."""
    rng = np.random.default_rng(seed)
    months = np.arange(n_months)[None, :]
    level = rng.uniform(200, 2_000, (n_series, 1))
    slope = rng.uniform(0.005, 0.015, (n_series, 1)) * level
    phase = rng.uniform(0, 2 * np.pi, (n_series, 1))
    season = 0.3 * level * np.sin(2 * np.pi * months / 12 + phase)
    return level + slope * months + season + rng.normal(0, 0.03, (n_series, n_months)) * level


def mixed_block() -> np.ndarray:
    """Seasonal series with gaps and some too short for Prophet (rows 1, 2) or empty (row 3)."""
    block = trend_panel(6, 60, seed=11)
    block[0, ::7] = NAN  # scattered gaps: left out of the fit
    block[1, :-MIN_OBSERVED + 1] = NAN  # 23 observed months: one short
    block[2] = NAN
    block[2, -10:] = 5.0
    block[3] = NAN
    block[4, :-MIN_OBSERVED] = NAN  # exactly MIN_OBSERVED: fitted
    return block


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An empty HOME for this module's processes, Dask's workers included: nothing may be written there."""
    path = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(path))
        yield path


@pytest.fixture(scope="module")
def dask_engine(home: Path) -> Iterator[Engine]:
    with open_engine(ClusterConfig(address="local", n_workers=2)) as engine:
        yield engine


def assert_same(left, right) -> None:
    np.testing.assert_array_equal(left.forecast, right.forecast)
    np.testing.assert_array_equal(left.residual_variance, right.residual_variance)
    np.testing.assert_array_equal(left.fallback, right.fallback)


def test_is_a_forecaster() -> None:
    model = ProphetForecaster()
    assert isinstance(model, Forecaster) and model.name == "prophet"


def test_dask_gives_the_serial_forecasts_whatever_the_batches(dask_engine: Engine, home: Path) -> None:
    block = mixed_block()
    periods = START + np.arange(block.shape[1])
    serial = ProphetForecaster(periods=periods).forecast(block, 12)
    assert_same(ProphetForecaster(periods=periods).forecast(block, 12), serial)  # deterministic
    on_dask = ProphetForecaster(periods=periods, batch_size=2).forecast(block, 12, dask_engine)
    assert_same(on_dask, serial)
    assert np.isfinite(serial.forecast[[0, 1, 2, 4, 5]]).all()
    assert not list(home.iterdir())  # neither this process nor the workers wrote to HOME
    # the batches of two histories in one map, beside other tasks (as training runs them), stacked back
    model = ProphetForecaster(periods=periods, batch_size=4)
    shorter, full = model.batches(block[:, :-6], 12), model.batches(block, 12)
    assert len(full) == -(-block.shape[0] // 4)
    parts = dask_engine.map(fit_predict_batch, shorter + full)
    assert_same(ProphetForecast.concat(parts[len(shorter):], 12), serial)
    assert_same(ProphetForecast.concat(parts[:len(shorter)], 12), ProphetForecaster(periods=periods).forecast(block[:, :-6], 12))


def test_short_and_empty_series_fall_back_to_seasonal_naive() -> None:
    block = mixed_block()
    result = ProphetForecaster().forecast(block, 15)
    np.testing.assert_array_equal(result.fallback, [False, True, True, True, False, False])
    assert result.n_fallbacks == 3 and result.forecast.shape == (6, 15)
    np.testing.assert_array_equal(result.forecast[1:4], SeasonalNaive().fit_predict(block[1:4], 15))
    assert np.isnan(result.forecast[3]).all()  # no observation: no forecast, as the baselines
    assert np.isnan(result.residual_variance[1:4]).all()
    assert (result.residual_variance[[0, 4, 5]] > 0).all()
    assert not np.isnan(result.forecast[[0, 4, 5]]).any()  # gaps do not reach the forecast


def test_beats_naive_on_seasonal_series_with_trend() -> None:
    block = trend_panel(4, 108)
    history, actual = block[:, :-12], block[:, -12:]
    scale = mase_scale(history)
    prophet = mase(actual, ProphetForecaster().fit_predict(history, 12), scale)
    assert (prophet < mase(actual, Naive().fit_predict(history, 12), scale)).all()
    # the trend is what seasonal naive misses
    assert prophet.mean() < mase(actual, SeasonalNaive().fit_predict(history, 12), scale).mean()


def test_temp_files_are_removed_and_the_logs_stay_quiet(tmp_path: Path, capfd: pytest.CaptureFixture) -> None:
    result = ProphetForecaster(temp_dir=str(tmp_path)).forecast(trend_panel(2, 48), 6)
    assert not result.fallback.any()
    assert not list(tmp_path.iterdir())
    out, err = capfd.readouterr()
    assert out == ""
    # stderr is shared with this module's Dask cluster, which may log of its own accord
    assert not any(noise in err for noise in ("cmdstanpy", "Chain [1]", "plotly", "prophet"))


def test_non_negative_clips_at_zero() -> None:
    months = np.arange(48)
    falling = (100.0 - 2.2 * months + 5 * np.sin(2 * np.pi * months / 12))[None, :]
    assert ProphetForecaster().fit_predict(falling, 12).min() < 0
    clipped = ProphetForecaster(non_negative=True).fit_predict(falling, 12)
    assert clipped.min() == 0.0


def test_runs_in_the_backtest() -> None:
    block = trend_panel(3, 72)
    periods = START + np.arange(72)
    result = rolling_origin_backtest(block, [ProphetForecaster(periods=periods), SeasonalNaive()], 6)
    assert result.models == ("prophet", "seasonal_naive")
    assert np.isfinite(result.forecasts["prophet"]).all()
    assert result.summary.loc["prophet", "mase"] < result.summary.loc["seasonal_naive", "mase"]


def test_empty_block_and_bad_arguments() -> None:
    assert ProphetForecaster().fit_predict(np.empty((0, 30)), 3).shape == (0, 3)
    with pytest.raises(ValueError, match="name only"):
        ProphetForecaster(periods=np.arange(10)).fit_predict(np.ones((1, 12)), 3)
    with pytest.raises(ValueError, match="increasing"):
        ProphetForecaster(periods=np.array([3, 2, 4]))
    with pytest.raises(ValueError, match="growth"):
        ProphetForecaster(growth="logistic")
    with pytest.raises(ValueError, match="batch_size"):
        ProphetForecaster(batch_size=0)
    with pytest.raises(ValueError, match="horizon"):
        ProphetForecaster().fit_predict(np.ones((1, 30)), 0)


@pytest.mark.slow
@pytest.mark.ray
def test_ray_gives_the_serial_forecasts() -> None:
    block = mixed_block()
    serial = ProphetForecaster().forecast(block, 12)
    with open_engine(ClusterConfig(address="ray", n_workers=2)) as engine:
        on_ray = ProphetForecaster(batch_size=2).forecast(block, 12, engine)
    assert_same(on_ray, serial)


def test_batches_leave_each_worker_enough_tasks() -> None:
    from cluster.engine import TASKS_PER_WORKER

    block = np.tile(mixed_block(), (8, 1))  # 48 series
    model = ProphetForecaster(batch_size=16)
    assert [len(b.history) for b in model.batches(block, 12)] == [16, 16, 16]  # no engine named: batch_size
    two = model.batches(block, 12, workers=2)  # 48 // (8 * 2) = 3 series a task
    assert len(two) == 16 >= TASKS_PER_WORKER * 2 and {len(b.history) for b in two} == {3}
    assert np.array_equal(np.concatenate([b.history for b in two]), block, equal_nan=True)
    assert [len(b.history) for b in model.batches(block[:5], 12, workers=2)] == [1] * 5


@pytest.mark.parametrize(("growth", "mode"), [("linear", "additive"), ("flat", "additive"),
                                               ("linear", "multiplicative")])
def test_the_path_is_predicts_yhat_exactly(growth: str, mode: str, tmp_path: Path) -> None:
    """prophet_path (a fit's forecast, with the dates' seasonal features made once a batch) gives the very
    numbers Prophet.predict gives, for each growth and seasonality mode the forecaster offers, with gaps in
    the history and the cache shared across series."""
    import pandas as pd
    from prophet import Prophet

    from khlang.domain.calendar import month_from_index
    from models.forecasters.prophet import prophet_path

    block = trend_panel(3, 60, seed=5)
    block[1, [4, 20, 21]] = NAN
    dates = pd.DatetimeIndex([month_from_index(START + m) for m in range(60 + 14)])
    features: dict = {}
    for series in block:
        observed = ~np.isnan(series)
        model = Prophet(growth=growth, yearly_seasonality=5, weekly_seasonality=False, daily_seasonality=False,
                        seasonality_mode=mode, uncertainty_samples=0)
        model.fit(pd.DataFrame({"ds": dates[:60][observed], "y": series[observed]}), seed=3,
                  output_dir=str(tmp_path))
        expected = model.predict(pd.DataFrame({"ds": dates}))["yhat"].to_numpy(dtype=np.float64)
        np.testing.assert_array_equal(prophet_path(model, dates, features), expected)
    assert len(features) == 1  # one set of seasonal features served the three series
