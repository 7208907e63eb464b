"""models.training.fits with `TrainConfig.xgb_refit`: the backtest's XGBoost fits at every k-th origin, each
forecasting from the origins up to the next fit with their newer data and never from data it was fitted on
after its cut; the final fit is always new."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from models.forecasters.xgb_global import XGBGlobalForecaster
from models.training.fits import _cluster_task, xgb_tasks
from models.training.train import check_config
from tests.models.forecasters.test_xgb_global import seasonal_panel
from tests.models.training.tiny_world import FAST

HORIZON = 6
SPEC = XGBGlobalForecaster(n_estimators=30, max_origins=12, seed=5, calendar=False)


def test_the_fits_group_origins_up_to_the_next_refit() -> None:
    cuts = np.array([40, 43, 46, 49, 52])
    every = xgb_tasks("lao", cuts, 1, HORIZON, SPEC)
    assert [(t.origins, t.cuts) for t in every] == [((o,), (int(c),)) for o, c in enumerate(cuts)]
    two = xgb_tasks("lao", cuts, 2, HORIZON, SPEC)
    assert [(t.origins, t.cuts) for t in two] == [((0, 1), (40, 43)), ((2, 3), (46, 49)), ((4,), (52,))]
    assert [t.origins for t in xgb_tasks("lao", cuts, 9, HORIZON, SPEC)] == [(0, 1, 2, 3, 4)]


def test_a_later_origin_is_forecast_by_the_earlier_fit_from_its_own_data() -> None:
    block = seasonal_panel(80, 60, seed=11, gaps=0.0)
    task = xgb_tasks("lao", np.array([42, 45]), 2, HORIZON, SPEC)[0]
    level, origins, forecasts, booster, gain = _cluster_task(task, {"lao": block})
    assert (level, origins, booster, gain) == ("lao", (0, 1), None, None)
    earlier = SPEC.fit(block[:, :42], HORIZON)
    np.testing.assert_array_equal(forecasts[0], earlier.forecast)
    np.testing.assert_array_equal(forecasts[1], SPEC.predict(earlier.booster, block[:, :45], HORIZON))
    # the later origin reads its newer months (its forecast is not the earlier origin's) ...
    assert not np.allclose(forecasts[1][:, :HORIZON - 3], forecasts[0][:, 3:])
    # ... through a model that saw only the months before the first cut: no data after a cut reaches it
    touched = block.copy()
    touched[:, 42:] *= 3.0
    again = _cluster_task(task, {"lao": touched})[2]
    np.testing.assert_array_equal(again[0], forecasts[0])
    np.testing.assert_allclose(again[1], SPEC.predict(earlier.booster, touched[:, :45], HORIZON))
    # a model refitted at the later cut is a different model
    assert not np.allclose(forecasts[1], SPEC.fit(block[:, :45], HORIZON).forecast)


def test_predicting_on_the_fitted_history_is_the_fit_forecast() -> None:
    block = seasonal_panel(50, 48, seed=2)
    fit = SPEC.fit(block, HORIZON)
    np.testing.assert_array_equal(SPEC.predict(fit.booster, block, HORIZON), fit.forecast)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_a_bad_refit_is_refused_before_any_fit(bad) -> None:
    with pytest.raises(ValueError, match="train.xgb_refit must be an integer >= 1"):
        check_config(dataclasses.replace(FAST, xgb_refit=bad))
