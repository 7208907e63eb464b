"""Baseline forecasters over a dense [series, month] block (NaN = gap): naive, seasonal naive, mean.

Every forecaster takes the history block [series, month] (float32 from the panel, any float works)
and a horizon h >= 1 and returns float64 forecasts [series, h] for the h months after the block's
last month, in the series' unit. The engine is an argument of every fit (`fit_predict(history, h, engine)`,
default the in-process engine), never part of a model's settings. A series with no observation in its history is forecast NaN."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from cluster.engine import IN_PROCESS, Engine

__all__ = ["Forecaster", "fit_on", "takes_engine", "Naive", "SeasonalNaive", "SeasonalDrift", "SeasonalMean", "HistoricMean", "RecentMedian", "Drift", "BASELINES", "check_history"]

SEASON = 12  # months in a year: the seasonal period of the monthly panels


@runtime_checkable
class Forecaster(Protocol):
    """Anything that forecasts a block: the backtest accepts any object of this shape."""

    # read-only in the protocol, so a plain attribute, a dataclass field or a property all conform
    @property
    def name(self) -> str: ...

    def fit_predict(self, history: np.ndarray, horizon: int, engine: Engine = IN_PROCESS) -> np.ndarray:
        """float64 [series, horizon] forecasts for the months after history [series, month], fitted on the
        engine handed in (a baseline needs none: it forecasts in this process)."""
        ...


def takes_engine(method: Callable[..., Any]) -> bool:
    """Whether a forecaster's method takes the engine (Khlang's do; one of your own may not)."""
    try:
        parameters = inspect.signature(method).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "engine" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def fit_on(model: Forecaster, history: np.ndarray, horizon: int, engine: Engine = IN_PROCESS) -> np.ndarray:
    """model.fit_predict(history, horizon, engine=engine); a forecaster of your own whose fit_predict takes
    no engine is fitted in this process, as it was written to be."""
    if takes_engine(model.fit_predict):
        return model.fit_predict(history, horizon, engine=engine)
    return model.fit_predict(history, horizon)


def check_history(history: np.ndarray, horizon: int) -> np.ndarray:
    """The history as a float64 [series, month] array; ValueError on a bad shape or horizon."""
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ValueError(f"horizon must be an integer >= 1 month; got {horizon!r}")
    block = np.asarray(history, dtype=np.float64)
    if block.ndim != 2:
        raise ValueError(f"a history block is [series, month]; got shape {block.shape}")
    return block


def _last_observed(block: np.ndarray) -> np.ndarray:
    """The last non-NaN value of each row, NaN for a row without one."""
    observed = ~np.isnan(block)
    n_months = block.shape[1]
    if n_months == 0:
        return np.full(block.shape[0], np.nan)
    last = n_months - 1 - np.argmax(observed[:, ::-1], axis=1)
    values = block[np.arange(block.shape[0]), last]
    return np.where(observed.any(axis=1), values, np.nan)


@dataclass(frozen=True)
class Naive:
    """Every future month = the last observed month."""

    name: str = "naive"

    def fit_predict(self, history: np.ndarray, horizon: int, engine: Engine = IN_PROCESS) -> np.ndarray:
        block = check_history(history, horizon)
        return np.repeat(_last_observed(block)[:, None], horizon, axis=1)


@dataclass(frozen=True)
class SeasonalNaive:
    """Each future month = the same month one season earlier, recursively (month T+j takes the value
    of month T+j-period, itself a forecast when j >= period); where that month is a gap or before
    the history starts, the naive forecast (last observed value) stands in."""

    period: int = SEASON

    def __post_init__(self) -> None:
        if isinstance(self.period, bool) or not isinstance(self.period, int | np.integer) or self.period < 1:
            raise ValueError(f"period must be an integer >= 1 month; got {self.period!r}")

    @property
    def name(self) -> str:
        return "seasonal_naive" if self.period == SEASON else f"seasonal_naive_{self.period}"

    def fit_predict(self, history: np.ndarray, horizon: int, engine: Engine = IN_PROCESS) -> np.ndarray:
        block = check_history(history, horizon)
        n_series, n_months = block.shape
        naive = _last_observed(block)
        # the last season of history, padded with NaN on the left when the history is shorter
        season = np.full((n_series, self.period), np.nan)
        take = min(self.period, n_months)
        if take:
            season[:, self.period - take:] = block[:, n_months - take:]
        season = np.where(np.isnan(season), naive[:, None], season)
        return np.tile(season, (1, -(-horizon // self.period)))[:, :horizon]


@dataclass(frozen=True)
class HistoricMean:
    """Every future month = the mean of all observed months of the history."""

    name: str = "historic_mean"

    def fit_predict(self, history: np.ndarray, horizon: int, engine: Engine = IN_PROCESS) -> np.ndarray:
        block = check_history(history, horizon)
        observed = ~np.isnan(block)
        count = observed.sum(axis=1)
        total = np.where(observed, block, 0.0).sum(axis=1)
        mean = np.full(block.shape[0], np.nan)
        np.divide(total, count, out=mean, where=count > 0)
        return np.repeat(mean[:, None], horizon, axis=1)


@dataclass(frozen=True)
class RecentMedian:
    """Every future period = the median of the observed values of the last `window` periods (naive where
    the window holds none). The point forecast an absolute-error score (MASE, MAE) rewards, where the mean
    is not: on intermittent series, whose median is often 0, far below the rate that Croston, ADIDA and
    IMAPA estimate. Its forecasts sum low (the bias column says how much): for totals, take a mean."""

    window: int = 2 * SEASON

    def __post_init__(self) -> None:
        if isinstance(self.window, bool) or not isinstance(self.window, int | np.integer) or self.window < 1:
            raise ValueError(f"window must be an integer >= 1 period; got {self.window!r}")

    name = "recent_median"

    def fit_predict(self, history: np.ndarray, horizon: int, engine: Engine = IN_PROCESS) -> np.ndarray:
        block = check_history(history, horizon)
        recent = block[:, max(0, block.shape[1] - self.window):]
        level = _last_observed(block)
        some = (~np.isnan(recent)).any(axis=1)
        if some.any():
            level[some] = np.nanmedian(recent[some], axis=1)
        return np.repeat(level[:, None], horizon, axis=1)


BASELINES: tuple[Forecaster, ...] = (Naive(), SeasonalNaive(), HistoricMean())


@dataclass(frozen=True)
class SeasonalDrift:
    """Seasonal naive plus the recent yearly change: month T+j = the same month k = ceil(j / period)
    seasons earlier + k x d, where d is the median of y[t] - y[t - period] over the last `period` months
    whose both ends are observed (0 where none are): the median, so one step change in the window (a new
    rate taking effect) does not become a trend. For series that grow or shrink steadily (allowance
    recipients, nominal budgets) where seasonal naive lags a year or two behind."""

    period: int = SEASON

    name = "seasonal_drift"

    def fit_predict(self, history: np.ndarray, horizon: int, engine: Engine = IN_PROCESS) -> np.ndarray:
        block = check_history(history, horizon)
        n_months = block.shape[1]
        season = SeasonalNaive(self.period).fit_predict(block, horizon)
        change = np.full((block.shape[0], 0), np.nan)
        if n_months > self.period:
            recent = block[:, max(self.period, n_months - self.period):]
            before = block[:, max(0, n_months - 2 * self.period):n_months - self.period]
            change = recent - before
        drift = np.zeros(block.shape[0])
        some = (~np.isnan(change)).any(axis=1)
        if some.any():
            drift[some] = np.nanmedian(change[some], axis=1)
        seasons = (np.arange(horizon) // self.period + 1).astype(np.float64)
        return season + drift[:, None] * seasons[None, :]


@dataclass(frozen=True)
class SeasonalMean:
    """Recent level x seasonal profile: month T+j = (mean of the last `period` observed months) x the
    mean, over the last `seasons` seasons, of that month's ratio to its season's mean. Averaging over
    years and months takes most of the month-to-month noise out of both; where no ratio can be formed
    the profile is 1 (flat)."""

    period: int = SEASON
    seasons: int = 3

    name = "seasonal_mean"

    def fit_predict(self, history: np.ndarray, horizon: int, engine: Engine = IN_PROCESS) -> np.ndarray:
        block = check_history(history, horizon)
        n_series, n_months = block.shape
        take = min(n_months, self.period * self.seasons)
        window = np.full((n_series, self.period * self.seasons), np.nan)
        if take:
            window[:, window.shape[1] - take:] = block[:, n_months - take:]
        years = window.reshape(n_series, self.seasons, self.period)  # [series, season, position]
        seen = ~np.isnan(years)
        season_mean = np.full((n_series, self.seasons, 1), np.nan)
        np.divide(np.where(seen, years, 0.0).sum(axis=2, keepdims=True), seen.sum(axis=2, keepdims=True),
                  out=season_mean, where=seen.any(axis=2, keepdims=True))
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = years / np.where(season_mean == 0, np.nan, season_mean)
        counted = ~np.isnan(ratio)
        profile = np.ones((n_series, self.period))
        sums = np.where(counted, ratio, 0.0).sum(axis=1)
        counts = counted.sum(axis=1)
        np.divide(sums, counts, out=profile, where=counts > 0)
        recent = years[:, -1, :]
        observed = ~np.isnan(recent)
        level = np.full(n_series, np.nan)
        np.divide(np.where(observed, recent, 0.0).sum(axis=1), observed.sum(axis=1), out=level,
                  where=observed.any(axis=1))
        # the last season's mean is of its own months' profile: divide it out before applying the profile
        recent_profile = np.where(observed, profile, 0.0).sum(axis=1)
        np.divide(level * observed.sum(axis=1), recent_profile, out=level, where=recent_profile > 0)
        positions = (np.arange(horizon) + n_months) % self.period
        # window position p holds months congruent to n_months - period * seasons + p (mod period)
        offset = (n_months - self.period * self.seasons) % self.period
        forecast = level[:, None] * profile[:, (positions - offset) % self.period]
        fallback = Naive().fit_predict(block, horizon)
        return np.where(np.isnan(forecast), fallback, forecast)


@dataclass(frozen=True)
class Drift:
    """Random walk with drift: the last observed value + k x the mean one-step change of the history,
    k periods after that observation; (last - first) / (their distance), which is that mean across gaps
    too. A single observation has no drift (naive)."""

    name: str = "drift"

    def fit_predict(self, history: np.ndarray, horizon: int, engine: Engine = IN_PROCESS) -> np.ndarray:
        block = check_history(history, horizon)
        n_series, n_periods = block.shape
        if n_periods == 0:
            return np.full((n_series, horizon), np.nan)
        observed = ~np.isnan(block)
        first = np.argmax(observed, axis=1)
        last = n_periods - 1 - np.argmax(observed[:, ::-1], axis=1)
        rows = np.arange(n_series)
        last_value = np.where(observed.any(axis=1), block[rows, last], np.nan)
        span = (last - first).astype(np.float64)
        slope = np.zeros(n_series)
        np.divide(block[rows, last] - block[rows, first], span, out=slope, where=span > 0)
        ahead = (n_periods - 1 - last)[:, None] + np.arange(1, horizon + 1)[None, :]
        return last_value[:, None] + slope[:, None] * ahead
