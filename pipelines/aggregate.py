"""Pure cores of the panel: store records -> dense [series, period] block; LAO block -> a higher level.

Nothing here touches disk or a cluster; `pipelines.panel` runs these per block of series."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["month_numbers", "time_axis", "dense_block", "reporting", "aggregate", "lao_code_keys"]


def month_numbers(periods: object) -> np.ndarray:
    """Month index (months since January 1970, as khlang.domain.calendar.month_index) of dates, int32."""
    return np.asarray(periods, dtype="datetime64[M]").astype(np.int64).astype(np.int32)


def time_axis(first_month: int, last_month: int, frequency: str) -> np.ndarray:
    """Contiguous month indexes from first to last; annual metrics ('A') one October per fiscal year."""
    if frequency == "A":
        if first_month % 12 != 9 or last_month % 12 != 9:
            raise ValueError("annual metrics are dated October (the fiscal year's first month)")
        return np.arange(first_month, last_month + 1, 12, dtype=np.int32)
    return np.arange(first_month, last_month + 1, dtype=np.int32)


def lao_code_keys(codes: object) -> np.ndarray:
    """7-digit LAO code strings as the int64 series keys of the LAO level."""
    return np.asarray(codes, dtype=str).astype(np.int64)


def dense_block(records: pd.DataFrame, series: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """Records (lao_code, period, value) -> float32 [len(series), len(periods)], NaN where none.

    `series` (int64 LAO codes) and `periods` (int32 month indexes) must be sorted. Every record must
    fall on the grid and a (lao_code, period) pair may appear once: the store's key is unique."""
    block = np.full((len(series), len(periods)), np.nan, dtype=np.float32)
    if records.empty:
        return block
    keys = lao_code_keys(records["lao_code"])
    months = month_numbers(records["period"])
    rows = np.searchsorted(series, keys).clip(0, max(len(series) - 1, 0))
    cols = np.searchsorted(periods, months).clip(0, max(len(periods) - 1, 0))
    off_rows = series[rows] != keys if len(series) else np.ones(len(keys), bool)
    off_cols = periods[cols] != months if len(periods) else np.ones(len(keys), bool)
    if off_rows.any():
        raise ValueError(f"{int(off_rows.sum())} records of LAOs outside the block, "
                         f"first {records['lao_code'].iloc[int(np.argmax(off_rows))]}")
    if off_cols.any():
        raise ValueError(f"{int(off_cols.sum())} records off the time axis, "
                         f"first {records['period'].iloc[int(np.argmax(off_cols))]}")
    cell = rows.astype(np.int64) * len(periods) + cols
    if len(np.unique(cell)) != len(cell):
        _, first, counts = np.unique(cell, return_index=True, return_counts=True)
        dup = records.iloc[int(first[np.argmax(counts > 1)])]
        raise ValueError(f"duplicate store records, first ({dup['lao_code']}, {dup['period']})")
    block.ravel()[cell] = np.asarray(records["value"], dtype=np.float64)
    return block


def reporting(values: np.ndarray) -> np.ndarray:
    """Coverage of a LAO block: 1 where the LAO reported a value, int16."""
    return (~np.isnan(values)).astype(np.int16)


def aggregate(values: np.ndarray, coverage: np.ndarray, parent_of: np.ndarray,
              parent_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum child rows into their parents: (values float32, coverage int16) [len(parent_keys), periods].

    `parent_of[i]` is the parent key of child row i (-1 or a key not in `parent_keys`: not counted);
    `parent_keys` is sorted. A parent's value is the sum of its reporting children (in float64),
    NaN only where none reported; its coverage is the sum of the children's coverage."""
    n_periods = values.shape[1]
    sums = np.zeros((len(parent_keys), n_periods), dtype=np.float64)
    counts = np.zeros((len(parent_keys), n_periods), dtype=np.int64)
    if len(parent_keys) and len(parent_of):
        rows = np.searchsorted(parent_keys, parent_of).clip(0, len(parent_keys) - 1)
        keep = parent_keys[rows] == parent_of
        np.add.at(sums, rows[keep], np.nan_to_num(values[keep].astype(np.float64), nan=0.0))
        np.add.at(counts, rows[keep], coverage[keep].astype(np.int64))
    out = np.where(counts > 0, sums, np.nan).astype(np.float32)
    if counts.max(initial=0) > np.iinfo(np.int16).max:
        raise OverflowError("coverage exceeds int16")
    return out, counts.astype(np.int16)
