"""How `khlang evaluate` decides what `auto` may choose, beyond the lowest MASE on the choosing origins.

- Candidates are compared where each forecasts as it will where it is scored. The statistical family and
  Prophet fall back to naive where a history is too short or a fit fails; on the short inner histories of
  a backtest a model may fall back far more often than where it is scored (the full fitted part under a
  holdout, the last origin otherwise), and there its choosing score would be naive's, not its own. The
  (origin, series) such a model (share of fallbacks where it chooses minus where it is scored above
  MAX_FALLBACK_GAP) left to its fallback are set aside: every candidate is compared on the rest. A model
  that would leave under MIN_COMPARED of the choosing rows so is not eligible (there is too little of its
  own to judge), nor is a combination with it as a member.
- Select, then combine: `best{TOP_K}_median`, the median of the TOP_K eligible single models with the
  lowest MASE on the choosing origins, competes as one more combination (steadier than the single best
  of a short backtest)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from models.evaluation.backtest import Backtest
from models.evaluation.metrics import accuracy_table
from models.forecasters.combination import Combination

__all__ = ["MAX_FALLBACK_GAP", "MIN_COMPARED", "TOP_K", "Comparison", "compared_rows",
           "top_combination", "is_benchmark", "benchmark_instead"]

MAX_FALLBACK_GAP = 0.1
MIN_COMPARED = 0.5
TOP_K = 3


@dataclass(frozen=True)
class Comparison:
    """Where the candidates are compared: `keep` [choosing origin, series] is True where no model of a gap
    left its fallback; `ineligible` {model: why auto may not choose it}; `set_aside` {model: share of the
    choosing rows its fallbacks set aside}."""

    keep: np.ndarray
    ineligible: dict[str, str]
    set_aside: dict[str, float]
    compared: float = 1.0  # share of the choosing (origin, series) with observations that keep holds

    def note(self) -> str | None:
        if not self.set_aside:
            return None
        return (f"auto compares the candidates on {self.compared:.0%} of the (origin, series) that choose it: the rest "
                f"are the fallback of " + ", ".join(f"{m} ({v:.0%})" for m, v in self.set_aside.items())
                + " on histories shorter than where it is scored")


def compared_rows(fallen: Mapping[str, Sequence[np.ndarray]], seen: Sequence[np.ndarray], choosing: int,
                  combinations: Mapping[str, Combination]) -> Comparison:
    """The comparison (module docstring): `fallen` are each model's fallback masks [series] per fit in
    order (of series with observations), the first `choosing` of them at the origins that choose, the rest
    what it is scored on; `seen` the masks of series with observations at each of those fits."""
    n_series = len(seen[0]) if seen else 0
    seen_choosing = np.asarray(seen[:choosing], dtype=bool).reshape(choosing, n_series)
    rows = max(int(seen_choosing.sum()), 1)
    ineligible: dict[str, str] = {}
    gaps: dict[str, np.ndarray] = {}
    scored_rows = max(sum(int(np.sum(mask)) for mask in seen[choosing:]), 1)
    for name, fits in fallen.items():
        if len(fits) <= choosing:
            continue  # nothing it is scored on: no gap to judge
        chooses = np.asarray(fits[:choosing], dtype=bool).reshape(choosing, n_series) & seen_choosing
        share = float(chooses.sum()) / rows
        scored = sum(int(np.sum(mask)) for mask in fits[choosing:]) / scored_rows
        if share - scored <= MAX_FALLBACK_GAP:
            continue
        if share > 1 - MIN_COMPARED:
            ineligible[name] = (f"{share:.0%} of its forecasts on the choosing origins were its fallback, {scored:.0%} "
                                f"where it is scored")
        else:
            gaps[name] = chooses
    keep = seen_choosing.copy()
    set_aside: dict[str, float] = {}
    for name in sorted(gaps, key=lambda m: int(gaps[m].sum())):  # the fewest first; stop before too few are left
        if (keep & ~gaps[name]).sum() < MIN_COMPARED * rows:
            ineligible[name] = (f"{gaps[name].sum() / rows:.0%} of its forecasts on the choosing origins were its "
                                f"fallback; with the others' set aside, under {MIN_COMPARED:.0%} would be compared")
            continue
        keep &= ~gaps[name]
        set_aside[name] = float(gaps[name].sum()) / rows
    for name, combination in combinations.items():
        if weak := [member for member in combination.members if member in ineligible]:
            ineligible[name] = f"not eligible member(s) {', '.join(weak)}"
    return Comparison(keep, ineligible, set_aside, float(keep.sum()) / rows)


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
