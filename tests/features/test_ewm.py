import numpy as np
import pytest
from feature_blocks import assert_matches, blocks, kernel_settings
from hypothesis import given
from hypothesis import strategies as st

from features import kernels, reference

NAN = np.nan
ALPHAS = st.sampled_from([0.3, 1.0, 0.5, 0.05]) | st.floats(1e-3, 1.0)


@kernel_settings
@given(block=blocks(), alpha=ALPHAS, ignore_na=st.booleans())
def test_ewm_equals_pandas_ewm(block, alpha, ignore_na):
    assert_matches(kernels.ewm_mean(block, alpha, ignore_na), reference.ewm_mean(block, alpha, ignore_na))


def test_adjusted_weights_follow_pandas():
    block = np.array([[1, 1, 2]], dtype=np.float32)
    # weights 0.25, 0.5, 1 on 1, 1, 2
    np.testing.assert_allclose(kernels.ewm_mean(block, 0.5, False), [[1, 1, 2.75 / 1.75]], rtol=1e-6)


def test_gaps_age_the_past_unless_ignored():
    block = np.array([[NAN, 1, NAN, 3]], dtype=np.float32)
    # calendar distance: weights 0.25 on 1 and 1 on 3; ignore_na: 0.5 and 1
    np.testing.assert_allclose(kernels.ewm_mean(block, 0.5, False), [[NAN, 1, 1, 3.25 / 1.25]], rtol=1e-6)
    np.testing.assert_allclose(kernels.ewm_mean(block, 0.5, True), [[NAN, 1, 1, 3.5 / 1.5]], rtol=1e-6)


def test_alpha_one_is_the_last_observation():
    block = np.array([[NAN, 4, NAN, 6, 2]], dtype=np.float32)
    np.testing.assert_array_equal(kernels.ewm_mean(block, 1.0, False), [[NAN, 4, 4, 6, 2]])


@pytest.mark.parametrize("n_months", [0, 1, 2])
def test_short_all_gap_and_constant_series(n_months):
    block = np.full((2, n_months), NAN, dtype=np.float32)
    block[1] = 0.1
    out = kernels.ewm_mean(block, 0.3, False)
    assert out.shape == (2, n_months) and out.dtype == np.float32
    assert np.isnan(out[0]).all()
    assert (out[1] == np.float32(0.1)).all()


@pytest.mark.parametrize("alpha", [0.0, -0.1, 1.5])
def test_alpha_outside_zero_one_is_refused(alpha):
    with pytest.raises(ValueError):
        kernels.ewm_mean(np.ones((1, 3), dtype=np.float32), alpha, False)
