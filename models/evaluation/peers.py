"""The peers a data scientist would run instead: Nixtla statsforecast's Naive, SeasonalNaive, AutoETS,
AutoTheta and AutoARIMA, and on intermittent data (the registry's rule: at least 30 % zeros) also
CrostonOptimized, ADIDA and IMAPA, fitted the way its documentation shows (`StatsForecast(models, freq,
n_jobs=-1).forecast(df, h)`), on exactly the histories Khlang's candidates see.

The block's columns become integer time stamps (freq=1), so any frequency works and each forecast
lands on the block's axis; a series that ends before the block's last period is forecast over that gap
too and its last `horizon` periods kept, as Khlang's statistical family does."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

__all__ = ["PEERS", "INTERMITTENT_PEERS", "peer_names", "peer_forecasts"]

PEERS = ("Naive", "SeasonalNaive", "AutoETS", "AutoTheta", "AutoARIMA")
INTERMITTENT_PEERS = ("CrostonOptimized", "ADIDA", "IMAPA")


def peer_names(intermittent: bool) -> tuple[str, ...]:
    """The peers run on a file: the five, and the intermittent three where the file is intermittent."""
    return PEERS + INTERMITTENT_PEERS if intermittent else PEERS


def _models(names: tuple[str, ...], season: int) -> list:
    from statsforecast import models

    seasonal = {"SeasonalNaive", "AutoETS", "AutoTheta", "AutoARIMA"}
    return [getattr(models, name)(season_length=season) if name in seasonal else getattr(models, name)()
            for name in names]


def peer_forecasts(history: np.ndarray, horizon: int, season: int, n_jobs: int = -1,
                   names: tuple[str, ...] = PEERS) -> tuple[dict[str, np.ndarray], float]:
    """({peer: float64 [series, horizon]} for each of `names`, seconds) for the periods after history
    [series, period].

    Leading gaps are dropped and inner gaps interpolated (statsforecast takes no NaN); a series without
    an observation, or whose fit fails inside statsforecast, gets NaN for every peer."""
    from statsforecast import StatsForecast

    block = np.asarray(history, dtype=np.float64)
    n_series, n_periods = block.shape
    frames, gaps = [], np.zeros(n_series, dtype=np.int64)
    for i in range(n_series):
        seen = np.flatnonzero(~np.isnan(block[i]))
        if seen.size < 2:
            continue
        values = pd.Series(block[i, seen[0]:seen[-1] + 1]).interpolate().to_numpy()
        gaps[i] = n_periods - 1 - seen[-1]
        frames.append(pd.DataFrame({"unique_id": i, "ds": np.arange(seen[0], seen[-1] + 1), "y": values}))
    out = {peer: np.full((n_series, horizon), np.nan) for peer in names}
    if not frames:
        return out, 0.0
    frame = pd.concat(frames, ignore_index=True)
    steps = horizon + int(gaps.max())
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forecast = StatsForecast(models=_models(names, max(int(season), 1)), freq=1, n_jobs=n_jobs).forecast(
            df=frame, h=steps)
    seconds = time.perf_counter() - started
    forecast = forecast.reset_index() if "unique_id" not in forecast.columns else forecast
    row = forecast["unique_id"].to_numpy(dtype=np.int64)
    ahead = forecast["ds"].to_numpy(dtype=np.int64) - (n_periods - 1)  # 1 = the first period after the block
    keep = (ahead >= 1) & (ahead <= horizon)
    for peer in names:
        out[peer][row[keep], ahead[keep] - 1] = forecast[peer].to_numpy(dtype=np.float64)[keep]
    return out, seconds
