"""Buddhist-Era years and the Thai fiscal year (1 Oct - 30 Sep, named by the BE year it ends in)."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np

from khlang.domain.thai import from_thai_digits, parse_month

__all__ = [
    "BE_OFFSET", "be_to_ce", "ce_to_be", "normalise_year", "fiscal_year", "fiscal_month",
    "fiscal_year_start", "months_to_fiscal_year_end", "fiscal_quarter", "parse_period",
    "month_index", "month_from_index", "fiscal_year_months",
]

BE_OFFSET = 543
# Years a Khlang source can sensibly carry: CE 1990-2100 or BE 2533-2643.
_CE_RANGE = (1990, 2100)


def be_to_ce(year_be: int) -> int:
    """2568 -> 2025."""
    return int(year_be) - BE_OFFSET


def ce_to_be(year_ce: int) -> int:
    """2025 -> 2568."""
    return int(year_ce) + BE_OFFSET


def normalise_year(year: int) -> int:
    """A year given in BE or CE, as CE. Raises ValueError when it is neither plausibly."""
    year = int(year)
    if _CE_RANGE[0] <= year <= _CE_RANGE[1]:
        return year
    if _CE_RANGE[0] + BE_OFFSET <= year <= _CE_RANGE[1] + BE_OFFSET:
        return year - BE_OFFSET
    raise ValueError(f"year {year} is neither a plausible CE nor BE year")


def fiscal_year(year_ce: int, month: int) -> int:
    """The Thai fiscal year (BE) of a calendar month: Oct 2024 -> 2568, Sep 2025 -> 2568."""
    return ce_to_be(year_ce) + (1 if month >= 10 else 0)


def fiscal_month(month: int) -> int:
    """Position in the fiscal year, 1 = October … 12 = September."""
    return (month - 10) % 12 + 1


def fiscal_quarter(month: int) -> int:
    """Fiscal quarter 1-4 (Q1 = Oct-Dec)."""
    return (fiscal_month(month) - 1) // 3 + 1


def months_to_fiscal_year_end(month: int) -> int:
    """Months left after this one until 30 September (September -> 0)."""
    return 12 - fiscal_month(month)


def fiscal_year_start(fy_be: int) -> dt.date:
    """First day of a fiscal year: FY2568 -> 2024-10-01."""
    return dt.date(be_to_ce(fy_be) - 1, 10, 1)


def fiscal_year_months(fy_be: int) -> list[dt.date]:
    """The 12 months (first days) of a fiscal year, October first."""
    start = fiscal_year_start(fy_be)
    return [month_from_index(month_index(start.year, start.month) + i) for i in range(12)]


def month_index(year_ce: int, month: int) -> int:
    """Months since January 1970 (a dense integer time axis for panels)."""
    return (int(year_ce) - 1970) * 12 + int(month) - 1


def month_from_index(index: int | np.integer) -> dt.date:
    year, month0 = divmod(int(index), 12)
    return dt.date(1970 + year, month0 + 1, 1)


_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.]\d{1,2})?$")
_MY = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
_NAME_YEAR = re.compile(r"^(\D+?)\s*(\d{2,4})$")


def parse_period(text: str) -> dt.date:
    """A month as the first of the month (CE) from '2567-01', '2024-01', '01/2567', 'ม.ค. 2567',
    'มกราคม ๒๕๖๗', 'Jan 2024', 'ม.ค. 67' (two-digit BE). Raises ValueError."""
    s = from_thai_digits(str(text)).strip()
    if m := _ISO.match(s):
        year, month = int(m.group(1)), int(m.group(2))
    elif m := _MY.match(s):
        month, year = int(m.group(1)), int(m.group(2))
    elif m := _NAME_YEAR.match(s):
        month, year = parse_month(m.group(1)), int(m.group(2))
        if year < 100:  # Thai reports abbreviate BE years: 'ม.ค. 67' = January 2567
            year += 2500
    else:
        raise ValueError(f"not a period: {text!r}")
    if not 1 <= month <= 12:
        raise ValueError(f"not a month in {text!r}")
    return dt.date(normalise_year(year), month, 1)
