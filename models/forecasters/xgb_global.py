"""Forecaster 'xgb_global': one XGBoost model over every series of a level, on the numba features.

The design matrix (models.forecasters.design) is cut from the history at its most recent origins; targets and
level-type features are divided by each series' scale as of the origin and multiplied back after
predicting. Strategies: 'direct' (one model with the step h as a feature, every h from one origin)
and 'recursive' (a one-step model fed its own forecasts). Training runs where the engine says: in
process with `xgboost.train` (the in-process engine, the reference), on a Dask cluster with
xgboost.dask (the design matrix spread over the workers), or in one Ray task: cluster.boosting's
per-engine adapters, behind `Engine.train_booster`.

Any frequency: `season` (periods per season: 12 monthly, 4 quarterly, 52 weekly, 7 daily, 24 hourly,
1 yearly) sets the default features (features.season_features), the scale window and the seasonal
column; `calendar` (monthly only) adds the Thai fiscal calendar of the target month. For example:

>>> import numpy as np
>>> hours = np.arange(24 * 14)
>>> block = np.outer(np.arange(1, 21), 2 + np.sin(2 * np.pi * hours / 24)).astype(np.float32)
>>> model = XGBGlobalForecaster(season=24, calendar=False, n_estimators=20)
>>> model.fit_predict(block, 24).shape
(20, 24)"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xgboost

from cluster.boosting import BoosterJob
from cluster.engine import IN_PROCESS, Engine
from features import Feature
from models.forecasters.baselines import check_history
from models.forecasters.design import DesignMatrix, design_matrix, design_names, history_periods

__all__ = ["STRATEGIES", "DEFAULT_PARAMS", "XGBGlobalFit", "XGBGlobalForecaster", "train_booster",
           "gain_importance"]

STRATEGIES = ("direct", "recursive")
DEFAULT_PARAMS: Mapping[str, Any] = {
    "max_depth": 6, "learning_rate": 0.1, "subsample": 0.8, "colsample_bytree": 0.8, "min_child_weight": 5.0,
    "objective": "reg:squarederror",
}


@dataclass(frozen=True)
class XGBGlobalFit:
    """A fitted model and its forecast: float64 [series, horizon] in the series' unit, gain per feature."""

    forecast: np.ndarray
    booster: xgboost.Booster
    importance: dict[str, float]  # total gain per design column, 0 for a column no split used
    n_rows: int  # training rows of the design matrix
    train_seconds: float


@dataclass(frozen=True)
class XGBGlobalForecaster:
    """Forecaster 'xgb_global' (see the module docstring). season: periods per season (12 monthly).
    calendar: the Thai fiscal calendar columns (monthly only; False for any other season). periods are
    the month indices of the block's columns (a shorter history is its first columns); without them,
    months from January 1970; unused without a calendar. features None: season_features(season).
    max_origins keeps the most recent origins of the history for training (None: all of them)."""

    strategy: str = "direct"
    params: Mapping[str, Any] = field(default_factory=lambda: dict(DEFAULT_PARAMS))
    n_estimators: int = 200
    seed: int = 0
    n_threads: int = 1  # per fit (per Dask worker); fixed so the same seed gives the same trees
    max_origins: int | None = 48
    target: str = "level"  # or "seasonal_delta": learn corrections to seasonal naive (models.forecasters.design)
    max_rows: int | None = None  # a seeded random sample of the training rows (bounds memory and time)
    features: Sequence[Feature] | None = None
    periods: np.ndarray | None = field(default=None, compare=False, repr=False)
    season: int = 12
    calendar: bool = True

    name = "xgb_global"

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}; got {self.strategy!r}")
        for label, value in (("n_estimators", self.n_estimators), ("n_threads", self.n_threads),
                             ("max_origins", 1 if self.max_origins is None else self.max_origins)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{label} must be an integer >= 1; got {value!r}")
        design_names(self.features, self.season, self.calendar)  # refuses a bad season or calendar

    def fit_predict(self, history: np.ndarray, horizon: int, engine: Engine = IN_PROCESS) -> np.ndarray:
        """float64 [series, horizon] forecasts for the periods after history [series, period]."""
        return self.fit(history, horizon, engine).forecast

    def fit(self, history: np.ndarray, horizon: int, engine: Engine = IN_PROCESS) -> XGBGlobalFit:
        """Train on the history's design matrix, where the engine says, and forecast from its last period."""
        block = check_history(history, horizon).astype(np.float32)
        n_months = block.shape[1]
        periods = history_periods(self.periods if self.calendar else None, n_months, horizon)
        steps = np.arange(1, horizon + 1) if self.strategy == "direct" else np.array([1])
        train = design_matrix(block, steps, _training_origins(n_months, self.max_origins), periods, self.features,
                              target=self.target, max_rows=self.max_rows, seed=self.seed, season=self.season,
                              calendar=self.calendar)
        if train.y.size == 0:
            raise ValueError("the history holds no training row (too short or empty)")
        started = time.perf_counter()
        booster = train_booster(train, engine, self.booster_params(), self.n_estimators)
        seconds = time.perf_counter() - started
        forecast = self.predict(booster, block, horizon)
        return XGBGlobalFit(forecast=forecast, booster=booster, importance=gain_importance(booster, train.names),
                            n_rows=int(train.y.size), train_seconds=seconds)

    def predict(self, booster: xgboost.Booster, history: np.ndarray, horizon: int) -> np.ndarray:
        """float64 [series, horizon] forecasts after history [series, period] from a booster: the fit's own
        history, or a later one (a longer cut of the same block), so a backtest can reuse one fit."""
        block = check_history(history, horizon).astype(np.float32)
        periods = history_periods(self.periods if self.calendar else None, block.shape[1], horizon)
        predict = _predict_direct if self.strategy == "direct" else _predict_recursive
        return predict(booster, block, horizon, periods, self.features, self.target, self.season, self.calendar)

    def booster_params(self) -> dict[str, Any]:
        """xgboost.train parameters: the model's params, hist trees, the seed and a fixed thread count."""
        return {**DEFAULT_PARAMS, **self.params, "tree_method": "hist", "seed": self.seed, "nthread": self.n_threads}


def _training_origins(n_months: int, max_origins: int | None) -> np.ndarray:
    """Origins with at least one target inside the history, the most recent max_origins of them."""
    last = n_months - 1  # the last origin with a target in the history is n_months - 2
    first = 0 if max_origins is None else max(0, last - max_origins)
    return np.arange(first, last, dtype=np.int64)


def _predict_rows(booster: xgboost.Booster, rows: DesignMatrix) -> np.ndarray:
    """float64 [row] predictions in the series' unit."""
    scaled = booster.predict(xgboost.DMatrix(rows.X, feature_names=list(rows.names)))
    return scaled.astype(np.float64) * rows.scale.astype(np.float64) + rows.base.astype(np.float64)


def _predict_direct(booster: xgboost.Booster, block: np.ndarray, horizon: int, periods: np.ndarray,
                    features: Sequence[Feature] | None, target: str = "level", season: int = 12,
                    calendar: bool = True) -> np.ndarray:
    rows = design_matrix(block, np.arange(1, horizon + 1), np.array([block.shape[1] - 1]), periods, features,
                         training=False, target=target, season=season, calendar=calendar)
    forecast = np.full((block.shape[0], horizon), np.nan)
    forecast[rows.series, rows.step - 1] = _predict_rows(booster, rows)
    return forecast


def _predict_recursive(booster: xgboost.Booster, block: np.ndarray, horizon: int, periods: np.ndarray,
                       features: Sequence[Feature] | None, target: str = "level", season: int = 12,
                       calendar: bool = True) -> np.ndarray:
    n_series, n_months = block.shape
    extended = np.concatenate([block, np.full((n_series, horizon), np.nan, dtype=np.float32)], axis=1)
    for k in range(horizon):
        # the features of origin n_months - 1 + k see the forecasts of the k months before it
        rows = design_matrix(extended[:, :n_months + k], [1], np.array([n_months - 1 + k]), periods, features,
                             training=False, target=target, season=season, calendar=calendar)
        extended[rows.series, n_months + k] = _predict_rows(booster, rows)
    return extended[:, n_months:].astype(np.float64)


def gain_importance(booster: xgboost.Booster, names: Sequence[str]) -> dict[str, float]:
    """Total gain of the splits on each design column (0 where none), by column name."""
    gain = booster.get_score(importance_type="total_gain")
    return {name: float(gain.get(name, 0.0)) for name in names}


# --- training where the engine says ---------------------------------------------------------------

def train_booster(train: DesignMatrix, engine: Engine, params: Mapping[str, Any],
                  n_estimators: int) -> xgboost.Booster:
    """A booster fitted to the design matrix where the engine says (cluster.boosting's adapters): in
    this process (the reference), on Dask workers, or in one Ray task."""
    job = BoosterJob(train.X, train.y, tuple(train.names), dict(params), n_estimators)
    return engine.train_booster(job)
