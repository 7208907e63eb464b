"""Numbers, quantities, months and fiscal years as Thai planners read them (English on request).

Baht are shown in millions (ล้านบาท) once they pass a million, waste in tonnes/day, welfare in persons;
years in the Buddhist Era by default (BE = CE + 543), fiscal years named by the BE year they end in."""

from __future__ import annotations

import datetime as dt
import math

from khlang.domain.calendar import BE_OFFSET, fiscal_year
from khlang.domain.thai import MONTHS_EN_ABBR, MONTHS_TH_ABBR, to_thai_digits

__all__ = [
    "UNIT_LABELS", "unit_label", "format_number", "million_baht_decimals", "format_quantity", "format_change", "format_share", "format_month",
    "format_fiscal_year", "year_label", "to_date", "fiscal_year_of",
]

# unit -> (Thai, English) label; baht at or above a million gets its own "million" label
UNIT_LABELS = {"baht": ("บาท", "baht"), "million_baht": ("ล้านบาท", "million baht"),
               "tonnes/day": ("ตัน/วัน", "tonnes/day"), "persons": ("คน", "persons"),
               "kg/person/day": ("กก./คน/วัน", "kg/person/day")}
_DASH = "–"


def unit_label(unit: str, lang: str = "th") -> str:
    """'baht' -> 'บาท' / 'baht'; 'million_baht' -> 'ล้านบาท'; unknown units as they are."""
    return UNIT_LABELS.get(unit, (unit, unit))[0 if lang == "th" else 1]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(value: float | None, decimals: int = 0, thai_digits: bool = False) -> str:
    """12345.6 -> '12,346'; None/NaN -> '–'; thai_digits writes ๐-๙."""
    if _missing(value):
        return _DASH
    text = f"{float(value):,.{decimals}f}"
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")  # no "-0"
    return to_thai_digits(text) if thai_digits else text


def million_baht_decimals(millions: float) -> int:
    """Decimals of a figure in million baht: 2 below 10,000 million, 1 below 100,000, none above (a
    national total reads '198,882 ล้านบาท': a card shows it whole, and a baht more says nothing)."""
    size = abs(float(millions))
    return 2 if size < 1e4 else 1 if size < 1e5 else 0


def format_quantity(value: float | None, unit: str, lang: str = "th", thai_digits: bool = False) -> str:
    """A value with its unit: baht >= 1 million in million baht (million_baht_decimals), tonnes/day with 1
    decimal, persons whole: '1,234.57 ล้านบาท', '198,882 ล้านบาท', '12.3 tonnes/day', '4,321 คน'."""
    if _missing(value):
        return _DASH
    value = float(value)
    label_index = 0 if lang == "th" else 1
    if unit == "baht" and abs(value) >= 1e6:
        millions = value / 1e6
        return (f"{format_number(millions, million_baht_decimals(millions), thai_digits)} "
                f"{UNIT_LABELS['million_baht'][label_index]}")
    decimals = {"tonnes/day": 1, "kg/person/day": 2}.get(unit, 0)
    label = UNIT_LABELS.get(unit, (unit, unit))[label_index]
    return f"{format_number(value, decimals, thai_digits)} {label}"


def format_change(new: float | None, old: float | None, thai_digits: bool = False) -> str:
    """Relative change in percent with its sign: (110, 100) -> '+10.0%'; '–' when old is 0 or missing."""
    if _missing(new) or _missing(old) or float(old) == 0:
        return _DASH
    pct = (float(new) / float(old) - 1.0) * 100.0
    text = f"{pct:+.1f}%"
    return to_thai_digits(text) if thai_digits else text


def format_share(share: float | None, thai_digits: bool = False) -> str:
    """0.1234 -> '12.3%'."""
    if _missing(share):
        return _DASH
    text = f"{float(share) * 100:.1f}%"
    return to_thai_digits(text) if thai_digits else text


def to_date(value: str | dt.date | dt.datetime) -> dt.date:
    """'2026-10-01' (or a date/datetime/Timestamp) -> date(2026, 10, 1)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def year_label(year_ce: int, era: str = "BE", thai_digits: bool = False) -> str:
    """A calendar year as BE (2025 -> '2568') or CE ('2025')."""
    text = str(int(year_ce) + (BE_OFFSET if era == "BE" else 0))
    return to_thai_digits(text) if thai_digits else text


def format_month(value: str | dt.date, lang: str = "th", era: str = "BE", thai_digits: bool = False) -> str:
    """'2025-10-01' -> 'ต.ค. 2568' (Thai, BE) or 'Oct 2568' / 'Oct 2025' (English, BE / CE)."""
    day = to_date(value)
    months = MONTHS_TH_ABBR if lang == "th" else MONTHS_EN_ABBR
    return f"{months[day.month - 1]} {year_label(day.year, era, thai_digits)}"


def format_fiscal_year(fy_be: int, lang: str = "th", era: str = "BE", thai_digits: bool = False) -> str:
    """FY2569 -> 'ปีงบประมาณ 2569' / 'FY2569'; in CE the year it ends in: 'FY2026'."""
    year = int(fy_be) - (BE_OFFSET if era == "CE" else 0)
    text = to_thai_digits(str(year)) if thai_digits else str(year)
    return f"ปีงบประมาณ {text}" if lang == "th" else f"FY{text}"


def fiscal_year_of(value: str | dt.date) -> int:
    """Thai fiscal year (BE) of a month: '2025-10-01' -> 2569, '2025-09-01' -> 2568."""
    day = to_date(value)
    return fiscal_year(day.year, day.month)
