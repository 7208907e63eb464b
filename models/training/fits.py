"""The cluster's part of training one metric: every heavy fit of the backtest and the final fit, in one
engine map, parsed back into [origin, series, step] forecasts per level and model.

One map per metric: an XGBoost fit per level at every `TrainConfig.xgb_refit`-th backtest origin (the
fit also forecasts from the origins up to the next refit, from their data: it saw none of it) and the
final fit of each level (each fit single-threaded and seeded, so Dask, Ray and in-process give the same trees), Prophet's batches at the
levels of `TrainConfig.prophet_levels` (models.forecasters.prophet) and the statistical family's at the
levels of `TrainConfig.statistical_levels`, for every origin and the final history. The blocks travel to
the cluster once per map, not once per task. What the client does with the fits (baselines, champions,
reconciliation, intervals) is models.training.train."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from cluster.engine import IN_PROCESS, Engine
from khlang.config import TrainConfig
from khlang.domain.calendar import fiscal_month, month_from_index
from models.evaluation.backtest import origin_cuts
from models.forecasters.prophet import ProphetBatch, ProphetForecast, ProphetForecaster, fit_predict_batch
from models.forecasters.statistical import StatisticalBatch, StatisticalForecast, StatisticalForecaster
from models.forecasters.statistical import fit_predict_batch as statistical_batch
from models.forecasters.xgb_global import XGBGlobalForecaster
from models.training.history import MetricHistory

__all__ = ["SEASON", "MetricFits", "fit_metric", "forecast_horizon", "xgb_spec", "xgb_tasks"]

SEASON = 12  # the families are monthly


def forecast_horizon(last_period: int, horizon: int = 0) -> int:
    """Months to forecast after the month index `last_period`: `horizon` if given, else the rest of the
    fiscal year of the next month and all of the fiscal year after it (13 to 24 months)."""
    if horizon:
        return int(horizon)
    first = month_from_index(int(last_period) + 1)
    return 12 - fiscal_month(first.month) + 1 + 12


def xgb_spec(config: TrainConfig, periods: np.ndarray) -> XGBGlobalForecaster:
    return XGBGlobalForecaster(periods=periods, n_estimators=config.xgb_estimators, seed=config.seed,
                               max_origins=config.xgb_max_origins, max_rows=config.xgb_max_rows,
                               target=config.xgb_target)


@dataclass(frozen=True)
class MetricFits:
    """What the cluster computed for one metric: forecasts [origin, series, step] at the backtest's cuts
    and [series, step] from the whole history, per level (XGBoost, Prophet) or (level, model) (the
    statistical family), with the fitted state the published model keeps."""

    history: MetricHistory
    config: TrainConfig
    horizon: int
    cuts: np.ndarray
    spec: XGBGlobalForecaster
    xgb_backtest: dict[str, np.ndarray]
    xgb_final: dict[str, np.ndarray]
    boosters: dict[str, Any]
    importance: dict[str, dict[str, float]]
    prophet_backtest: dict[str, np.ndarray]
    prophet_final: dict[str, np.ndarray]
    statistical_backtest: dict[tuple[str, str], np.ndarray]
    statistical_final: dict[tuple[str, str], np.ndarray]
    seconds: float  # the map, from the first task built to the last result parsed


@dataclass(frozen=True)
class _XgbTask:
    level: str
    origins: tuple[int, ...]  # positions of the cuts it forecasts from, earliest first; (-1,) for the final fit
    cuts: tuple[int, ...]  # months of the level's block at each: the fit sees the first cut's
    horizon: int
    spec: XGBGlobalForecaster  # settings only: the fit runs inside the task, in its process


def xgb_tasks(level: str, cuts: np.ndarray, refit: int, horizon: int,
              spec: XGBGlobalForecaster) -> list[_XgbTask]:
    """The backtest's XGBoost fits of a level: one at every refit-th cut, forecasting from that cut and
    the ones after it up to the next fit (mlforecast's `refit`: an older model on newer data, never the
    reverse)."""
    return [_XgbTask(level, tuple(range(first, min(first + refit, len(cuts)))),
                     tuple(int(cut) for cut in cuts[first:first + refit]), horizon, spec)
            for first in range(0, len(cuts), refit)]


def _cluster_task(task: _XgbTask | ProphetBatch | StatisticalBatch, blocks: dict[str, np.ndarray]) -> Any:
    """The partition function of training: an XGBoost fit (level, origins, a forecast per origin, and for
    the final fit its booster and gain, None for a backtest fit), a
    Prophet batch (models.forecasters.prophet.fit_predict_batch) or a batch of the statistical family
    (models.forecasters.statistical.fit_predict_batch)."""
    if isinstance(task, ProphetBatch):
        return fit_predict_batch(task)
    if isinstance(task, StatisticalBatch):
        return statistical_batch(task)
    block = blocks[task.level]
    fit = task.spec.fit(block[:, :task.cuts[0]], task.horizon)
    forecasts = [fit.forecast, *(task.spec.predict(fit.booster, block[:, :cut], task.horizon) for cut in task.cuts[1:])]
    if task.origins[0] >= 0:  # a backtest fit: its booster is not kept
        return task.level, task.origins, forecasts, None, None
    return task.level, task.origins, forecasts, fit.booster, fit.importance


def fit_metric(history: MetricHistory, config: TrainConfig, engine: Engine = IN_PROCESS,
               progress: Callable[[str], None] | None = None) -> MetricFits:
    """Every heavy fit of one metric in one map on `engine` (see the module docstring)."""
    say = progress or (lambda message: None)
    started = time.perf_counter()
    horizon = forecast_horizon(int(history.periods[-1]), config.horizon)
    cuts = origin_cuts(history.n_months, horizon, config.n_origins, config.step)
    spec = xgb_spec(config, history.periods)
    blocks = {level: history.blocks[level].astype(np.float32) for level in history.levels}
    tasks: list[_XgbTask | ProphetBatch | StatisticalBatch] = [
        task for level in history.levels for task in xgb_tasks(level, cuts, config.xgb_refit, horizon, spec)]
    tasks += [_XgbTask(level, (-1,), (history.n_months,), horizon, spec) for level in history.levels]
    n_xgb = len(tasks)
    prophet = ProphetForecaster(periods=history.periods, non_negative=True, seed=config.seed)
    prophet_jobs = []  # (level, origin or -1 for the final fit, how many batches)
    for level in (level for level in history.levels if level in config.prophet_levels):
        for o, cut in enumerate([*cuts, history.n_months]):
            batches = prophet.batches(history.blocks[level][:, :cut], horizon)
            prophet_jobs.append((level, o if o < len(cuts) else -1, len(batches)))
            tasks += batches
    n_prophet = len(tasks)
    statistical_jobs = []  # (level, model, origin or -1, how many batches)
    for level in (level for level in history.levels if level in config.statistical_levels):
        for model in config.statistical_models:
            forecaster = StatisticalForecaster(model, SEASON, non_negative=True)
            for o, cut in enumerate([*cuts, history.n_months]):
                batches = forecaster.batches(history.blocks[level][:, :cut], horizon)
                statistical_jobs.append((level, model, o if o < len(cuts) else -1, len(batches)))
                tasks += batches
    fitted = ["XGBoost", *(["Prophet"] if prophet_jobs else []), *(["statistical"] if statistical_jobs else [])]
    say(f"{history.metric}: fits of {', '.join(fitted)}")
    results = engine.map(_cluster_task, tasks, blocks=blocks)

    xgb_backtest = {level: np.empty((len(cuts), len(history.keys(level)), horizon)) for level in history.levels}
    xgb_final, boosters, importance = {}, {}, {}
    for level, origins, forecasts, booster, gain in results[:n_xgb]:
        if origins[0] < 0:
            xgb_final[level], boosters[level], importance[level] = forecasts[0], booster, gain
        else:
            for origin, forecast in zip(origins, forecasts, strict=True):
                xgb_backtest[level][origin] = forecast
    prophet_backtest = {level: np.empty((len(cuts), len(history.keys(level)), horizon)) for level, _, _ in prophet_jobs}
    prophet_final, start = {}, n_xgb
    for level, origin, n_batches in prophet_jobs:
        forecast = ProphetForecast.concat(results[start:start + n_batches], horizon).forecast
        start += n_batches
        if origin < 0:
            prophet_final[level] = forecast
        else:
            prophet_backtest[level][origin] = forecast
    statistical_backtest = {(level, model): np.empty((len(cuts), len(history.keys(level)), horizon))
                            for level, model, _, _ in statistical_jobs}
    statistical_final, start = {}, n_prophet
    for level, model, origin, n_batches in statistical_jobs:
        forecast = StatisticalForecast.concat(results[start:start + n_batches], horizon).forecast
        start += n_batches
        if origin < 0:
            statistical_final[level, model] = forecast
        else:
            statistical_backtest[level, model][origin] = forecast
    return MetricFits(history=history, config=config, horizon=horizon, cuts=cuts, spec=spec,
                      xgb_backtest=xgb_backtest, xgb_final=xgb_final, boosters=boosters, importance=importance,
                      prophet_backtest=prophet_backtest, prophet_final=prophet_final,
                      statistical_backtest=statistical_backtest, statistical_final=statistical_final,
                      seconds=time.perf_counter() - started)
