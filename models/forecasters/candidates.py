"""The registry of candidate forecasters: each declared once, with where it applies and how it is built.

A `Candidate` names a model, its kind (baseline, statistical, global, prophet, combination), the data
it applies to (a `DataProfile`: frequency, season, length, share of zeros) and how to build it for that
data (a `BuildContext`); the engine is handed to each fit. `khlang evaluate` takes its candidates from here
(`build_candidates`); a caller narrows them by name.

    >>> profile = DataProfile(freq="Y", season=1, n_series=10, n_periods=30, median_length=30, zero_share=0.0)
    >>> sorted(build_candidates(profile, BuildContext())[1])[:2]
    ['adida', 'croston']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from models.forecasters.baselines import (
    Drift,
    Forecaster,
    HistoricMean,
    Naive,
    RecentMedian,
    SeasonalDrift,
    SeasonalMean,
    SeasonalNaive,
)
from models.forecasters.combination import Combination
from models.forecasters.statistical import StatisticalForecaster

__all__ = ["SEASON_LENGTH", "EXTRA_SEASONS", "INTERMITTENT_ZERO_SHARE", "DataProfile", "BuildContext",
           "Candidate", "CANDIDATES", "candidate_names", "training_baselines", "training_combinations",
           "build_candidates", "profile_block"]

SEASON_LENGTH = {"M": 12, "Q": 4, "W": 52, "D": 7, "H": 24, "Y": 1}  # periods per season of each frequency
EXTRA_SEASONS = {"H": 168, "D": 365}  # the second season MSTL adds (a week of hours, a year of days)
INTERMITTENT_ZERO_SHARE = 0.3  # observed values that are 0: at least this share makes a file intermittent
RECENT_MEDIAN_MIN_WINDOW = 12  # periods recent_median takes at least (two seasons where longer)
_ARIMA_MAX_SEASON = 24  # seasonal ARIMA's search over a 52-period season takes minutes per series


@dataclass(frozen=True)
class DataProfile:
    """What decides which candidates apply to a block of series."""

    freq: str  # M | Q | W | D | H | Y
    season: int  # periods per season (1: none)
    n_series: int
    n_periods: int  # columns of the block
    median_length: int  # observed periods of the median series
    zero_share: float  # share of observed values that are exactly 0

    @property
    def intermittent(self) -> bool:
        return self.zero_share >= INTERMITTENT_ZERO_SHARE

    @property
    def seasons(self) -> tuple[int, ...]:
        """Seasons the statistical models use: the frequency's, and a second one for MSTL where the
        series hold two of it."""
        if self.season <= 1:
            return ()
        extra = EXTRA_SEASONS.get(self.freq)
        if extra and self.median_length >= 2 * extra:
            return (self.season, extra)
        return (self.season,)


def profile_block(block: np.ndarray, freq: str) -> DataProfile:
    """The DataProfile of a dense [series, period] block (NaN = gap) at frequency freq."""
    block = np.asarray(block, dtype=np.float64)
    seen = ~np.isnan(block)
    n_seen = int(seen.sum())
    zeros = int((block[seen] == 0).sum()) if n_seen else 0
    return DataProfile(freq=freq, season=SEASON_LENGTH[freq], n_series=block.shape[0], n_periods=block.shape[1],
                       median_length=int(np.median(seen.sum(axis=1))) if block.shape[0] else 0,
                       zero_share=zeros / n_seen if n_seen else 0.0)


@dataclass(frozen=True)
class BuildContext:
    """What building a candidate may need besides the profile: a seed, the month indices of the block's
    columns (monthly data only; None where the calendar is not known) and the size of the global model's
    forest. (The engine is not: it is an argument of each fit.)"""

    seed: int = 2568
    months: np.ndarray | None = field(default=None, compare=False)
    xgb_estimators: int = 100
    non_negative: bool = False


def _always(profile: DataProfile) -> str | None:
    return None


def _seasonal(profile: DataProfile) -> str | None:
    return None if profile.season > 1 else "a season of one period: the same forecasts as naive"


def _intermittent(profile: DataProfile) -> str | None:
    if profile.intermittent:
        return None
    return (f"for intermittent series (at least {INTERMITTENT_ZERO_SHARE:.0%} zeros); "
            f"{profile.zero_share:.0%} of this file's values are 0")


def _arima(profile: DataProfile) -> str | None:
    if profile.season > _ARIMA_MAX_SEASON:
        return f"seasonal ARIMA's search over a {profile.season}-period season takes minutes per series"
    return None


def _multi_seasonal(profile: DataProfile) -> str | None:
    if len(profile.seasons) > 1:
        return None
    return "for two seasons (hourly: 24 and 168; daily: 7 and 365) that the series are long enough to hold"


def _monthly(profile: DataProfile) -> str | None:
    if profile.freq == "M":
        return None
    return (f"monthly files only (its dates, yearly seasonality and fallback are monthly); this file is "
            f"{profile.freq}")


def _statistical(model: str) -> Callable[[DataProfile, BuildContext], Forecaster]:
    def build(profile: DataProfile, context: BuildContext) -> Forecaster:
        return StatisticalForecaster(model, profile.seasons, non_negative=context.non_negative)
    return build


def _xgb(profile: DataProfile, context: BuildContext) -> Forecaster:
    from models.forecasters.xgb_global import XGBGlobalForecaster

    # lags and windows from the season; the fiscal calendar only where the months are known
    months = context.months if profile.freq == "M" else None
    return XGBGlobalForecaster(n_estimators=context.xgb_estimators, seed=context.seed,
                               season=profile.season, calendar=months is not None, periods=months)


def _prophet(profile: DataProfile, context: BuildContext) -> Forecaster:
    from models.forecasters.prophet import ProphetForecaster

    return ProphetForecaster(periods=context.months, seed=context.seed,
                             non_negative=context.non_negative)


@dataclass(frozen=True)
class Candidate:
    """One candidate: its name, kind, where it applies (None, or why not) and how it is built; a
    combination lists its members instead and is formed from their forecasts."""

    name: str
    kind: str  # baseline | statistical | global | prophet | combination
    applies: Callable[[DataProfile], str | None] = _always
    build: Callable[[DataProfile, BuildContext], Forecaster] | None = None
    members: tuple[str, ...] = ()
    how: str = "median"
    train: bool = False  # also fitted by `khlang train` at every level of the monthly families

    def combination(self) -> Combination:
        return Combination(self.name, self.members, self.how)


def _baseline(model: Forecaster) -> Callable[[DataProfile, BuildContext], Forecaster]:
    return lambda profile, context: model


def _seasonal_baseline(cls: type) -> Callable[[DataProfile, BuildContext], Forecaster]:
    return lambda profile, context: cls(profile.season)


_STATS = ("auto_ets", "auto_theta", "auto_arima", "auto_ces")
CANDIDATES: tuple[Candidate, ...] = (
    Candidate("naive", "baseline", build=_baseline(Naive()), train=True),
    Candidate("seasonal_naive", "baseline", _seasonal,
              build=lambda profile, context: SeasonalNaive(profile.season), train=True),
    Candidate("historic_mean", "baseline", build=_baseline(HistoricMean()), train=True),
    Candidate("drift", "baseline", build=_baseline(Drift())),
    Candidate("seasonal_drift", "baseline", _seasonal, build=_seasonal_baseline(SeasonalDrift), train=True),
    Candidate("seasonal_mean", "baseline", _seasonal, build=_seasonal_baseline(SeasonalMean), train=True),
    Candidate("auto_ets", "statistical", build=_statistical("auto_ets")),
    Candidate("auto_theta", "statistical", build=_statistical("auto_theta")),
    Candidate("auto_arima", "statistical", _arima, build=_statistical("auto_arima")),
    Candidate("auto_ces", "statistical", build=_statistical("auto_ces")),
    Candidate("mstl", "statistical", _multi_seasonal, build=_statistical("mstl")),
    Candidate("croston", "statistical", _intermittent, build=_statistical("croston")),
    Candidate("adida", "statistical", _intermittent, build=_statistical("adida")),
    Candidate("imapa", "statistical", _intermittent, build=_statistical("imapa")),
    # the median an absolute-error score rewards on intermittent series: evaluate only, never summed in training
    Candidate("recent_median", "baseline", _intermittent,
              build=lambda profile, context: RecentMedian(max(2 * profile.season, RECENT_MEDIAN_MIN_WINDOW))),
    Candidate("xgb_global", "global", build=_xgb),
    Candidate("prophet", "prophet", _monthly, build=_prophet),
    # combinations: formed from whichever of their members run on the data (two at least)
    Candidate("stat_median", "combination", members=_STATS, how="median"),
    Candidate("stat_mean", "combination", members=_STATS, how="mean"),
    Candidate("ets_theta_arima_median", "combination", members=("auto_ets", "auto_theta", "auto_arima"),
              how="median"),
    Candidate("stat_global_median", "combination", members=(*_STATS, "xgb_global"), how="median"),
    Candidate("intermittent_mean", "combination", members=("croston", "adida", "imapa"), how="mean"),
)


def candidate_names() -> tuple[str, ...]:
    return tuple(c.name for c in CANDIDATES)


def training_baselines() -> tuple[Forecaster, ...]:
    """The registry's baselines that `khlang train` fits (train=True), built for the monthly families; the
    global model, Prophet and the ensemble are trained there as engine tasks of their own."""
    profile = DataProfile(freq="M", season=SEASON_LENGTH["M"], n_series=0, n_periods=0, median_length=0,
                          zero_share=0.0)
    built, _ = build_candidates(profile, BuildContext(), [c.name for c in CANDIDATES if c.train])
    return tuple(model for _, model in built.values())


def training_combinations(available: Sequence[str]) -> tuple[Combination, ...]:
    """The registry's combinations that `khlang train` forms at a level from the models it fitted there
    (`available`): each of its members that ran, two at least; a combination that would repeat an
    earlier one (the same members, and the median of two is their mean) is left out.

    >>> [(c.name, c.members) for c in training_combinations(["naive", "auto_ets", "auto_theta", "xgb_global"])]
    [('stat_median', ('auto_ets', 'auto_theta')), ('stat_global_median', ('auto_ets', 'auto_theta', 'xgb_global'))]
    """
    formed, seen = [], set()
    for candidate in CANDIDATES:
        if candidate.kind != "combination":
            continue
        members = tuple(m for m in candidate.members if m in available)
        how = "mean" if len(members) == 2 else candidate.how
        if len(members) < 2 or (frozenset(members), how) in seen:
            continue
        seen.add((frozenset(members), how))
        formed.append(Combination(candidate.name, members, candidate.how))
    return tuple(formed)


def build_candidates(profile: DataProfile, context: BuildContext, names: Sequence[str] | None = None
                     ) -> tuple[dict[str, tuple[Candidate, Forecaster | Combination]], dict[str, str]]:
    """({name: (candidate, forecaster or combination)}, {name: why it is not run}) for the data; `names`
    keeps only those candidates (ValueError for a name the registry does not hold)."""
    if names is not None:
        unknown = sorted(set(names) - set(candidate_names()))
        if unknown:
            raise ValueError(f"unknown models {unknown}; candidates: {', '.join(candidate_names())}")
    built: dict[str, tuple[Candidate, Forecaster | Combination]] = {}
    skipped: dict[str, str] = {}
    for candidate in CANDIDATES:
        if names is not None and candidate.name not in names:
            continue
        why = candidate.applies(profile)
        if why is not None:
            skipped[candidate.name] = why
            continue
        if candidate.kind == "combination":
            members = tuple(m for m in candidate.members if m in built)
            if len(members) < 2:
                skipped[candidate.name] = f"needs two of {', '.join(candidate.members)} to run"
                continue
            built[candidate.name] = (candidate, Combination(candidate.name, members, candidate.how))
        else:
            assert candidate.build is not None
            built[candidate.name] = (candidate, candidate.build(profile, context))
    return built, skipped
