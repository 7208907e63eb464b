"""How `khlang evaluate` decides what `auto` may choose, beyond the lowest MASE on the choosing origins.

- A model is chosen on a backtest only if the backtest shows it as it will forecast. The statistical
  family and Prophet fall back to naive where a history is too short or a fit fails; on the short inner
  histories of a backtest a model may fall back far more often than where it is scored (the full fitted
  part under a holdout, the last origin otherwise), and its choosing score is then naive's, not its own.
  Such a model (share of fallbacks where it chooses minus where it is scored above MAX_FALLBACK_GAP) is
  not eligible, nor is a combination with it as a member.
- Select, then combine: `best{TOP_K}_median`, the median of the TOP_K eligible single models with the
  lowest MASE on the choosing origins, competes as one more combination (steadier than the single best
  of a short backtest)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from models.evaluation.backtest import Backtest
from models.evaluation.metrics import accuracy_table
from models.forecasters.combination import Combination

__all__ = ["MAX_FALLBACK_GAP", "TOP_K", "fallback_share", "ineligible_models", "top_combination", "is_benchmark",
           "benchmark_instead"]

MAX_FALLBACK_GAP = 0.1
TOP_K = 3


def fallback_share(calls: Sequence[tuple[int, int]]) -> float:
    """The share of (origin, series) forecasts left to the fallback over these calls ((fallbacks, forecasts) each)."""
    fallbacks, forecasts = (sum(call[i] for call in calls) for i in (0, 1))
    return fallbacks / forecasts if forecasts else 0.0


def ineligible_models(calls: Mapping[str, Sequence[tuple[int, int]]], choosing: int,
                      combinations: Mapping[str, Combination]) -> dict[str, str]:
    """{model: why auto may not choose it}: `calls` are each model's (fallbacks, forecasts) per fit in order,
    the first `choosing` of them on the origins that choose, the rest on what it is scored on."""
    out = {}
    for name, fits in calls.items():
        chooses, scored = fallback_share(fits[:choosing]), fallback_share(fits[choosing:])
        if fits[choosing:] and chooses - scored > MAX_FALLBACK_GAP:
            out[name] = (f"{chooses:.0%} of its forecasts on the choosing origins were its fallback, {scored:.0%} "
                         f"where it is scored")
    for name, combination in combinations.items():
        if weak := [member for member in combination.members if member in out]:
            out[name] = f"not eligible member(s) {', '.join(weak)}"
    return out


def _mase(backtest: Backtest, name: str, origins: slice) -> float:
    actual, forecast = backtest.actual[origins], backtest.forecasts[name][origins]
    return float(accuracy_table(actual.reshape(-1, actual.shape[-1]), forecast.reshape(-1, forecast.shape[-1]),
                                backtest.scale[origins].reshape(-1)).iloc[0]["mase"])


def top_combination(backtest: Backtest, kinds: Mapping[str, str], ineligible: Mapping[str, str],
                    choosing: slice) -> Combination | None:
    """best{TOP_K}_median over the choosing origins of the backtest; None with fewer eligible singles."""
    singles = [name for name in backtest.models if kinds.get(name) not in ("combination", None)
               and name not in ineligible]
    scores = {name: _mase(backtest, name, choosing) for name in singles}
    ranked = sorted((name for name in singles if np.isfinite(scores[name])), key=scores.__getitem__)
    if len(ranked) < TOP_K:
        return None
    return Combination(f"best{TOP_K}_median", tuple(ranked[:TOP_K]), "median")


def is_benchmark(name: str) -> bool:
    """naive and seasonal naive (seasonal_naive, or seasonal_naive_24 and the like on other seasons)."""
    return name == "naive" or name.startswith("seasonal_naive")


def benchmark_instead(chosen: str, choose: Mapping[str, float], rows: Mapping[str, np.ndarray]
                      ) -> tuple[str, str | None]:
    """Parsimony, as the one-standard-error rule has it: (the model auto takes, a note or None). `chosen`
    is the lowest MASE on the choosing origins; where it is not a benchmark and its mean gain per (origin,
    series) over the better of naive and seasonal naive is within one standard error of that mean, the
    benchmark is taken instead (a tie on a short backtest is no reason to leave the simplest forecast)."""
    benchmarks = [name for name in choose if is_benchmark(name) and np.isfinite(choose[name])]
    if chosen in benchmarks or not benchmarks:
        return chosen, None
    benchmark = min(benchmarks, key=choose.__getitem__)
    difference = np.asarray(rows[chosen], dtype=np.float64) - np.asarray(rows[benchmark], dtype=np.float64)
    difference = difference[np.isfinite(difference)]
    if difference.size < 2:
        return chosen, None
    gain, error = -difference.mean(), difference.std(ddof=1) / np.sqrt(difference.size)
    if gain > error:
        return chosen, None
    return benchmark, (f"auto keeps {benchmark}: {chosen} scored lower on the choosing origins, but its mean gain "
                       f"per (origin, series), {gain:.4f} MASE, is within one standard error ({error:.4f})")
