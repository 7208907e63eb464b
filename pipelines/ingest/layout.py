"""Raw table -> one record per value cell, for the three layouts of pipelines.headers:
`long` (one value per row), `wide_metrics` (one column per metric), `wide_months` (ต.ค. … ก.ย. columns).

Parsing problems found here (bad year, unknown item, non-numeric value, cut-off row, missing column) are
recorded per record as `parse_reason`; register and range checks are `validate`'s."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from khlang.domain.metrics import METRICS
from pipelines.headers import field_of, metric_of, month_of_column
from pipelines.ingest.read import RawTable
from pipelines.ingest.values import (
    clean_text,
    is_blank,
    normalise_years,
    parse_integers,
    parse_months,
    parse_numbers,
    parse_periods,
)

__all__ = ["Records", "to_records", "LAYOUTS"]

LAYOUTS = ("long", "wide_metrics", "wide_months")
_REQUIRED = ("lao_code", "item", "year", "fiscal_year", "month", "period", "value")
_ANNUAL = np.array([m.frequency == "A" for m in METRICS.values()])


@dataclass
class Records:
    """The records of one raw table. `frame` has one row per value cell (row-major), with columns
    row, column, lao_code, metric, fiscal_year, period, value, parse_reason, value_text."""

    layout: str
    frame: pd.DataFrame
    value_columns: list[str]   # source_column of each `column` index
    period_text: np.ndarray    # per data row: the time cells as written (object)
    lao_code_text: np.ndarray  # per data row: the code as written (object)
    item_text: np.ndarray | None = None  # per data row: the item cell (long, wide_months)


def _columns_by_role(header: list[str]) -> tuple[dict[str, int], dict[int, str], dict[int, int]]:
    fields: dict[str, int] = {}
    metrics: dict[int, str] = {}
    months: dict[int, int] = {}
    for j, name in enumerate(header):
        if (f := field_of(name)) is not None:
            fields.setdefault(f, j)
        elif (m := metric_of(name)) is not None:
            metrics[j] = m
        elif (mo := month_of_column(name)) is not None:
            months[j] = mo
    return fields, metrics, months


def _ambiguous(header: list[str], metrics: dict[int, str], months: dict[int, int]) -> list[str]:
    """The header's ambiguities: a required field, a metric or a month named by more than one column
    (`จำนวน,จำนวน`: which one holds the value?), each as 'NAME (columns 5, 6)'."""
    roles: dict[str, list[int]] = {}
    for j, name in enumerate(header):
        if (f := field_of(name)) is not None:
            role = f if f in _REQUIRED else None
        else:
            role = metrics.get(j) or (f"month {months[j]}" if j in months else None)
        if role is not None:
            roles.setdefault(role, []).append(j)
    return [f"{header[js[0]]!r} = {role} (columns {', '.join(str(j + 1) for j in js)})"
            for role, js in roles.items() if len(js) > 1]


def _layout(fields: dict[str, int], metrics: dict[int, str], months: dict[int, int]) -> str:
    if months and not metrics and ("fiscal_year" in fields or "year" in fields or "item" in fields):
        return "wide_months"
    if metrics:
        return "wide_metrics"
    if months and "value" not in fields:
        return "wide_months"
    return "long"


def _missing(layout: str, fields: dict[str, int]) -> list[str]:
    missing = [] if "lao_code" in fields else ["lao_code"]
    if layout == "long":
        missing += [f for f in ("item", "value") if f not in fields]
    if layout == "wide_months":
        missing += [] if ("fiscal_year" in fields or "year" in fields) else ["fiscal_year"]
        missing += [] if "item" in fields else ["item"]
    elif not ("period" in fields or "year" in fields or "fiscal_year" in fields):
        missing += ["period (or year and month)"]
    return missing


@dataclass
class _RowTime:
    """Time cells of each data row. `year_ce` is a calendar year, or a fiscal year (its ending CE year)
    where `fiscal`; `month` is 0 where no month is given."""

    year_ce: np.ndarray
    month: np.ndarray
    fiscal: np.ndarray   # bool: year_ce names a fiscal year
    text_ok: np.ndarray  # cells readable as a year (and month)
    year_ok: np.ndarray  # the year is plausibly BE or CE
    text: np.ndarray     # the cells as written, for the quarantine


def _months(table: RawTable, fields: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Month per row (0 where the cell is blank) and whether the cell was blank or readable."""
    if "month" not in fields:
        return np.zeros(table.n_rows, dtype=np.int64), np.ones(table.n_rows, dtype=bool)
    column = table.columns[fields["month"]]
    month, ok = parse_months(column)
    blank = is_blank(column)
    return np.where(ok, month, 0), ok | blank


def _row_time(table: RawTable, fields: dict[str, int], layout: str) -> _RowTime:
    col, n = table.columns, table.n_rows
    if "period" in fields and layout != "wide_months":
        year, month, ok = parse_periods(col[fields["period"]])
        text = np.asarray(col[fields["period"]].to_pylist(), dtype=object)
        fiscal = np.zeros(n, dtype=bool)
    else:
        fiscal_column = layout == "wide_months" or "fiscal_year" in fields
        j = fields["fiscal_year"] if "fiscal_year" in fields else fields["year"]
        year, ok = parse_integers(col[j])
        text = np.asarray(col[j].to_pylist(), dtype=object)
        month, month_ok = _months(table, fields) if layout != "wide_months" else (np.zeros(n, np.int64),
                                                                                  np.ones(n, bool))
        ok &= month_ok
        if "month" in fields and layout != "wide_months":
            text = _join(text, col[fields["month"]])
        # A year with no month names a fiscal year (annual figures); with a month, a calendar year.
        fiscal = np.full(n, fiscal_column) | (month == 0)
    year_ce, plausible = normalise_years(year)
    return _RowTime(year_ce, np.where(ok, month, 0), fiscal, ok, ok & plausible, text)


def _join(left: np.ndarray, right: pa.Array) -> np.ndarray:
    return (pd.Series(left, dtype=object).fillna("").astype(str) + "/"
            + pd.Series(right.to_pylist(), dtype=object).fillna("").astype(str)).to_numpy(dtype=object)


def to_records(table: RawTable) -> Records:
    """All value cells of the table as records, with what could not be parsed marked in parse_reason."""
    fields, metrics, months = _columns_by_role(table.header)
    layout = _layout(fields, metrics, months)
    n = table.n_rows
    if layout == "wide_metrics":
        value_cols = sorted(metrics)
    elif layout == "wide_months":
        value_cols = sorted(months, key=lambda j: ((months[j] - 10) % 12, j))
    else:
        value_cols = [fields["value"]] if "value" in fields else []
    value_names = [table.header[j] for j in value_cols] or ["value"]
    k = len(value_names)
    row = np.repeat(np.arange(n, dtype=np.int64), k)
    column = np.tile(np.arange(k, dtype=np.int64), n)
    lao_text = (np.asarray(table.columns[fields["lao_code"]].to_pylist(), dtype=object)
                if "lao_code" in fields else np.full(n, None, dtype=object))
    frame = pd.DataFrame({"row": row, "column": column})
    missing = _missing(layout, fields)
    ambiguous = _ambiguous(table.header, metrics, months)
    if missing or ambiguous:
        frame["lao_code"] = lao_text[row]
        frame["metric"] = [metrics.get(value_cols[c]) if value_cols else None for c in column] if k else None
        frame["fiscal_year"] = 0
        frame["period"] = pd.NaT
        frame["value"] = np.nan
        frame["parse_reason"] = "ambiguous_header" if ambiguous else "missing_column"
        frame["value_text"] = (pa.concat_arrays([table.columns[j] for j in value_cols]).take(
            pa.array(column * n + row)).to_pylist() if value_cols else None)
        frame.attrs["missing"] = ambiguous or missing
        return Records(layout, frame, value_names, np.full(n, None, dtype=object), lao_text)

    used = [j for f, j in fields.items() if f in _REQUIRED] + value_cols
    lao_code = np.asarray(clean_text(table.columns[fields["lao_code"]]).to_pylist(), dtype=object)
    time = _row_time(table, fields, layout)

    # Metric of each record: the column's (wide_metrics) or the row's item cell.
    item_text = None
    if layout == "wide_metrics":
        metric = np.asarray([metrics[j] for j in value_cols], dtype=object)[column]
    else:
        items = table.columns[fields["item"]]
        encoded = pc.dictionary_encode(pc.fill_null(items, ""))
        names = np.asarray([metric_of(t) for t in encoded.dictionary.to_pylist()], dtype=object)
        metric = names[encoded.indices.to_numpy(zero_copy_only=False)][row]
        item_text = np.asarray(items.to_pylist(), dtype=object)

    # Month of each record: the row's, or the column's (wide_months).
    month = time.month[row]
    if layout == "wide_months":
        month = np.asarray([months[j] for j in value_cols], dtype=np.int64)[column]
    year, fiscal = time.year_ce[row], time.fiscal[row]
    after_september = month >= 10
    calendar_year = np.where(fiscal & after_september, year - 1, year)
    fy_be = np.where(fiscal, year, calendar_year + after_september) + 543
    annual = pd.Series(metric, dtype=object).map(dict(zip(METRICS, _ANNUAL, strict=True)))
    annual = annual.eq(True).to_numpy(dtype=bool)
    # Annual metrics are dated the first month (October) of their fiscal year.
    period_year = np.where(annual, fy_be - 543 - 1, calendar_year)
    period_month = np.where(annual, 10, month)
    frame["lao_code"] = lao_code[row]
    frame["metric"] = metric
    frame["fiscal_year"] = fy_be.astype(np.int64)

    values_text = (pa.concat_arrays([table.columns[j] for j in value_cols]).take(pa.array(column * n + row))
                   if k > 1 else table.columns[value_cols[0]])
    value, value_ok, blank = parse_numbers(values_text)
    frame["value"] = value
    frame["value_text"] = np.asarray(values_text.to_pylist(), dtype=object)

    reason = np.full(len(frame), None, dtype=object)
    text_ok, year_ok = time.text_ok[row], time.year_ok[row]
    good_time = year_ok & ((month > 0) | annual)
    safe_year = np.where(good_time, period_year, 1970)
    safe_month = np.where(good_time, period_month, 1)
    period = ((safe_year - 1970) * 12 + safe_month - 1).astype("datetime64[M]").astype("datetime64[s]")
    period[~good_time] = np.datetime64("NaT")
    frame["period"] = period
    for code, bad in (  # later assignments win: the most basic problem is named
        ("non_numeric_value", ~value_ok & ~blank),
        ("missing_value", blank),
        ("unknown_metric", pd.isna(metric)),
        ("year_out_of_range", text_ok & ~year_ok),
        ("invalid_period", ~text_ok | (year_ok & (month == 0) & ~annual)),
        ("truncated_row", (table.lengths < max(used) + 1)[row]),
    ):
        reason[bad] = code
    frame["parse_reason"] = reason
    return Records(layout, frame, value_names, time.text, lao_text, item_text)
