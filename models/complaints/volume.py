"""Weekly complaint volume per district and problem type, and its forecast with prediction intervals.

`weekly_counts` turns the complaints store (pipelines.complaints.store.read_store) into a dense block of
weekly ticket counts: one series per (district, type) that has a ticket, plus each district's total of
all types, TOTAL ("ทั้งหมด", untyped tickets included). Weeks are Monday-start in Bangkok time.

`forecast_volume` forecasts every series `horizon_weeks` ahead with Khlang's forecasting engine:
- a series is *dense* when it had at least `min_total` tickets in the last SPARSE_WEEKS weeks of the
  history it is fitted on, else *sparse*;
- dense series get the candidate (CANDIDATES: naive, seasonal naive over 52 weeks, means of the last 4 and
  13 weeks, AutoETS and AutoTheta without a season, fitted on the last FIT_WEEKS weeks) with the lowest mean MASE (scale: the mean absolute
  one-week change of the history) on a rolling-origin backtest over the last weeks; sparse series always
  get the mean of their last SPARSE_WEEKS weeks (SPARSE_MODEL), too few tickets to tell models apart;
- intervals are split-conformal (models.evaluation.intervals) from the backtest errors of the model each
  tier uses, per horizon step, each error divided by the series' recent scale (`recent_scale`, the mean
  absolute weekly change of its last SCALE_WEEKS weeks, at least one ticket), so a busy district's band
  is wide and a quiet one's narrow; the coverage reported is leave-one-origin-out, never in-sample;
- forecasts are clipped at 0 and bounds are whole tickets (the counts inside the conformal band, and at
  least the whole tickets either side of the forecast), so 0 <= lo95 <= lo80 <= forecast <= hi80 <= hi95.
The statistical fits run as batches on the engine handed in (one map for the whole backtest, one for the
final fit), the cheap baselines here; every fit is deterministic, so any engine gives the same forecasts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from cluster.engine import IN_PROCESS, Engine
from models.evaluation.backtest import Backtest, backtest_from_forecasts
from models.evaluation.intervals import calibrate
from models.forecasters.baselines import Forecaster, Naive, SeasonalNaive, check_history
from models.forecasters.statistical import StatisticalForecaster, fit_predict_batch

__all__ = ["TOTAL", "LOCAL_TZ", "CANDIDATES", "SPARSE_WEEKS", "SCALE_WEEKS", "WeeklyCounts", "RecentMean",
           "VolumeForecast", "active_end", "local_monday", "weekly_counts", "recent_scale", "forecast_volume"]

TOTAL = "ทั้งหมด"  # the per-district series of all types
LOCAL_TZ = "Asia/Bangkok"  # weeks are local weeks
LEVELS = (0.8, 0.95)
SPARSE_WEEKS = 26  # the window that decides sparse vs dense, and the sparse series' mean
SCALE_WEEKS = 13  # the window of the interval scale
MIN_HISTORY = 8  # weeks of history at the first backtest origin, at least
MIN_ORIGINS = 3
STATISTICAL = ("auto_ets", "auto_theta")
FIT_WEEKS = 156  # the statistical models see the last three years: a fit's cost grows with its length
CANDIDATES = ("naive", "seasonal_naive_52", "recent_mean_4", "recent_mean_13", *STATISTICAL)


class WeeklyCounts(NamedTuple):
    """keys [series] (`<level>_code`, `type`), weeks (Monday dates, local), counts float64 [series, week],
    left_out: tickets not counted, by reason (no_time, no_<level>, after_end)."""

    keys: pd.DataFrame
    weeks: pd.DatetimeIndex
    counts: np.ndarray
    left_out: dict[str, int]


def _last_complete_monday(end: pd.Timestamp) -> pd.Timestamp:
    """The Monday of the last week whose Sunday is on or before the date `end`."""
    end = end.normalize()
    sunday = end - pd.Timedelta(days=(end.dayofweek + 1) % 7)
    return sunday - pd.Timedelta(days=6)


def local_monday(reported_at: pd.Series) -> pd.Series:
    """The Monday (Bangkok time, naive) of each report's week; NaT where the time is missing."""
    day = pd.to_datetime(reported_at, utc=True).dt.tz_convert(LOCAL_TZ).dt.tz_localize(None).dt.normalize()
    return day - pd.to_timedelta(day.dt.dayofweek, unit="D")


def active_end(mondays: pd.Series, share: float = 0.05, run: int = 4) -> pd.Timestamp:
    """The last Monday of the data's active period: the end of the last run of `run` consecutive weeks that
    each hold at least `share` of a busy week (the 90th percentile of the weekly counts). A tail of stray tickets long after that
    period (test posts, a late re-import: single busy weeks between empty months) does not stretch the
    history into months of near-empty weeks. Lulls shorter than `run` weeks do not end the period."""
    per_week = mondays.value_counts().sort_index()
    per_week = per_week.reindex(pd.date_range(per_week.index.min(), per_week.index.max(), freq="7D"), fill_value=0)
    active = (per_week >= share * per_week.quantile(0.9)).to_numpy()
    streak = np.zeros(len(active), dtype=int)
    for k, on in enumerate(active):
        streak[k] = (streak[k - 1] + 1 if k else 1) if on else 0
    ends = np.flatnonzero(streak >= run)
    if not len(ends):
        return per_week.index.max()
    last = ends[-1]
    for k in range(last + 1, len(active)):  # the period goes on across short lulls (up to `run` - 1 weeks)
        if active[k] and k - last <= run:
            last = k
    return per_week.index[last]


def weekly_counts(store: pd.DataFrame, level: str = "district", end: object = None) -> WeeklyCounts:
    """Tickets per (place, type, week) and per (place, week) over all types (type TOTAL).

    Guarantees: a ticket with k distinct types counts once in each of its k type series and once in its
    place's TOTAL (a ticket without a type only there); weeks run from the week of the first counted ticket
    to the last complete week (its Sunday on or before `end`; by default the end of the week of the data's
    active period: `active_end`), every
    week in between present, 0 where nothing was reported; tickets without a time, without a place at
    `level` ("district" or "province": column `<level>_code`) or after the last complete week are left out
    and counted in `left_out`, so sum(TOTAL rows) + sum(left_out) = len(store). Series are ordered by place,
    TOTAL first, then types in sort order."""
    if level not in ("district", "province"):
        raise ValueError(f"level is 'district' or 'province'; got {level!r}")
    column = f"{level}_code"
    times = pd.to_datetime(store["reported_at"], utc=True).dt.tz_convert(LOCAL_TZ).dt.tz_localize(None)
    place = store[column].astype(object)
    timed = times.notna().to_numpy()
    placed = (place.notna() & (place.astype(str).str.strip() != "")).to_numpy()
    monday = local_monday(store["reported_at"])
    if end is None:
        last = pd.NaT
        if timed.any():
            last = min(active_end(monday[timed]), _last_complete_monday(times.max()))
    else:
        last = _last_complete_monday(pd.Timestamp(end).tz_localize(None) if pd.Timestamp(end).tzinfo is None
                                     else pd.Timestamp(end).tz_convert(LOCAL_TZ).tz_localize(None))
    inside = timed & placed & (monday <= last).to_numpy()
    left_out = {"no_time": int((~timed).sum()), f"no_{level}": int((timed & ~placed).sum()),
                "after_end": int((timed & placed).sum() - inside.sum())}
    kept = pd.DataFrame({column: place[inside].astype(str).str.strip(), "week": monday[inside],
                         "types": store["types"][inside].fillna("").astype(str)})
    if kept.empty:
        keys = pd.DataFrame({column: pd.Series(dtype=object), "type": pd.Series(dtype=object)})
        return WeeklyCounts(keys, pd.DatetimeIndex([], name="week"), np.zeros((0, 0)), left_out)
    weeks = pd.date_range(kept["week"].min(), last, freq="7D", name="week")
    typed = kept.assign(type=kept["types"].str.split(",")).explode("type")
    typed["type"] = typed["type"].fillna("").str.strip()
    typed = typed[typed["type"] != ""].reset_index().drop_duplicates(["index", "type"])  # a type once per ticket
    long = pd.concat([kept.assign(type=TOTAL).groupby([column, "type", "week"]).size(),
                      typed.groupby([column, "type", "week"]).size()])
    wide = long.unstack("week", fill_value=0).reindex(columns=weeks, fill_value=0)
    keys = wide.index.to_frame(index=False)
    order = keys.assign(rest=keys["type"] != TOTAL).sort_values([column, "rest", "type"], kind="stable").index
    keys = keys.loc[order].reset_index(drop=True)
    return WeeklyCounts(keys, weeks, wide.to_numpy(dtype=np.float64)[order], left_out)


@dataclass(frozen=True)
class RecentMean:
    """Every future week = the mean of the last `weeks` observed weeks of the history (NaN without one)."""

    weeks: int = 4

    @property
    def name(self) -> str:
        return f"recent_mean_{self.weeks}"

    def fit_predict(self, history: np.ndarray, horizon: int, engine: Engine = IN_PROCESS) -> np.ndarray:
        block = check_history(history, horizon)
        window = block[:, max(0, block.shape[1] - self.weeks):]
        seen = ~np.isnan(window)
        mean = np.full(block.shape[0], np.nan)
        np.divide(np.where(seen, window, 0.0).sum(axis=1), seen.sum(axis=1), out=mean, where=seen.any(axis=1))
        return np.repeat(mean[:, None], horizon, axis=1)


SPARSE_MODEL = RecentMean(SPARSE_WEEKS)
_BASELINES: dict[str, Forecaster] = {m.name: m for m in (Naive(), SeasonalNaive(52), RecentMean(4), RecentMean(13))}


def _statistical(name: str) -> StatisticalForecaster:
    # the volume's intervals are conformal (module docstring): the models' own are not computed (~6 % of the fits)
    return StatisticalForecaster(name, seasons=(1,), non_negative=True, own_spread=False)


def recent_scale(history: np.ndarray) -> np.ndarray:
    """[series] the mean absolute weekly change over the last SCALE_WEEKS weeks of history [series, week],
    at least 1 (a ticket): what the conformal errors are divided by, from the history the forecast saw."""
    window = np.asarray(history, dtype=np.float64)[:, -(SCALE_WEEKS + 1):]
    change = np.abs(np.diff(window, axis=1))
    seen = ~np.isnan(change)
    mean = np.zeros(window.shape[0])
    np.divide(np.where(seen, change, 0.0).sum(axis=1), seen.sum(axis=1), out=mean, where=seen.any(axis=1))
    return np.maximum(mean, 1.0)


def _dense(history: np.ndarray, min_total: float) -> np.ndarray:
    """bool [series]: at least min_total tickets in the last SPARSE_WEEKS weeks."""
    return np.nansum(history[:, -SPARSE_WEEKS:], axis=1) >= min_total


def _forecast_all(block: np.ndarray, cuts: np.ndarray, horizon: int, names: tuple[str, ...],
                  dense: np.ndarray, engine: Engine, fit_weeks: int | None) -> dict[str, np.ndarray]:
    """name -> [origin, series, step] forecasts at each cut (the history block[:, :cut]): baselines on every
    series here, statistical models on the series dense at that origin (NaN elsewhere) over the last
    `fit_weeks` weeks of the history (all of it when None), every batch of every origin and model in one
    map on the engine; all clipped at 0."""
    out = {name: np.full((len(cuts), block.shape[0], horizon), np.nan) for name in names}
    batches, places = [], []
    for o, cut in enumerate(cuts):
        history = block[:, :cut]
        for name in names:
            if name not in STATISTICAL:
                model = SPARSE_MODEL if name == SPARSE_MODEL.name else _BASELINES[name]
                out[name][o] = model.fit_predict(history, horizon)
                continue
            rows = np.flatnonzero(dense[o])
            start = 0
            for batch in _statistical(name).batches(_window(history[rows], fit_weeks), horizon, engine.n_workers()):
                places.append((name, o, rows[start:start + len(batch.rows)]))
                start += len(batch.rows)
                batches.append(batch)
    for (name, o, rows), result in zip(places, engine.map(fit_predict_batch, batches) if batches else [],
                                       strict=True):
        out[name][o, rows] = result.forecast
    return {name: np.maximum(f, 0.0) for name, f in out.items()}  # NaN stays NaN


def _window(history: np.ndarray, fit_weeks: int | None) -> np.ndarray:
    return history if fit_weeks is None else history[:, -fit_weeks:]


def _quantiles(residuals: np.ndarray, scale: np.ndarray) -> np.ndarray | None:
    """Conformal quantiles [level, step] of |residual| / scale over rows [rows, step]; where too few errors
    back a level, the largest error seen stands in (no 'infinite' bound); non-decreasing in the step; None
    without any error."""
    residuals = residuals.reshape(-1, residuals.shape[-1])
    if not (~np.isnan(residuals)).any(axis=0).all():
        return None
    scale = scale.reshape(-1)
    q = calibrate(residuals, scale, LEVELS).quantiles
    widest = np.nanmax(np.abs(residuals) / scale[:, None], axis=0)
    # a band never narrows further ahead: the few origins' shared shocks make single steps noisy
    return np.maximum.accumulate(np.where(np.isinf(q), widest[None, :], q), axis=1)


def _bounds(forecast: np.ndarray, half: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) around forecasts >= 0 with half-widths >= 0 (same shape), in whole tickets: the counts
    inside forecast ± half (so the same counts covered), widened only to the whole tickets either side of
    the forecast where the band is narrower than that; so 0 <= lo <= forecast <= hi, and a wider half-width
    never gives a narrower band."""
    lo = np.minimum(np.ceil(forecast - half), np.floor(forecast))
    hi = np.maximum(np.floor(forecast + half), np.ceil(forecast))
    return np.maximum(lo, 0.0), hi


def _coverage(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """[level] leave-one-origin-out coverage of a model's intervals drawn as forecast_volume draws them:
    each origin's bounds from the other origins' errors (pairs of `keep` [origin, series]), scored on its
    own actuals and pooled. Windows of neighbouring origins overlap where step < horizon."""
    held = np.where(keep[:, :, None], actual, np.nan)
    residuals = held - forecast
    inside, scored = np.zeros(len(LEVELS)), 0
    for o in range(held.shape[0]):
        q = _quantiles(residuals[np.arange(held.shape[0]) != o], scale[np.arange(held.shape[0]) != o])
        ok = ~np.isnan(residuals[o])
        if q is None or not ok.any():
            continue
        for k in range(len(LEVELS)):
            lo, hi = _bounds(forecast[o], q[k][None, :] * scale[o][:, None])
            inside[k] += int((ok & (held[o] >= lo) & (held[o] <= hi)).sum())
        scored += int(ok.sum())
    return inside / scored if scored else np.full(len(LEVELS), np.nan)


def _tier_table(tier: str, backtest: Backtest, keep: np.ndarray, scale: np.ndarray) -> pd.DataFrame:
    """The backtest of one tier (the (origin, series) pairs of `keep`): the engine's accuracy per model
    (MASE, WAPE, bias, ...) and the leave-one-origin-out coverage of its 80/95 % intervals (_coverage)."""
    held = backtest.restricted(keep)
    table = held.summary[held.summary["n_pairs"] > 0].copy()
    for name in table.index:
        table.loc[name, ["coverage80", "coverage95"]] = _coverage(backtest.actual, backtest.forecasts[name],
                                                                  scale, keep)
    return table.reset_index().assign(tier=tier)


@dataclass(frozen=True)
class VolumeForecast:
    """frame: one row per (place, type, future week), columns `<level>_code, type, week, forecast, lo80,
    hi80, lo95, hi95, model`, ordered as the series of weekly_counts then by week; backtest: one row per
    (tier, model) with MASE, sMAPE, WAPE, bias, counts and the leave-one-origin-out coverage80/95 of its
    conformal intervals, `chosen` marking the model each tier forecasts with."""

    frame: pd.DataFrame
    backtest: pd.DataFrame
    chosen: str | None  # the dense tier's model (None when no series was dense in the backtest)
    weeks: pd.DatetimeIndex  # the history's weeks
    origins: pd.DatetimeIndex  # the first forecast week of each backtest origin
    n_series: int
    n_sparse: int
    min_total: float
    left_out: dict[str, int]

    def summary(self) -> str:
        """A few lines: the data, the tiers, the choice against the naive baselines and its coverage."""
        weeks = (f"{len(self.weeks)} weeks {self.weeks[0]:%Y-%m-%d} … {self.weeks[-1]:%Y-%m-%d}" if len(self.weeks)
                 else "no week")
        gone = ", ".join(f"{k} {v:,}" for k, v in self.left_out.items())
        lines = [f"{self.n_series:,} series over {weeks} (left out: {gone}); backtest at {len(self.origins)} "
                 f"origins, the first forecasting from {self.origins[0]:%Y-%m-%d}"]
        bt = self.backtest.set_index(["tier", "model"])
        for tier, label in (("dense", f"{self.n_series - self.n_sparse:,} dense series"),
                            ("sparse", f"{self.n_sparse:,} sparse series (< {self.min_total:g} tickets in the "
                                       f"last {SPARSE_WEEKS} weeks)")):
            picked = self.backtest[(self.backtest["tier"] == tier) & self.backtest["chosen"]]
            if picked.empty:
                lines.append(f"{label}: none in the backtest")
                continue
            row = picked.iloc[0]
            against = ", ".join(f"{m} {bt.loc[(tier, m), 'mase']:.3f}" for m in ("naive", "seasonal_naive_52")
                                if (tier, m) in bt.index)
            lines.append(f"{label}: {row['model']} (MASE {row['mase']:.3f} vs {against}; intervals covered "
                         f"{row['coverage80']:.0%} at 80 %, {row['coverage95']:.0%} at 95 %)")
        return "\n".join(lines)


def forecast_volume(store: pd.DataFrame, horizon_weeks: int = 8, engine: Engine = IN_PROCESS,
                    min_total: float = 26, *, level: str = "district", end: object = None, origins: int = 6,
                    step: int = 4, candidates: tuple[str, ...] = CANDIDATES,
                    fit_weeks: int | None = FIT_WEEKS) -> VolumeForecast:
    """Weekly ticket forecasts of every series of weekly_counts(store, level, end), horizon_weeks ahead
    (module docstring), as of `end` (weekly_counts: the last complete week at or before it). A series is
    dense with at least `min_total` tickets in its last SPARSE_WEEKS weeks. Backtest: `origins` rolling
    origins `step` weeks apart, the last ending at the last week (fewer where the weeks are short;
    ValueError under MIN_ORIGINS); `candidates` a subset of CANDIDATES; the statistical models are fitted on
    the last `fit_weeks` weeks of each history (None: all of it). Guarantees: every series gets
    horizon_weeks rows, 0 <= lo95 <= lo80 <= forecast <= hi80 <= hi95, all finite; the same forecasts on
    any engine."""
    if isinstance(horizon_weeks, bool) or not isinstance(horizon_weeks, int | np.integer) or horizon_weeks < 1:
        raise ValueError(f"horizon_weeks is an integer >= 1; got {horizon_weeks!r}")
    if step < 1 or origins < MIN_ORIGINS:
        raise ValueError(f"step >= 1 week and origins >= {MIN_ORIGINS}; got {step}, {origins}")
    unknown = [c for c in candidates if c not in CANDIDATES]
    if unknown or not candidates:
        raise ValueError(f"candidates are some of {', '.join(CANDIDATES)}; got {candidates!r}")
    counts = weekly_counts(store, level, end)
    block, h = counts.counts, int(horizon_weeks)
    n_series, n_weeks = block.shape
    n_origins = min(origins, (n_weeks - h - MIN_HISTORY) // step + 1)
    if n_series == 0 or n_origins < MIN_ORIGINS:
        raise ValueError(f"{n_series} series over {n_weeks} weeks: a backtest of {MIN_ORIGINS} origins {step} weeks "
                         f"apart needs {MIN_HISTORY + h + (MIN_ORIGINS - 1) * step} weeks")
    cuts = n_weeks - h - step * np.arange(n_origins - 1, -1, -1, dtype=np.int64)
    dense = np.stack([_dense(block[:, :c], min_total) for c in cuts])  # [origin, series]
    scale = np.stack([recent_scale(block[:, :c]) for c in cuts])  # [origin, series]
    names = tuple(dict.fromkeys((*candidates, SPARSE_MODEL.name)))
    backtest = backtest_from_forecasts(block, cuts, _forecast_all(block, cuts, h, names, dense, engine, fit_weeks), period=1)

    dense_table = _tier_table("dense", backtest, dense, scale)
    dense_table = dense_table[dense_table["model"].isin(candidates)]
    ranked = dense_table[np.isfinite(dense_table["mase"])].sort_values("mase", kind="stable")
    chosen = None if ranked.empty else str(ranked["model"].iloc[0])
    sparse_table = _tier_table("sparse", backtest, ~dense, scale)
    table = pd.concat([dense_table, sparse_table[~sparse_table["model"].isin(STATISTICAL)]], ignore_index=True)
    table["chosen"] = ((table["tier"] == "dense") & (table["model"] == chosen)) | (
        (table["tier"] == "sparse") & (table["model"] == SPARSE_MODEL.name))
    first = ["tier", "model", "chosen", "mase", "wape", "coverage80", "coverage95"]
    table = table[first + [c for c in table.columns if c not in first]]

    now = _dense(block, min_total) & (chosen is not None)
    final = SPARSE_MODEL.fit_predict(block, h)
    if now.any():
        if chosen in STATISTICAL:
            final[now] = _statistical(chosen).fit_predict(_window(block[now], fit_weeks), h, engine=engine)
        else:
            final[now] = _BASELINES[chosen].fit_predict(block[now], h, engine=engine)
    final = np.maximum(final, 0.0)
    q_sparse = _quantiles(np.where(~dense[:, :, None], backtest.residuals(SPARSE_MODEL.name), np.nan), scale)
    q_dense = None if chosen is None else _quantiles(np.where(dense[:, :, None], backtest.residuals(chosen), np.nan),
                                                     scale)
    q_dense, q_sparse = q_dense if q_dense is not None else q_sparse, q_sparse if q_sparse is not None else q_dense
    half = np.where(now[None, :, None], q_dense[:, None, :], q_sparse[:, None, :]) * recent_scale(block)[None, :, None]
    (lo80, hi80), (lo95, hi95) = _bounds(final, half[0]), _bounds(final, half[1])
    column = f"{level}_code"
    future = counts.weeks[-1] + pd.to_timedelta(7 * np.arange(1, h + 1), unit="D")
    frame = pd.DataFrame({
        column: np.repeat(counts.keys[column].to_numpy(), h), "type": np.repeat(counts.keys["type"].to_numpy(), h),
        "week": np.tile(future, n_series), "forecast": final.reshape(-1),
        "lo80": lo80.reshape(-1), "hi80": hi80.reshape(-1), "lo95": lo95.reshape(-1), "hi95": hi95.reshape(-1),
        "model": np.repeat(np.where(now, chosen or "", SPARSE_MODEL.name), h)})
    return VolumeForecast(frame=frame, backtest=table, chosen=chosen, weeks=counts.weeks,
                          origins=pd.DatetimeIndex(counts.weeks[0] + pd.to_timedelta(7 * cuts, unit="D")),
                          n_series=n_series, n_sparse=int((~now).sum()), min_total=min_total,
                          left_out=counts.left_out)
