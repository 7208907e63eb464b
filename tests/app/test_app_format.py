"""app.format: Thai-style numbers with units, BE/CE months and fiscal years."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from app import format as fmt


@pytest.mark.parametrize(("value", "decimals", "thai", "expected"), [
    (12345.6, 0, False, "12,346"),
    (1234567.891, 2, False, "1,234,567.89"),
    (2567, 0, True, "๒,๕๖๗"),
    (-0.0001, 1, False, "0.0"),
    (None, 0, False, "–"),
    (math.nan, 2, False, "–"),
])
def test_format_number(value, decimals, thai, expected):
    assert fmt.format_number(value, decimals, thai) == expected


@pytest.mark.parametrize(("value", "unit", "lang", "expected"), [
    (1_776_924_965.66, "baht", "th", "1,776.92 ล้านบาท"),
    (1_776_924_965.66, "baht", "en", "1,776.92 million baht"),
    (31_029_650_000.0, "baht", "th", "31,029.7 ล้านบาท"),  # past 10,000 million: one decimal
    (198_881_504_000.0, "baht", "th", "198,882 ล้านบาท"),  # past 100,000 million: whole millions
    (999_999.0, "baht", "th", "999,999 บาท"),
    (1035.66, "tonnes/day", "th", "1,035.7 ตัน/วัน"),
    (1035.66, "tonnes/day", "en", "1,035.7 tonnes/day"),
    (56701.67, "persons", "th", "56,702 คน"),
    (1.234, "kg/person/day", "en", "1.23 kg/person/day"),
    (None, "baht", "th", "–"),
])
def test_format_quantity(value, unit, lang, expected):
    assert fmt.format_quantity(value, unit, lang) == expected


def test_format_quantity_thai_digits():
    assert fmt.format_quantity(12_500_000, "baht", "th", thai_digits=True) == "๑๒.๕๐ ล้านบาท"


@pytest.mark.parametrize(("new", "old", "expected"), [
    (110, 100, "+10.0%"), (90, 100, "-10.0%"), (100, 100, "+0.0%"), (5, 0, "–"), (None, 3, "–"),
])
def test_format_change(new, old, expected):
    assert fmt.format_change(new, old) == expected


def test_format_share():
    assert fmt.format_share(0.1234) == "12.3%"
    assert fmt.format_share(math.nan) == "–"


@pytest.mark.parametrize(("value", "lang", "era", "expected"), [
    ("2025-10-01", "th", "BE", "ต.ค. 2568"),
    ("2025-10-01", "en", "BE", "Oct 2568"),
    ("2025-10-01", "en", "CE", "Oct 2025"),
    (dt.date(2026, 1, 1), "th", "CE", "ม.ค. 2026"),
    ("2026-09-01T00:00:00", "th", "BE", "ก.ย. 2569"),
])
def test_format_month(value, lang, era, expected):
    assert fmt.format_month(value, lang, era) == expected


def test_format_month_thai_digits():
    assert fmt.format_month("2025-10-01", "th", "BE", thai_digits=True) == "ต.ค. ๒๕๖๘"


@pytest.mark.parametrize(("fy", "lang", "era", "expected"), [
    (2570, "th", "BE", "ปีงบประมาณ 2570"),
    (2570, "en", "BE", "FY2570"),
    (2570, "en", "CE", "FY2027"),  # FY2570 = Oct 2026 - Sep 2027: named by the year it ends in
    (2569, "th", "CE", "ปีงบประมาณ 2026"),
])
def test_format_fiscal_year(fy, lang, era, expected):
    assert fmt.format_fiscal_year(fy, lang, era) == expected


@pytest.mark.parametrize(("value", "fy"), [("2025-10-01", 2569), ("2025-09-01", 2568), ("2026-09-30", 2569)])
def test_fiscal_year_of(value, fy):
    assert fmt.fiscal_year_of(value) == fy


def test_year_label_and_unit_label():
    assert fmt.year_label(2025) == "2568"
    assert fmt.year_label(2025, "CE") == "2025"
    assert fmt.unit_label("million_baht", "th") == "ล้านบาท"
    assert fmt.unit_label("tonnes/day", "en") == "tonnes/day"
    assert fmt.unit_label("widgets", "th") == "widgets"
