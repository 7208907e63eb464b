import numpy as np
import pytest
from feature_blocks import assert_matches, blocks, kernel_settings
from hypothesis import given
from hypothesis import strategies as st

from features import kernels, reference

NAN = np.nan


@kernel_settings
@given(blocks(), st.integers(0, 30))
def test_lag_equals_pandas_shift(block, months):
    assert_matches(kernels.lag(block, months), reference.lag(block, months))


@kernel_settings
@given(blocks(), st.integers(1, 30))
def test_diff_equals_pandas_diff(block, months):
    assert_matches(kernels.diff(block, months), reference.diff(block, months))


@kernel_settings
@given(blocks(), st.integers(1, 30))
def test_growth_equals_pandas_pct_change(block, months):
    assert_matches(kernels.growth(block, months), reference.growth(block, months))


def test_lag_shifts_values_forward_in_time():
    block = np.array([[1, 2, 3, 4]], dtype=np.float32)
    np.testing.assert_array_equal(kernels.lag(block, 1), [[NAN, 1, 2, 3]])
    np.testing.assert_array_equal(kernels.lag(block, 0), block)


def test_seasonal_lags_reach_the_same_month_last_year():
    block = np.arange(36, dtype=np.float32)[None, :]
    assert kernels.lag(block, 12)[0, 30] == 18
    assert kernels.lag(block, 24)[0, 30] == 6


@pytest.mark.parametrize("n_months", [0, 1, 2])
def test_lags_longer_than_the_series_are_all_gaps(n_months):
    block = np.ones((3, n_months), dtype=np.float32)
    for kernel in (kernels.lag, kernels.diff, kernels.growth):
        out = kernel(block, 3)
        assert out.shape == (3, n_months) and out.dtype == np.float32
        assert np.isnan(out).all()


def test_diff_and_growth_values():
    block = np.array([[100, 110, NAN, 121]], dtype=np.float32)
    np.testing.assert_allclose(kernels.diff(block, 1), [[NAN, 10, NAN, NAN]])
    np.testing.assert_allclose(kernels.growth(block, 1), [[NAN, 0.1, NAN, NAN]], rtol=1e-6)
    np.testing.assert_allclose(kernels.diff(block, 2), [[NAN, NAN, NAN, 11]])


def test_growth_from_a_zero_or_missing_base_is_a_gap():
    block = np.array([[0, 5, NAN, 7, 0, 0]], dtype=np.float32)
    out = kernels.growth(block, 1)
    np.testing.assert_allclose(out, [[NAN, NAN, NAN, NAN, -1, NAN]])


@pytest.mark.parametrize(("kernel", "months"), [(kernels.lag, -1), (kernels.diff, 0), (kernels.growth, 0)])
def test_lags_that_would_leak_or_mean_nothing_are_refused(kernel, months):
    with pytest.raises(ValueError):
        kernel(np.ones((1, 3), dtype=np.float32), months)
