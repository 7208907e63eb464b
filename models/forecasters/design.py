"""The design matrix of a global forecasting model over a dense [series, period] block (NaN = gap).

One row per (series, origin period t, step h): the series' features as of t (features.compute_features,
leakage-free: the value at t uses periods up to t), the value at t and the value a whole number of seasons
before the target period (both known at t; no such column without a season), the calendar features of the
target month t + h (monthly blocks whose calendar is known) and h itself; the target is y[t + h]. Every
level-type column and the target are divided by the series' scale as of t (the mean absolute value of its
observed periods in the scale_periods(season) up to t, carried across longer gaps), so one model serves
LAOs of very different sizes and a row never sees a period after its origin.

season is the number of periods per season: 12 monthly (the default, and the only one with a calendar),
4 quarterly, 52 weekly, 7 daily, 24 hourly, 1 yearly (no season). Columns named "month" (the
"same_month_last_season" column, Lag(months=...)) mean a period of the block."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from features import Feature, Growth, calendar_features, compute_features, rolling_mean, season_features
from features.fiscal_calendar import CALENDAR_FEATURE_NAMES
from models.evaluation.metrics import SEASON

__all__ = ["SCALE_MONTHS", "MIN_SCALE_PERIODS", "TARGETS", "DesignMatrix", "history_periods", "scale_periods",
           "series_scale", "design_matrix", "design_names"]

SCALE_MONTHS = 12  # months of history behind each row's scale (monthly blocks)
MIN_SCALE_PERIODS = 4  # the fewest periods behind a scale, for short seasons (yearly, quarterly)
TARGETS = ("level", "seasonal_delta")

_OWN_COLUMNS = ("value", "same_month_last_season")
_STEP_COLUMN = "step"


@dataclass(frozen=True)
class DesignMatrix:
    """Rows of (series, origin, step): float32 features X and scaled target y, and the row's scale."""

    X: np.ndarray  # float32 [row, column]
    y: np.ndarray  # float32 [row], (target - base) / scale; NaN on prediction rows
    scale: np.ndarray  # float32 [row]: the series' scale as of the origin (series' unit)
    base: np.ndarray  # float32 [row]: what the model predicts a change from (0 for target "level")
    series: np.ndarray  # int64 [row]: row of the block
    origin: np.ndarray  # int64 [row]: block column of the origin month t
    step: np.ndarray  # int64 [row]: h, the target is month t + h
    names: tuple[str, ...]  # column names of X

    @property
    def target_month(self) -> np.ndarray:
        """int64 [row]: block column of the target month."""
        return self.origin + self.step


def history_periods(periods: np.ndarray | None, n_months: int, horizon: int = 0) -> np.ndarray:
    """Month indices of a history's n_months columns and the horizon after it: the first columns of
    `periods` (the backtest cuts a block from its end), or months from January 1970 without them."""
    if periods is None:
        return np.arange(n_months + horizon, dtype=np.int64)
    periods = np.asarray(periods, dtype=np.int64)
    if periods.shape[0] < n_months:
        raise ValueError(f"{periods.shape[0]} periods for a history of {n_months} months")
    return np.concatenate([periods[:n_months], periods[n_months - 1] + np.arange(1, horizon + 1)])


def scale_periods(season: int = SEASON) -> int:
    """Periods of history behind each row's scale: a whole season (so the scale does not follow the
    seasonal cycle), at least MIN_SCALE_PERIODS; SCALE_MONTHS (12) for a monthly block."""
    return max(int(season), MIN_SCALE_PERIODS)


def series_scale(block: np.ndarray, periods: int = SCALE_MONTHS) -> np.ndarray:
    """float32 [series, period]: mean |value| of the observed periods among the `periods` up to each
    period, carried forward over longer gaps; NaN before the first observation, 1 where that mean is 0
    (an all-zero history: its rows are in the series' unit and its forecasts stay finite)."""
    recent = rolling_mean(np.abs(np.asarray(block, dtype=np.float32)), int(periods), 1)
    known = ~np.isnan(recent)
    last = np.maximum.accumulate(np.where(known, np.arange(recent.shape[1]), -1), axis=1)
    scale = np.take_along_axis(recent, np.maximum(last, 0), axis=1)
    scale[last < 0] = np.nan
    scale[scale == 0] = 1.0
    return scale


def design_names(features: Sequence[Feature] | None = None, season: int = SEASON,
                 calendar: bool = True) -> tuple[str, ...]:
    """Column names of the design matrix built with `features` (None: season_features(season)); a
    season below 1, or calendar features with a season other than 12, is refused."""
    _check_design(season, calendar)
    features = season_features(season) if features is None else features
    own = _OWN_COLUMNS if season > 1 else _OWN_COLUMNS[:1]
    return (*own, *(f.name for f in features), *(CALENDAR_FEATURE_NAMES if calendar else ()), _STEP_COLUMN)


def _check_design(season: int, calendar: bool) -> None:
    if isinstance(season, bool) or not isinstance(season, int | np.integer) or season < 1:
        raise ValueError(f"season must be an integer >= 1 (periods per season); got {season!r}")
    if calendar and season != SEASON:
        raise ValueError(f"calendar features are monthly (season {SEASON}); got season {season}: "
                         "pass calendar=False")


def _seasonal_offset(step: np.ndarray, season: int = SEASON) -> np.ndarray:
    """Periods back from the origin to the same period as the target, a whole number of seasons earlier
    (0 for season 1: the origin itself)."""
    return season * ((step + season - 1) // season) - step


def design_matrix(block: np.ndarray, steps: Sequence[int] | np.ndarray, origins: np.ndarray | None = None,
                  periods: np.ndarray | None = None, features: Sequence[Feature] | None = None,
                  training: bool = True, target: str = "level", max_rows: int | None = None,
                  seed: int = 0, season: int = SEASON, calendar: bool = True) -> DesignMatrix:
    """The design matrix of block [series, period] at `origins` (block columns; default every column) and
    `steps`. training=True keeps the rows whose target lies in the block and is observed; training=False
    keeps every row with a scale (targets may lie past the block: y is NaN there). features None:
    season_features(season). calendar=True (monthly only) adds the calendar of the target month from
    `periods` (month indices, history_periods); calendar=False has no calendar column.

    target "level": y = value / scale. target "seasonal_delta": y = (value - base) / scale with base the
    same month a whole number of seasons before the target (seasonal naive, known at the origin), else the
    value at the origin, else the scale: the model learns corrections to seasonal naive, so trends and
    regime shifts stay in reach of trees that cannot extrapolate. max_rows keeps a random sample (seeded)
    of that many rows before the features are gathered (a bound on memory and training time)."""
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}; got {target!r}")
    _check_design(season, calendar)
    features = season_features(season) if features is None else features
    block = np.ascontiguousarray(block, dtype=np.float32)
    n_series, n_months = block.shape
    steps = np.asarray(steps, dtype=np.int64)
    origins = np.arange(n_months, dtype=np.int64) if origins is None else np.asarray(origins, dtype=np.int64)

    values, _ = compute_features(block, features)  # [feature, series, period]
    scale = series_scale(block, scale_periods(season))  # [series, period]
    level = np.array([not isinstance(f, Growth) for f in features])

    # rows in (step, series, origin) order: each block is one step over the [series, origin] grid
    s_idx = np.broadcast_to(np.arange(n_series)[None, :, None], (steps.size, n_series, origins.size))
    o_idx = np.broadcast_to(origins[None, None, :], s_idx.shape)
    h_idx = np.broadcast_to(steps[:, None, None], s_idx.shape)
    target_col = o_idx + h_idx
    row_scale = scale[s_idx, o_idx]
    inside = target_col < n_months
    actual = np.full(s_idx.shape, np.nan, dtype=np.float32)
    actual[inside] = block[s_idx[inside], target_col[inside]]
    keep = ~np.isnan(row_scale) & (~np.isnan(actual) if training else True)
    kept = np.flatnonzero(keep.ravel())
    if max_rows is not None and kept.size > max_rows:
        kept = np.sort(np.random.default_rng(seed).choice(kept, size=max_rows, replace=False))
    s, o, h = s_idx.ravel()[kept], o_idx.ravel()[kept], h_idx.ravel()[kept]
    row_scale, actual = row_scale.ravel()[kept], actual.ravel()[kept]

    anchor_col = o - _seasonal_offset(h, season)
    anchor = np.where(anchor_col >= 0, block[s, np.maximum(anchor_col, 0)], np.nan)
    if target == "level":
        base = np.zeros_like(row_scale)
    else:
        base = np.where(np.isnan(anchor), block[s, o], anchor)
        base = np.where(np.isnan(base), row_scale, base)
    per_feature = values[:, s, o].T  # [row, feature]
    per_feature[:, level] /= row_scale[:, None]
    own = [block[s, o] / row_scale, *([anchor / row_scale] if season > 1 else [])]
    months = calendar_features(history_periods(periods, n_months, int(steps.max()))[o + h]) if calendar else {}
    X = np.column_stack([
        *own, per_feature, *(months[name] for name in CALENDAR_FEATURE_NAMES if calendar), h,
    ]).astype(np.float32)
    return DesignMatrix(X=X, y=((actual - base) / row_scale).astype(np.float32), scale=row_scale.astype(np.float32),
                        base=base.astype(np.float32),
                        series=s.astype(np.int64), origin=o.astype(np.int64), step=h.astype(np.int64),
                        names=design_names(features, season, calendar))
