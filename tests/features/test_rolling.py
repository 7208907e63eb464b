import numpy as np
import pytest
from feature_blocks import assert_matches, blocks, kernel_settings, windows_and_periods
from hypothesis import given
from hypothesis import strategies as st

from features import kernels, reference

NAN = np.nan
ROLLING = ["rolling_mean", "rolling_std", "rolling_min", "rolling_max"]


@pytest.mark.parametrize("kernel", ROLLING)
@kernel_settings
@given(block=blocks(), window_periods=windows_and_periods())
def test_rolling_equals_pandas_rolling(kernel, block, window_periods):
    window, min_periods = window_periods
    actual = getattr(kernels, kernel)(block, window, min_periods)
    assert_matches(actual, reference.EXACT_REFERENCES[kernel](block, window, min_periods))


@kernel_settings
@given(block=blocks(), min_periods=st.integers(0, 45))
def test_expanding_mean_equals_pandas_expanding(block, min_periods):
    assert_matches(kernels.expanding_mean(block, min_periods), reference.expanding_mean(block, min_periods))


def test_window_covers_the_current_month_and_the_ones_before():
    block = np.array([[1, 2, 3, 4, 5]], dtype=np.float32)
    np.testing.assert_allclose(kernels.rolling_mean(block, 3, 3), [[NAN, NAN, 2, 3, 4]])
    np.testing.assert_allclose(kernels.rolling_min(block, 3, 1), [[1, 1, 1, 2, 3]])
    np.testing.assert_allclose(kernels.rolling_max(block, 2, 2), [[NAN, 2, 3, 4, 5]])
    np.testing.assert_allclose(kernels.rolling_std(block, 3, 3), [[NAN, NAN, 1, 1, 1]])


def test_gaps_are_skipped_and_min_periods_counts_observations():
    block = np.array([[1, NAN, 3, NAN, NAN, NAN, 7]], dtype=np.float32)
    np.testing.assert_allclose(kernels.rolling_mean(block, 3, 1), [[1, 1, 2, 3, 3, NAN, 7]])
    np.testing.assert_allclose(kernels.rolling_mean(block, 3, 2), [[NAN, NAN, 2, NAN, NAN, NAN, NAN]])
    np.testing.assert_allclose(kernels.expanding_mean(block, 1), [[1, 1, 2, 2, 2, 2, 11 / 3]], rtol=1e-6)


def test_std_needs_two_observations_whatever_min_periods_says():
    block = np.array([[5, NAN, 6]], dtype=np.float32)
    np.testing.assert_allclose(kernels.rolling_std(block, 3, 1), [[NAN, NAN, np.sqrt(0.5)]], rtol=1e-6)


def test_constant_series_has_exact_mean_and_zero_std():
    block = np.full((2, 30), 0.1, dtype=np.float32)
    block[1, ::4] = NAN  # gaps do not break a constant run
    assert (kernels.rolling_std(block, 12, 2)[:, 12:] == 0).all()
    for mean in (kernels.rolling_mean(block, 12, 1), kernels.expanding_mean(block, 1)):
        assert (mean[:, 1:] == np.float32(0.1)).all()


def test_std_stays_accurate_after_a_huge_value_leaves_the_window():
    # Welford's running update alone would keep ~1e-16 * 1e30 of error: far more than the 1.0 left
    rng = np.random.default_rng(7)
    block = np.concatenate([[1e15, -1e15, 3e15], rng.normal(0, 1, 40)]).astype(np.float32)[None, :]
    expected = np.array([np.std(block[0, t - 3:t + 1].astype(np.float64), ddof=1) for t in range(3, 43)])
    np.testing.assert_allclose(kernels.rolling_std(block, 4, 4)[0, 3:], expected, rtol=1e-6)


def test_mean_stays_accurate_after_a_huge_value_leaves_the_window():
    # the sums run around the first observation (1e15 here): far from these means, they are recomputed
    rng = np.random.default_rng(7)
    block = np.concatenate([[1e15, -1e15, 3e15], rng.normal(0, 1, 40)]).astype(np.float32)[None, :]
    expected = np.array([np.mean(block[0, t - 3:t + 1].astype(np.float64)) for t in range(3, 43)])
    np.testing.assert_allclose(kernels.rolling_mean(block, 4, 4)[0, 3:], expected, rtol=1e-6)
    expanding = np.cumsum(block[0].astype(np.float64)) / np.arange(1, 44)
    np.testing.assert_allclose(kernels.expanding_mean(block, 1)[0], expanding, rtol=1e-6)


def test_std_is_exact_where_pandas_keeps_the_error_of_a_value_that_left():
    block = np.array([[1 / 64, 5511, 0, 1 / 64, 1 / 64]], dtype=np.float32)
    exact = np.std([0, 1 / 64, 1 / 64], ddof=1)  # the window ending in the last month
    assert kernels.rolling_std(block, 3, 0)[0, -1] == np.float32(exact)
    assert abs(reference.rolling_std(block, 3, 0)[0, -1] / exact - 1) > 1e-6  # pandas 2.3: 1.1e-5


@kernel_settings
@given(block=blocks(), window_periods=windows_and_periods())
def test_std_matches_pandas_where_no_large_value_has_left(block, window_periods):
    # blocks whose magnitudes stay within a factor 100 of each other: pandas' drift is below 1e-7 there
    window, min_periods = window_periods
    magnitude = np.abs(block[~np.isnan(block) & (block != 0)])
    if magnitude.size and magnitude.max() > 100 * magnitude.min():
        block = np.where(np.abs(block) > 100 * magnitude.min(), np.float32(np.nan), block)
    assert_matches(kernels.rolling_std(block, window, min_periods), reference.rolling_std(block, window, min_periods))


@pytest.mark.parametrize("n_months", [0, 1, 2])
@pytest.mark.parametrize("kernel", ROLLING)
def test_windows_longer_than_a_short_series(kernel, n_months):
    block = np.arange(1, 3 * n_months + 1, dtype=np.float32).reshape(3, n_months)
    actual = getattr(kernels, kernel)(block, 12, 1)
    assert_matches(actual, reference.EXACT_REFERENCES[kernel](block, 12, 1))


@pytest.mark.parametrize("kernel", ROLLING)
def test_all_gap_series_stays_all_gaps(kernel):
    block = np.full((2, 15), NAN, dtype=np.float32)
    assert np.isnan(getattr(kernels, kernel)(block, 3, 0)).all()
    assert np.isnan(kernels.expanding_mean(block, 0)).all()


@pytest.mark.parametrize(("window", "min_periods"), [(0, 0), (3, 4), (3, -1)])
@pytest.mark.parametrize("kernel", ROLLING)
def test_impossible_windows_are_refused(kernel, window, min_periods):
    with pytest.raises(ValueError):
        getattr(kernels, kernel)(np.ones((1, 5), dtype=np.float32), window, min_periods)
