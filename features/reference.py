"""Plain-pandas references of every kernel, written the way one would without Khlang: a long frame
(series, month, value) and groupby + shift / rolling / ewm / expanding. Used by the tests (each kernel
must equal its reference) and by benchmarks/features_kernels.py as the baseline. Slow; never in a pipeline."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from features import feature_set as fs

__all__ = [
    "to_long", "from_long", "lag", "diff", "growth", "rolling_mean", "rolling_std", "rolling_min",
    "rolling_max", "expanding_mean", "ewm_mean", "REFERENCES", "reference_features",
]


def to_long(block: np.ndarray) -> pd.DataFrame:
    """A [series, month] block as a long frame sorted by series then month; values as float64."""
    n_series, n_months = block.shape
    return pd.DataFrame({
        "series": np.repeat(np.arange(n_series), n_months),
        "month": np.tile(np.arange(n_months), n_series),
        "value": np.asarray(block, dtype=np.float64).ravel(),
    })


def from_long(values: pd.Series | np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Values in to_long's row order back to a float32 [series, month] block."""
    return np.asarray(values, dtype=np.float64).reshape(shape).astype(np.float32)


def _grouped(block: np.ndarray, apply: Callable[[pd.core.groupby.SeriesGroupBy], pd.Series]) -> np.ndarray:
    if block.size == 0:
        return np.full(block.shape, np.nan, dtype=np.float32)
    grouped = to_long(block).groupby("series", sort=True)["value"]
    # groupby-rolling/ewm/expanding return (series, row) order, which is to_long's order
    return from_long(apply(grouped), block.shape)


def lag(block: np.ndarray, months: int) -> np.ndarray:
    return _grouped(block, lambda g: g.shift(months))


def diff(block: np.ndarray, months: int) -> np.ndarray:
    return _grouped(block, lambda g: g.diff(months))


def growth(block: np.ndarray, months: int) -> np.ndarray:
    # pct_change gives +-inf over a zero base; a growth rate from 0 is undefined
    return _grouped(block, lambda g: g.pct_change(months, fill_method=None).replace([np.inf, -np.inf], np.nan))


def rolling_mean(block: np.ndarray, window: int, min_periods: int) -> np.ndarray:
    return _grouped(block, lambda g: g.rolling(window, min_periods=min_periods).mean())


def rolling_std(block: np.ndarray, window: int, min_periods: int) -> np.ndarray:
    return _grouped(block, lambda g: g.rolling(window, min_periods=min_periods).std(ddof=1))


def rolling_min(block: np.ndarray, window: int, min_periods: int) -> np.ndarray:
    return _grouped(block, lambda g: g.rolling(window, min_periods=min_periods).min())


def rolling_max(block: np.ndarray, window: int, min_periods: int) -> np.ndarray:
    return _grouped(block, lambda g: g.rolling(window, min_periods=min_periods).max())


def expanding_mean(block: np.ndarray, min_periods: int) -> np.ndarray:
    return _grouped(block, lambda g: g.expanding(min_periods=min_periods).mean())


def ewm_mean(block: np.ndarray, alpha: float, ignore_na: bool) -> np.ndarray:
    return _grouped(block, lambda g: g.ewm(alpha=alpha, adjust=True, ignore_na=ignore_na).mean())


# kernel name -> reference, so tests and the benchmark can pair each kernel with its reference
REFERENCES: dict[str, Callable[..., np.ndarray]] = {
    "lag": lag, "diff": diff, "growth": growth, "rolling_mean": rolling_mean, "rolling_std": rolling_std,
    "rolling_min": rolling_min, "rolling_max": rolling_max, "expanding_mean": expanding_mean,
    "ewm_mean": ewm_mean,
}


def _reference_of(feature: fs.Feature, block: np.ndarray) -> np.ndarray:
    match feature:
        case fs.Lag(months=months):
            return lag(block, months)
        case fs.Diff(months=months):
            return diff(block, months)
        case fs.Growth(months=months):
            return growth(block, months)
        case fs.RollingMean() | fs.RollingStd() | fs.RollingMin() | fs.RollingMax():
            return REFERENCES[f"rolling_{feature.statistic}"](block, feature.window, feature.periods)
        case fs.ExpandingMean(min_periods=min_periods):
            return expanding_mean(block, min_periods)
        case fs.Ewm(alpha=alpha, ignore_na=ignore_na):
            return ewm_mean(block, alpha, ignore_na)
    raise TypeError(f"no reference for {feature!r}")


def reference_features(block: np.ndarray, features: Sequence[fs.Feature]) -> np.ndarray:
    """float32 [feature, series, month], the reference of features.compute_features."""
    out = np.empty((len(features), *np.shape(block)), dtype=np.float32)
    for i, feature in enumerate(features):
        out[i] = _reference_of(feature, block)
    return out
