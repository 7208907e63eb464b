"""Plain-pandas references of every kernel, written the way one would without Khlang: a long frame
(series, month, value) and groupby + shift / rolling / ewm / expanding. Used by the tests (each kernel
must equal its reference) and by benchmarks/features_peers.py as the pandas peer. Slow; never in a pipeline.

One exception for the tests: pandas' rolling std slides a Welford update and keeps about
eps64 x (squared deviation) of error from every value that has left the window, so after a large value
leaves, a small window's std can be off by 1e-5 relative and more. The kernel recomputes such windows;
its oracle is `rolling_std_exact` (numpy, every window recomputed in two passes), in EXACT_REFERENCES."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from pandas.api.typing import SeriesGroupBy

from features import feature_set as fs

__all__ = [
    "to_long", "from_long", "lag", "diff", "growth", "rolling_mean", "rolling_std", "rolling_min",
    "rolling_max", "expanding_mean", "ewm_mean", "rolling_std_exact", "REFERENCES", "EXACT_REFERENCES",
    "reference_features",
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


def _grouped(block: np.ndarray, apply: Callable[[SeriesGroupBy], pd.Series]) -> np.ndarray:
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


def rolling_std_exact(block: np.ndarray, window: int, min_periods: int) -> np.ndarray:
    """Sample std (ddof=1) of every window from scratch in float64; exactly 0 when its observations are equal."""
    n_series, n_months = block.shape
    if n_months == 0:
        return np.full(block.shape, np.nan, dtype=np.float32)
    padded = np.full((n_series, n_months + window - 1), np.nan)
    padded[:, window - 1:] = block
    windows = np.lib.stride_tricks.sliding_window_view(padded, window, axis=1)  # [series, month, window]
    observed = ~np.isnan(windows)
    count = observed.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(observed, windows, 0).sum(axis=2) / count
        squares = (np.where(observed, windows - mean[..., None], 0) ** 2).sum(axis=2)
        std = np.sqrt(squares / (count - 1))
    equal = np.where(observed, windows, np.inf).min(axis=2) == np.where(observed, windows, -np.inf).max(axis=2)
    std = np.where(equal, 0.0, std)
    return np.where(count >= max(min_periods, 2), std, np.nan).astype(np.float32)


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
# the tests' oracles: the pandas references, but rolling std recomputed exactly (see the module note)
EXACT_REFERENCES: dict[str, Callable[..., np.ndarray]] = {**REFERENCES, "rolling_std": rolling_std_exact}


def _reference_of(feature: fs.Feature, block: np.ndarray,
                  references: Mapping[str, Callable[..., np.ndarray]]) -> np.ndarray:
    match feature:
        case fs.Lag(months=months):
            return references["lag"](block, months)
        case fs.Diff(months=months):
            return references["diff"](block, months)
        case fs.Growth(months=months):
            return references["growth"](block, months)
        case fs.RollingMean() | fs.RollingStd() | fs.RollingMin() | fs.RollingMax():
            return references[f"rolling_{feature.statistic}"](block, feature.window, feature.periods)
        case fs.ExpandingMean(min_periods=min_periods):
            return references["expanding_mean"](block, min_periods)
        case fs.Ewm(alpha=alpha, ignore_na=ignore_na):
            return references["ewm_mean"](block, alpha, ignore_na)
    raise TypeError(f"no reference for {feature!r}")


def reference_features(block: np.ndarray, features: Sequence[fs.Feature],
                       references: Mapping[str, Callable[..., np.ndarray]] = REFERENCES) -> np.ndarray:
    """float32 [feature, series, month], the reference of features.compute_features."""
    out = np.empty((len(features), *np.shape(block)), dtype=np.float32)
    for i, feature in enumerate(features):
        out[i] = _reference_of(feature, block, references)
    return out
