"""The normaliser of conformal scores: each series' MASE scale times its level's month profile of error.

Split-conformal intervals (models.evaluation.intervals) pool |residual| / scale over series and origins per
horizon step. With the plain MASE scale a step mixes target months: origins six months apart put
step 3 on January at one origin and on July at the next, and in the fiscal calendar those months
differ (investment spending lands in a few months of the year, allowance entrants in October). A
step's quantile then sits between a quiet month's and a busy month's, and the held-out origin whose
step hits the busy month is under-covered (budget_investment at the LAO level: 74 % for a nominal 80 %).

`month_profile` measures, from history only, how large a seasonal-naive error is in each calendar
month relative to the series' own mean: per series |y[t] - y[t-12]| / mean, averaged over every
series of the level (so one LAO's odd year weighs little) and every year, normalised to mean 1.
`interval_scale` multiplies each series' MASE scale by the profile of the month each step lands on,
so a score is comparable across target months and the step's quantile is one distribution's. A
month without any observed difference gets 1 (no information); a month below `PROFILE_FLOOR` of the
mean month is lifted to it (then all renormalised to mean 1), so a month whose past differences were
all zero still gets an interval."""

from __future__ import annotations

import numpy as np

from models.evaluation.metrics import SEASON, mase_scale

__all__ = ["PROFILE_FLOOR", "month_profile", "interval_scale"]

PROFILE_FLOOR = 0.05


def month_profile(history: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """float64 [12]: relative seasonal-naive error per calendar month (index 0 = January), mean 1.

    history is [series, month] with NaN gaps; periods [month] the month indices of its columns
    (khlang.domain.calendar.month_index: index % 12 is the calendar month, 0 = January)."""
    block = np.asarray(history, dtype=np.float64)
    return _profile(block, np.asarray(periods, dtype=np.int64), mase_scale(block))


def _profile(block: np.ndarray, periods: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """month_profile of a float64 block whose MASE scale per series is already known."""
    if block.ndim != 2 or periods.shape != block.shape[1:]:
        raise ValueError(f"history [series, month] and periods [month]; got {block.shape}, {periods.shape}")
    if block.shape[1] <= SEASON:
        return np.ones(SEASON)
    relative = np.abs(block[:, SEASON:] - block[:, :-SEASON]) / np.where(scale > 0, scale, np.nan)[:, None]
    month = periods[SEASON:] % SEASON
    profile = np.ones(SEASON)
    for m in range(SEASON):
        values = relative[:, month == m]
        if np.isfinite(values).any():
            profile[m] = np.nanmean(values)
    profile = np.maximum(profile / profile.mean(), PROFILE_FLOOR)
    return profile / profile.mean()


def interval_scale(history: np.ndarray, periods: np.ndarray, horizon: int) -> np.ndarray:
    """float64 [series, horizon]: mase_scale of each series × the profile of each step's target month
    (the months after periods[-1]); NaN where the MASE scale is undefined."""
    block = np.asarray(history, dtype=np.float64)
    periods = np.asarray(periods, dtype=np.int64)
    scale = mase_scale(block)
    profile = _profile(block, periods, scale)
    if not periods.size:
        return np.full((block.shape[0], int(horizon)), np.nan)
    targets = (int(periods[-1]) + np.arange(1, int(horizon) + 1)) % SEASON
    return scale[:, None] * profile[targets][None, :]
