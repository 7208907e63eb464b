"""The vectorised parsers agree with the scalar references of khlang.domain."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from khlang.domain.calendar import parse_period
from khlang.domain.thai import MONTHS_EN, MONTHS_EN_ABBR, MONTHS_TH, MONTHS_TH_ABBR, parse_month, parse_number
from pipelines.ingest.values import normalise_years, parse_months, parse_numbers, parse_periods

_NUMBER_ALPHABET = "0123456789๐๑๒๓๔๕๖๗๘๙,.-+()eE \u00a0x"
numbers = st.one_of(
    st.text(alphabet=_NUMBER_ALPHABET, max_size=12),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12).map(
        lambda v: f"{v:,.2f}"),
    st.integers(-10**9, 10**9).map(lambda v: f"{v:,}"),
    st.sampled_from(["-", "–", "—", "(1,234)", " 12 ", "๑,๒๓๔", "1e3", ".5", "5.", ""]),
)
_MONTH_NAMES = [*MONTHS_TH, *MONTHS_TH_ABBR, *MONTHS_EN, *MONTHS_EN_ABBR, "ม.ค", "มค", "jan", "Foo"]
periods = st.one_of(
    st.builds(lambda y, m, sep: f"{y}{sep}{m:02d}", st.integers(1900, 2700), st.integers(0, 13),
              st.sampled_from("-/.")),
    st.builds(lambda y, m: f"{m}/{y}", st.integers(1900, 2700), st.integers(0, 13)),
    st.builds(lambda n, y: f"{n} {y}", st.sampled_from(_MONTH_NAMES), st.integers(0, 2700)),
    st.builds(lambda n, y: f"{n}{y}", st.sampled_from(_MONTH_NAMES), st.integers(10, 99)),
    st.text(alphabet="0123456789๐๑๒๕๖๗-/. มกราคมJan", max_size=12),
)


def _reference_number(text: str) -> float | None:
    try:
        return parse_number(text)
    except ValueError:
        return None


@settings(max_examples=300, deadline=None)
@given(st.lists(numbers, min_size=1, max_size=20))
def test_parse_numbers_matches_reference(texts):
    value, ok, blank = parse_numbers(texts)
    for text, v, good, empty in zip(texts, value, ok, blank, strict=True):
        expected = _reference_number(text)
        if expected is None:
            assert not good, text
            assert empty == (text.replace(",", "").replace("\u00a0", "").strip(" \u00a0") == ""), text
        else:
            assert good, text
            assert v == expected or (math.isinf(v) and math.isinf(expected)), (text, v, expected)


def _reference_period(text: str):
    try:
        return parse_period(text)
    except ValueError:
        return None


@settings(max_examples=300, deadline=None)
@given(st.lists(periods, min_size=1, max_size=20))
def test_parse_periods_matches_reference(texts):
    year, month, ok = parse_periods(texts)
    year_ce, plausible = normalise_years(year)
    for text, y, m, good, fine in zip(texts, year_ce, month, ok, plausible, strict=True):
        expected = _reference_period(text)
        if expected is None:
            assert not (good and fine), text
        else:
            assert good and fine, text
            assert (int(y), int(m)) == (expected.year, expected.month), text


@given(st.lists(st.one_of(st.sampled_from(_MONTH_NAMES), st.integers(0, 14).map(str),
                          st.sampled_from(["๑", "๑๒", "012", " 3 ", "Sept"])), min_size=1, max_size=20))
def test_parse_months_matches_reference(texts):
    month, ok = parse_months(texts)
    for text, m, good in zip(texts, month, ok, strict=True):
        try:
            expected = parse_month(text)
        except ValueError:
            assert not good, text
        else:
            assert good and m == expected, text


def test_thai_digits_separators_and_dash():
    value, ok, blank = parse_numbers(["๑,๒๓๔", "1,234,567.50", "-", "(12)", "", "abc"])
    assert ok.tolist() == [True, True, True, True, False, False]
    assert blank.tolist() == [False, False, False, False, True, False]
    assert value[:4].tolist() == [1234.0, 1234567.5, 0.0, -12.0]
    assert np.isnan(value[4:]).all()
