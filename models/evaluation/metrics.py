"""Forecast accuracy per series over [series, horizon] arrays (NaN-aware), and pooled per group.

Conventions, shared by every metric here:
- error e = actual - forecast (Hyndman & Athanasopoulos), so a positive bias is an under-forecast;
- a (series, step) pair is scored only where the actual and the forecast (or both interval bounds)
  are observed; a series without a scored pair gets NaN;
- MASE and the scaled pinball loss divide by the series' in-sample mean absolute seasonal difference
  (`mase_scale`, period 12); where that scale is 0 (a flat history) or undefined (no two observed
  months a season apart) they are NaN, left out of group means and counted as `n_mase_undefined`.
Units: bias and Winkler score in the series' unit (baht, tonnes, persons); sMAPE in percent on the
0-200 scale; MASE, scaled pinball, WAPE, relative bias and coverage are ratios."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "SEASON", "mase_scale", "mase", "smape", "wape", "bias", "relative_bias", "coverage", "winkler",
    "scaled_pinball", "series_accuracy", "accuracy_table",
]

SEASON = 12  # months: the seasonal period of the MASE scale


def _as_2d(name: str, values: np.ndarray) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"{name} is [series, horizon]; got shape {array.shape}")
    return array


def _pairs(actual: np.ndarray, *predictions: np.ndarray) -> tuple[np.ndarray, ...]:
    """float64 copies of actual and the predictions, same shape, and the mask of scored pairs."""
    arrays = [_as_2d("actual", actual)] + [_as_2d("a prediction", p) for p in predictions]
    if any(a.shape != arrays[0].shape for a in arrays):
        raise ValueError(f"shapes differ: {[a.shape for a in arrays]}")
    valid = np.logical_and.reduce([~np.isnan(a) for a in arrays])
    return (*arrays, valid)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN where the denominator is 0 or NaN."""
    out = np.full(np.shape(numerator), np.nan)
    np.divide(numerator, denominator, out=out, where=(denominator != 0) & ~np.isnan(denominator))
    return out


def _mean(terms: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Mean of the valid terms of each row, NaN for a row without one."""
    return _ratio(np.where(valid, terms, 0.0).sum(axis=1), valid.sum(axis=1))


def _usable_scale(scale: np.ndarray, n_series: int) -> np.ndarray:
    scale = np.asarray(scale, dtype=np.float64)
    if scale.shape != (n_series,):
        raise ValueError(f"scale is [series] = ({n_series},); got shape {scale.shape}")
    return np.where(scale > 0, scale, np.nan)  # 0 and NaN alike: MASE undefined


def mase_scale(history: np.ndarray, period: int = SEASON) -> np.ndarray:
    """[series] mean |y[t] - y[t-period]| over the history's observed pairs (the series' unit); NaN
    where no pair is observed (fewer than period + 1 months, or gaps)."""
    block = np.asarray(history, dtype=np.float64)
    if block.ndim != 2:
        raise ValueError(f"a history block is [series, month]; got shape {block.shape}")
    if period < 1:
        raise ValueError(f"period must be >= 1 month; got {period!r}")
    if block.shape[1] <= period:
        return np.full(block.shape[0], np.nan)
    seasonal_diff = np.abs(block[:, period:] - block[:, :-period])
    return _mean(seasonal_diff, ~np.isnan(seasonal_diff))


def mase(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """[series] mean absolute error / scale (from `mase_scale` of the training history)."""
    actual, forecast, valid = _pairs(actual, forecast)
    return _mean(np.abs(actual - forecast), valid) / _usable_scale(scale, actual.shape[0])


def smape(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """[series] mean of 200 |e| / (|y| + |f|), percent on the 0-200 scale; a 0/0 pair scores 0."""
    actual, forecast, valid = _pairs(actual, forecast)
    denominator = np.abs(actual) + np.abs(forecast)
    terms = np.zeros(actual.shape)
    np.divide(200.0 * np.abs(actual - forecast), denominator, out=terms, where=valid & (denominator > 0))
    return _mean(terms, valid)


def wape(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """[series] sum |e| / sum |y|; NaN where the scored actuals are all 0."""
    actual, forecast, valid = _pairs(actual, forecast)
    return _ratio(np.where(valid, np.abs(actual - forecast), 0.0).sum(axis=1),
                  np.where(valid, np.abs(actual), 0.0).sum(axis=1))


def bias(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """[series] mean error (actual - forecast) in the series' unit; positive = under-forecast."""
    actual, forecast, valid = _pairs(actual, forecast)
    return _mean(actual - forecast, valid)


def relative_bias(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """[series] sum(e) / sum(y); NaN where the scored actuals sum to 0."""
    actual, forecast, valid = _pairs(actual, forecast)
    return _ratio(np.where(valid, actual - forecast, 0.0).sum(axis=1), np.where(valid, actual, 0.0).sum(axis=1))


def coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """[series] share of scored actuals inside [lower, upper] (bounds included)."""
    actual, lower, upper, valid = _pairs(actual, lower, upper)
    return _mean((actual >= lower) & (actual <= upper), valid)


def winkler(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray, alpha: float) -> np.ndarray:
    """[series] mean Winkler score of a central (1 - alpha) interval, in the series' unit: its width
    plus 2/alpha times the distance by which the actual falls outside it."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1); got {alpha!r}")
    actual, lower, upper, valid = _pairs(actual, lower, upper)
    with np.errstate(invalid="ignore"):  # inf bounds (too little calibration data) give inf, not a warning
        below = np.where(valid & (actual < lower), lower - actual, 0.0)
        above = np.where(valid & (actual > upper), actual - upper, 0.0)
        score = (upper - lower) + (2.0 / alpha) * (below + above)
    return _mean(score, valid)


def scaled_pinball(actual: np.ndarray, quantile_forecast: np.ndarray, quantile: float,
                   scale: np.ndarray) -> np.ndarray:
    """[series] mean pinball loss of a quantile forecast at level `quantile`, divided by the MASE scale
    (quantile 0.5 gives half the MASE of that forecast)."""
    if not 0.0 < quantile < 1.0:
        raise ValueError(f"quantile must be in (0, 1); got {quantile!r}")
    actual, quantile_forecast, valid = _pairs(actual, quantile_forecast)
    error = actual - quantile_forecast
    loss = np.maximum(quantile * error, (quantile - 1.0) * error)
    return _mean(loss, valid) / _usable_scale(scale, actual.shape[0])


_SERIES_COLUMNS = ["mase", "smape", "wape", "bias", "relative_bias", "n"]


def _series_sums(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray) -> pd.DataFrame:
    """Per series: MASE, sMAPE and the sums that pooled metrics add up across series."""
    actual, forecast, valid = _pairs(actual, forecast)
    error = np.where(valid, actual - forecast, 0.0)
    return pd.DataFrame({
        "mase": mase(actual, forecast, scale),
        "smape": smape(actual, forecast),
        "sum_abs_error": np.abs(error).sum(axis=1),
        "sum_abs_actual": np.where(valid, np.abs(actual), 0.0).sum(axis=1),
        "sum_error": error.sum(axis=1),
        "sum_actual": np.where(valid, actual, 0.0).sum(axis=1),
        "n": valid.sum(axis=1),
    })


def series_accuracy(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray) -> pd.DataFrame:
    """One row per series: mase, smape, wape, bias, relative_bias and n (scored pairs)."""
    sums = _series_sums(actual, forecast, scale)
    sums["wape"] = _ratio(sums["sum_abs_error"].to_numpy(), sums["sum_abs_actual"].to_numpy())
    sums["bias"] = _ratio(sums["sum_error"].to_numpy(), sums["n"].to_numpy())
    sums["relative_bias"] = _ratio(sums["sum_error"].to_numpy(), sums["sum_actual"].to_numpy())
    return sums[_SERIES_COLUMNS]


def accuracy_table(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray,
                   groups: Sequence[object] | np.ndarray | None = None) -> pd.DataFrame:
    """One row per group of series (one row "all" without groups): mase and smape as means of the
    per-series values, wape, bias and relative_bias pooled over every scored pair of the group;
    n_series (series with a scored pair), n_mase_undefined (of those, MASE undefined), n_pairs."""
    sums = _series_sums(actual, forecast, scale)
    labels = np.full(len(sums), "all", dtype=object) if groups is None else np.asarray(groups)
    if labels.shape != (len(sums),):
        raise ValueError(f"groups label the series: shape ({len(sums)},); got {labels.shape}")
    scored = sums["n"] > 0
    sums["n_series"] = scored
    sums["n_mase_undefined"] = scored & sums["mase"].isna()
    pooled = sums.groupby(labels, sort=True).agg(
        mase=("mase", "mean"), smape=("smape", "mean"), sum_abs_error=("sum_abs_error", "sum"),
        sum_abs_actual=("sum_abs_actual", "sum"), sum_error=("sum_error", "sum"),
        sum_actual=("sum_actual", "sum"), n_pairs=("n", "sum"), n_series=("n_series", "sum"),
        n_mase_undefined=("n_mase_undefined", "sum"))
    table = pd.DataFrame({
        "mase": pooled["mase"],
        "smape": pooled["smape"],
        "wape": _ratio(pooled["sum_abs_error"].to_numpy(), pooled["sum_abs_actual"].to_numpy()),
        "bias": _ratio(pooled["sum_error"].to_numpy(), pooled["n_pairs"].to_numpy()),
        "relative_bias": _ratio(pooled["sum_error"].to_numpy(), pooled["sum_actual"].to_numpy()),
        "n_series": pooled["n_series"].astype(np.int64),
        "n_mase_undefined": pooled["n_mase_undefined"].astype(np.int64),
        "n_pairs": pooled["n_pairs"].astype(np.int64),
    }, index=pooled.index)
    table.index.name = "group"
    return table
