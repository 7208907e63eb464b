"""One file -> its valid records (STORE_SCHEMA) and its rejected ones (QUARANTINE_SCHEMA): the pure core
of ingest's per-file work (read, lay out, validate), with the file's counts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from khlang.domain.metrics import METRICS, UNIT_MAX_RESIDENTS, unit_ceiling
from pipelines.ingest.layout import Records, to_records
from pipelines.ingest.plausible import decimal_comma_note, decimal_comma_reading
from pipelines.ingest.read import EmptyFile, RawTable, UnreadableFile, read_raw
from pipelines.ingest.validate import Register, assign_reasons
from pipelines.schema import QUARANTINE_SCHEMA, STORE_SCHEMA

__all__ = ["FileResult", "parse_file", "STAGED_STORE_SCHEMA", "STAGED_QUARANTINE_SCHEMA"]

# Staged records carry their file's position in the batch and their order in it, so that merges
# can tell "earlier in the batch" whatever worker wrote them.
# staged: the store's columns, the file's place in the batch, and the value as written (for merge's detail)
STAGED_STORE_SCHEMA = (STORE_SCHEMA.append(pa.field("file_index", pa.int32())).append(pa.field("ordinal", pa.int64()))
                       .append(pa.field("value_text", pa.string())))
STAGED_QUARANTINE_SCHEMA = QUARANTINE_SCHEMA.append(pa.field("file_index", pa.int32())).append(
    pa.field("ordinal", pa.int64()))
_UNIT = {m.name: m.unit for m in METRICS.values()}
_MAX = {m.name: m.max_per_lao for m in METRICS.values()}


@dataclass
class FileResult:
    status: str                   # ingested | empty | unreadable
    reason: str = ""
    encoding: str = ""
    layout: str = ""
    rows_read: int = 0
    records_in: int = 0
    store: pa.Table = field(default_factory=STAGED_STORE_SCHEMA.empty_table)
    quarantine: pa.Table = field(default_factory=STAGED_QUARANTINE_SCHEMA.empty_table)


def _detail(reason: str, code: str, value_text: str, metric: str | None, value: float, period_text: str,
            column: str, register: Register, missing: list[str], item: str | None) -> str:
    if reason == "unknown_lao_code":
        return f"LAO code {code!r} is not in the DLA register"
    if reason == "invalid_lao_code":
        return f"LAO code {code!r} is not 7 digits with a known province in digits 2-3"
    if reason == "invalid_period":
        return f"period {period_text!r} cannot be read as a year and month"
    if reason == "year_out_of_range":
        return (f"year in {period_text!r} is outside fiscal years {register.first_fiscal_year}-{register.last_fiscal_year} "
                f"(BE/CE mix-up?)")
    if reason == "future_period":
        return f"period {period_text!r} is after the as-of month {register.as_of:%Y-%m}"
    if reason == "unknown_metric":
        return f"item {item!r} names no known metric" if item is not None else f"column {column!r} names no metric"
    if reason == "not_applicable":
        return f"{metric} is not reported by a provincial administrative organisation ({code})"
    if reason == "missing_value":
        return f"value in column {column!r} is empty"
    if reason == "non_numeric_value":
        return f"value {value_text!r} in column {column!r} is not a number"
    if reason == "negative_value":
        return f"{metric} value {value_text!r} = {value:g} is below zero"
    if reason == "out_of_range":
        lao_type = register.types.get(code)
        ceiling = unit_ceiling(metric, lao_type)
        if ceiling < _MAX[metric]:
            detail = (f"{metric} value {value_text!r} = {value:,.6g} exceeds {ceiling:,.6g} {_UNIT[metric]}, the most "
                      f"a {lao_type.replace('_', ' ')} of at most {UNIT_MAX_RESIDENTS[lao_type]:,} residents can "
                      "report: a slip of orders of magnitude")
            decimal = decimal_comma_reading(value_text)
            return detail + ("" if decimal is None else decimal_comma_note(decimal))
        return f"{metric} value {value_text!r} = {value:,.0f} exceeds {_MAX[metric]:,.0f} {_UNIT[metric]} per LAO"
    if reason == "truncated_row":
        return "row has fewer fields than the header (file cut off?)"
    if reason == "missing_column":
        return f"file has no {' / '.join(missing)} column"
    if reason == "ambiguous_header":
        return f"the header names one column twice, which one holds the data is unclear: {'; '.join(missing)}"
    return reason


def _table_results(table: RawTable, records: Records, reasons: np.ndarray, source_file: str, sha: str,
                   register: Register, multi_sheet: bool, first_ordinal: int) -> tuple[pa.Table, pa.Table]:
    frame = records.frame
    prefix = f"{table.sheet}!" if multi_sheet and table.sheet else ""
    names = np.asarray([prefix + c for c in records.value_columns], dtype=object)
    ordinal = np.arange(first_ordinal, first_ordinal + len(frame), dtype=np.int64)
    row = frame["row"].to_numpy()
    valid = pd.isna(reasons)
    v = frame[valid]
    metric = v["metric"].to_numpy(dtype=object)
    store = pa.table({
        "lao_code": pa.array(v["lao_code"].to_numpy(dtype=object), pa.string()),
        "metric": pa.array(metric, pa.string()),
        "fiscal_year": pa.array(v["fiscal_year"].to_numpy().astype(np.int16), pa.int16()),
        "period": pa.array(v["period"].to_numpy().astype("datetime64[D]"), pa.date32()),
        "value": pa.array(v["value"].to_numpy(dtype=np.float64), pa.float64()),
        "unit": pa.array(pd.Series(metric, dtype=object).map(_UNIT).to_numpy(dtype=object), pa.string()),
        "source_file": pa.array(np.full(len(v), source_file, dtype=object), pa.string()),
        "source_row": pa.array(table.lines[row[valid]], pa.int32()),
        "source_column": pa.array(names[v["column"].to_numpy()], pa.string()),
        "file_sha256": pa.array(np.full(len(v), sha, dtype=object), pa.string()),
        "file_index": pa.array(np.zeros(len(v), dtype=np.int32)),
        "ordinal": pa.array(ordinal[valid]),
        "value_text": pa.array([None if t is None else str(t) for t in v["value_text"]], pa.string()),
    }, schema=STAGED_STORE_SCHEMA)
    # Rejected records are few: building their detail and raw row per record is fine.
    bad = np.flatnonzero(~valid)
    raw_cache: dict[int, str] = {}
    columns_py = None
    rows_out = []
    missing = frame.attrs.get("missing", [])
    for i in bad:
        r = int(row[i])
        if r not in raw_cache:
            if columns_py is None:
                columns_py = [c.to_pylist() for c in table.columns]
            raw_cache[r] = json.dumps({h or f"column_{j + 1}": columns_py[j][r] for j, h in enumerate(table.header)},
                                      ensure_ascii=False)
        c = int(frame["column"].iat[i])
        code = records.lao_code_text[r]
        period_text = records.period_text[r]
        if records.layout == "wide_months" and period_text is not None:
            period_text = f"{period_text} {records.value_columns[c]}"
        metric_i = frame["metric"].iat[i]
        item = records.item_text[r] if records.item_text is not None else None
        value_text = frame["value_text"].iat[i]
        rows_out.append({
            "source_file": source_file, "file_sha256": sha, "source_row": int(table.lines[r]),
            "source_column": str(names[c]), "lao_code": None if code is None else str(code),
            "metric": metric_i, "period": None if period_text is None else str(period_text),
            "value": None if value_text is None else str(value_text), "reason": reasons[i],
            "detail": _detail(reasons[i], str(code), str(value_text), metric_i, float(frame["value"].iat[i]),
                              str(period_text), str(names[c]), register, missing, item),
            "raw": raw_cache[r], "file_index": 0, "ordinal": int(ordinal[i])})
    quarantine = pa.Table.from_pylist(rows_out, schema=STAGED_QUARANTINE_SCHEMA)
    return store, quarantine


def parse_file(path: Path, source_file: str, sha: str, register: Register) -> FileResult:
    """Read, lay out and validate one file. Never raises for bad content: unreadable files say why."""
    try:
        tables = read_raw(path)
    except EmptyFile as exc:
        return FileResult(status="empty", reason=str(exc))
    except UnreadableFile as exc:
        return FileResult(status="unreadable", reason=str(exc))
    result = FileResult(status="ingested", encoding=tables[0].encoding)
    stores, quarantines, layouts = [], [], []
    ordinal = 0
    for table in tables:
        records = to_records(table)
        reasons = assign_reasons(records.frame, register)
        store, quarantine = _table_results(table, records, reasons, source_file, sha, register,
                                           len(tables) > 1, ordinal)
        ordinal += len(records.frame)
        stores.append(store)
        quarantines.append(quarantine)
        layouts.append(records.layout)
        result.rows_read += table.n_rows
        result.records_in += len(records.frame)
    result.layout = ",".join(dict.fromkeys(layouts))
    if stores:
        result.store = pa.concat_tables(stores)
        result.quarantine = pa.concat_tables(quarantines)
    return result
