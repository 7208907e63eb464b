"""`khlang evaluate`: the project's candidates, `auto` and the peers on any long-format file (unique_id, ds, y).

Every candidate of the registry (models.forecasters.candidates) that applies to the file is backtested at
rolling origins (models.evaluation.backtest); combinations are formed from their members' forecasts. Two splits:
- backtest (default): rows score every origin; `auto` is the candidate with the lowest MASE on every
  origin but the last and is scored on the last, beside every other candidate's score there
  (mase_scored), so its choice never peeks;
- `holdout`: the competition way (M3, M4, Tourism): the last `horizon` periods are held out; `auto` is
  chosen on a backtest inside the fitted part, every candidate is fitted on all of it and scored once
  on the held-out periods, each with conformal intervals calibrated on the inner backtest.
What auto may choose, the best-3 median and parsimony towards naive: models.evaluation.selection.
MASE scales by the in-sample mean absolute difference at the frequency's season (12 months, 4 quarters,
52 weeks, 7 days, 24 hours; yearly: 1). `peers` adds statsforecast's Naive, SeasonalNaive, AutoETS,
AutoTheta and AutoARIMA on the same split (models.evaluation.peers) and each row's ratio to the best of them;
`output` keeps auto's forecasts with 80 / 95 % intervals (models.evaluation.report.OUTPUT_COLUMNS)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cluster.engine import IN_PROCESS, Engine
from models.evaluation.backtest import MIN_ORIGINS, Backtest, rolling_origin_backtest
from models.evaluation.long_file import (
    COLUMNS,
    FREQS,
    SEASON_LENGTH,
    LongData,
    check_freq,
    long_data,
    read_long,
)
from models.evaluation.own_scale import choose_scales, fit_spreads
from models.evaluation.report import EXPERIMENT, EvaluateReport
from models.evaluation.scoring import auto_rows, holdout_finals, score_holdout, scored_rows
from models.evaluation.selection import MAX_FALLBACK_GAP, TOP_K, compared_rows, top_combination
from models.forecasters.baselines import Forecaster, fit_on, takes_engine
from models.forecasters.candidates import BuildContext, build_candidates, profile_block
from models.forecasters.combination import Combination

__all__ = ["FREQS", "SEASON_LENGTH", "COLUMNS", "EXPERIMENT", "LongData", "EvaluateReport", "read_long",
           "long_data", "periods_needed", "max_origins", "candidate_models", "evaluate", "evaluate_file"]

SEED = 2568
XGB_ESTIMATORS = 100  # a modest forest: evaluation fits one per origin
_RATE_MODELS = ("adida", "imapa", "croston", "intermittent_mean", "historic_mean")  # forecast an intermittent mean
HOLDOUT_ORIGINS = 2  # inner backtest origins that choose auto and calibrate intervals under --holdout


def periods_needed(freq: str, horizon: int, n_origins: int = MIN_ORIGINS, step: int | None = None) -> int:
    """Periods a backtest of n_origins needs: a season and one period of history at the first origin (so
    its MASE scale exists), step periods between origins, horizon periods after the last."""
    step = horizon if step is None else step
    return SEASON_LENGTH[check_freq(freq)] + 1 + step * (n_origins - 1) + horizon


def max_origins(n_periods: int, freq: str, horizon: int, step: int | None = None) -> int:
    """The most backtest origins n_periods hold (see periods_needed); below MIN_ORIGINS if too short."""
    step = horizon if step is None else step
    room = n_periods - SEASON_LENGTH[check_freq(freq)] - 1 - horizon
    return room // step + 1 if room >= 0 else 0


def candidate_models(data: LongData, seed: int = SEED,
                     xgb_estimators: int = XGB_ESTIMATORS, block: np.ndarray | None = None,
                     names: Sequence[str] | None = None
                     ) -> tuple[dict[str, tuple[str, Forecaster | Combination]], dict[str, str]]:
    """({name: (kind, forecaster or combination)}, {name: why it is not run}) for the data's frequency,
    from the registry; `block` (default the data's) is what the candidates will be fitted on."""
    block = data.block if block is None else block
    non_negative = bool(np.nanmin(block) >= 0) if np.isfinite(block).any() else False
    context = BuildContext(seed=seed, months=data.month_indices(), xgb_estimators=xgb_estimators,
                           non_negative=non_negative)
    built, skipped = build_candidates(profile_block(block, data.freq), context, names)
    return {model.name: (candidate.kind, model) for candidate, model in built.values()}, skipped


@dataclass
class _Guarded:
    """A forecaster that records, instead of raising, why it could not forecast (and its time); after a
    failure it forecasts NaN without trying again. Fallbacks of models that report them (Prophet and the
    statistical family: `forecast()` with a `fallback` mask) are counted, and the own spreads of those that
    state one (`spread`, models.evaluation.own_scale) kept, fit by fit."""

    model: Forecaster
    failure: str | None = None
    seconds: float = 0.0
    fallbacks: int = 0  # (origin, series) with observations that the model left to its fallback
    forecasts: int = 0  # (origin, series) with observations
    fallen: list[np.ndarray] = field(default_factory=list)  # bool [series] of each fit, in order: its fallbacks
    spreads: list[np.ndarray] = field(default_factory=list)  # float64 [series, step] of each fit: its own spread
    say: Callable[[str], None] | None = None  # told before each fit (the CLI's progress line)
    fits: int = 0

    @property
    def name(self) -> str:
        return self.model.name

    def fit_predict(self, history: np.ndarray, horizon: int, engine: Engine = IN_PROCESS) -> np.ndarray:
        nothing = np.full((np.shape(history)[0], horizon), np.nan)
        if self.failure is not None:
            return nothing
        self.fits += 1
        if self.say is not None:
            self.say(f"{self.name}, fit {self.fits} on {np.shape(history)[1]} periods")
        started = time.perf_counter()
        try:
            forecast = getattr(self.model, "forecast", None)
            if callable(forecast):
                result = forecast(history, horizon, engine) if takes_engine(forecast) else forecast(history, horizon)
                seen = (~np.isnan(np.asarray(history, dtype=np.float64))).any(axis=1)
                self.fallen.append(np.asarray(result.fallback, dtype=bool) & seen)
                self.fallbacks += int(self.fallen[-1].sum())
                self.forecasts += int(seen.sum())
                if getattr(result, "spread", None) is not None:
                    self.spreads.append(np.asarray(result.spread, dtype=np.float64))
                return result.forecast
            return fit_on(self.model, history, horizon, engine)
        except Exception as error:  # one model's failure must not end the evaluation
            self.failure = f"history of {np.shape(history)[1]} periods: {type(error).__name__}: {error}"
            return nothing
        finally:
            self.seconds += time.perf_counter() - started


def _check(data: LongData, horizon: int, n_origins: int, step: int, holdout: bool) -> None:
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ValueError(f"horizon must be an integer >= 1 period; got {horizon!r}")
    least = HOLDOUT_ORIGINS if holdout else MIN_ORIGINS
    if n_origins < least:
        raise ValueError(f"n_origins must be >= {least} ({'two choose auto and calibrate its intervals' if holdout else 'two calibrate the intervals, one checks them'}); "
                         f"got {n_origins}")
    n_periods = data.block.shape[1] - (horizon if holdout else 0)
    needed = periods_needed(data.freq, horizon, n_origins, step)
    if n_periods < needed:
        fits = max_origins(n_periods, data.freq, horizon, step)
        raise ValueError(f"{data.source} spans {data.block.shape[1]} periods ({data.freq})"
                         + (f", {n_periods} before the held-out {horizon}" if holdout else "")
                         + f"; {n_origins} origins of horizon {horizon}, step {step} need at least {needed} (season "
                           f"{data.period} + 1 of history, {step} x {n_origins - 1} between origins, {horizon} "
                           f"after the last)" + (f"; it holds {fits} origins" if fits >= least else ""))


def evaluate(data: LongData, horizon: int, n_origins: int | None = None, engine: Engine = IN_PROCESS,
             seed: int = SEED, step: int | None = None, xgb_estimators: int = XGB_ESTIMATORS,
             models: Sequence[str] | None = None, *, forecasters: Mapping[str, Forecaster] | None = None,
             holdout: bool = False, peers: bool = False, output: bool = False,
             mase_period: int | None = None, own_intervals: bool = True,
             progress: Callable[[str], None] | None = None) -> EvaluateReport:
    """Evaluate every candidate (module docstring) on the data; `models` keeps only the named registry
    candidates, `forecasters` adds your own (kind "custom"); `mase_period` scales MASE by another
    difference than the season's (1 for intermittent series, as is usual); `own_intervals` False keeps the
    MASE scale for every model's intervals (models.evaluation.own_scale); `progress` is told what is being
    fitted (each model's fit, then the peers). ValueError when too short."""
    n_origins = (HOLDOUT_ORIGINS if holdout else MIN_ORIGINS) if n_origins is None else int(n_origins)
    step = horizon if step is None else step
    _check(data, horizon, n_origins, step, holdout)
    fit_block = data.block[:, :data.block.shape[1] - horizon] if holdout else data.block
    built, skipped = candidate_models(data, seed, xgb_estimators, fit_block, names=models)
    kinds = {name: kind for name, (kind, _) in built.items()}
    for name, model in (forecasters or {}).items():
        if name in kinds or name != model.name:
            raise ValueError(f"forecaster {name!r}: a name of its own (not a candidate's) that is its model's name")
        built[name], kinds[name] = ("custom", model), "custom"
    guarded = {name: _Guarded(model, say=progress) for name, (kind, model) in built.items() if kind != "combination"}
    combinations = {name: model for name, (kind, model) in built.items() if kind == "combination"}

    backtest = rolling_origin_backtest(fit_block, list(guarded.values()), horizon, n_origins, step,
                                       series=data.series, period=mase_period or data.period,
                                       least=HOLDOUT_ORIGINS if holdout else MIN_ORIGINS, engine=engine)
    notes: list[str] = []
    for name, guard in guarded.items():
        if guard.failure is not None:
            skipped[name] = guard.failure
        elif guard.fallbacks:
            notes.append(f"{name}: {guard.fallbacks} of {guard.forecasts} (origin, series) forecasts are its "
                         f"fallback (too short a history, or the fit failed)")
    run = [name for name in guarded if name not in skipped]
    if not run:
        raise ValueError(f"no model could run on {data.source}: {skipped}")
    backtest = Backtest(cuts=backtest.cuts, series=backtest.series, actual=backtest.actual,
                        forecasts={name: backtest.forecasts[name] for name in run}, scale=backtest.scale,
                        summary=backtest.summary.loc[run])
    for name, combination in combinations.items():
        if combination.available(backtest.forecasts):
            backtest = backtest.with_model(name, combination.combine(backtest.forecasts))
        else:
            skipped[name] = f"a member did not run: {', '.join(m for m in combination.members if m in skipped)}"
    combinations = {name: c for name, c in combinations.items() if name not in skipped}
    # what each model is scored on: its fit on all of the fitted part (holdout), else the last origin
    finals = holdout_finals(fit_block, backtest, guarded, combinations, horizon, engine) if holdout else {}
    choosing = len(backtest.cuts) if holdout else len(backtest.cuts) - 1
    seen = [(~np.isnan(fit_block[:, :cut])).any(axis=1) for cut in backtest.cuts]
    comparison = compared_rows({name: guarded[name].fallen for name in run},
                               seen + ([(~np.isnan(fit_block)).any(axis=1)] if holdout else []), choosing, combinations)
    ineligible = comparison.ineligible
    keep = np.ones(backtest.scale.shape, dtype=bool)
    keep[:choosing] = comparison.keep
    compared = backtest.restricted(keep)  # what auto is chosen on
    if top := top_combination(compared, kinds, ineligible, slice(None) if holdout else slice(None, -1)):
        combinations[top.name], kinds[top.name] = top, "combination"
        backtest = backtest.with_model(top.name, top.combine(backtest.forecasts))
        compared = compared.with_model(top.name, backtest.forecasts[top.name])
        if holdout:
            finals[top.name] = top.combine(finals)
        notes.append(f"{top.name}: the median of {', '.join(top.members)}, the {TOP_K} eligible single models "
                     f"with the lowest MASE on the origins that choose auto")
    seconds = {name: guard.seconds for name, guard in guarded.items()}
    n_cuts, calibrating = len(backtest.cuts), slice(None) if holdout else slice(None, -1)
    stated = {name: guarded[name].spreads[:n_cuts] for name in run
              if own_intervals and len(guarded[name].spreads) >= n_cuts}
    scales = choose_scales(backtest.actual, backtest.forecasts, backtest.scale,
                           fit_spreads(stated, combinations, slice(None)), calibrating)
    if holdout:  # the fits on all of the fitted part
        scales.final.update(fit_spreads({name: guarded[name].spreads for name in stated
                                         if len(guarded[name].spreads) > n_cuts}, combinations, n_cuts))

    if peers and progress is not None:
        progress("the statsforecast peers on the same split")
    if holdout:
        scored = score_holdout(data, fit_block, backtest, finals, guarded, horizon, kinds, peers,
                               mase_period or data.period, ineligible, compared, scales)
    else:
        scored = scored_rows(data, backtest, kinds, seconds, horizon, peers, mase_period or data.period,
                             output=output,
                             refit={name: guarded[name] for name in run}, combinations=combinations,
                             ineligible=ineligible, compared=compared, scales=scales, engine=engine)
    notes += scored.notes
    if note := scales.note():
        notes.append(note)
    if note := comparison.note():
        notes.append(note)
    if ineligible:
        notes.append(f"not eligible for auto (its backtest is not how it forecasts: more fallbacks where it "
                     f"chooses than where it is scored, by over {MAX_FALLBACK_GAP:.0%}, on too many rows): "
                     + "; ".join(f"{name}: {why}" for name, why in ineligible.items()))
    table, auto = auto_rows(scored)
    if note := _median_note(table, auto):
        notes.append(note)
    cuts = backtest.cuts if holdout else backtest.cuts[:-1]
    return EvaluateReport(
        table=table, skipped=skipped, notes=tuple(notes), backtest=backtest, source=data.source, sha256=data.sha256,
        freq=data.freq, horizon=int(horizon), n_origins=int(n_origins), step=int(step), period=data.period,
        n_series=int(data.block.shape[0]), periods=(str(data.periods[0]), str(data.periods[-1])), holdout=holdout,
        auto=auto, chosen_on=tuple(str(data.periods[int(c)]) for c in cuts),
        scored_on=(f"the held-out last {horizon} periods ({data.periods[-horizon]} … {data.periods[-1]})" if holdout
                   else f"the last origin ({data.periods[int(backtest.cuts[-1])]} …)"),
        output=scored.output if output else None, mase_period=mase_period)


def _median_note(table, auto: str) -> str | None:
    """What a user summing recent_median's forecasts should know, where it ran: its mean error beside that
    of the best model that forecasts the mean rate (_RATE_MODELS)."""
    if "recent_median" not in table.index:
        return None
    rates = table.loc[[m for m in _RATE_MODELS if m in table.index], "mase"].dropna()
    other = rates.idxmin() if len(rates) else None
    beside = f"; {other}'s is {table.at[other, 'bias']:+.4g}" if other is not None else ""
    chosen = "auto chose it: " if auto == "recent_median" else ""
    return (f"recent_median: {chosen}the median of the recent values, the point MASE rewards on intermittent series, "
            f"not their mean; its mean error (actual - forecast) is {table.at['recent_median', 'bias']:+.4g}"
            f"{beside}: its forecasts sum low, so for totals (stock, budgets) take a model that forecasts the mean")


def evaluate_file(path: str | Path, freq: str, horizon: int, n_origins: int | None = None,
                  engine: Engine = IN_PROCESS, holdout: bool = False, peers: bool = False,
                  output: bool = False, mase_period: int | None = None,
                  progress: Callable[[str], None] | None = None, models: Sequence[str] | None = None) -> EvaluateReport:
    """`khlang evaluate`: read the long file at freq and evaluate every candidate on it (or only `models`)."""
    return evaluate(read_long(path, freq), horizon, n_origins, engine, models=models, holdout=holdout, peers=peers,
                    output=output, mase_period=mase_period, progress=progress)


