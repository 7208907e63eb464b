"""Feature engine kernels: numba kernels over dense float32 [series, month] blocks (NaN = gap), the
named feature objects built on them, and calendar features of the Thai fiscal year.

Every feature value at month t uses months up to and including t only."""

from features.ewm import ewm_mean
from features.feature_set import (
    DEFAULT_FEATURES,
    Diff,
    Ewm,
    ExpandingMean,
    Feature,
    Growth,
    Lag,
    RollingMax,
    RollingMean,
    RollingMin,
    RollingStd,
    compute_features,
)
from features.fiscal_calendar import CALENDAR_FEATURE_NAMES, calendar_features
from features.lags import diff, growth, lag
from features.rolling import expanding_mean, rolling_max, rolling_mean, rolling_min, rolling_std

__all__ = [
    "Feature", "Lag", "Diff", "Growth", "RollingMean", "RollingStd", "RollingMin", "RollingMax",
    "ExpandingMean", "Ewm", "DEFAULT_FEATURES", "compute_features",
    "CALENDAR_FEATURE_NAMES", "calendar_features",
    "lag", "diff", "growth", "rolling_mean", "rolling_std", "rolling_min", "rolling_max",
    "expanding_mean", "ewm_mean",
]
