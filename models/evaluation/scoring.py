"""The rows of `khlang evaluate`'s table: each candidate and peer scored on the split, and `auto`.

`scored_rows` scores a rolling-origin backtest (every origin; `mase_scored` on the last one, which
`auto` is scored on after being chosen on the others); `score_holdout` fits every candidate on the
fitted part and scores it once on the held-out periods, with conformal intervals calibrated on the
inner backtest. `auto_rows` adds the `auto` row and the ratio of each row to the best peer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cluster.engine import IN_PROCESS, Engine
from models.evaluation.backtest import Backtest, backtest_from_forecasts
from models.evaluation.intervals import (
    LEVELS,
    calibrate,
    cross_origin_coverage,
    holdout_coverage,
    prediction_intervals,
)
from models.evaluation.metrics import accuracy_table, mase, mase_scale
from models.evaluation.own_scale import IntervalScales, fit_spreads
from models.evaluation.peers import peer_forecasts, peer_names
from models.evaluation.selection import benchmark_instead
from models.forecasters.candidates import profile_block
from models.forecasters.combination import Combination

__all__ = ["Scored", "scored_rows", "holdout_finals", "score_holdout", "auto_rows", "PEER_PREFIX"]

PEER_PREFIX = "statsforecast."


@dataclass
class Scored:
    """Rows of the table, each model's selection score (lower is better), notes and auto's forecasts."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    choose: dict[str, float] = field(default_factory=dict)  # model -> MASE on the origins that choose
    choose_rows: dict[str, np.ndarray] = field(default_factory=dict)  # model -> MASE per (origin, series) there
    auto_row: dict[str, Any] = field(default_factory=dict)  # filled by the split: the chosen model's scored row
    notes: list[str] = field(default_factory=list)
    output: pd.DataFrame | None = None
    chosen: str = ""
    ineligible: dict[str, str] = field(default_factory=dict)  # model -> why auto may not choose it
    peer_seconds: float = 0.0  # each peer's equal share of statsforecast's one fit of them all


def _accuracy(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray) -> pd.Series:
    """mase, smape, wape, bias of [rows, step] arrays (each row one (origin, series))."""
    return accuracy_table(actual, forecast, scale).iloc[0]


def _flat(array: np.ndarray) -> np.ndarray:
    return array.reshape(-1, array.shape[-1]) if array.ndim == 3 else array


def _row(name: str, kind: str, scores: pd.Series, scored: pd.Series, coverage: dict[float, float],
         n_series: int, seconds: float) -> dict[str, Any]:
    return {"model": name, "kind": kind, "mase": scores["mase"], "smape": scores["smape"], "wape": scores["wape"],
            "bias": scores["bias"], "coverage80": coverage.get(0.8, np.nan), "coverage95": coverage.get(0.95, np.nan),
            "n_series": int(n_series), "seconds": float(seconds), "mase_scored": scored["mase"],
            "smape_scored": scored["smape"]}


def _cross_coverage(bt: Backtest, model: str, scales: IntervalScales) -> dict[float, float]:
    """Cross-origin coverage per level; NaN where the interval is unbounded (too few residuals)."""
    return _bounded(cross_origin_coverage(bt.actual, bt.forecasts[model], scales.at_origins(model, bt.scale),
                                          LEVELS))


def _needed_residuals(level: float) -> int:
    """The fewest residuals n with ceil((n + 1) level) <= n: a finite split-conformal quantile."""
    return int(np.ceil(level / (1.0 - level) - 1e-9))


def _unbounded_notes(bt: Backtest, models: list[str]) -> list[str]:
    """A note per level where some model's interval is unbounded (too few residuals a step)."""
    notes = []
    for level in LEVELS:
        short = {}
        for model in models:
            table = cross_origin_coverage(bt.actual, bt.forecasts[model], bt.scale, LEVELS)
            row = table.loc[level]
            if not np.isfinite(row["mean_scaled_width"]) and row["n_pairs"]:
                short[model] = int(row["n_calibration"])
        if short:
            notes.append(f"no finite {level:.0%} interval for {', '.join(short)}: {min(short.values())} calibration "
                         f"residuals per step, a {level:.0%} interval needs {_needed_residuals(level)}; "
                         f"coverage{round(100 * level)} left blank (more series or origins help)")
    return notes


def _bounded(table: pd.DataFrame) -> dict[float, float]:
    return {float(level): (float(row["coverage"]) if np.isfinite(row["mean_scaled_width"]) or not row["n_pairs"]
                           else np.nan) for level, row in table.iterrows()}


def intervals(bt: Backtest, model: str, origins: slice, forecast: np.ndarray, scale: np.ndarray,
              non_negative: bool, scales: IntervalScales | None = None) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """{level: (lo, hi)} around forecast [series, step], calibrated on the model's backtest residuals at
    the given origins, each divided by the MASE scale or the model's own spread (`scales`; scale is the
    MASE scale of the forecast's history); a series with a flat history (scale 0) gets the point itself
    as both bounds."""
    scales = scales or IntervalScales()
    residuals = (bt.actual - bt.forecasts[model])[origins]
    calibration_scale = scales.at_origins(model, bt.scale)[origins]
    calibration = calibrate(_flat(residuals), calibration_scale.reshape(-1, *calibration_scale.shape[2:]), LEVELS)
    out = {}
    for level in LEVELS:
        lo, hi = prediction_intervals(forecast, scales.of_final(model, scale), calibration, level, non_negative)
        flat = (scale == 0)[:, None] & ~np.isnan(forecast)
        out[level] = (np.where(flat, forecast, lo), np.where(flat, forecast, hi))
    return out


def _covered(actual: np.ndarray, bounds: dict[float, tuple[np.ndarray, np.ndarray]]) -> dict[float, float]:
    out = {}
    for level, (lo, hi) in bounds.items():
        valid = ~np.isnan(actual) & ~np.isnan(lo) & ~np.isnan(hi) & np.isfinite(hi - lo)
        out[level] = float(((actual >= lo) & (actual <= hi))[valid].mean()) if valid.any() else np.nan
    return out


def _output(data: Any, forecast: np.ndarray, bounds: dict, model: str, first_period: pd.Period) -> pd.DataFrame:
    n_series, horizon = forecast.shape
    ds = pd.period_range(first_period, periods=horizon, freq=data.periods.freq)
    ds = ds.to_timestamp() if data.freq != "H" else ds.to_timestamp(freq="h")
    return pd.DataFrame({
        "unique_id": np.repeat(data.series, horizon), "ds": np.tile(ds, n_series),
        "forecast": forecast.reshape(-1), "lo80": bounds[0.8][0].reshape(-1), "hi80": bounds[0.8][1].reshape(-1),
        "lo95": bounds[0.95][0].reshape(-1), "hi95": bounds[0.95][1].reshape(-1), "model": model})


def _non_negative(block: np.ndarray) -> bool:
    return bool(np.isfinite(block).any() and np.nanmin(block) >= 0)


def _final(names: list[str], refit: Mapping, combinations: Mapping[str, Combination], block: np.ndarray,
           horizon: int, engine: Engine) -> dict[str, np.ndarray]:
    """Forecasts after the block of the named models (a combination: of its members), fitted on `engine`."""
    needed = [m for name in names for m in (combinations[name].members if name in combinations else (name,))]
    finals = {name: refit[name].fit_predict(block, horizon, engine) for name in dict.fromkeys(needed)}
    for name in names:
        if name in combinations:
            finals[name] = combinations[name].combine(finals)
    return finals


def scored_rows(data: Any, bt: Backtest, kinds: Mapping[str, str], seconds: Mapping[str, float], horizon: int,
                peers: bool, period: int, output: bool, refit: Mapping, combinations: Mapping[str, Combination],
                ineligible: Mapping[str, str] | None = None, compared: Backtest | None = None,
                scales: IntervalScales | None = None, engine: Engine = IN_PROCESS) -> Scored:
    """Rows of a rolling-origin backtest (module docstring); auto is chosen on `compared` (default the
    backtest; models.evaluation.selection.compared_rows) and never chooses the `ineligible`; `scales` say
    which models' intervals divide by their own spread (models.evaluation.own_scale)."""
    compared = bt if compared is None else compared
    scales = scales or IntervalScales()
    scored = Scored(ineligible=dict(ineligible or {}))
    last, earlier = slice(-1, None), slice(None, -1)
    bt_all = bt
    if peers:
        peer_bt = backtest_from_forecasts(data.block, bt.cuts, _peer_origins(data, bt.cuts, horizon, scored),
                                          bt.series, period)
        for name, forecast in peer_bt.forecasts.items():
            bt_all = bt_all.with_model(name, forecast)
    for name in bt_all.models:
        kind = kinds.get(name, "peer")
        actual, forecast, scale = bt_all.actual, bt_all.forecasts[name], bt_all.scale
        seen = ~np.isnan(actual) & ~np.isnan(forecast)
        row = _row(name, kind, bt_all.summary.loc[name], _accuracy(_flat(actual[last]), _flat(forecast[last]),
                   scale[last].reshape(-1)), _cross_coverage(bt_all, name, scales), seen.any(axis=(0, 2)).sum(),
                   seconds.get(name, scored.peer_seconds))
        scored.rows.append(row)
        if kind != "peer":
            chosen_on = _flat(compared.actual[earlier])
            scored.choose[name] = _accuracy(chosen_on, _flat(forecast[earlier]), scale[earlier].reshape(-1))["mase"]
            scored.choose_rows[name] = mase(chosen_on, _flat(forecast[earlier]), scale[earlier].reshape(-1))
    scored.notes += _unbounded_notes(bt_all, list(bt_all.models))
    chosen = _choose(scored)
    chosen_row = next(r for r in scored.rows if r["model"] == chosen)
    last_origin = _bounded(holdout_coverage(bt.actual, bt.forecasts[chosen], scales.at_origins(chosen, bt.scale),
                                            LEVELS))
    scored.auto_row = {**chosen_row, "mase": chosen_row["mase_scored"], "smape": chosen_row["smape_scored"],
                       "coverage80": last_origin[0.8], "coverage95": last_origin[0.95]}
    for column in ("wape", "bias"):
        scored.auto_row[column] = _accuracy(_flat(bt.actual[last]), _flat(bt.forecasts[chosen][last]),
                                            bt.scale[last].reshape(-1))[column]
    if output:
        final = _final([chosen], refit, combinations, data.block, horizon, engine)[chosen]
        made = {chosen: combinations[chosen]} if chosen in combinations else {}  # the fits _final just made
        members = made[chosen].members if made else (chosen,)
        scales.final.update(fit_spreads({m: refit[m].spreads for m in members if getattr(refit[m], "spreads", [])},
                                        made, -1))
        bounds = intervals(bt, chosen, slice(None), final, mase_scale(data.block, period),
                           _non_negative(data.block), scales)
        scored.output = _output(data, final, bounds, chosen, data.periods[-1] + 1)
    return scored


def _peer_origins(data: Any, cuts: np.ndarray, horizon: int, scored: Scored) -> dict[str, np.ndarray]:
    """statsforecast's peers at every origin: {name: [origin, series, step]}."""
    names = _peers_for(data.block, data.freq)
    stacks: dict[str, list[np.ndarray]] = {peer: [] for peer in names}
    total = 0.0
    for cut in cuts:
        forecasts, seconds = peer_forecasts(data.block[:, :cut], horizon, data.period, names=names)
        total += seconds
        for peer in names:
            stacks[peer].append(forecasts[peer])
    scored.peer_seconds = total / len(names)
    scored.notes.append(_peer_note(names, total))
    return {PEER_PREFIX + peer: np.stack(stack) for peer, stack in stacks.items()}


def _peers_for(block: np.ndarray, freq: str) -> tuple[str, ...]:
    """The peers of a file: the intermittent ones too where the registry finds the file intermittent."""
    return peer_names(profile_block(block, freq).intermittent)


def _peer_note(names: tuple[str, ...], seconds: float) -> str:
    return (f"peers: statsforecast {', '.join(names)} fitted together in {seconds:.1f} s "
            f"(seconds column: an equal share each)")


def _choose(scored: Scored) -> str:
    """The eligible candidate with the lowest MASE on the choosing origins (ties: the earlier, simpler one)."""
    finite = {name: value for name, value in scored.choose.items()
              if np.isfinite(value) and name not in scored.ineligible}
    if not finite:
        raise ValueError("no candidate has a defined MASE on the origins that choose auto")
    scored.chosen, note = benchmark_instead(min(finite, key=finite.__getitem__), finite, scored.choose_rows)
    scored.notes += [note] if note else []
    return scored.chosen


def holdout_finals(fit_block: np.ndarray, bt: Backtest, guarded: Mapping, combinations: Mapping[str, Combination],
                   horizon: int, engine: Engine = IN_PROCESS) -> dict[str, np.ndarray]:
    """Every model of the backtest fitted on all of the fitted part, on `engine`: its forecasts of the
    held-out periods."""
    return _final(list(bt.models), guarded, combinations, fit_block, horizon, engine)


def score_holdout(data: Any, fit_block: np.ndarray, bt: Backtest, finals: Mapping[str, np.ndarray],
                  guarded: Mapping, horizon: int, kinds: Mapping[str, str], peers: bool, period: int,
                  ineligible: Mapping[str, str] | None = None, compared: Backtest | None = None,
                  scales: IntervalScales | None = None) -> Scored:
    """Rows of the holdout split (module docstring) from each model's `finals` (holdout_finals); auto is
    chosen on `compared` (default the backtest) and never chooses the `ineligible`; `scales` as for
    `scored_rows`, with the final fits' own spreads."""
    compared = bt if compared is None else compared
    scored = Scored(ineligible=dict(ineligible or {}))
    finals = dict(finals)
    actual = data.block[:, fit_block.shape[1]:]
    scale = mase_scale(fit_block, period)
    non_negative = _non_negative(fit_block)
    peer_seconds = 0.0
    if peers:
        names = _peers_for(fit_block, data.freq)
        forecasts, peer_seconds = peer_forecasts(fit_block, horizon, data.period, names=names)
        finals.update({PEER_PREFIX + peer: forecast for peer, forecast in forecasts.items()})
        scored.notes.append(_peer_note(names, peer_seconds))
        peer_seconds /= len(names)
    bounds = {}
    for name, forecast in finals.items():
        kind = kinds.get(name, "peer")
        coverage: dict[float, float] = {}
        if kind != "peer":
            bounds[name] = intervals(bt, name, slice(None), forecast, scale, non_negative, scales)
            coverage = _covered(actual, bounds[name])
            scored.choose[name] = compared.summary.loc[name, "mase"]
            scored.choose_rows[name] = mase(_flat(compared.actual), _flat(compared.forecasts[name]),
                                            compared.scale.reshape(-1))
        scores = _accuracy(actual, forecast, scale)
        seen = ~np.isnan(actual) & ~np.isnan(forecast)
        seconds = peer_seconds if kind == "peer" else guarded[name].seconds if name in guarded else 0.0
        scored.rows.append(_row(name, kind, scores, scores, coverage, seen.any(axis=1).sum(), seconds))
    unscored = int((np.isnan(actual).all(axis=1) & ~np.isnan(fit_block).all(axis=1)).sum())
    if unscored:
        scored.notes.append(f"{unscored} series end before the held-out periods: fitted, not scored")
    chosen = _choose(scored)
    scored.auto_row = dict(next(r for r in scored.rows if r["model"] == chosen))
    scored.output = _output(data, finals[chosen], bounds[chosen], chosen, data.periods[fit_block.shape[1]])
    return scored


def auto_rows(scored: Scored) -> tuple[pd.DataFrame, str]:
    """The table, best MASE first with `auto` on top of its split, and ratios to the best peer."""
    rows = [*scored.rows, {**scored.auto_row, "model": "auto", "kind": "auto"}]
    table = pd.DataFrame(rows).set_index("model")
    peer = table.loc[table["kind"] == "peer", "mase_scored"]
    best = peer.min() if peer.notna().any() else np.nan
    table["vs_best_peer"] = table["mase_scored"] / best if np.isfinite(best) else np.nan
    table = table.sort_values(["mase", "smape"], na_position="last", kind="stable")
    return table, scored.chosen
