"""Prophet, one model per series, fitted a batch of series per task on the cluster engine.

`fit_predict_batch` is the partition function: it fits every series of one small batch in turn (Stan's
optimizer through cmdstanpy, a fixed seed, no uncertainty draws) and forecasts the months after the
history. `ProphetForecaster` cuts a [series, month] block into batches and maps that function on the
engine it is handed, or runs it in-process without one (the reference path). Series with fewer than
`min_observed` observed months, or whose fit fails, get the seasonal-naive forecast instead, and the
result says which. Point forecasts only: intervals come from conformal calibration (models.evaluation.intervals)."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cluster.engine import IN_PROCESS, Engine, task_bounds
from khlang.domain.calendar import month_from_index
from models.forecasters.baselines import SeasonalNaive, check_history

__all__ = ["MIN_OBSERVED", "ProphetForecast", "ProphetBatch", "ProphetForecaster", "fit_predict_batch",
           "prophet_path"]

MIN_OBSERVED = 24  # months: two full seasons, the least a yearly seasonality is worth fitting on
_GROWTHS = ("linear", "flat")  # logistic growth needs a capacity per series, which the panels do not carry
_QUIET_LOGGERS = {"cmdstanpy": logging.ERROR, "prophet": logging.ERROR,
                  "prophet.plot": logging.CRITICAL}  # "Importing plotly failed" on every fresh worker


@dataclass(frozen=True)
class ProphetForecast:
    """What a Prophet run leaves for a block (or one batch) of series."""

    forecast: np.ndarray  # float64 [series, horizon], the series' unit
    residual_variance: np.ndarray  # float64 [series]: mean squared in-sample residual (unit²); NaN = fallback
    fallback: np.ndarray  # bool [series]: True where the seasonal-naive forecast stands in for Prophet

    @property
    def n_fallbacks(self) -> int:
        return int(self.fallback.sum())

    @classmethod
    def concat(cls, parts: Sequence[ProphetForecast], horizon: int) -> ProphetForecast:
        """The batches' results stacked in series order."""
        if not parts:
            return cls(np.empty((0, horizon)), np.empty(0), np.empty(0, dtype=bool))
        return cls(np.concatenate([p.forecast for p in parts]),
                   np.concatenate([p.residual_variance for p in parts]),
                   np.concatenate([p.fallback for p in parts]))


@dataclass(frozen=True)
class ProphetForecaster:
    """Forecaster 'prophet': one Prophet model per series, batch_size series per engine task.

    periods are the month indices (khlang.domain.calendar.month_index) of the block's columns; a history
    shorter than periods is taken as its first columns, as the backtest's cuts are. Without periods the
    columns are consecutive months from January 1970. The forecast does not depend on batch_size or the
    engine: every fit is seeded with `seed`."""

    periods: np.ndarray | None = field(default=None, compare=False, repr=False)
    uncertainty_samples: int = 0  # Prophet's own interval draws; the point forecast never uses them
    yearly_seasonality: bool = True
    fourier_order: int = 5  # terms of the yearly Fourier series; 5 of the 6 a monthly series can hold
    growth: str = "linear"
    changepoint_prior_scale: float = 0.05
    seasonality_mode: str = "additive"
    min_observed: int = MIN_OBSERVED
    non_negative: bool = False  # clip forecasts at 0 (counts, tonnes, baht that cannot go below)
    seed: int = 2568
    batch_size: int = 16
    temp_dir: str | None = None  # where each task makes its folder; None: the process's TMPDIR

    name = "prophet"

    def __post_init__(self) -> None:
        if self.growth not in _GROWTHS:
            raise ValueError(f"growth must be one of {_GROWTHS}; got {self.growth!r}")
        if self.seasonality_mode not in ("additive", "multiplicative"):
            raise ValueError(f"seasonality_mode must be additive or multiplicative; got {self.seasonality_mode!r}")
        for label, value, least in (("batch_size", self.batch_size, 1), ("fourier_order", self.fourier_order, 1),
                                    ("min_observed", self.min_observed, 2),
                                    ("uncertainty_samples", self.uncertainty_samples, 0)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
                raise ValueError(f"{label} must be an integer >= {least}; got {value!r}")
        if not self.changepoint_prior_scale > 0:
            raise ValueError(f"changepoint_prior_scale must be > 0; got {self.changepoint_prior_scale!r}")
        if self.periods is not None:
            periods = np.asarray(self.periods)
            if periods.ndim != 1 or not np.issubdtype(periods.dtype, np.integer) or (np.diff(periods) <= 0).any():
                raise ValueError("periods must be a 1-d array of increasing integer month indices")

    def fit_predict(self, history: np.ndarray, horizon: int, engine: Engine = IN_PROCESS) -> np.ndarray:
        """float64 [series, horizon] forecasts for the months after history [series, month]."""
        return self.forecast(history, horizon, engine).forecast

    def forecast(self, history: np.ndarray, horizon: int, engine: Engine = IN_PROCESS) -> ProphetForecast:
        """Forecasts, in-sample residual variance and fallback mask for every series of the history, a batch
        of series per task of the engine handed in."""
        parts = engine.map(fit_predict_batch, self.batches(history, horizon, engine.n_workers()))
        return ProphetForecast.concat(parts, horizon)

    def batches(self, history: np.ndarray, horizon: int, workers: int | None = None) -> list[ProphetBatch]:
        """The history's engine tasks, at most batch_size series each (fewer where an engine's `workers`
        would otherwise get under TASKS_PER_WORKER tasks each), shared evenly (cluster.engine.task_bounds)
        so no worker idles through the others' last batch: run them with `fit_predict_batch` (on any
        engine, beside other tasks) and stack the results in order with `ProphetForecast.concat`."""
        block = check_history(history, horizon)
        spec = dataclasses.replace(self, periods=None)  # what travels with every batch
        periods = self._history_periods(block.shape[1])
        return [ProphetBatch(block[start:stop], periods, horizon, spec)
                for start, stop in task_bounds(block.shape[0], self.batch_size, workers)]

    def _history_periods(self, n_months: int) -> np.ndarray:
        if self.periods is None:
            return np.arange(n_months, dtype=np.int64)
        periods = np.asarray(self.periods, dtype=np.int64)
        if periods.size < n_months:
            raise ValueError(f"the history has {n_months} months but periods name only {periods.size}")
        return periods[:n_months]


@dataclass(frozen=True)
class ProphetBatch:
    """One task: a few series' history, their months, the horizon and the model settings."""

    history: np.ndarray  # float64 [series, month], NaN = gap
    periods: np.ndarray  # int64 [month]: month index of each history column
    horizon: int  # months to forecast after the last history month
    spec: ProphetForecaster  # settings only (no engine, no periods)


def fit_predict_batch(batch: ProphetBatch) -> ProphetForecast:
    """Fit Prophet to each series of the batch and forecast batch.horizon months (the partition function).

    cmdstanpy's files go to a folder of this task's own, removed afterwards; its and Prophet's logs are
    kept to errors while the batch runs."""
    spec, horizon = batch.spec, batch.horizon
    history = np.asarray(batch.history, dtype=np.float64)
    forecast = SeasonalNaive().fit_predict(history, horizon)  # stands wherever Prophet does not
    variance = np.full(history.shape[0], np.nan)
    fitted = (~np.isnan(history)).sum(axis=1) >= spec.min_observed
    if fitted.any():
        last = int(batch.periods[-1])
        months = np.concatenate([batch.periods, np.arange(last + 1, last + horizon + 1)])
        dates = pd.DatetimeIndex([month_from_index(m) for m in months])
        features: dict[str, tuple[np.ndarray, pd.DataFrame]] = {}  # the dates' seasonal features, once a batch
        with _quiet_logs(), _task_folder(spec.temp_dir) as folder:
            from prophet import Prophet  # in the quiet block: its first import logs about plotly

            for row in np.flatnonzero(fitted):
                try:
                    forecast[row], variance[row] = _fit_one(Prophet, spec, dates, history[row], folder, features)
                except RuntimeError:  # the optimizer failed even after Prophet's Newton retry
                    fitted[row] = False
    if spec.non_negative:
        forecast = np.maximum(forecast, 0.0)  # NaN (no observation) stays NaN
    return ProphetForecast(forecast, variance, ~fitted)


def _fit_one(prophet_class: type, spec: ProphetForecaster, dates: pd.DatetimeIndex, series: np.ndarray,
             folder: str, features: dict[str, tuple[np.ndarray, pd.DataFrame]]) -> tuple[np.ndarray, float]:
    """(forecast [horizon], in-sample mean squared residual) of one series; gaps left out of the fit.
    `features`: the batch's cache of the dates' seasonal features (prophet_path)."""
    n_months = series.size
    observed = ~np.isnan(series)
    frame = pd.DataFrame({"ds": dates[:n_months][observed], "y": series[observed]})
    model = prophet_class(growth=spec.growth,
                          yearly_seasonality=spec.fourier_order if spec.yearly_seasonality else False,
                          weekly_seasonality=False, daily_seasonality=False,
                          seasonality_mode=spec.seasonality_mode,
                          changepoint_prior_scale=spec.changepoint_prior_scale,
                          uncertainty_samples=spec.uncertainty_samples)
    # keyword arguments of fit go to cmdstanpy's optimize: a fixed seed, and output files in our folder
    model.fit(frame, seed=spec.seed, output_dir=folder)
    yhat = prophet_path(model, dates, features)
    if not np.isfinite(yhat).all():
        raise RuntimeError("Prophet forecast is not finite")
    residual = series[observed] - yhat[:n_months][observed]
    return yhat[n_months:], float(np.mean(residual**2))


def prophet_path(model, dates: pd.DatetimeIndex, features: dict[str, tuple[np.ndarray, pd.DataFrame]]) -> np.ndarray:
    """Prophet.predict's `yhat` on `dates` (float64), for a model fitted as _fit_one fits (no extra
    regressors, holidays, conditional seasonalities or uncertainty draws), from the fitted parameters with
    predict's own arithmetic: the trend (Prophet.piecewise_linear or flat_trend, times y_scale) and the
    seasonal terms (features times beta, additive ones times y_scale). The dates' seasonal features depend
    on the dates and the seasonalities only, so `features` keeps them for the next series of a batch
    (predict made them again with pandas for each series: about 7 of a fit's 54 ms here). The same
    numbers as predict: tests/models/forecasters/test_prophet.py compares them exactly."""
    key = repr(sorted((name, sorted(props.items())) for name, props in model.seasonalities.items()))
    if key not in features:
        frame, _, columns, _ = model.make_all_seasonality_features(pd.DataFrame({"ds": dates}))
        features[key] = (frame.to_numpy(), columns)
    X, columns = features[key]
    t = np.asarray((dates - model.start) / model.t_scale, dtype=np.float64)  # as setup_dataframe's "t"
    k, m = np.nanmean(model.params["k"]), np.nanmean(model.params["m"])
    if model.growth == "linear":
        trend = model.piecewise_linear(t, np.nanmean(model.params["delta"], axis=0), k, m, model.changepoints_t)
    else:
        trend = model.flat_trend(t, m)
    trend = trend * model.y_scale  # predict_trend adds the floor too: 0 without logistic growth
    terms = {}
    for component in ("additive_terms", "multiplicative_terms"):
        term = np.matmul(X, (model.params["beta"] * columns[component].to_numpy()).transpose())
        if component in model.component_modes["additive"]:
            term *= model.y_scale
        terms[component] = np.nanmean(term, axis=1)
    return np.asarray(trend * (1 + terms["multiplicative_terms"]) + terms["additive_terms"], dtype=np.float64)


@contextlib.contextmanager
def _quiet_logs() -> Iterator[None]:
    """cmdstanpy and Prophet log errors only (not a line per fit); their levels are restored after."""
    from cmdstanpy.utils import get_logger

    get_logger()  # its first call would set the level back to DEBUG
    saved = {name: logging.getLogger(name).level for name in _QUIET_LOGGERS}
    for name, level in _QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)
    try:
        yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


@contextlib.contextmanager
def _task_folder(parent: str | None) -> Iterator[str]:
    """A fresh folder under parent (None: TMPDIR, the work folder's tmp), removed with its files after."""
    folder = tempfile.mkdtemp(prefix="prophet-", dir=parent)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
