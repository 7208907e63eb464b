"""Properties of the per-file style draw and of the number text (against khlang's own parser)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from khlang.domain.calendar import parse_period
from khlang.domain.thai import parse_number
from pipelines.generate.render import format_values, time_text
from pipelines.generate.styles import ENCODINGS, PERIOD_STYLES, FileStyle, balanced, draw_styles


def _style(**kw) -> FileStyle:
    base = dict(encoding="utf-8", language="th", year_system="BE", thai_digits=False, thousands=False,
                dash_zero=False, lao_name=False, period_style="year_month", title_rows=False, crlf=False)
    return FileStyle(**{**base, **kw})


@settings(max_examples=40, deadline=None)
@given(n=st.integers(4, 400), seed=st.integers(0, 2**32 - 1))
def test_any_four_files_show_every_format(n, seed):
    styles = draw_styles(n, np.random.default_rng(seed))
    assert {s.encoding for s in styles} == set(ENCODINGS)
    assert sum(s.is_xlsx for s in styles) < n / 2
    assert {s.language for s in styles} == {"en", "th"} and any(s.thai_digits for s in styles)


@given(n=st.integers(2, 300), share=st.floats(0.0, 1.0), seed=st.integers(0, 2**16))
def test_balanced_flags_have_both_values(n, share, seed):
    flags = balanced(np.random.default_rng(seed), n, share)
    assert flags.any() and not flags.all()


@given(value=st.floats(0, 1e11, allow_nan=False), decimals=st.sampled_from([0, 2, 3]),
       thai=st.booleans(), thousands=st.booleans(), dash=st.booleans(), negative=st.booleans())
def test_numbers_read_back_with_parse_number(value, decimals, thai, thousands, dash, negative):
    value = round(-value if negative else value, decimals)
    style = _style(thai_digits=thai, thousands=thousands, dash_zero=dash)
    text = format_values(np.array([value, np.nan]), decimals, style)
    assert text[1] == ""
    assert parse_number(text[0]) == value


@given(year=st.integers(2013, 2025), month=st.integers(1, 12), be=st.booleans(), thai=st.booleans(),
       language=st.sampled_from(["en", "th"]), period_style=st.sampled_from(PERIOD_STYLES))
def test_periods_read_back_with_parse_period(year, month, be, thai, language, period_style):
    style = _style(year_system="BE" if be else "CE", thai_digits=thai, language=language, period_style=period_style)
    cells = time_text(np.array([year + (543 if be else 0)]), np.array([month]), style)
    if "period" in cells:
        date = parse_period(cells["period"][0])
    else:
        date = parse_period(f"{cells['month'][0]} {cells['year'][0]}") if not cells["month"][0].isdigit() \
            else parse_period(f"{cells['year'][0]}-{cells['month'][0]}")
    assert (date.year, date.month) == (year, month)
