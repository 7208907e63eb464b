"""Rolling-origin backtest of forecasters over a dense [series, month] block (NaN = gap).

Origins are cut points counted back from the end of the block: the last test window is the final
`horizon` months, each earlier one starts `step` months before the next. At an origin with cut c
every forecaster sees history block[:, :c] only and forecasts block[:, c:c + horizon]. A series
with no observation in its history at an origin is not forecast there (NaN, so never scored),
whatever the model would say; months whose actual is a gap are not scored either."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cluster.engine import IN_PROCESS, Engine
from models.evaluation.metrics import SEASON, accuracy_table, mase_scale
from models.forecasters.baselines import Forecaster, fit_on

__all__ = ["MIN_ORIGINS", "Backtest", "origin_cuts", "rolling_origin_backtest", "backtest_from_forecasts"]

MIN_ORIGINS = 3  # two to calibrate intervals on, one held out to check them


@dataclass(frozen=True)
class Backtest:
    """What a backtest leaves: per-model forecasts and the actuals as [origin, series, step] arrays,
    the MASE scale of each origin's history and the summary per model; the tidy frame is built on
    demand (at thailand scale it is millions of rows per level, and training keeps many backtests)."""

    cuts: np.ndarray  # int64 [origin]: months of history at each origin = block index of its first target
    series: np.ndarray  # [series] keys (panel keys when given, else row positions)
    actual: np.ndarray  # float64 [origin, series, step], NaN = not observed
    forecasts: dict[str, np.ndarray]  # model name -> float64 [origin, series, step]
    scale: np.ndarray  # float64 [origin, series]: mase_scale of the history at each origin
    summary: pd.DataFrame  # per model: mase, smape, wape, bias, relative_bias and counts

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(self.forecasts)

    @property
    def frame(self) -> pd.DataFrame:
        """Tidy: one row per (model, origin, series, step) with series, origin, step, model, forecast,
        actual, residual, scale."""
        return _tidy(self.cuts, self.series, self.actual, self.forecasts, self.scale)

    def residuals(self, model: str) -> np.ndarray:
        """float64 [origin, series, step] actual - forecast of one model (the series' unit)."""
        return self.actual - self.forecasts[model]

    def restricted(self, keep: np.ndarray) -> Backtest:
        """The backtest scored only where keep [origin, series] is True (the actuals elsewhere unobserved)."""
        keep = np.asarray(keep, dtype=bool)
        if keep.shape != self.scale.shape:
            raise ValueError(f"keep is [origin, series] = {self.scale.shape}; got {keep.shape}")
        actual = np.where(keep[:, :, None], self.actual, np.nan)
        return Backtest(cuts=self.cuts, series=self.series, actual=actual, forecasts=self.forecasts,
                        scale=self.scale, summary=_summary(actual, self.forecasts, self.scale))

    def with_model(self, name: str, forecast: np.ndarray) -> Backtest:
        """The backtest with one more model's [origin, series, step] forecasts (an ensemble made of the
        others, say), scored the same way."""
        if name in self.forecasts:
            raise ValueError(f"model {name!r} is already in the backtest")
        forecast = np.asarray(forecast, dtype=np.float64)
        if forecast.shape != self.actual.shape:
            raise ValueError(f"{name} forecast shape {forecast.shape}; expected {self.actual.shape}")
        forecasts = {**self.forecasts, name: forecast}
        return Backtest(cuts=self.cuts, series=self.series, actual=self.actual, forecasts=forecasts,
                        scale=self.scale, summary=_summary(self.actual, forecasts, self.scale))


def origin_cuts(n_months: int, horizon: int, n_origins: int, step: int, least: int = MIN_ORIGINS) -> np.ndarray:
    """The cut points, earliest first: n_months - horizon - k * step for k = n_origins - 1 … 0; at least
    `least` of them (2 where a holdout checks the intervals instead of an origin)."""
    if horizon < 1 or step < 1:
        raise ValueError(f"horizon and step must be >= 1 month; got {horizon}, {step}")
    if n_origins < least:
        raise ValueError(f"a backtest needs n_origins >= {least}; got {n_origins}")
    cuts = n_months - horizon - step * np.arange(n_origins - 1, -1, -1, dtype=np.int64)
    if cuts[0] < 1:
        raise ValueError(f"{n_months} months hold no {n_origins} origins of horizon {horizon}, step {step} "
                         f"with at least one month of history at the first")
    return cuts


def _check_forecast(model: Forecaster, forecast: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    forecast = np.asarray(forecast, dtype=np.float64)
    if forecast.shape != shape:
        raise ValueError(f"{model.name} forecast shape {forecast.shape}; expected {shape}")
    return forecast


def rolling_origin_backtest(block: np.ndarray, forecasters: Sequence[Forecaster], horizon: int,
                            n_origins: int = MIN_ORIGINS, step: int | None = None,
                            series: np.ndarray | None = None, period: int = SEASON,
                            least: int = MIN_ORIGINS, engine: Engine = IN_PROCESS) -> Backtest:
    """Backtest each forecaster at n_origins (>= least) rolling origins over block [series, month], each
    fit on `engine`.

    step defaults to min(horizon, 12): test windows tile the series' end without overlap up to a year,
    and longer horizons move on a year at a time (every origin the same month of the year)."""
    block = np.asarray(block)
    if block.ndim != 2:
        raise ValueError(f"a block is [series, month]; got shape {block.shape}")
    names = [model.name for model in forecasters]
    if not names or len(set(names)) != len(names):
        raise ValueError(f"forecasters need distinct names; got {names}")
    n_series, n_months = block.shape
    keys = np.arange(n_series) if series is None else np.asarray(series)
    if keys.shape != (n_series,):
        raise ValueError(f"series keys: shape ({n_series},); got {keys.shape}")
    cuts = origin_cuts(n_months, horizon, n_origins, min(horizon, SEASON) if step is None else step, least)

    forecasts = {name: np.empty((len(cuts), n_series, horizon)) for name in names}
    for o, cut in enumerate(cuts):
        history = block[:, :cut]
        for model in forecasters:
            forecasts[model.name][o] = _check_forecast(model, fit_on(model, history, horizon, engine),
                                                        (n_series, horizon))
    return backtest_from_forecasts(block, cuts, forecasts, keys, period)


def backtest_from_forecasts(block: np.ndarray, cuts: np.ndarray, forecasts: dict[str, np.ndarray],
                            series: np.ndarray | None = None, period: int = SEASON) -> Backtest:
    """Score forecasts [origin, series, step] made elsewhere (on a cluster, say) at the given cuts of
    block [series, month], exactly as rolling_origin_backtest scores its own."""
    block = np.asarray(block)
    cuts = np.asarray(cuts, dtype=np.int64)
    n_series = block.shape[0]
    keys = np.arange(n_series) if series is None else np.asarray(series)
    shapes = {name: np.shape(f) for name, f in forecasts.items()}
    horizon = next(iter(shapes.values()))[2] if shapes else 0
    if not shapes or any(shape != (len(cuts), n_series, horizon) for shape in shapes.values()):
        raise ValueError(f"forecasts are [origin, series, step] = ({len(cuts)}, {n_series}, h); got {shapes}")
    if cuts.size and cuts[-1] + horizon > block.shape[1]:
        raise ValueError(f"the last cut {cuts[-1]} + horizon {horizon} runs past the block's {block.shape[1]} months")
    actual = np.stack([block[:, cut:cut + horizon] for cut in cuts]).astype(np.float64)
    scale = np.stack([mase_scale(block[:, :cut], period) for cut in cuts])
    unseen = np.stack([~(~np.isnan(block[:, :cut])).any(axis=1) for cut in cuts])  # [origin, series]
    forecasts = {name: np.where(unseen[:, :, None], np.nan, np.asarray(f, dtype=np.float64))
                 for name, f in forecasts.items()}
    return Backtest(cuts=cuts, series=keys, actual=actual, forecasts=forecasts, scale=scale,
                    summary=_summary(actual, forecasts, scale))


def _tidy(cuts: np.ndarray, keys: np.ndarray, actual: np.ndarray, forecasts: dict[str, np.ndarray],
          scale: np.ndarray) -> pd.DataFrame:
    """One row per (model, origin, series, step), in that order."""
    n_origins, n_series, horizon = actual.shape
    cells = n_origins * n_series * horizon
    index = {
        "series": np.tile(np.repeat(keys, horizon), n_origins),
        "origin": np.repeat(cuts, n_series * horizon),
        "step": np.tile(np.arange(1, horizon + 1, dtype=np.int64), n_origins * n_series),
    }
    frames = [pd.DataFrame({**index, "model": name, "forecast": forecast.reshape(cells),
                            "actual": actual.reshape(cells),
                            "residual": (actual - forecast).reshape(cells),
                            "scale": np.repeat(scale.reshape(-1), horizon)})
              for name, forecast in forecasts.items()]
    frame = pd.concat(frames, ignore_index=True)
    frame["model"] = pd.Categorical(frame["model"], categories=list(forecasts))
    return frame


def _summary(actual: np.ndarray, forecasts: dict[str, np.ndarray], scale: np.ndarray) -> pd.DataFrame:
    """Accuracy per model, each (origin, series) a row of the pool: MASE and sMAPE are means over
    them, WAPE and bias pooled over every scored month."""
    n_origins, n_series, horizon = actual.shape
    rows = actual.reshape(n_origins * n_series, horizon)
    table = pd.concat([accuracy_table(rows, forecast.reshape(rows.shape), scale.reshape(-1)).assign(model=name)
                       for name, forecast in forecasts.items()], ignore_index=True)
    return table.set_index("model").rename(columns={"n_series": "n_series_origins"})
