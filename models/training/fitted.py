"""A trained metric: what it needs to recompute its published forecasts, and nothing it must refit.

`FittedMetric` holds the history blocks of every level, the champion of each level with its fitted
state (the XGBoost booster; Prophet's forecast, since refitting Prophet is slow and seeded anyway), the
reconciliation method and the conformal calibration of each level. `forecast_frame()` recomputes the
base forecasts, reconciles them and puts the intervals around them: the training publishes exactly
this, and the MLflow model (models.training.family_model) calls the same method after loading."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from khlang.domain.calendar import month_from_index
from models.evaluation.interval_scale import interval_scale
from models.evaluation.intervals import LEVELS, ConformalCalibration, prediction_intervals
from models.evaluation.metrics import mase_scale
from models.forecasters.candidates import training_baselines
from models.forecasters.combination import Combination
from models.forecasters.design import history_periods
from models.forecasters.xgb_global import XGBGlobalForecaster, _predict_direct, _predict_recursive
from models.hierarchy.matrix import Hierarchy
from models.hierarchy.reconcile import reconcile

__all__ = ["ENSEMBLE", "ENSEMBLE_MEMBERS", "LevelFit", "FittedMetric", "fill_base", "median_ensemble",
           "FORECAST_COLUMNS", "coherent", "seasonal_error_variances", "VARIANCE_WINDOW"]

ENSEMBLE = "ensemble"
VARIANCE_WINDOW = 36  # months of seasonal differences behind wls_var's per-node error variances
ENSEMBLE_MEMBERS = ("naive", "seasonal_naive", "seasonal_mean", "seasonal_drift", "xgb_global", "prophet")
_BASELINES = {m.name: m for m in training_baselines()}  # what `khlang train` fitted, rebuilt by name
FORECAST_COLUMNS = ["metric", "level", "key", "step", "period", "date", "forecast", "base_forecast",
                    "lo80", "hi80", "lo95", "hi95", "model"]


def median_ensemble(forecasts: dict[str, np.ndarray]) -> np.ndarray:
    """Median of the ensemble's members present in `forecasts` (NaN-aware: a member without a forecast
    for a cell is left out of that cell)."""
    members = [forecasts[name] for name in ENSEMBLE_MEMBERS if name in forecasts]
    if not members:
        raise ValueError(f"no ensemble member among {sorted(forecasts)}")
    stacked = np.stack(members)
    out = np.full(stacked.shape[1:], np.nan)
    some = ~np.isnan(stacked).all(axis=0)
    out[some] = np.nanmedian(stacked[:, some], axis=0)
    return out


def fill_base(h: Hierarchy, stacked: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Base forecasts ready to reconcile: a NaN takes the fallback's value (seasonal naive), a LAO still
    without one is 0, an aggregate still without one is the sum of its LAOs."""
    y = np.where(np.isnan(stacked), fallback, stacked)
    bottom = h.level_slice(h.bottom_level)
    y[bottom] = np.nan_to_num(y[bottom], nan=0.0)
    summed = h.aggregate(y[bottom])
    return np.where(np.isnan(y), summed, y)


def seasonal_error_variances(h: Hierarchy, blocks: dict[str, np.ndarray], window: int = VARIANCE_WINDOW) -> np.ndarray:
    """Per node [n_nodes] (stacked order), the mean squared in-sample error of seasonal naive
    (y[t] - y[t-12]) over the last `window` months of the history `blocks` (level -> [series, month]):
    the error variance wls_var weights each node's base forecast by, from history alone, so a backtest
    origin uses nothing after its cut. Gaps are skipped; a node without any difference (or a flat
    one) gets a tiny positive floor so the system stays non-singular."""
    parts = {}
    for level in h.levels:
        block = np.asarray(blocks[level], dtype=np.float64)
        diff = block[:, 12:] - block[:, :-12] if block.shape[1] > 12 else np.full((block.shape[0], 1), np.nan)
        recent = diff[:, -window:]
        counts = (~np.isnan(recent)).sum(axis=1)
        sums = np.nansum(recent * recent, axis=1)
        parts[level] = (h.keys(level), np.where(counts > 0, sums / np.maximum(counts, 1), np.nan))
    variances = h.stack(parts)
    positive = variances[np.isfinite(variances) & (variances > 0)]
    floor = positive.max() * 1e-8 if positive.size else 1.0
    return np.where(np.isfinite(variances) & (variances > floor), variances, floor)


def coherent(h: Hierarchy, base: np.ndarray, fallback: np.ndarray, method: str,
             blocks: dict[str, np.ndarray]) -> np.ndarray:
    """Stacked base forecasts [n_nodes, horizon] (NaN where a champion had none) reconciled with
    `method` and clipped at 0; `blocks` is the history the forecasts were made from (wls_var's
    variances come from it)."""
    stacked = fill_base(h, base, fallback)
    variances = seasonal_error_variances(h, blocks) if method == "wls_var" else None
    return reconcile(h, stacked, method, variances=variances, nonnegative=True).values


@dataclass(frozen=True)
class LevelFit:
    champion: str
    calibration: ConformalCalibration
    booster: Any = None  # xgboost.Booster when the champion uses XGBoost
    prophet: np.ndarray | None = None  # float64 [series, horizon] when the champion uses Prophet
    statistical: np.ndarray | None = None  # float64 [series, horizon] when the champion is a statistical model
    # when the champion is a combination of the registry (models.forecasters.candidates.training_combinations):
    # it, and the final forecasts of its statistical members (the others are recomputed as for any champion)
    combination: Combination | None = None
    members: dict[str, np.ndarray] | None = None


@dataclass(frozen=True)
class FittedMetric:
    metric: str
    hierarchy: Hierarchy
    periods: np.ndarray  # int64 month indices of the history
    blocks: dict[str, np.ndarray]  # level -> [series, month]
    horizon: int
    method: str  # reconciliation
    xgb: XGBGlobalForecaster  # the settings the boosters were trained with (features, target, strategy)
    levels: dict[str, LevelFit]

    @property
    def forecast_periods(self) -> np.ndarray:
        return int(self.periods[-1]) + np.arange(1, self.horizon + 1, dtype=np.int64)

    def _member(self, level: str, name: str) -> np.ndarray | None:
        block, fit = self.blocks[level], self.levels[level]
        if name in _BASELINES:
            return _BASELINES[name].fit_predict(block, self.horizon)
        if name == "xgb_global":
            if fit.booster is None:
                return None
            block32 = block.astype(np.float32)
            periods = history_periods(self.periods, block.shape[1], self.horizon)
            predict = _predict_direct if self.xgb.strategy == "direct" else _predict_recursive
            return predict(fit.booster, block32, self.horizon, periods, self.xgb.features, self.xgb.target)
        if name == "prophet":
            return fit.prophet
        if name == fit.champion and fit.statistical is not None:
            return fit.statistical
        if fit.members and name in fit.members:
            return fit.members[name]
        raise ValueError(f"unknown model {name!r}")

    def base_forecast(self, level: str) -> np.ndarray:
        """The champion's forecast of every series of a level: float64 [series, horizon]."""
        champion = self.levels[level].champion
        if champion == ENSEMBLE:
            members = {name: self._member(level, name) for name in ENSEMBLE_MEMBERS}
            return median_ensemble({name: f for name, f in members.items() if f is not None})
        combination = self.levels[level].combination
        if combination is not None:
            return combination.combine({name: self._member(level, name) for name in combination.members})
        forecast = self._member(level, champion)
        if forecast is None:
            raise ValueError(f"{self.metric}/{level}: champion {champion} has no fitted state")
        return forecast

    def forecast_arrays(self) -> dict[str, dict[str, np.ndarray]]:
        """level -> {forecast, base_forecast, lo80, hi80, lo95, hi95}: [series, horizon] each."""
        h = self.hierarchy
        base = {level: (h.keys(level), self.base_forecast(level)) for level in h.levels}
        fallback = {level: (h.keys(level), _BASELINES["seasonal_naive"].fit_predict(self.blocks[level], self.horizon))
                    for level in h.levels}
        values = coherent(h, h.stack(base), h.stack(fallback), self.method, self.blocks)
        out = {}
        for level, (_, forecast) in h.unstack(values).items():
            scale = self._interval_scale(level)
            arrays = {"forecast": forecast, "base_forecast": base[level][1]}
            for interval in LEVELS:
                lo, hi = prediction_intervals(forecast, scale, self.levels[level].calibration, interval,
                                              non_negative=True)
                pct = round(interval * 100)
                arrays[f"lo{pct}"], arrays[f"hi{pct}"] = lo, hi
            out[level] = arrays
        return out

    def _interval_scale(self, level: str) -> np.ndarray:
        """The scale the level's calibration divided its residuals by, for the forecast's steps
        (a model calibrated before month profiles existed has none: its plain MASE scale)."""
        if getattr(self.levels[level].calibration, "scale", "mase") == "mase_month":
            return interval_scale(self.blocks[level], self.periods, self.horizon)
        return mase_scale(self.blocks[level])

    def forecast_frame(self) -> pd.DataFrame:
        """One row per (level, series, step): FORECAST_COLUMNS."""
        periods = self.forecast_periods
        dates = pd.to_datetime([month_from_index(p) for p in periods])
        frames = []
        for level, arrays in self.forecast_arrays().items():
            keys = self.hierarchy.keys(level)
            n = len(keys)
            frame = pd.DataFrame({
                "metric": self.metric, "level": level,
                "key": np.repeat(keys, self.horizon).astype(np.int64),
                "step": np.tile(np.arange(1, self.horizon + 1, dtype=np.int64), n),
                "period": np.tile(periods, n).astype(np.int32),
                "date": np.tile(dates.values, n),
            })
            for name, values in arrays.items():
                frame[name] = np.asarray(values, dtype=np.float64).reshape(-1)
            frame["model"] = self.levels[level].champion
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)[FORECAST_COLUMNS]
