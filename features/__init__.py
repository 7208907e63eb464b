"""Feature engine: numba kernels over dense float32 [series, month] blocks (NaN = gap), every feature of
a set in one pass per series (features.kernels), the named feature objects built on them, calendar features of the Thai fiscal year, the cross-level
(parent district/province/region) and static (register) features of a LAO. The Zarr feature store
built on the engine is features.store (build_features, open_features), imported from there.

Every feature value at month t uses months up to and including t only."""

import khlang  # noqa: F401  (telemetry off before any library loads: khlang.telemetry)
from features.cross_level import (
    CROSS_LEVEL_FEATURES,
    PARENT_LEVELS,
    cross_level_names,
    parent_features,
    parent_rows,
)
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
    season_features,
)
from features.fiscal_calendar import CALENDAR_FEATURE_NAMES, calendar_features
from features.kernels import (
    diff,
    ewm_mean,
    expanding_mean,
    growth,
    lag,
    rolling_max,
    rolling_mean,
    rolling_min,
    rolling_std,
)
from features.static import STATIC_FEATURE_NAMES, static_features

__all__ = [
    "Feature", "Lag", "Diff", "Growth", "RollingMean", "RollingStd", "RollingMin", "RollingMax",
    "ExpandingMean", "Ewm", "DEFAULT_FEATURES", "season_features", "compute_features",
    "CALENDAR_FEATURE_NAMES", "calendar_features",
    "lag", "diff", "growth", "rolling_mean", "rolling_std", "rolling_min", "rolling_max",
    "expanding_mean", "ewm_mean",
    "CROSS_LEVEL_FEATURES", "PARENT_LEVELS", "cross_level_names", "parent_rows", "parent_features",
    "STATIC_FEATURE_NAMES", "static_features",
]
