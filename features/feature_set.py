"""Features as small named objects: the name is the column name a model sees (and MLflow logs), the
operation is its row of the plan that features.kernels runs over a dense float32 [series, month] block
(every feature of a set in one pass per series)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from features import kernels
from features.kernels import Operation

__all__ = [
    "Feature", "Lag", "Diff", "Growth", "RollingMean", "RollingStd", "RollingMin", "RollingMax",
    "ExpandingMean", "Ewm", "DEFAULT_FEATURES", "season_features", "compute_features",
]


class Feature(ABC):
    """A feature of a monthly series whose value at month t uses months up to t only."""

    @property
    @abstractmethod
    def name(self) -> str:
        """Column name, unique per feature and its parameters."""

    @property
    @abstractmethod
    def operation(self) -> Operation:
        """Its row of a features.kernels plan: (code, months or window, min_periods, ignore_na, alpha)."""

    def compute(self, block: np.ndarray) -> np.ndarray:
        """float32 [series, month] feature of a float32 [series, month] block (NaN = gap)."""
        return kernels.run_plan(block, [self.operation])[0]


def _check_months(months: int, least: int) -> None:
    if isinstance(months, bool) or not isinstance(months, int | np.integer) or months < least:
        raise ValueError(f"months must be an integer >= {least}; got {months!r}")


@dataclass(frozen=True)
class Lag(Feature):
    """The value `months` months earlier (Lag(12), Lag(24) are the seasonal lags)."""

    months: int

    def __post_init__(self) -> None:
        _check_months(self.months, 1)

    @property
    def name(self) -> str:
        return f"lag_{self.months}"

    @property
    def operation(self) -> Operation:
        return (kernels.LAG, self.months, 0, 0, 0.0)


@dataclass(frozen=True)
class Diff(Feature):
    """x[t] - x[t - months], in the series' unit."""

    months: int = 1

    def __post_init__(self) -> None:
        _check_months(self.months, 1)

    @property
    def name(self) -> str:
        return f"diff_{self.months}"

    @property
    def operation(self) -> Operation:
        return (kernels.DIFF, self.months, 0, 0, 0.0)


@dataclass(frozen=True)
class Growth(Feature):
    """x[t] / x[t - months] - 1, a ratio (0.05 = +5 %); NaN where the base month is 0 or a gap."""

    months: int

    def __post_init__(self) -> None:
        _check_months(self.months, 1)

    @property
    def name(self) -> str:
        return f"growth_{self.months}"

    @property
    def operation(self) -> Operation:
        return (kernels.GROWTH, self.months, 0, 0, 0.0)


@dataclass(frozen=True)
class _Rolling(Feature):
    """A statistic over the last `window` months, NaN unless `min_periods` of them are observed
    (default: all of them, as in pandas). A non-default min_periods shows in the name: _min6."""

    window: int
    min_periods: int | None = None
    statistic: ClassVar[str]

    def __post_init__(self) -> None:
        _check_months(self.window, 1)
        if self.min_periods is not None and not 1 <= self.min_periods <= self.window:
            raise ValueError(f"min_periods must be between 1 and the window; got {self.min_periods!r}")

    @property
    def periods(self) -> int:
        return self.window if self.min_periods is None else self.min_periods

    @property
    def name(self) -> str:
        suffix = "" if self.periods == self.window else f"_min{self.periods}"
        return f"rolling_{self.statistic}_{self.window}{suffix}"


class RollingMean(_Rolling):
    statistic = "mean"

    @property
    def operation(self) -> Operation:
        return (kernels.MEAN, self.window, self.periods, 0, 0.0)


class RollingStd(_Rolling):
    """Sample standard deviation (ddof=1): NaN with fewer than 2 observations."""

    statistic = "std"

    @property
    def operation(self) -> Operation:
        return (kernels.STD, self.window, self.periods, 0, 0.0)


class RollingMin(_Rolling):
    statistic = "min"

    @property
    def operation(self) -> Operation:
        return (kernels.MIN, self.window, self.periods, 0, 0.0)


class RollingMax(_Rolling):
    statistic = "max"

    @property
    def operation(self) -> Operation:
        return (kernels.MAX, self.window, self.periods, 0, 0.0)


@dataclass(frozen=True)
class ExpandingMean(Feature):
    """Mean of every observation so far; a non-default min_periods shows in the name: _min3."""

    min_periods: int = 1

    def __post_init__(self) -> None:
        _check_months(self.min_periods, 1)

    @property
    def name(self) -> str:
        return "expanding_mean" if self.min_periods == 1 else f"expanding_mean_min{self.min_periods}"

    @property
    def operation(self) -> Operation:
        return (kernels.EXPANDING_MEAN, 0, self.min_periods, 0, 0.0)


@dataclass(frozen=True)
class Ewm(Feature):
    """Exponentially weighted mean, pandas ewm(alpha, adjust=True, ignore_na). Named ewm_<alpha>
    with alpha as Python's shortest general format ("ewm_0.3"), plus _ignore_na when set."""

    alpha: float
    ignore_na: bool = False

    def __post_init__(self) -> None:
        if not 0.0 < self.alpha <= 1.0:
            raise ValueError(f"alpha must be in (0, 1]; got {self.alpha!r}")

    @property
    def name(self) -> str:
        return f"ewm_{self.alpha:g}" + ("_ignore_na" if self.ignore_na else "")

    @property
    def operation(self) -> Operation:
        return (kernels.EWM, 0, 0, int(self.ignore_na), float(self.alpha))


def season_features(season: int = 12) -> tuple[Feature, ...]:
    """The default features of a series with `season` periods per season (12 monthly, 4 quarterly,
    52 weekly, 7 daily, 24 hourly, 1 yearly = no season); season 12 gives DEFAULT_FEATURES.

    Lags 1, 2, 3, half a season, a season and two; rolling windows of a quarter, half and a whole season
    (at least 2 periods); the seasonal difference and growth. Without a season (1): lags 1-4, windows
    of 3 and 6 periods, the one-period difference and growth."""
    _check_months(season, 1)
    if season == 1:
        lag_periods, windows = [1, 2, 3, 4], [3, 6]
    else:
        lag_periods, windows = [1, 2, 3, season // 2, season, 2 * season], [season // 4, season // 2, season]
    lag_periods = sorted(set(lag_periods))
    windows = sorted({max(2, window) for window in windows})
    return (
        *(Lag(months) for months in lag_periods),
        *(kind(window) for kind in (RollingMean, RollingStd, RollingMin, RollingMax) for window in windows),
        Ewm(0.3),
        ExpandingMean(),
        *(Diff(months) for months in sorted({1, season})),
        Growth(season),
    )


# the monthly set: lags 1, 2, 3, 6, 12, 24; windows 3, 6, 12; Ewm(0.3), ExpandingMean, Diff(1), Diff(12),
# Growth(12) (tests/models/forecasters/test_design.py pins the names and their order)
DEFAULT_FEATURES: tuple[Feature, ...] = season_features(12)


def compute_features(block: np.ndarray, features: Sequence[Feature] = DEFAULT_FEATURES, threads: int = 1,
                     ) -> tuple[np.ndarray, tuple[str, ...]]:
    """float32 [feature, series, month] values and their names, in the order of `features`; every feature
    in one pass per series, `threads` sharing the series."""
    names = tuple(feature.name for feature in features)
    if len(set(names)) != len(names):
        raise ValueError(f"feature names repeat: {sorted(n for n in set(names) if names.count(n) > 1)}")
    return kernels.run_plan(block, [feature.operation for feature in features], threads), names
