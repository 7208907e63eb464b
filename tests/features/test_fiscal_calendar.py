import numpy as np
import pytest

from features.fiscal_calendar import CALENDAR_FEATURE_NAMES, calendar_features
from khlang.domain import calendar

# 1965-01 .. 2040-12: before and after the 1970 origin of the month index
MONTHS = np.arange(calendar.month_index(1965, 1), calendar.month_index(2040, 12) + 1)


def test_every_feature_is_a_float32_vector_over_the_time_axis():
    features = calendar_features(MONTHS)
    assert tuple(features) == CALENDAR_FEATURE_NAMES
    for values in features.values():
        assert values.dtype == np.float32 and values.shape == MONTHS.shape


def test_features_agree_with_the_domain_calendar():
    features = calendar_features(MONTHS)
    months = [calendar.month_from_index(i).month for i in MONTHS]
    expected = {
        "month_of_year": months,
        "fiscal_month": [calendar.fiscal_month(m) for m in months],
        "fiscal_quarter": [calendar.fiscal_quarter(m) for m in months],
        "months_to_fiscal_year_end": [calendar.months_to_fiscal_year_end(m) for m in months],
        "is_songkran_month": [m == 4 for m in months],
        "is_new_year_month": [m == 1 for m in months],
    }
    for name, values in expected.items():
        np.testing.assert_array_equal(features[name], np.asarray(values, dtype=np.float32), err_msg=name)


def test_fiscal_year_2568_runs_october_to_september():
    october_2024 = calendar.month_index(2024, 10)
    features = calendar_features(np.arange(october_2024, october_2024 + 12))
    np.testing.assert_array_equal(features["fiscal_month"], np.arange(1, 13))
    np.testing.assert_array_equal(features["months_to_fiscal_year_end"], np.arange(11, -1, -1))
    np.testing.assert_array_equal(features["fiscal_quarter"], np.repeat([1, 2, 3, 4], 3))
    # April 2025 (Songkran) is the 7th fiscal month, January 2025 the 4th
    np.testing.assert_array_equal(np.flatnonzero(features["is_songkran_month"]), [6])
    np.testing.assert_array_equal(np.flatnonzero(features["is_new_year_month"]), [3])


def test_an_empty_time_axis_gives_empty_vectors():
    assert all(values.shape == (0,) for values in calendar_features(np.array([], dtype=np.int64)).values())


@pytest.mark.parametrize("bad", [np.zeros((2, 3), dtype=np.int64), np.array([1.5, 2.0])])
def test_a_time_axis_is_one_dimensional_integers(bad):
    with pytest.raises(ValueError):
        calendar_features(bad)
