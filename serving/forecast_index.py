"""The published forecasts held as columns sorted by (metric, level, key, step), with each unit's row
range: a /v1/forecasts answer and its children's sum are a dictionary lookup and a few numpy slices, no SQL
per request. Built once per read-model snapshot from its `forecasts` table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ForecastIndex", "POINT_COLUMNS"]

POINT_COLUMNS = ("date", "fiscal_year", "step", "forecast", "lo80", "hi80", "lo95", "hi95", "base_forecast", "model")
_META = ("family", "model_name", "model_version", "run_id")
_NUMBERS = ("forecast", "lo80", "hi80", "lo95", "hi95", "base_forecast")


def _json_numbers(values: np.ndarray) -> list:
    """float64 values as Python floats, NaN and infinities as None (JSON has neither)."""
    out = values.tolist()
    if not np.isfinite(values).all():
        out = [v if np.isfinite(v) else None for v in out]
    return out


class ForecastIndex:
    def __init__(self, frame: pd.DataFrame) -> None:
        """frame: metric, level, key, date (text), fiscal_year, step, the numbers, model and _META columns."""
        frame = frame.sort_values(["metric", "level", "key", "step"], kind="stable").reset_index(drop=True)
        self._columns = {name: frame[name].to_numpy() for name in (*POINT_COLUMNS, *_META)}
        for name in _NUMBERS:
            self._columns[name] = self._columns[name].astype(np.float64)
        self._ranges: dict[tuple[str, str, int], tuple[int, int]] = {}
        if len(frame):
            unit = frame[["metric", "level", "key"]]
            starts = np.flatnonzero((unit != unit.shift()).any(axis=1).to_numpy())
            stops = np.append(starts[1:], len(frame))
            for (metric, level, key), start, stop in zip(unit.iloc[starts].itertuples(index=False, name=None),
                                                         starts, stops, strict=True):
                self._ranges[(metric, level, int(key))] = (int(start), int(stop))

    def points(self, metric: str, level: str, key: int) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
        """The unit's points in step order and the model that made them, or None when it has no forecast."""
        found = self._ranges.get((metric, level, int(key)))
        if found is None:
            return None
        start, stop = found
        cols = {name: (_json_numbers(self._columns[name][start:stop]) if name in _NUMBERS
                       else self._columns[name][start:stop].tolist()) for name in POINT_COLUMNS}
        points = [dict(zip(POINT_COLUMNS, row, strict=True)) for row in zip(*cols.values(), strict=True)]
        meta = {name: self._columns[name][start].item() if isinstance(self._columns[name][start], np.generic)
                else self._columns[name][start] for name in _META}
        return points, meta

    def children_sum(self, metric: str, children: list[tuple[str, int]]) -> list[dict[str, Any]] | None:
        """Per date, the sum of the children's forecasts (a NaN among them gives None); None when none of
        the children has a forecast."""
        ranges = [self._ranges[(metric, level, int(code))] for level, code in children
                  if (metric, level, int(code)) in self._ranges]
        if not ranges:
            return None
        rows = np.concatenate([np.arange(start, stop) for start, stop in ranges])
        dates, where = np.unique(self._columns["date"][rows], return_inverse=True)
        sums = np.bincount(where, weights=self._columns["forecast"][rows], minlength=len(dates))
        return [{"date": d, "forecast": f} for d, f in zip(dates.tolist(), _json_numbers(sums), strict=True)]
