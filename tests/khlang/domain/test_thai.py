import pytest
from hypothesis import given
from hypothesis import strategies as st

from khlang.domain.thai import (
    MONTHS_EN,
    MONTHS_TH,
    MONTHS_TH_ABBR,
    format_thai_number,
    from_thai_digits,
    parse_month,
    parse_number,
    to_thai_digits,
)


@given(st.text())
def test_thai_digits_roundtrip(text):
    arabic = from_thai_digits(text)
    assert not any(c in "๐๑๒๓๔๕๖๗๘๙" for c in arabic)
    assert from_thai_digits(to_thai_digits(arabic)) == arabic


@given(st.integers(min_value=1, max_value=12), st.sampled_from(["num", "th", "abbr", "en", "abbr_nodot", "thai_num"]))
def test_parse_month(month, style):
    text = {"num": str(month), "th": MONTHS_TH[month - 1], "abbr": MONTHS_TH_ABBR[month - 1],
            "en": MONTHS_EN[month - 1].upper(), "abbr_nodot": MONTHS_TH_ABBR[month - 1].replace(".", ""),
            "thai_num": to_thai_digits(str(month))}[style]
    assert parse_month(text) == month


@pytest.mark.parametrize("text", ["0", "13", "", "ม.ค.ค.", "Janu"])
def test_parse_month_rejects(text):
    with pytest.raises(ValueError):
        parse_month(text)


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), st.integers(0, 3), st.booleans())
def test_parse_number_reads_what_format_writes(value, decimals, thai):
    text = format_thai_number(value, decimals, thai_digits=thai)
    assert parse_number(text) == pytest.approx(round(value, decimals), rel=1e-12, abs=10 ** -decimals)


@pytest.mark.parametrize("text,expected", [("-", 0.0), ("๑,๒๓๔.๕", 1234.5), ("(1,000)", -1000.0),
                                           (" 12 ", 12.0), ("1e3", 1000.0), (7, 7.0)])
def test_parse_number_report_forms(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "n/a", "1.2.3", "--", "1,2a"])
def test_parse_number_rejects(text):
    with pytest.raises(ValueError):
        parse_number(text)
