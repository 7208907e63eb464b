"""Training one metric: every candidate backtested at every level, a champion per level, the champions
reconciled into coherent forecasts, conformal intervals calibrated on the reconciled backtest, and the
final fit from the last month.

Candidates: the baselines (naive, seasonal naive, historic mean, seasonal drift, seasonal mean), the
global XGBoost model of the level (models.forecasters.xgb_global), Prophet per series at the levels of
`TrainConfig.prophet_levels`, the statistical family's `TrainConfig.statistical_models` (AutoETS and
AutoTheta by default, per series) at the levels of `TrainConfig.statistical_levels` (the nation and
regions by default), `ensemble`, the
median of naive, seasonal naive, seasonal mean, seasonal drift, XGBoost and (where fitted) Prophet, and
where the statistical family runs the registry's combinations of what was fitted there
(models.forecasters.candidates.training_combinations: stat_median of ETS and Theta, stat_global_median
of ETS, Theta and XGBoost). The
champion of a level has the lowest mean MASE over the backtest (origins x series). At each origin the
champions of all levels are stacked and reconciled (TrainConfig.reconciliation; "auto" tries bottom-up,
WLS-structural, WLS with each node's in-sample seasonal-naive error variance (models.training.fitted.coherent) and
OLS, and keeps the one whose published forecasts, points and intervals, score best: the lowest geometric
mean over levels of the cross-origin scaled Winkler score), and the intervals of a level
come from split-conformal calibration on the reconciled residuals of that level, so they are intervals
around the coherent forecasts that are published; each residual is scaled by its series' MASE scale
times the level's month profile of error at the target month (models.evaluation.interval_scale), so one step's
quantile does not mix the fiscal calendar's quiet and busy months. Their coverage is measured leaving
one origin out at a time (models.evaluation.intervals.cross_origin_coverage) and, separately, on the last origin
alone.

Heavy fits go to the cluster engine in one map per metric (models.training.fits.fit_metric: XGBoost per
level at every `TrainConfig.xgb_refit`-th origin, each fit also forecasting from the origins before the next,
Prophet's and the statistical family's batches); the rest is `assemble_metric`, in the
client. `train_metric` is the two in a row. The result is a `FittedMetric` (models.training.fitted), which recomputes the published forecasts from what it
holds; the MLflow model wraps it."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cluster.engine import IN_PROCESS, Engine
from khlang.config import TrainConfig
from models.evaluation.backtest import Backtest, backtest_from_forecasts
from models.evaluation.interval_scale import interval_scale
from models.evaluation.intervals import LEVELS, calibrate, cross_origin_coverage, holdout_coverage
from models.forecasters.candidates import training_baselines, training_combinations
from models.forecasters.combination import Combination
from models.training.fits import MetricFits, fit_metric, forecast_horizon, xgb_spec
from models.training.fitted import (
    ENSEMBLE,
    ENSEMBLE_MEMBERS,
    FittedMetric,
    LevelFit,
    coherent,
    median_ensemble,
)
from models.training.history import MetricHistory

__all__ = ["BASELINE_MODELS", "XGB", "PROPHET", "MetricTraining", "assemble_metric", "check_config",
           "forecast_horizon", "train_metric", "xgb_spec"]

BASELINE_MODELS = training_baselines()  # from the one registry (models.forecasters.candidates)
XGB, PROPHET = "xgb_global", "prophet"
RECONCILIATION_CANDIDATES = ("bottom_up", "wls_struct", "wls_var", "ols")  # TrainConfig.reconciliation "auto"
MIN_CALIBRATION = 60  # residuals per step: a finite 95 % conformal bound needs at least 19
INTERVAL_SCALE = "mase_month"  # models.evaluation.interval_scale: MASE scale x the level's month profile


@dataclass(frozen=True)
class MetricTraining:
    """Everything training one metric leaves: backtests, choices, accuracy, coverage and the fitted model."""

    metric: str
    horizon: int
    cuts: np.ndarray
    backtests: dict[str, Backtest]  # level -> every candidate's base backtest
    champions: dict[str, str]  # level -> model name
    reconciliation: str  # the method used
    reconciliation_methods: pd.DataFrame  # every candidate method's reconciled MASE / sMAPE per level
    reconciled: dict[str, Backtest]  # level -> backtest of "base" (the champion) and "reconciled"
    coverage: pd.DataFrame  # per level and interval: cross-origin coverage (+ coverage_last_origin) of the intervals
    fitted: FittedMetric
    forecasts: pd.DataFrame  # the published forecasts: every node, every step, with intervals
    importance: dict[str, dict[str, float]]  # level -> XGBoost gain per design column (final fit)
    seconds: dict[str, float]  # backtest, final, reconcile

    def accuracy(self) -> pd.DataFrame:
        """One row per (level, model): mase, smape, wape, bias, … of the base backtest, and rows
        `reconciled` for the champion after reconciliation (stage column)."""
        rows = []
        for level, bt in self.backtests.items():
            for model, row in bt.summary.iterrows():
                rows.append({"metric": self.metric, "level": level, "model": str(model), "stage": "base",
                             "champion": model == self.champions[level], **row.to_dict()})
            rec = self.reconciled[level].summary.loc["reconciled"]
            rows.append({"metric": self.metric, "level": level, "model": self.champions[level],
                         "stage": "reconciled", "champion": True, **rec.to_dict()})
        return pd.DataFrame(rows)


def check_config(config: TrainConfig) -> None:
    """Refuse, before any fit, what the client's part would refuse after them."""
    if config.reconciliation not in ("auto", *RECONCILIATION_CANDIDATES):
        raise ValueError(f"train.reconciliation must be auto or one of {RECONCILIATION_CANDIDATES}; "
                         f"got {config.reconciliation!r}")
    if isinstance(config.xgb_refit, bool) or not isinstance(config.xgb_refit, int) or config.xgb_refit < 1:
        raise ValueError(f"train.xgb_refit must be an integer >= 1 (refit every k backtest origins); "
                         f"got {config.xgb_refit!r}")


def train_metric(history: MetricHistory, config: TrainConfig, engine: Engine = IN_PROCESS,
                 progress: Callable[[str], None] | None = None) -> MetricTraining:
    """Backtest, choose, reconcile, calibrate and fit one metric (see the module docstring)."""
    say = progress or (lambda message: None)
    check_config(config)
    return assemble_metric(fit_metric(history, config, engine, progress=say), progress=say)


def assemble_metric(fits: MetricFits, progress: Callable[[str], None] | None = None) -> MetricTraining:
    """The client's part of training one metric, from the cluster's fits: baselines, combinations and the
    backtest of every candidate per level, champions, reconciliation, intervals and the fitted model."""
    say = progress or (lambda message: None)
    check_config(fits.config)
    history, config, cuts, horizon = fits.history, fits.config, fits.cuts, fits.horizon
    xgb_backtest, xgb_final, prophet_backtest, prophet_final = (fits.xgb_backtest, fits.xgb_final,
                                                                fits.prophet_backtest, fits.prophet_final)
    statistical_backtest, statistical_final = fits.statistical_backtest, fits.statistical_final
    boosters, importance, spec = fits.boosters, fits.importance, fits.spec
    started = time.perf_counter()
    backtests, finals = {}, {}
    combinations: dict[tuple[str, str], Combination] = {}  # (level, name) -> the combination formed there
    for level in history.levels:
        say(f"{history.metric}: backtest {level}")
        block = history.blocks[level]
        forecasts = {m.name: np.stack([m.fit_predict(block[:, :cut], horizon) for cut in cuts])
                     for m in BASELINE_MODELS}
        final = {m.name: m.fit_predict(block, horizon) for m in BASELINE_MODELS}
        forecasts[XGB], final[XGB] = xgb_backtest[level], xgb_final[level]
        if level in prophet_final:
            forecasts[PROPHET], final[PROPHET] = prophet_backtest[level], prophet_final[level]
        forecasts[ENSEMBLE] = median_ensemble(forecasts)
        final[ENSEMBLE] = median_ensemble(final)
        for (at, model), forecast in statistical_backtest.items():
            if at == level:
                forecasts[model], final[model] = forecast, statistical_final[level, model]
        for combination in training_combinations(list(forecasts)):
            forecasts[combination.name], final[combination.name] = (combination.combine(forecasts),
                                                                    combination.combine(final))
            combinations[level, combination.name] = combination
        backtests[level] = backtest_from_forecasts(block, cuts, forecasts, history.keys(level))
        finals[level] = final
    backtest_seconds = fits.seconds + time.perf_counter() - started

    champions = {level: _champion(bt) for level, bt in backtests.items()}
    say(f"{history.metric}: reconcile backtest ({config.reconciliation})")
    started = time.perf_counter()
    method, reconciled, coverage, calibrations, methods = _reconciled_backtest(history, backtests, champions, cuts,
                                                                               config)
    reconcile_seconds = time.perf_counter() - started

    fitted = FittedMetric(
        metric=history.metric, hierarchy=history.hierarchy, periods=history.periods, blocks=history.blocks,
        horizon=horizon, method=method, xgb=dataclasses.replace(spec, periods=None),
        levels={level: _level_fit(level, champions[level], calibrations[level], boosters, prophet_final,
                                  statistical_final, combinations.get((level, champions[level])))
                for level in history.levels})
    started = time.perf_counter()
    published = fitted.forecast_frame()
    final_seconds = time.perf_counter() - started
    _check_final(fitted, published, finals, champions)
    return MetricTraining(metric=history.metric, horizon=horizon, cuts=cuts, backtests=backtests, champions=champions,
                          reconciliation=method, reconciliation_methods=methods, reconciled=reconciled, coverage=coverage, fitted=fitted, forecasts=published,
                          importance=importance,
                          seconds={"backtest": backtest_seconds, "reconcile": reconcile_seconds, "final": final_seconds})


def _level_fit(level: str, champion: str, calibration, boosters: dict, prophet_final: dict, statistical_final: dict,
               combination: Combination | None) -> LevelFit:
    """What the fitted model keeps of a level: the fitted state of the champion and of its members."""
    members = combination.members if combination is not None else ENSEMBLE_MEMBERS if champion == ENSEMBLE else ()
    uses = {champion, *members}
    return LevelFit(champion=champion, calibration=calibration,
                    booster=boosters.get(level) if XGB in uses else None,
                    prophet=prophet_final.get(level) if PROPHET in uses else None,
                    statistical=statistical_final.get((level, champion)), combination=combination,
                    members={m: statistical_final[level, m] for m in members if (level, m) in statistical_final}
                    if combination is not None else None)


def _champion(bt: Backtest) -> str:
    """Lowest mean MASE; a model without a defined MASE never wins; ties go to the earlier (simpler) one."""
    mase = bt.summary["mase"]
    if mase.notna().any():
        return str(mase.idxmin())
    return "seasonal_naive"


def _reconcile_origins(history: MetricHistory, backtests: dict[str, Backtest], champions: dict[str, str],
                       cuts: np.ndarray, method: str) -> dict[str, np.ndarray]:
    """level -> [origin, series, step]: the champions of every level reconciled at each origin."""
    h = history.hierarchy
    horizon = next(iter(backtests.values())).actual.shape[2]
    n_origins = len(cuts)
    rec = {level: np.empty((n_origins, len(history.keys(level)), horizon)) for level in history.levels}
    for o, cut in enumerate(cuts):
        base = {level: (history.keys(level), backtests[level].forecasts[champions[level]][o])
                for level in history.levels}
        fallback = {level: (history.keys(level), backtests[level].forecasts["seasonal_naive"][o])
                    for level in history.levels}
        seen = {level: history.blocks[level][:, :cut] for level in history.levels}
        values = coherent(h, h.stack(base), h.stack(fallback), method, seen)
        for level, (_, block) in h.unstack(values).items():
            rec[level][o] = block
    return rec


def _reconciled_backtest(history: MetricHistory, backtests: dict[str, Backtest], champions: dict[str, str],
                         cuts: np.ndarray, config: TrainConfig):
    """Reconcile the champions at every origin with each candidate method, calibrate each method's
    intervals level by level and measure them leaving one origin out, and keep the method with the
    lowest geometric mean over levels of the scaled Winkler score (mean of 80 and 95 %): the score of
    what is published, point and interval together, so a method that is sharp on most origins but far
    off on one (a level shift in the history that one origin's models misread) pays for its misses.
    Each level counts the same, scale-free (the nation's larger scores do not outweigh the LAOs')."""
    methods = RECONCILIATION_CANDIDATES if config.reconciliation == "auto" else (config.reconciliation,)
    horizon = next(iter(backtests.values())).actual.shape[2]
    scales = {level: np.stack([interval_scale(history.blocks[level][:, :cut], history.periods[:cut], horizon)
                               for cut in cuts]) for level in history.levels}  # [origin, series, step]
    candidates = {}
    for method in methods:
        rec = _reconcile_origins(history, backtests, champions, cuts, method)
        reconciled = {level: backtest_from_forecasts(
            history.blocks[level], cuts, {"base": backtests[level].forecasts[champions[level]],
                                          "reconciled": rec[level]}, history.keys(level))
            for level in history.levels}
        candidates[method] = (reconciled, *_calibrated(history, reconciled, scales, len(cuts)))
    per_level = {method: table.set_index(["level", "interval"]) for method, (_, table, _) in candidates.items()}
    winkler = {method: table["scaled_winkler"].groupby(level="level").mean() for method, table in per_level.items()}
    scores = {method: _geometric_mean([winkler[method][level] for level in history.levels]) for method in methods}
    method = min(methods, key=lambda m: (np.nan_to_num(scores[m], nan=np.inf), methods.index(m)))
    reconciled, coverage, calibrations = candidates[method]
    methods_table = pd.DataFrame([
        {"method": m, "level": level, "mase": bt.summary.loc["reconciled", "mase"],
         "smape": bt.summary.loc["reconciled", "smape"], "winkler": winkler[m][level],
         "coverage80": per_level[m].loc[(level, 0.8), "coverage"],
         "coverage95": per_level[m].loc[(level, 0.95), "coverage"], "chosen": m == method}
        for m, (backtests_m, _, _) in candidates.items() for level, bt in backtests_m.items()])
    return method, reconciled, coverage, calibrations, methods_table


def _geometric_mean(values: list[float]) -> float:
    """Of the defined values (NaN: a level without scored months); an infinite one (no finite bound) is
    the worst there is."""
    values = np.asarray(values, dtype=np.float64)
    values = values[~np.isnan(values)]
    if not values.size:
        return np.nan
    return float(np.exp(np.mean(np.log(np.maximum(values, 1e-12)))))


def _calibrated(history: MetricHistory, reconciled: dict[str, Backtest], scales: dict[str, np.ndarray],
                n_origins: int) -> tuple[pd.DataFrame, dict]:
    """Per level: conformal calibration on the reconciled residuals of all origins, and its coverage
    leaving one origin out (and on the last origin alone)."""
    horizon = next(iter(reconciled.values())).actual.shape[2]
    coverage, calibrations = [], {}
    for k, level in enumerate(history.levels):
        # a level with few series (the nation, the regions) pools its scaled residuals with the levels
        # below it until every step has enough of them for a finite 95 % bound
        used = history.levels[k:k + len(_pool_until([reconciled[below] for below in history.levels[k:]],
                                                     n_origins, MIN_CALIBRATION))]
        arrays = _pooled_backtest([reconciled[b] for b in used], [scales[b] for b in used])
        calibrations[level] = calibrate((arrays[0] - arrays[1]).reshape(-1, horizon),
                                        arrays[2].reshape(-1, horizon), LEVELS, scale_kind=INTERVAL_SCALE)
        table = cross_origin_coverage(*arrays, LEVELS, non_negative=True)
        last = holdout_coverage(*arrays, LEVELS, non_negative=True)
        table = table.assign(coverage_last_origin=last["coverage"])
        coverage.append(table.reset_index().assign(level_name=level, calibrated_on=",".join(used)))
    frame = pd.concat(coverage, ignore_index=True).rename(columns={"level": "interval", "level_name": "level"})
    return frame[["level", *[c for c in frame.columns if c != "level"]]], calibrations


def _pool_until(pool: list[Backtest], n_origins: int, least: int) -> list[Backtest]:
    """The first backtests of `pool` (this level, then the levels below it) whose series together give
    every step at least `least` residuals over the calibration origins."""
    used, count = [], 0
    for bt in pool:
        used.append(bt)
        count += bt.actual.shape[1] * (n_origins - 1)
        if count >= least:
            break
    return used


def _pooled_backtest(used: list[Backtest], scales: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """actual, reconciled forecast and interval scale, each [origin, series, step], of the pooled levels."""
    actual = np.concatenate([b.actual for b in used], axis=1)
    forecast = np.concatenate([b.forecasts["reconciled"] for b in used], axis=1)
    return actual, forecast, np.concatenate(scales, axis=1)


def _check_final(fitted: FittedMetric, published: pd.DataFrame, finals: dict[str, dict[str, np.ndarray]],
                 champions: dict[str, str]) -> None:
    """The fitted model's base forecasts (the `base_forecast` column of what it publishes) are the ones the
    training computed (a guard against drift between the two code paths)."""
    by_level = dict(tuple(published.groupby("level", sort=False)))
    for level, champion in champions.items():
        mine = by_level[level]["base_forecast"].to_numpy().reshape(len(fitted.hierarchy.keys(level)), fitted.horizon)
        theirs = finals[level][champion]
        if not np.allclose(mine, theirs, equal_nan=True, rtol=1e-9, atol=1e-6):
            raise RuntimeError(f"{fitted.metric}/{level}: fitted model's {champion} forecast differs from training's")
