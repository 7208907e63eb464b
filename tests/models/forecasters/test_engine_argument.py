"""The engine is an argument of every fit, never part of a model's settings: the forecasters' specifications
hold no engine, the engine handed to `fit_predict` / `forecast` / the backtest is the one their tasks run on,
and a forecaster of your own whose `fit_predict(history, horizon)` takes no engine still backtests."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from cluster.engine import InProcessEngine
from models.evaluation.backtest import rolling_origin_backtest
from models.forecasters.baselines import BASELINES, fit_on
from models.forecasters.candidates import BuildContext, DataProfile, build_candidates
from models.forecasters.prophet import ProphetForecaster
from models.forecasters.statistical import StatisticalForecaster
from models.forecasters.xgb_global import XGBGlobalForecaster
from tests.models.forecasters.test_statistical import seasonal_block


class CountingEngine(InProcessEngine):
    """The in-process engine (for real), counting the maps and tasks it ran."""

    def __init__(self) -> None:
        self.maps, self.tasks = 0, 0

    def map(self, fn, items, **kwargs: Any) -> list:
        self.maps, self.tasks = self.maps + 1, self.tasks + len(items)
        return super().map(fn, items, **kwargs)


def test_no_forecaster_specification_holds_an_engine() -> None:
    classes = [StatisticalForecaster, ProphetForecaster, XGBGlobalForecaster, *(type(b) for b in BASELINES)]
    assert [c.__name__ for c in classes if "engine" in {f.name for f in dataclasses.fields(c)}] == []
    assert "engine" not in {f.name for f in dataclasses.fields(BuildContext)}
    profile = DataProfile(freq="M", season=12, n_series=6, n_periods=48, median_length=48, zero_share=0.0)
    built, _ = build_candidates(profile, BuildContext())
    assert [name for name, (_, model) in built.items() if hasattr(model, "engine")] == []


def test_the_engine_handed_in_runs_the_statistical_fits() -> None:
    block, engine = seasonal_block(n_series=6), CountingEngine()
    model = StatisticalForecaster("auto_theta", seasons=12)
    there = model.fit_predict(block, 6, engine)
    assert engine.maps == 1 and engine.tasks >= 1
    np.testing.assert_array_equal(there, model.fit_predict(block, 6))  # the same forecasts in process
    backtest = rolling_origin_backtest(block, [model], 6, n_origins=3, engine=engine)
    assert engine.maps == 1 + 3 and backtest.forecasts["auto_theta"].shape == (3, 6, 6)


def test_a_forecaster_of_your_own_without_an_engine_argument_still_backtests() -> None:
    class LastValue:
        name = "last_value"

        def fit_predict(self, history: np.ndarray, horizon: int) -> np.ndarray:
            return np.repeat(history[:, -1:], horizon, axis=1).astype(np.float64)

    block, engine = seasonal_block(n_series=4), CountingEngine()
    assert fit_on(LastValue(), block, 3, engine).shape == (4, 3)
    backtest = rolling_origin_backtest(block, [LastValue()], 3, n_origins=3, engine=engine)
    assert engine.maps == 0 and np.isfinite(backtest.forecasts["last_value"]).all()
