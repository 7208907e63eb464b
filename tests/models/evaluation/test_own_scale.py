"""models.evaluation.own_scale: the model's own spread divides the conformal scores where it tracks the
errors better than the MASE scale, measured on the calibrating origins only; missing spreads keep MASE."""

from __future__ import annotations

import numpy as np
import pytest

from models.evaluation.intervals import cross_origin_coverage
from models.evaluation.own_scale import MASE, OWN, choose_scales, combination_spread, fit_spreads
from models.forecasters.combination import Combination


def noisy(sd: np.ndarray, n_origins: int = 4, horizon: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Actuals around a zero forecast, each series' noise of standard deviation sd [series]."""
    rng = np.random.default_rng(seed)
    forecast = np.zeros((n_origins, sd.size, horizon))
    return forecast + rng.normal(0, 1, forecast.shape) * sd[None, :, None], forecast


def test_the_scale_that_tracks_the_errors_is_chosen() -> None:
    sd = np.repeat([1.0, 10.0], 100)  # half the series ten times noisier than the other half
    actual, forecast = noisy(sd)
    flat = np.ones(actual.shape[:2])  # a MASE scale blind to the difference
    knowing = np.broadcast_to(sd[None, :, None], actual.shape)  # a spread that knows it
    blind = choose_scales(actual, {"m": forecast}, flat, {"m": knowing})
    assert blind.kinds == {"m": OWN} and blind.winkler["m"][1] < 0.8 * blind.winkler["m"][0]
    # reversed: the MASE scale knows, the spread is noise of its own
    rng = np.random.default_rng(1)
    guess = np.broadcast_to(rng.uniform(1, 10, sd.size)[None, :, None], actual.shape)
    knows = choose_scales(actual, {"m": forecast}, np.broadcast_to(sd, actual.shape[:2]), {"m": guess})
    assert knows.kinds == {"m": MASE}
    assert knows.at_origins("m", flat) is flat and blind.at_origins("m", flat) is blind.backtest["m"]


def test_only_the_calibrating_origins_decide() -> None:
    sd = np.repeat([1.0, 10.0], 100)
    actual, forecast = noisy(sd, n_origins=3)
    flat = np.ones(actual.shape[:2])
    spread = np.broadcast_to(sd[None, :, None], actual.shape).copy()
    spread[-1] = 1 / sd[:, None]  # at the scored origin the spread is wrong, which must not matter
    assert choose_scales(actual, {"m": forecast}, flat, {"m": spread}, slice(None, -1)).kinds == {"m": OWN}
    one = choose_scales(actual, {"m": forecast}, flat, {"m": spread}, slice(-1, None))
    assert one.kinds == {} and one.note() is None  # one origin: nothing to hold out, MASE for all


def test_a_spread_missing_where_mase_gives_an_interval_keeps_mase() -> None:
    sd = np.repeat([1.0, 10.0], 50)
    actual, forecast = noisy(sd)
    spread = np.broadcast_to(sd[None, :, None], actual.shape).copy()
    spread[0, 3, 1] = np.nan
    scales = choose_scales(actual, {"m": forecast}, np.ones(actual.shape[:2]), {"m": spread})
    assert scales.kinds == {} and scales.of_final("m", np.ones(3)).tolist() == [1.0, 1.0, 1.0]


def test_combination_and_fit_spreads() -> None:
    fits = {"a": [np.full((2, 3), 1.0), np.full((2, 3), 2.0)], "b": [np.full((2, 3), 3.0), np.full((2, 3), 4.0)],
            "c": [np.full((2, 3), np.nan)] * 2}
    combos = {"ab": Combination("ab", ("a", "b")), "ac": Combination("ac", ("a", "c")),
              "ax": Combination("ax", ("a", "x"))}
    last = fit_spreads(fits, combos, -1)
    assert set(last) == {"a", "b", "ab"}  # c states none, so no combination with it has one
    np.testing.assert_array_equal(last["ab"], np.full((2, 3), 3.0))
    assert fit_spreads(fits, combos, slice(None))["ab"].shape == (2, 2, 3)
    assert combination_spread(("a", "x"), last) is None


def test_cross_origin_winkler_in_a_unit_given() -> None:
    actual, forecast = noisy(np.ones(30))
    scale = np.ones(actual.shape[:2])
    plain = cross_origin_coverage(actual, forecast, scale)
    halved = cross_origin_coverage(actual, forecast, scale, unit=2 * scale)
    np.testing.assert_allclose(halved["scaled_winkler"], plain["scaled_winkler"] / 2)
    np.testing.assert_allclose(halved["coverage"], plain["coverage"])
    with pytest.raises(ValueError, match="unit"):
        cross_origin_coverage(actual, forecast, scale, unit=np.ones(3))
