import numpy as np
import pytest
from feature_blocks import assert_matches, blocks, kernel_settings
from hypothesis import given
from hypothesis import strategies as st

from features import (
    DEFAULT_FEATURES,
    Diff,
    Ewm,
    ExpandingMean,
    Growth,
    Lag,
    RollingMax,
    RollingMean,
    RollingMin,
    RollingStd,
    compute_features,
)
from features.reference import EXACT_REFERENCES, reference_features

NAN = np.nan
EVERY_KIND = (
    Lag(2), Diff(1), Growth(3), RollingMean(3), RollingStd(4, min_periods=2), RollingMin(5, min_periods=1),
    RollingMax(2), ExpandingMean(), ExpandingMean(min_periods=3), Ewm(0.3), Ewm(0.5, ignore_na=True),
)


@pytest.mark.parametrize(("feature", "name"), [
    (Lag(12), "lag_12"), (Lag(24), "lag_24"), (RollingMean(window=12), "rolling_mean_12"),
    (RollingStd(3), "rolling_std_3"), (RollingMin(6), "rolling_min_6"), (RollingMax(12), "rolling_max_12"),
    (RollingMean(12, min_periods=6), "rolling_mean_12_min6"), (RollingMean(12, min_periods=12), "rolling_mean_12"),
    (Ewm(alpha=0.3), "ewm_0.3"), (Ewm(0.05, ignore_na=True), "ewm_0.05_ignore_na"),
    (ExpandingMean(), "expanding_mean"), (ExpandingMean(min_periods=3), "expanding_mean_min3"),
    (Diff(1), "diff_1"), (Growth(12), "growth_12"),
])
def test_feature_names_are_column_names(feature, name):
    assert feature.name == name


def test_default_features_for_monthly_series():
    assert [f.name for f in DEFAULT_FEATURES] == [
        "lag_1", "lag_2", "lag_3", "lag_6", "lag_12", "lag_24",
        "rolling_mean_3", "rolling_mean_6", "rolling_mean_12", "rolling_std_3", "rolling_std_6",
        "rolling_std_12", "rolling_min_3", "rolling_min_6", "rolling_min_12", "rolling_max_3",
        "rolling_max_6", "rolling_max_12", "ewm_0.3", "expanding_mean", "diff_1", "diff_12", "growth_12",
    ]


@pytest.mark.parametrize("make", [
    lambda: Lag(0), lambda: Lag(-1), lambda: Lag(1.5), lambda: Diff(0), lambda: Growth(True),
    lambda: RollingMean(0), lambda: RollingStd(3, min_periods=4), lambda: RollingMin(3, min_periods=0),
    lambda: Ewm(0.0), lambda: Ewm(1.2), lambda: ExpandingMean(0),
])
def test_meaningless_parameters_are_refused(make):
    with pytest.raises(ValueError):
        make()


def test_features_are_values_equal_by_parameters():
    assert RollingMean(3) == RollingMean(3) and RollingMean(3) != RollingStd(3)
    assert len({Lag(1), Lag(1), Lag(2)}) == 2


@kernel_settings
@given(block=blocks(max_series=3, max_months=30))
def test_compute_features_equals_the_pandas_reference(block):
    values, names = compute_features(block, EVERY_KIND)
    assert names == tuple(f.name for f in EVERY_KIND)
    assert_matches(values, reference_features(block, EVERY_KIND, EXACT_REFERENCES))


@kernel_settings
@given(block=blocks(max_series=3, max_months=30), cut=st.integers(0, 30), noise=st.floats(-1e3, 1e3))
def test_no_feature_sees_a_later_month(block, cut, noise):
    later_changed = block.copy()
    later_changed[:, cut:] = np.where(np.isnan(block[:, cut:]), noise, NAN)
    before, _ = compute_features(block)
    after, _ = compute_features(later_changed)
    np.testing.assert_array_equal(before[:, :, :cut], after[:, :, :cut])


def test_default_features_shape_dtype_and_order():
    block = np.arange(5 * 30, dtype=np.float32).reshape(5, 30) + 1
    values, names = compute_features(block)
    assert values.shape == (len(DEFAULT_FEATURES), 5, 30) and values.dtype == np.float32
    np.testing.assert_array_equal(values[names.index("lag_12")][:, 12:], block[:, :-12])
    np.testing.assert_array_equal(values[names.index("diff_1")][:, 1:], 1)


@pytest.mark.parametrize("n_months", [0, 1, 2])
def test_very_short_and_empty_blocks(n_months):
    for n_series in (0, 3):
        values, _ = compute_features(np.ones((n_series, n_months), dtype=np.float32))
        assert values.shape == (len(DEFAULT_FEATURES), n_series, n_months) and values.dtype == np.float32


def test_float64_and_non_contiguous_blocks_are_taken_as_float32():
    block = np.arange(40, dtype=np.float64).reshape(5, 8)
    values, _ = compute_features(block.T.copy().T, [RollingMean(3)])
    expected, _ = compute_features(block.astype(np.float32), [RollingMean(3)])
    np.testing.assert_array_equal(values, expected)
    assert RollingMean(3).compute(block[:, ::2]).dtype == np.float32


def test_a_block_has_two_axes():
    with pytest.raises(ValueError):
        Lag(1).compute(np.ones(5, dtype=np.float32))


def test_repeated_names_are_refused():
    with pytest.raises(ValueError, match="lag_1"):
        compute_features(np.ones((1, 3), dtype=np.float32), [Lag(1), Lag(1)])


@kernel_settings
@given(block=blocks(max_series=9, max_months=30), threads=st.integers(2, 4))
def test_threads_share_the_series_and_change_no_value(block, threads):
    one, _ = compute_features(block, EVERY_KIND)
    shared, _ = compute_features(block, EVERY_KIND, threads=threads)
    np.testing.assert_array_equal(one, shared)


def test_every_feature_of_a_set_equals_its_own_computation():
    # one pass per series shares its prefixes between features: none may disturb another
    rng = np.random.default_rng(3)
    block = rng.lognormal(5, 2, (6, 200)).astype(np.float32)
    block[rng.random(block.shape) < 0.1] = NAN
    values, _ = compute_features(block, EVERY_KIND)
    for i, feature in enumerate(EVERY_KIND):
        np.testing.assert_array_equal(values[i], feature.compute(block))
