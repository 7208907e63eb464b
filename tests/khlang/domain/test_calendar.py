import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khlang.domain.calendar import (
    be_to_ce,
    ce_to_be,
    fiscal_month,
    fiscal_quarter,
    fiscal_year,
    fiscal_year_months,
    fiscal_year_start,
    month_from_index,
    month_index,
    months_to_fiscal_year_end,
    normalise_year,
    parse_period,
)
from khlang.domain.thai import MONTHS_EN_ABBR, MONTHS_TH, MONTHS_TH_ABBR, to_thai_digits

years_ce = st.integers(min_value=1990, max_value=2100)
months = st.integers(min_value=1, max_value=12)


def test_fiscal_year_named_by_be_year_it_ends_in():
    assert fiscal_year(2024, 10) == 2568
    assert fiscal_year(2025, 9) == 2568
    assert fiscal_year(2025, 10) == 2569
    assert fiscal_year_start(2568) == dt.date(2024, 10, 1)
    assert fiscal_year_months(2568)[0] == dt.date(2024, 10, 1)
    assert fiscal_year_months(2568)[-1] == dt.date(2025, 9, 1)


def test_fiscal_month_quarter_and_months_left():
    assert [fiscal_month(m) for m in (10, 11, 12, 1, 9)] == [1, 2, 3, 4, 12]
    assert [fiscal_quarter(m) for m in (10, 12, 1, 4, 7, 9)] == [1, 1, 2, 3, 4, 4]
    assert months_to_fiscal_year_end(9) == 0 and months_to_fiscal_year_end(10) == 11


@given(years_ce)
def test_be_ce_roundtrip(year):
    assert be_to_ce(ce_to_be(year)) == year
    assert normalise_year(year) == year
    assert normalise_year(ce_to_be(year)) == year


@given(st.integers(min_value=-5000, max_value=10000).filter(lambda y: not (1990 <= y <= 2100 or 2533 <= y <= 2643)))
def test_normalise_year_rejects_implausible(year):
    with pytest.raises(ValueError):
        normalise_year(year)


@given(years_ce, months)
def test_fiscal_year_matches_definition(year, month):
    start = fiscal_year_start(fiscal_year(year, month))
    assert start <= dt.date(year, month, 1) < dt.date(start.year + 1, 10, 1)
    assert 1 <= fiscal_month(month) <= 12


@given(years_ce, months)
def test_month_index_roundtrip(year, month):
    assert month_from_index(month_index(year, month)) == dt.date(year, month, 1)


@given(years_ce, months, st.booleans(), st.booleans(), st.sampled_from(["iso", "slash", "th", "th_abbr", "en", "be2"]))
def test_parse_period_every_spelling(year, month, be, thai_digits, style):
    y = ce_to_be(year) if be else year
    text = {
        "iso": f"{y}-{month:02d}", "slash": f"{month:02d}/{y}", "th": f"{MONTHS_TH[month - 1]} {y}",
        "th_abbr": f"{MONTHS_TH_ABBR[month - 1]} {y}", "en": f"{MONTHS_EN_ABBR[month - 1]} {y}",
        "be2": f"{MONTHS_TH_ABBR[month - 1]} {ce_to_be(year) % 100:02d}",
    }[style]
    if style == "be2" and not 2500 <= ce_to_be(year) < 2600:
        return
    if thai_digits:
        text = to_thai_digits(text)
    assert parse_period(text) == dt.date(year, month, 1)


@pytest.mark.parametrize("text", ["", "2567-13", "13/2567", "foo 2567", "3110-01", "1481-05", "๒๕๖๗"])
def test_parse_period_rejects(text):
    with pytest.raises(ValueError):
        parse_period(text)
