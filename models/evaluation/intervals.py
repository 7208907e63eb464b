"""Split-conformal prediction intervals per horizon step from backtest residuals.

Calibration pools the residuals (actual - forecast) of one group of series (one hierarchy level of
one metric, say) over its backtest origins, per step. Each residual is divided by a scale from the
history the forecast saw, so a large LAO and a small one add comparable, unitless scores |r| / scale:
one per series (its MASE scale, `models.evaluation.metrics.mase_scale`) or one per series and step (the MASE
scale times the month profile of the step's target month, `models.evaluation.interval_scale`; the training's).
The interval at level 1 - alpha is the forecast ± q * scale, with q the ceil((n + 1)(1 - alpha))-th
smallest of the n scores of that step: the split-conformal finite-sample correction, which covers at
least 1 - alpha when the scores are exchangeable. Where n is too small for that (k > n) q is infinite: an honest "no bound".

Series whose scale is 0 or undefined (flat history, under 13 months) neither calibrate nor get an
interval (NaN bounds).

Measuring coverage: `holdout_coverage` calibrates on every origin but the last and scores the last (one
draw of the future: at an aggregate level, whose series share one shock per origin, that is nearly one
observation, so it lands near 0 or 1 more often than near nominal). `cross_origin_coverage` holds out
each origin in turn, calibrates on the others and pools the scored months of all origins: the
cross-conformal estimate of the coverage the procedure attains, far less noisy, and still scored only
on residuals the calibration did not see. Both are reported; neither is a promise under a regime
change that no calibration origin saw."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.evaluation.metrics import winkler

__all__ = ["LEVELS", "ConformalCalibration", "calibrate", "prediction_intervals", "holdout_coverage",
           "cross_origin_coverage", "origin_bootstrap"]

LEVELS = (0.8, 0.95)
# (n + 1) * level lands a few ulps above an integer for some n (20 * 0.95); the rank must not jump
_RANK_SLACK = 1e-9


def _check_levels(levels: Sequence[float]) -> tuple[float, ...]:
    levels = tuple(float(level) for level in levels)
    if not levels or any(not 0.0 < level < 1.0 for level in levels):
        raise ValueError(f"interval levels lie in (0, 1), e.g. 0.8 for 80 %; got {levels}")
    return levels


def _usable_scale(scale: np.ndarray) -> np.ndarray:
    scale = np.asarray(scale, dtype=np.float64)
    return np.where(scale > 0, scale, np.nan)


@dataclass(frozen=True)
class ConformalCalibration:
    """Per level and step, the quantile q of the normalised absolute residuals (unitless)."""

    levels: tuple[float, ...]
    quantiles: np.ndarray  # float64 [level, step]; inf where too few residuals for the level
    n: np.ndarray  # int64 [step]: residuals that calibrated each step
    scale: str = "mase"  # what the scores were divided by: "mase" [series] or "mase_month" [series, step]

    def offsets(self, scale: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper offsets [series, step] from the point forecast, in the series' unit; scale is
        [series] or [series, step], the same kind the calibration divided by."""
        row = self.quantiles[self.levels.index(float(level))]
        half_width = _per_step(_usable_scale(scale), row.size) * row[None, :]
        return -half_width, half_width


def _series_unit(scale: np.ndarray) -> np.ndarray:
    """[series] mean over the steps of a [series, step] scale (NaN where none is defined): the MASE scale
    itself for a per-series scale, and near it for a month-profiled one over a whole year of steps."""
    defined = ~np.isnan(scale)
    count = defined.sum(axis=1)
    return np.where(count > 0, np.where(defined, scale, 0.0).sum(axis=1) / np.maximum(count, 1), np.nan)


def _per_step(scale: np.ndarray, horizon: int) -> np.ndarray:
    """A scale [rows] or [rows, step] as [rows, step]."""
    return np.broadcast_to(scale[:, None], (scale.shape[0], horizon)) if scale.ndim == 1 else scale


def calibrate(residuals: np.ndarray, scale: np.ndarray, levels: Sequence[float] = LEVELS,
              scale_kind: str = "mase") -> ConformalCalibration:
    """Conformal quantiles from residuals [rows, step] (NaN = not scored) and each row's scale, [rows] or
    [rows, step]; a row is one (origin, series) of the group. scale_kind names the scale for whoever
    applies the calibration later (ConformalCalibration.scale)."""
    levels = _check_levels(levels)
    residuals = np.asarray(residuals, dtype=np.float64)
    if residuals.ndim != 2:
        raise ValueError(f"residuals are [rows, step]; got shape {residuals.shape}")
    scale = _usable_scale(scale)
    if scale.shape not in (residuals.shape[:1], residuals.shape):
        raise ValueError(f"scale is [rows] = ({residuals.shape[0]},) or [rows, step] = {residuals.shape}; "
                         f"got shape {scale.shape}")
    scores = np.sort(np.abs(residuals) / _per_step(scale, residuals.shape[1]), axis=0)  # NaN sorts last
    n = (~np.isnan(scores)).sum(axis=0)
    rank = np.ceil((n[None, :] + 1) * np.asarray(levels)[:, None] - _RANK_SLACK).astype(np.int64)
    enough = rank <= n[None, :]
    quantiles = np.full(rank.shape, np.inf)
    if scores.shape[0]:
        picked = np.take_along_axis(scores, np.clip(rank - 1, 0, scores.shape[0] - 1), axis=0)
        quantiles = np.where(enough, picked, np.inf)
    return ConformalCalibration(levels=levels, quantiles=quantiles, n=n.astype(np.int64), scale=scale_kind)


def prediction_intervals(forecast: np.ndarray, scale: np.ndarray, calibration: ConformalCalibration,
                         level: float, non_negative: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """[lo, hi] bounds [series, step] around point forecasts [series, step] (the series' unit), scale
    [series] or [series, step]; with non_negative (counts, tonnes, baht) both bounds are clipped at 0."""
    forecast = np.asarray(forecast, dtype=np.float64)
    if forecast.ndim != 2 or forecast.shape[1] != calibration.quantiles.shape[1]:
        raise ValueError(f"forecast is [series, {calibration.quantiles.shape[1]}]; got shape {forecast.shape}")
    scale = np.asarray(scale, dtype=np.float64)
    if scale.shape not in (forecast.shape[:1], forecast.shape):
        raise ValueError(f"scale is [series] = ({forecast.shape[0]},) or [series, step] = {forecast.shape}; "
                         f"got shape {scale.shape}")
    lower, upper = calibration.offsets(scale, level)
    lo, hi = forecast + lower, forecast + upper
    if non_negative:
        lo, hi = np.maximum(lo, 0.0), np.maximum(hi, 0.0)  # NaN stays NaN
    return lo, hi


def holdout_coverage(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray,
                     levels: Sequence[float] = LEVELS, non_negative: bool = False) -> pd.DataFrame:
    """Honest coverage: calibrate on every origin but the last, score the intervals on the last.

    actual and forecast are [origin, series, step], scale [origin, series] (a Backtest's arrays) or
    [origin, series, step] (models.evaluation.interval_scale at each origin).
    One row per level: nominal, coverage (share of the held-out scored months inside their interval),
    mean_scaled_width (over the scored months) and scaled_winkler (mean over series), both divided by
    the series' scale so unitless, n_pairs scored, n_no_interval (series with actuals but no interval: scale
    undefined), n_calibration (fewest residuals behind a step)."""
    levels = _check_levels(levels)
    actual, forecast, scale = _check_backtest(actual, forecast, scale)
    return _score_origins(actual, forecast, scale, levels, non_negative, [actual.shape[0] - 1])


def cross_origin_coverage(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray,
                          levels: Sequence[float] = LEVELS, non_negative: bool = False,
                          unit: np.ndarray | None = None) -> pd.DataFrame:
    """Leave-one-origin-out coverage: each origin's intervals calibrated on all the other origins, the
    scored months of every origin pooled (arrays as for `holdout_coverage`). Same columns as
    `holdout_coverage`, plus `min_origin` and `max_origin`, the lowest and highest coverage of a single held-out origin (how much it varies),
    and `coverage_low` / `coverage_high`, the 90 % range of the pooled coverage over resampled origins
    (`origin_bootstrap`); n_calibration is the fewest residuals behind a step of any origin's calibration.
    unit [origin, series] divides widths and Winkler scores (default: each series' mean scale over the
    steps), so that two scales' intervals can be compared in one unit (models.evaluation.own_scale)."""
    levels = _check_levels(levels)
    actual, forecast, scale = _check_backtest(actual, forecast, scale)
    if unit is not None and np.shape(unit) != actual.shape[:2]:
        raise ValueError(f"unit is [origin, series] = {actual.shape[:2]}; got shape {np.shape(unit)}")
    return _score_origins(actual, forecast, scale, levels, non_negative, list(range(actual.shape[0])), unit)


BOOTSTRAP_DRAWS = 2000
BOOTSTRAP_RANGE = 0.9


def origin_bootstrap(counts: np.ndarray, draws: int = BOOTSTRAP_DRAWS, width: float = BOOTSTRAP_RANGE,
                     seed: int = 0) -> tuple[float, float]:
    """How far the pooled coverage could move with other origins: the central `width` range of the pooled
    coverage over `draws` resamples, with replacement, of the held-out origins. counts is [origin, 2]:
    (months inside the interval, months scored) per held-out origin.

    The origins, not the months, are the independent draws: every series of an aggregate level shares an
    origin's shock, so its months land inside or outside together. With 8 origins the range is wide where
    series share their shocks (the aggregate levels) and narrower where they do not; a gap to nominal
    well inside it is within what another set of origins could have shown.
    NaN where fewer than two origins were scored. Seeded: the same counts give the same range."""
    counts = np.asarray(counts, dtype=np.int64).reshape(-1, 2)
    counts = counts[counts[:, 1] > 0]
    if len(counts) < 2:
        return np.nan, np.nan
    picks = np.random.default_rng(seed).integers(0, len(counts), size=(draws, len(counts)))
    pooled = counts[picks, 0].sum(axis=1) / counts[picks, 1].sum(axis=1)
    tail = (1.0 - width) / 2
    low, high = np.quantile(pooled, [tail, 1.0 - tail])
    return float(low), float(high)


def _check_backtest(actual, forecast, scale) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    actual = np.asarray(actual, dtype=np.float64)
    forecast = np.asarray(forecast, dtype=np.float64)
    scale = np.asarray(scale, dtype=np.float64)
    if actual.ndim != 3 or forecast.shape != actual.shape or scale.shape not in (actual.shape[:2], actual.shape):
        raise ValueError(f"actual, forecast [origin, series, step] and scale [origin, series] or [origin, "
                         f"series, step]; got "
                         f"{actual.shape}, {forecast.shape}, {scale.shape}")
    if actual.shape[0] < 2:
        raise ValueError("holding out an origin needs at least two origins")
    return actual, forecast, scale


def _score_origins(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray, levels: tuple[float, ...],
                   non_negative: bool, held_out: list[int], unit: np.ndarray | None = None) -> pd.DataFrame:
    """Each origin of `held_out` scored with intervals calibrated on all the other origins; pooled."""
    n_origins, n_series, horizon = actual.shape
    tallies = {level: {"inside": 0, "pairs": 0, "width": [], "winkler": [], "counts": []} for level in levels}
    no_interval, fewest = 0, None
    for o in held_out:
        others = [i for i in range(n_origins) if i != o]
        residuals = (actual[others] - forecast[others]).reshape(len(others) * n_series, horizon)
        calibration = calibrate(residuals, scale[others].reshape(len(others) * n_series, *scale.shape[2:]), levels)
        fewest = int(calibration.n.min()) if fewest is None else min(fewest, int(calibration.n.min()))
        held_actual, held_forecast = actual[o], forecast[o]
        held_scale = _per_step(_usable_scale(scale[o]), horizon)
        # widths and Winkler scores in units of each series' mean scale, or the unit given
        held_unit = _series_unit(held_scale) if unit is None else _usable_scale(unit[o])
        observed = ~np.isnan(held_actual) & ~np.isnan(held_forecast)
        no_interval += int((observed.any(axis=1) & np.isnan(held_scale).all(axis=1)).sum())
        for level in levels:
            lo, hi = prediction_intervals(held_forecast, held_scale, calibration, level, non_negative)
            scored = observed & ~np.isnan(lo) & ~np.isnan(hi)
            inside = scored & (held_actual >= lo) & (held_actual <= hi)
            tally = tallies[level]
            tally["inside"] += int(inside.sum())
            tally["pairs"] += int(scored.sum())
            if scored.any():
                tally["counts"].append((int(inside.sum()), int(scored.sum())))
            normalised = [array / held_unit[:, None] for array in (held_actual, lo, hi)]
            tally["width"].append(((hi - lo) / held_unit[:, None])[scored])
            tally["winkler"].append(winkler(*normalised, alpha=1.0 - level))
    rows = []
    for level, tally in tallies.items():
        width = np.concatenate(tally["width"])
        counts = np.asarray(tally["counts"], dtype=np.int64).reshape(-1, 2)  # [origin, (inside, scored)]
        per_origin = counts[:, 0] / counts[:, 1]
        low, high = origin_bootstrap(counts)
        rows.append({
            "level": level, "nominal": level,
            "coverage": tally["inside"] / tally["pairs"] if tally["pairs"] else np.nan,
            "mean_scaled_width": width.mean() if width.size else np.nan,
            "scaled_winkler": pd.Series(np.concatenate(tally["winkler"])).mean(),
            "n_pairs": tally["pairs"],
            "n_no_interval": no_interval,
            "n_calibration": fewest if horizon else 0,
            "min_origin": per_origin.min() if per_origin.size else np.nan,
            "max_origin": per_origin.max() if per_origin.size else np.nan,
            "coverage_low": low, "coverage_high": high,
        })
    return pd.DataFrame(rows).set_index("level")
