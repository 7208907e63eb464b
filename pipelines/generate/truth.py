"""The clean ground truth as Parquet: records (lao_code, metric, period, value), units, and record
lists (gaps, late reports) built from dense [unit, month] arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from khlang.domain.metrics import METRIC_NAMES
from pipelines.generate.scales import MonthAxis
from pipelines.generate.writers import atomic_path

__all__ = ["RECORDS_SCHEMA", "records_table", "mask_table", "write_parquet"]

RECORDS_SCHEMA = pa.schema([("lao_code", pa.string()), ("metric", pa.string()), ("period", pa.date32()),
                            ("value", pa.float64())])


def _strings(codes: np.ndarray, index: np.ndarray) -> pa.Array:
    dictionary = pa.array(codes.astype(str).tolist(), pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(index.astype(np.int32)), dictionary).cast(pa.string())


def _block(codes: np.ndarray, name: str, array: np.ndarray, days: np.ndarray,
           mask: np.ndarray | None = None) -> pa.Table:
    keep = np.isfinite(array) if mask is None else mask & np.isfinite(array)
    unit, t = np.nonzero(keep)  # row-major: sorted by unit, then month
    return pa.table({
        "lao_code": _strings(codes, unit),
        "metric": pa.DictionaryArray.from_arrays(pa.array(np.zeros(len(unit), np.int32)),
                                                 pa.array([name])).cast(pa.string()),
        "period": pa.array(days[t], pa.date32()),
        "value": pa.array(array[keep], pa.float64())})


def records_table(codes: np.ndarray, monthly: dict[str, np.ndarray], annual: dict[str, np.ndarray],
                  axis: MonthAxis) -> pa.Table:
    """Every true record, by metric (catalogue order), unit and month; annual metrics ([unit, fiscal
    year] arrays in `annual`) dated October."""
    blocks = []
    for name in METRIC_NAMES:
        if name in annual:
            blocks.append(_block(codes, name, annual[name], axis.days[::12]))
        else:
            blocks.append(_block(codes, name, monthly[name], axis.days))
    return pa.concat_tables(blocks).cast(RECORDS_SCHEMA)


def mask_table(codes: np.ndarray, monthly: dict[str, np.ndarray], masks: dict[str, np.ndarray],
               axis: MonthAxis) -> pa.Table:
    """Records (without values) selected by a [unit, month] mask per metric."""
    blocks = [_block(codes, name, monthly[name], axis.days, masks[name]).drop_columns(["value"])
              for name in METRIC_NAMES if name in masks]
    return pa.concat_tables(blocks)


def write_parquet(table: pa.Table, path: Path) -> None:
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
