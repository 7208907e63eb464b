"""The statistical family: per-series models of Nixtla's statsforecast, a batch of series per engine task.

`StatisticalForecaster("auto_ets", season=12)` forecasts a dense [series, period] block (NaN = gap) with
one statsforecast model fitted to every series on its own. The block is cut into batches of rows and
`fit_predict_batch` (the partition function) runs on the engine handed in, or in this process without one;
each fit is deterministic, so Dask, Ray and in-process give the same forecasts.

Each series is prepared the way these models need it: leading gaps dropped (a series that starts late),
inner gaps filled by linear interpolation, and a series that ends before the block's last period is
forecast from its own last observation over the gap as well, so column k of the result is always the
k-th period after the block. A series too short for the seasonal model is fitted without the season;
one too short for that, or whose fit fails, gets the naive forecast, and the result says which.

Each forecast comes with the model's own spread: the standard error per step that its 80 % prediction
interval implies, (hi - lo) / (2 z_0.9) (exact for the Gaussian intervals of ETS, ARIMA and CES; Theta's
simulated interval read the same way; OWN_INTERVAL_MODELS). A naive fallback carries naive's own,
sigma_1 sqrt(h) with sigma_1 the root mean square of the first differences, as statsforecast's Naive; the
other models (CES, whose interval is simulated at many times its fit, and the intermittent ones) give NaN. The conformal layer may divide residuals by it instead of the MASE scale
(models.evaluation.own_scale).

AutoARIMA follows the rule of R's forecast::auto.arima (Hyndman & Khandakar 2008), which statsforecast
ports but leaves off: a series longer than 150 periods, or with a season over 12, searches its orders on
the conditional-sum-of-squares approximation and fits the chosen one by maximum likelihood. On 120 real
tourism series (a seeded sample, 187-333 months, h 24) that took 93 s of fits instead of 687 s, at a
holdout MASE of 1.499 instead of 1.517; on series of 150 periods or fewer with a season up to 12 nothing
changes.

    >>> import numpy as np
    >>> block = np.tile(np.r_[1.0, 2.0, 3.0, 2.0], (2, 6)) + np.arange(24)[None, :] * 0.1
    >>> StatisticalForecaster("auto_ets", seasons=4).fit_predict(block, 4).shape
    (2, 4)
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cluster.engine import IN_PROCESS, Engine, task_bounds
from models.forecasters.baselines import check_history

__all__ = ["STATISTICAL_MODELS", "INTERMITTENT_MODELS", "OWN_INTERVAL_MODELS", "StatisticalForecast",
           "StatisticalBatch",
           "StatisticalForecaster", "arima_approximation", "fit_predict_batch", "statsforecast_model",
           "naive_spread"]

# Khlang's name -> (statsforecast class name, whether it takes a season, least observations with a season)
_MODELS: dict[str, tuple[str, bool]] = {
    "auto_ets": ("AutoETS", True),
    "auto_theta": ("AutoTheta", True),
    "dynamic_theta": ("DynamicOptimizedTheta", True),
    "auto_arima": ("AutoARIMA", True),
    "auto_ces": ("AutoCES", True),
    "mstl": ("MSTL", True),
    "croston": ("CrostonOptimized", False),
    "adida": ("ADIDA", False),
    "imapa": ("IMAPA", False),
}
STATISTICAL_MODELS = tuple(_MODELS)
INTERMITTENT_MODELS = ("croston", "adida", "imapa")
# models whose own interval is read (closed form, or Theta's cheap simulation); CES simulates its interval at
# about 16 times the cost of its fit and the intermittent models state none: their spread is NaN
OWN_INTERVAL_MODELS = ("auto_ets", "auto_theta", "dynamic_theta", "auto_arima", "mstl")
_OWN_LEVEL = 80  # the interval the spread is read from
_Z_OWN = 1.2815515655446004  # the standard normal's 0.9 quantile: half of an 80 % interval in standard errors
_MIN_OBSERVED = 3  # fewer observations than this: naive
_SEASONS_NEEDED = 2  # full seasons before a seasonal model is fitted (else the same model without a season)
APPROXIMATE_LONGER_THAN, APPROXIMATE_SEASONS_OVER = 150, 12  # auto.arima's approximation rule (docstring)


def arima_approximation(n_observations: int, seasons: Sequence[int]) -> bool:
    """Whether AutoARIMA searches on the CSS approximation: R auto.arima's default rule (its season is the
    first of `seasons`, as statsforecast_model gives it)."""
    season = int(seasons[0]) if len(seasons) else 1
    return n_observations > APPROXIMATE_LONGER_THAN or season > APPROXIMATE_SEASONS_OVER


def statsforecast_model(name: str, seasons: Sequence[int], approximation: bool = False) -> object:
    """The statsforecast model object for Khlang's model name and the season lengths to use ([] = none;
    MSTL takes every season, the others the first); `approximation` is AutoARIMA's (arima_approximation)."""
    from statsforecast import models as sf

    if name not in _MODELS:
        raise ValueError(f"unknown statistical model {name!r}; one of {', '.join(STATISTICAL_MODELS)}")
    class_name, seasonal = _MODELS[name]
    cls = getattr(sf, class_name)
    if not seasonal:
        return cls()
    if name == "mstl":
        if not seasons:
            return sf.AutoETS(season_length=1)  # MSTL without a season is its trend model alone
        return cls(season_length=list(seasons), trend_forecaster=sf.AutoETS(model="ZZN"))
    if name == "auto_arima":
        return cls(season_length=int(seasons[0]) if seasons else 1, approximation=bool(approximation))
    return cls(season_length=int(seasons[0]) if seasons else 1)


@dataclass(frozen=True)
class StatisticalForecast:
    """What a statistical model leaves for a block (or one batch) of series."""

    forecast: np.ndarray  # float64 [series, horizon], the series' unit
    fallback: np.ndarray  # bool [series]: True where naive (too short, or the fit failed) stands in
    nonseasonal: np.ndarray  # bool [series]: fitted without its season (fewer than two seasons observed)
    spread: np.ndarray | None = None  # float64 [series, horizon]: the model's own standard error (docstring)

    def __post_init__(self) -> None:
        if self.spread is None:
            object.__setattr__(self, "spread", np.full(np.shape(self.forecast), np.nan))

    @classmethod
    def concat(cls, parts: Sequence[StatisticalForecast], horizon: int) -> StatisticalForecast:
        if not parts:
            return cls(np.empty((0, horizon)), np.empty(0, dtype=bool), np.empty(0, dtype=bool))
        return cls(np.concatenate([p.forecast for p in parts]), np.concatenate([p.fallback for p in parts]),
                   np.concatenate([p.nonseasonal for p in parts]), np.concatenate([p.spread for p in parts]))


@dataclass(frozen=True)
class StatisticalBatch:
    """One engine task: a few rows of the block and what to fit on them."""

    model: str
    seasons: tuple[int, ...]
    rows: np.ndarray  # float64 [series, period]
    horizon: int
    non_negative: bool = False
    own_spread: bool = True  # False: the caller calibrates its own intervals; the model's are not computed


def _prepared(row: np.ndarray) -> tuple[np.ndarray, int]:
    """The observed stretch of one series with inner gaps interpolated, and the periods between its last
    observation and the end of the block."""
    seen = np.flatnonzero(~np.isnan(row))
    if seen.size == 0:
        return np.empty(0), 0
    first, last = seen[0], seen[-1]
    values = row[first:last + 1].astype(np.float64)
    gaps = np.isnan(values)
    if gaps.any():
        positions = np.arange(values.size)
        values[gaps] = np.interp(positions[gaps], positions[~gaps], values[~gaps])
    return np.ascontiguousarray(values), row.size - 1 - last


def _fit_one(model: object, y: np.ndarray, steps: int, own: bool) -> tuple[np.ndarray, np.ndarray]:
    """The model's mean forecast and its own spread (NaN where it states no interval)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        result = model.forecast(y=y, h=steps, level=[_OWN_LEVEL]) if own else model.forecast(y=y, h=steps)
    mean = np.asarray(result["mean"], dtype=np.float64)
    if mean.shape != (steps,) or not np.isfinite(mean).all():
        raise ValueError("no finite forecast")
    spread = np.full(steps, np.nan)
    if own:
        width = (np.asarray(result[f"hi-{_OWN_LEVEL}"], dtype=np.float64)
                 - np.asarray(result[f"lo-{_OWN_LEVEL}"], dtype=np.float64)) / (2 * _Z_OWN)
        if width.shape == (steps,):
            spread = np.where(np.isfinite(width) & (width > 0), width, np.nan)
    return mean, spread


def naive_spread(y: np.ndarray, steps: int) -> np.ndarray:
    """Naive's own standard error per step, sigma_1 sqrt(h) (NaN under two observations or if flat)."""
    steps_ahead = np.sqrt(np.arange(1, steps + 1, dtype=np.float64))
    if y.size < 2:
        return np.full(steps, np.nan)
    sigma = float(np.sqrt(np.mean(np.diff(y) ** 2)))
    return sigma * steps_ahead if sigma > 0 else np.full(steps, np.nan)


def fit_predict_batch(batch: StatisticalBatch) -> StatisticalForecast:
    """The partition function: every series of the batch fitted on its own (see the module docstring)."""
    n_series, horizon = batch.rows.shape[0], batch.horizon
    forecast = np.full((n_series, horizon), np.nan)
    fallback = np.zeros(n_series, dtype=bool)
    nonseasonal = np.zeros(n_series, dtype=bool)
    spread = np.full((n_series, horizon), np.nan)
    own = batch.own_spread and batch.model in OWN_INTERVAL_MODELS
    models: dict[tuple[tuple[int, ...], bool], object] = {}  # (seasons used, approximation) -> model object

    def model_for(seasons: list[int], n_observations: int) -> object:
        approximate = batch.model == "auto_arima" and arima_approximation(n_observations, seasons)
        key = (tuple(seasons), approximate)
        if key not in models:
            models[key] = statsforecast_model(batch.model, seasons, approximation=approximate)
        return models[key]

    every = [s for s in batch.seasons if s > 1]
    for i in range(n_series):
        y, gap = _prepared(batch.rows[i])
        if y.size == 0:
            continue  # no observation: not forecast
        steps = horizon + gap
        usable = [s for s in batch.seasons if s > 1 and y.size >= _SEASONS_NEEDED * s]
        try:
            if y.size < _MIN_OBSERVED or np.ptp(y) == 0:
                raise ValueError("too short or flat")  # a flat series' forecast is itself: naive
            if usable == every:
                mean, sigma = _fit_one(model_for(list(batch.seasons), y.size), y, steps, own)
            else:
                nonseasonal[i] = True
                mean, sigma = _fit_one(model_for(usable, y.size), y, steps, own)
        except Exception:  # noqa: BLE001 - one series' failure must not end the batch: it is counted instead
            fallback[i] = True
            mean = np.full(steps, y[-1])
            sigma = naive_spread(y, steps) if own else np.full(steps, np.nan)
        forecast[i] = mean[gap:]
        spread[i] = sigma[gap:]
    if batch.non_negative:
        forecast = np.maximum(forecast, 0.0)
    return StatisticalForecast(forecast, fallback, nonseasonal, spread)


@dataclass(frozen=True)
class StatisticalForecaster:
    """Forecaster of one statsforecast model per series (module docstring). `seasons` are the season
    lengths in periods (12 monthly; MSTL takes several, e.g. 24 and 168 hourly); `name` defaults to the
    model's."""

    model: str
    seasons: tuple[int, ...] | int = (12,)
    batch_size: int = 32
    non_negative: bool = False  # clip forecasts at 0 (counts, tonnes, baht that cannot go below)
    alias: str | None = None
    own_spread: bool = True  # False: no model's own interval (spread NaN), for a caller with its own intervals

    def __post_init__(self) -> None:
        if self.model not in _MODELS:
            raise ValueError(f"unknown statistical model {self.model!r}; one of {', '.join(STATISTICAL_MODELS)}")
        seasons = (self.seasons,) if isinstance(self.seasons, int | np.integer) else tuple(self.seasons)
        if any(isinstance(s, bool) or int(s) < 1 for s in seasons):
            raise ValueError(f"seasons are periods >= 1; got {self.seasons!r}")
        object.__setattr__(self, "seasons", tuple(int(s) for s in seasons))
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1; got {self.batch_size}")

    @property
    def name(self) -> str:
        return self.alias or self.model

    def batches(self, history: np.ndarray, horizon: int, workers: int | None = None) -> list[StatisticalBatch]:
        """The engine tasks for a block, in row order (cluster.engine.task_bounds): at most batch_size rows
        each, shared evenly, fewer where an engine's `workers` would otherwise get under TASKS_PER_WORKER
        tasks each (one slow batch of a few hard series, seasonal ARIMA's, must not leave the other
        workers idle at the end of the map)."""
        block = check_history(history, horizon)
        return [StatisticalBatch(self.model, self.seasons, block[start:stop], int(horizon), self.non_negative,
                                 self.own_spread)
                for start, stop in task_bounds(block.shape[0], self.batch_size, workers)]

    def forecast(self, history: np.ndarray, horizon: int, engine: Engine = IN_PROCESS) -> StatisticalForecast:
        """Forecasts and fallbacks of every series of the block, a batch per task of the engine handed in."""
        batches = self.batches(history, horizon, engine.n_workers())
        return StatisticalForecast.concat(engine.map(fit_predict_batch, batches), horizon)

    def fit_predict(self, history: np.ndarray, horizon: int, engine: Engine = IN_PROCESS) -> np.ndarray:
        """float64 [series, horizon] forecasts for the periods after history [series, period]."""
        return self.forecast(history, horizon, engine).forecast
