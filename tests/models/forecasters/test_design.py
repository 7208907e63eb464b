"""The design matrix's seasonal-delta target, its row cap and its columns for any season."""

from __future__ import annotations

import numpy as np
import pytest

from features import CALENDAR_FEATURE_NAMES, DEFAULT_FEATURES, Lag, RollingMean, season_features
from models.forecasters.design import (
    MIN_SCALE_PERIODS,
    design_matrix,
    design_names,
    scale_periods,
    series_scale,
)


def _block(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(60)
    block = (50 + rng.normal(0, 5, (8, 1)) + 0.3 * t + 5 * np.sin(2 * np.pi * t / 12)
             + rng.normal(0, 1, (8, 60))).astype(np.float32)
    block[2, 10:14] = np.nan
    return block


def test_seasonal_delta_target_plus_base_is_the_actual() -> None:
    block = _block()
    level = design_matrix(block, np.arange(1, 13), target="level")
    delta = design_matrix(block, np.arange(1, 13), target="seasonal_delta")
    np.testing.assert_array_equal(level.X, delta.X)
    np.testing.assert_allclose(delta.y * delta.scale + delta.base, level.y * level.scale, rtol=1e-5, atol=1e-3)
    actual = block[delta.series, delta.target_month]
    np.testing.assert_allclose(delta.y * delta.scale + delta.base, actual, rtol=1e-5, atol=1e-3)
    # the base is the same month a whole number of seasons before the target where that is known
    known = delta.target_month - 12 * ((delta.step + 11) // 12) >= 0
    anchor = block[delta.series[known], (delta.target_month - 12 * ((delta.step + 11) // 12))[known]]
    has = ~np.isnan(anchor)
    np.testing.assert_array_equal(delta.base[known][has], anchor[has])
    assert (level.base == 0).all()


def test_max_rows_is_a_seeded_subset_of_the_full_matrix() -> None:
    block = _block(1)
    full = design_matrix(block, np.arange(1, 7))
    capped = design_matrix(block, np.arange(1, 7), max_rows=100, seed=3)
    again = design_matrix(block, np.arange(1, 7), max_rows=100, seed=3)
    assert capped.y.size == 100
    np.testing.assert_array_equal(capped.X, again.X)
    keys = {(s, o, h): i for i, (s, o, h) in enumerate(zip(full.series, full.origin, full.step, strict=True))}
    rows = [keys[(s, o, h)] for s, o, h in zip(capped.series, capped.origin, capped.step, strict=True)]
    np.testing.assert_array_equal(capped.X, full.X[rows])
    assert design_matrix(block, np.arange(1, 7), max_rows=10**9).y.size == full.y.size


def test_unknown_target_is_refused() -> None:
    with pytest.raises(ValueError, match="target must be one of"):
        design_matrix(_block(), [1], target="ratio")


def test_season_12_features_are_the_monthly_defaults() -> None:
    assert season_features(12) == DEFAULT_FEATURES
    assert [f.name for f in DEFAULT_FEATURES] == [
        "lag_1", "lag_2", "lag_3", "lag_6", "lag_12", "lag_24",
        *(f"rolling_{kind}_{w}" for kind in ("mean", "std", "min", "max") for w in (3, 6, 12)),
        "ewm_0.3", "expanding_mean", "diff_1", "diff_12", "growth_12"]
    assert design_names() == design_names(DEFAULT_FEATURES, 12, True)
    assert design_names()[:2] == ("value", "same_month_last_season") and "fiscal_month" in design_names()


@pytest.mark.parametrize(("season", "lags", "windows"), [
    (1, [1, 2, 3, 4], [3, 6]), (4, [1, 2, 3, 4, 8], [2, 4]), (7, [1, 2, 3, 7, 14], [2, 3, 7]),
    (24, [1, 2, 3, 12, 24, 48], [6, 12, 24]), (52, [1, 2, 3, 26, 52, 104], [13, 26, 52]),
])
def test_season_features_follow_the_season(season: int, lags: list[int], windows: list[int]) -> None:
    features = season_features(season)
    assert [f.months for f in features if isinstance(f, Lag)] == lags
    assert [f.window for f in features if isinstance(f, RollingMean)] == windows
    assert len({f.name for f in features}) == len(features)
    names = design_names(features, season, calendar=False)
    assert not set(names) & set(CALENDAR_FEATURE_NAMES)
    assert ("same_month_last_season" in names) == (season > 1)


def test_hourly_design_anchor_scale_and_no_calendar() -> None:
    hours = np.arange(24 * 6)
    rng = np.random.default_rng(4)
    block = (rng.lognormal(3, 1, (5, 1)) * (2 + np.sin(2 * np.pi * hours / 24))).astype(np.float32)
    steps = np.arange(1, 31)
    design = design_matrix(block, steps, season=24, calendar=False)
    assert design.names == design_names(season=24, calendar=False)
    assert design.X.shape[1] == len(design.names) and not set(design.names) & set(CALENDAR_FEATURE_NAMES)
    # the seasonal column: the same hour a whole number of days before the target
    anchor_col = design.target_month - 24 * ((design.step + 23) // 24)
    known = anchor_col >= 0
    anchor = design.X[:, design.names.index("same_month_last_season")] * design.scale
    np.testing.assert_allclose(anchor[known], block[design.series[known], anchor_col[known]], rtol=1e-5)
    # the scale covers a whole day, so it does not follow the daily cycle
    assert scale_periods(24) == 24 and scale_periods(12) == 12 and scale_periods(1) == MIN_SCALE_PERIODS
    scale = series_scale(block, 24)[:, 24:]
    np.testing.assert_allclose(scale, scale[:, :1].repeat(scale.shape[1], axis=1), rtol=1e-4)
    np.testing.assert_allclose(design.scale, series_scale(block, 24)[design.series, design.origin])
    delta = design_matrix(block, steps, season=24, calendar=False, target="seasonal_delta")
    np.testing.assert_allclose(delta.y * delta.scale + delta.base, block[delta.series, delta.target_month],
                               rtol=1e-4, atol=1e-3)


def test_yearly_design_has_no_seasonal_or_calendar_column() -> None:
    block = _block(2)[:, :30]
    design = design_matrix(block, [1, 2, 3], season=1, calendar=False)
    assert design.names[0] == "value" and "same_month_last_season" not in design.names
    assert design.X.shape[1] == len(design.names) and "fiscal_month" not in design.names
    # without a season the seasonal-delta base is the value at the origin (naive)
    delta = design_matrix(block, [1, 2, 3], season=1, calendar=False, target="seasonal_delta")
    observed = ~np.isnan(block[delta.series, delta.origin])
    np.testing.assert_array_equal(delta.base[observed], block[delta.series, delta.origin][observed])
    with pytest.raises(ValueError, match="calendar features are monthly"):
        design_matrix(block, [1], season=1)
