"""Vectorised parsing of cell text: Thai digits, thousands separators, '-' for zero, BE/CE years,
Thai month names and periods. Each parser mirrors a scalar reference in khlang.domain
(`thai.parse_number`, `thai.parse_month`, `calendar.parse_period`, `calendar.normalise_year`)
and works on whole columns (pyarrow compute for the high-cardinality value column; regexes over
the distinct values for the low-cardinality time columns)."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from khlang.domain.calendar import _CE_RANGE, BE_OFFSET
from khlang.domain.thai import MONTHS_EN, MONTHS_EN_ABBR, MONTHS_TH, MONTHS_TH_ABBR, THAI_DIGITS

__all__ = ["clean_text", "parse_numbers", "parse_integers", "parse_months", "parse_periods",
           "normalise_years", "is_blank"]

_NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_DASHES = ["-", "\u2013", "\u2014"]


def _as_string_array(values: pa.Array | pd.Series | list) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array(pd.Series(values, dtype=object).where(lambda s: s.notna(), None), type=pa.string())
    return values if values.type == pa.string() else pc.cast(values, pa.string())


def clean_text(values: pa.Array | pd.Series | list) -> pa.Array:
    """Thai digits to Arabic, surrounding whitespace removed; nulls stay null."""
    s = _as_string_array(values)
    if len(s) and pc.any(pc.match_substring_regex(s, f"[{THAI_DIGITS}]")).as_py():
        for thai, arabic in zip(THAI_DIGITS, "0123456789", strict=True):
            s = pc.replace_substring(s, thai, arabic)
    return pc.utf8_trim_whitespace(s)


def is_blank(values: pa.Array) -> np.ndarray:
    """True where a cell is null or only whitespace."""
    s = pc.utf8_trim_whitespace(_as_string_array(values))
    return pc.fill_null(pc.equal(s, ""), True).to_numpy(zero_copy_only=False)


def parse_numbers(values: pa.Array | pd.Series | list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(value float64, ok, blank) per cell, as `khlang.domain.thai.parse_number` reads it: Thai digits,
    thousands separators, spaces, '-' for zero, '(x)' for -x. Not ok and not blank = not a number."""
    s = clean_text(values)
    s = pc.replace_substring_regex(s, "[,\u00a0 ]", "")
    blank = pc.fill_null(pc.equal(s, ""), True)
    dash = pc.fill_null(pc.is_in(s, value_set=pa.array(_DASHES)), False)
    negative = pc.fill_null(pc.match_substring_regex(s, r"^\(.*\)$"), False)
    s = pc.if_else(negative, pc.utf8_slice_codeunits(s, 1, -1), s)
    ok = pc.fill_null(pc.match_substring_regex(s, _NUMBER), False)
    value = pc.cast(pc.if_else(ok, s, "0"), pa.float64()).to_numpy(zero_copy_only=False).copy()
    neg = negative.to_numpy(zero_copy_only=False)
    value[neg] = -value[neg]
    ok_np = (ok.to_numpy(zero_copy_only=False) | dash.to_numpy(zero_copy_only=False))
    value[~ok_np] = np.nan
    value[dash.to_numpy(zero_copy_only=False)] = 0.0
    return value, ok_np, blank.to_numpy(zero_copy_only=False) & ~ok_np


def parse_integers(values: pa.Array | pd.Series | list) -> tuple[np.ndarray, np.ndarray]:
    """(int64, ok) for year-like cells: '2567', '๒๕๖๗', '2,567', 2567.0 from Excel."""
    value, ok, _ = parse_numbers(values)
    ok = ok & np.isfinite(value) & (np.mod(np.nan_to_num(value), 1) == 0) & (np.abs(np.nan_to_num(value)) < 1e6)
    return np.where(ok, np.nan_to_num(value), 0).astype(np.int64), ok


def normalise_years(year: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(CE year, ok) per year given in BE or CE, as `calendar.normalise_year`; ok False where neither."""
    year = np.asarray(year, dtype=np.int64)
    ce = (year >= _CE_RANGE[0]) & (year <= _CE_RANGE[1])
    be = (year >= _CE_RANGE[0] + BE_OFFSET) & (year <= _CE_RANGE[1] + BE_OFFSET)
    return np.where(be, year - BE_OFFSET, year), ce | be


# Month names keyed as `thai.parse_month` compares them: lower case, spaces (and dots) removed.
_MONTH_KEYS: dict[str, int] = {}
for _i in range(12):
    for _name in (MONTHS_TH[_i], MONTHS_TH_ABBR[_i], MONTHS_EN[_i], MONTHS_EN_ABBR[_i]):
        _MONTH_KEYS[_name.lower()] = _i + 1
        _MONTH_KEYS[_name.lower().replace(".", "").replace(" ", "")] = _i + 1


def _month_of_names(names: pd.Series) -> pd.Series:
    """Month number 1-12 of month names (no digits), 0 where unknown; `names` are distinct values."""
    key = names.map(lambda t: unicodedata.normalize("NFC", t)).str.strip().str.lower().str.replace(" ", "")
    month = key.map(_MONTH_KEYS)
    month = month.fillna(key.str.replace(".", "", regex=False).map(_MONTH_KEYS))
    return month.fillna(0).astype(np.int64)


def _distinct(values: pa.Array | pd.Series | list) -> tuple[np.ndarray, pd.Series]:
    """Codes into the distinct cleaned texts (null as ''), and those texts."""
    s = pc.fill_null(clean_text(values), "")
    encoded = pc.dictionary_encode(s)
    return (encoded.indices.to_numpy(zero_copy_only=False),
            pd.Series(encoded.dictionary.to_pylist(), dtype=object))


def parse_months(values: pa.Array | pd.Series | list) -> tuple[np.ndarray, np.ndarray]:
    """(month 1-12, ok) as `thai.parse_month`: '1', '๑', 'ม.ค.', 'มกราคม', 'Jan', 'January'."""
    codes, distinct = _distinct(values)
    digits = distinct.str.fullmatch(r"[0-9]+")
    month = pd.Series(0, index=distinct.index, dtype=np.int64)
    short = distinct[digits].str.lstrip("0").str.len() <= 2
    month[digits] = np.where(short, distinct[digits].str[-2:].astype(np.int64), 0)
    month[~digits] = _month_of_names(distinct[~digits])
    month_np = month.to_numpy()[codes]
    return month_np, (month_np >= 1) & (month_np <= 12)


_ISO = r"^([0-9]{4})[-/.]([0-9]{1,2})(?:[-/.][0-9]{1,2})?$"
_MY = r"^([0-9]{1,2})[-/.]([0-9]{4})$"
_NAME_YEAR = r"^([^0-9]+?)\s*([0-9]{2,4})$"


def parse_periods(values: pa.Array | pd.Series | list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year as written, month 1-12, ok) of period cells as `calendar.parse_period` reads them:
    '2567-01', '2024-01-15', '01/2567', 'ม.ค. 2567', 'มกราคม ๒๕๖๗', 'Jan 2024', 'ม.ค. 67' (two-digit BE).
    The year is not normalised (see `normalise_years`), so a BE/CE mix-up can be told from bad text."""
    codes, distinct = _distinct(values)
    year = pd.Series(0, index=distinct.index, dtype=np.int64)
    month = pd.Series(0, index=distinct.index, dtype=np.int64)
    iso = distinct.str.extract(_ISO)
    hit = iso[0].notna()
    year[hit], month[hit] = iso.loc[hit, 0].astype(np.int64), iso.loc[hit, 1].astype(np.int64)
    my = distinct.str.extract(_MY)
    hit2 = my[0].notna() & ~hit
    year[hit2], month[hit2] = my.loc[hit2, 1].astype(np.int64), my.loc[hit2, 0].astype(np.int64)
    named = distinct.str.extract(_NAME_YEAR)
    hit3 = named[0].notna() & ~hit & ~hit2
    if hit3.any():
        month[hit3] = _month_of_names(named.loc[hit3, 0])
        y = named.loc[hit3, 1].astype(np.int64)
        year[hit3] = np.where(y < 100, y + 2500, y)
    ok = (hit | hit2 | hit3) & (month >= 1) & (month <= 12)
    return year.to_numpy()[codes], month.to_numpy()[codes], ok.to_numpy()[codes]
