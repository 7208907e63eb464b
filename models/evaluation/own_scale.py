"""Which scale a model's conformal scores are divided by: the MASE scale, or the model's own spread.

A split-conformal interval (models.evaluation.intervals) covers as promised whatever the scale, as long as
the scale comes from the history the forecast saw; the scale decides how wide the interval is for each
series and step. The MASE scale is one number per series for every step. A statistical model's own
standard error (models.forecasters.statistical: read from its prediction interval) grows with the step as
the model says and follows each series' own noise, so |r| / spread can be the better-matched score. Which
is better is measured, per model, on the origins that calibrate: leave-one-origin-out intervals with each
scale, their Winkler score (width, plus 2 / alpha times each miss) in units of the MASE scale, the lower
kept (ties: the MASE scale). A model keeps the MASE scale where its own spread is missing on a row the
MASE scale covers (that row would get no interval), and so does every model without a spread of its own.

A combination's spread is the mean of its members' (only where every member has one): conformal
calibration corrects its level, the measurement decides whether it helps.

    >>> import numpy as np
    >>> combination_spread(("a", "b"), {"a": np.array([[1.0, 2.0]]), "b": np.array([[3.0, np.nan]])})
    array([[ 2., nan]])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from models.evaluation.intervals import LEVELS, cross_origin_coverage

__all__ = ["MASE", "OWN", "IntervalScales", "combination_spread", "choose_scales"]

MASE, OWN = "mase", "own"


def combination_spread(members: Sequence[str], spreads: Mapping[str, np.ndarray]) -> np.ndarray | None:
    """The mean of the members' spreads (NaN where one has none); None if a member has no spread at all."""
    if not members or any(member not in spreads for member in members):
        return None
    return np.mean(np.stack([np.asarray(spreads[m], dtype=np.float64) for m in members]), axis=0)


@dataclass(frozen=True)
class IntervalScales:
    """Per model, the scale kind chosen (MASE or OWN) with the own spreads it needs: at the backtest's
    origins ([origin, series, step]) and of the final forecast ([series, step], where one is made)."""

    kinds: dict[str, str] = field(default_factory=dict)
    backtest: dict[str, np.ndarray] = field(default_factory=dict)
    final: dict[str, np.ndarray] = field(default_factory=dict)
    winkler: dict[str, tuple[float, float]] = field(default_factory=dict)  # model -> (MASE, OWN) scores

    def own(self, model: str) -> bool:
        return self.kinds.get(model) == OWN

    def at_origins(self, model: str, mase_scale: np.ndarray) -> np.ndarray:
        """The scale the model's backtest residuals are divided by ([origin, series] or [.., step])."""
        return self.backtest[model] if self.own(model) else mase_scale

    def of_final(self, model: str, mase_scale: np.ndarray) -> np.ndarray:
        """The scale the model's final forecast's interval is drawn with ([series] or [series, step])."""
        return self.final[model] if self.own(model) and model in self.final else mase_scale

    def note(self) -> str | None:
        mine = [name for name in self.kinds if self.own(name)]
        if not self.winkler:
            return None
        return ("conformal scale (leave-one-origin-out Winkler, MASE units, MASE scale vs the model's own "
                "spread): " + "; ".join(f"{name} {w[0]:.3g} vs {w[1]:.3g}" for name, w in self.winkler.items())
                + (f"; the own spread is used for {', '.join(mine)}" if mine else "; the MASE scale kept for all"))


def _winkler(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray, unit: np.ndarray,
             levels: Sequence[float]) -> float:
    """Mean over the levels of the leave-one-origin-out scaled Winkler score (inf where unbounded)."""
    table = cross_origin_coverage(actual, forecast, scale, levels, unit=unit)
    values = table["scaled_winkler"].to_numpy(dtype=np.float64)
    return float(values.mean()) if np.isfinite(values).all() else np.inf


def choose_scales(actual: np.ndarray, forecasts: Mapping[str, np.ndarray], mase_scale: np.ndarray,
                  spreads: Mapping[str, np.ndarray], origins: slice = slice(None),
                  levels: Sequence[float] = LEVELS) -> IntervalScales:
    """The scale kind of every model with a spread (module docstring), measured on the backtest's
    `origins` (those that calibrate; never one that scores): actual and forecasts [origin, series,
    step], mase_scale [origin, series], spreads {model: [origin, series, step]}. With fewer than two
    such origins every model keeps the MASE scale."""
    scales = IntervalScales(backtest={name: np.asarray(s, dtype=np.float64) for name, s in spreads.items()})
    actual, mase_scale = np.asarray(actual)[origins], np.asarray(mase_scale)[origins]
    if actual.shape[0] < 2:
        return scales
    covered = (mase_scale > 0)[:, :, None] & ~np.isnan(actual)
    for name, spread in scales.backtest.items():
        forecast, spread = np.asarray(forecasts[name])[origins], spread[origins]
        rows = covered & ~np.isnan(forecast)
        if not rows.any() or not (np.isfinite(spread) & (spread > 0))[rows].all():
            continue  # its own spread would leave some rows without an interval
        mase_w = _winkler(actual, forecast, mase_scale, mase_scale, levels)
        own_w = _winkler(actual, forecast, spread, mase_scale, levels)
        scales.winkler[name] = (mase_w, own_w)
        scales.kinds[name] = OWN if own_w < mase_w else MASE
    return scales


def fit_spreads(fits: Mapping[str, Sequence[np.ndarray]], combinations: Mapping[str, object],
                which: int | slice) -> dict[str, np.ndarray]:
    """The own spreads of one fit (`which` an index: [series, step]) or of several stacked (a slice:
    [fit, series, step]) of every model that stated some ({model: its spreads, fit by fit}), and of each
    combination (an object with `members`) of such models."""
    out = {}
    for name, spreads in fits.items():
        picked = spreads[which]
        if isinstance(which, slice):
            picked = np.stack(picked) if len(picked) else np.empty(0)
        picked = np.asarray(picked, dtype=np.float64)
        if picked.size and np.isfinite(picked).any():
            out[name] = picked
    for name, combination in combinations.items():
        if (spread := combination_spread(combination.members, out)) is not None:
            out[name] = spread
    return out
