"""History of one unit: a metric's reported values month by month, from the panel (the sums per level are
precomputed there) or, where the panel is missing or older than the store, summed from the store.

Both give the same thing: per month the sum of the values the unit's LAOs reported (None where none
did) and how many LAOs reported, on the metric's time axis (every month from the store's first to its
last; an annual metric one October per fiscal year)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from khlang.domain.calendar import fiscal_year, month_from_index, month_index
from khlang.domain.metrics import METRICS
from pipelines.aggregate import time_axis

__all__ = ["HistorySeries", "PanelBlock", "from_panel", "from_store_rows", "store_history_sql"]


@dataclass(frozen=True)
class PanelBlock:
    """One metric at one level read whole from the panel: [series, period] values and coverage."""

    values: np.ndarray  # float32 [series, period], NaN = nobody reported
    coverage: np.ndarray  # int16, LAOs behind each value
    series: np.ndarray  # int64 sorted keys
    periods: np.ndarray  # int32 month indexes
    manifest_sha256: str | None  # the store manifest the panel was built from


@dataclass(frozen=True)
class HistorySeries:
    source: str  # panel | store
    months: np.ndarray  # int month indexes (khlang.domain.calendar.month_index)
    values: np.ndarray  # float64, NaN where no LAO reported
    laos_reporting: np.ndarray  # int64

    def points(self) -> list[dict]:
        """[{date: YYYY-MM-DD, fiscal_year: BE, value: float | None, laos_reporting: int}]."""
        out = []
        for month, value, n in zip(self.months.tolist(), self.values.tolist(), self.laos_reporting.tolist(),
                                   strict=True):
            day = month_from_index(month)
            out.append({"date": day.isoformat(), "fiscal_year": fiscal_year(day.year, day.month),
                        "value": None if value != value else value, "laos_reporting": int(n)})
        return out


def from_panel(block: PanelBlock, code: int) -> HistorySeries:
    """The unit's row of the panel block (all missing when the unit has no row: it reports nothing)."""
    row = int(np.searchsorted(block.series, code))
    months = block.periods.astype(np.int64)
    if row >= len(block.series) or block.series[row] != code:
        return HistorySeries("panel", months, np.full(len(months), np.nan), np.zeros(len(months), np.int64))
    return HistorySeries("panel", months, block.values[row].astype(np.float64), block.coverage[row].astype(np.int64))


def store_history_sql(level: str, store_table: str) -> str:
    """Per month the sum of the stored values of the LAOs under the unit `?` at `level`, and their count;
    `store_table` holds one metric's records (lao bigint, period, value)."""
    if level not in ("lao", "district", "province", "region", "nation"):
        raise ValueError(f"unknown level {level!r}")
    return (f"select s.period, sum(s.value) as value, count(*) as laos from {store_table} s "
            f"join lao_parents p on p.lao = s.lao where p.{level} = ? group by s.period order by s.period")


def from_store_rows(metric: str, rows: list[tuple[dt.date, float, int]], first: dt.date | None,
                    last: dt.date | None) -> HistorySeries:
    """(period, value, laos) rows of `store_history_sql` laid on the metric's axis from `first` to `last`."""
    if first is None or last is None:
        empty = np.zeros(0, np.int64)
        return HistorySeries("store", empty, np.zeros(0), empty)
    months = time_axis(month_index(first.year, first.month), month_index(last.year, last.month),
                       METRICS[metric].frequency).astype(np.int64)
    values = np.full(len(months), np.nan)
    laos = np.zeros(len(months), np.int64)
    at = {int(m): i for i, m in enumerate(months)}
    for period, value, n in rows:
        i = at.get(month_index(period.year, period.month))
        if i is not None:
            values[i], laos[i] = value, n
    return HistorySeries("store", months, values, laos)
