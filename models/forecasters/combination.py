"""Combinations: the median or mean of other candidates' forecasts, period by period.

Simple combinations are among the hardest baselines of the forecasting literature (M3, M4, Tourism):
the errors of models that read a series differently partly cancel. A combination fits nothing of its
own; it is formed from its members' forecasts wherever those exist (a backtest's [origin, series, step]
arrays or a final [series, step] forecast), so it competes on exactly the origins its members ran on.

    >>> import numpy as np
    >>> Combination("comb", ("a", "b", "c"), "median").combine(
    ...     {"a": np.array([[1.0]]), "b": np.array([[5.0]]), "c": np.array([[2.0]])})
    array([[2.]])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["HOWS", "Combination"]

HOWS = ("median", "mean")


@dataclass(frozen=True)
class Combination:
    """`how` (median or mean) of the member candidates' forecasts; where a member has no forecast (NaN)
    the others combine, and where none has one the combination has none."""

    name: str
    members: tuple[str, ...]
    how: str = "median"

    def __post_init__(self) -> None:
        if self.how not in HOWS:
            raise ValueError(f"how must be one of {HOWS}; got {self.how!r}")
        if len(self.members) < 2 or len(set(self.members)) != len(self.members):
            raise ValueError(f"a combination has two or more distinct members; got {self.members}")

    def available(self, forecasts: Mapping[str, np.ndarray]) -> bool:
        """Whether every member has forecasts."""
        return all(member in forecasts for member in self.members)

    def combine(self, forecasts: Mapping[str, np.ndarray]) -> np.ndarray:
        """float64 array of the members' shape: their median or mean, NaN-aware."""
        missing = [member for member in self.members if member not in forecasts]
        if missing:
            raise KeyError(f"{self.name}: no forecasts of {', '.join(missing)}")
        stack = np.stack([np.asarray(forecasts[m], dtype=np.float64) for m in self.members])
        seen = ~np.isnan(stack)
        out = np.full(stack.shape[1:], np.nan)
        some = seen.any(axis=0)
        if self.how == "mean":
            np.divide(np.where(seen, stack, 0.0).sum(axis=0), seen.sum(axis=0), out=out, where=some)
        elif some.any():
            out[some] = np.nanmedian(stack[:, some], axis=0)
        return out
