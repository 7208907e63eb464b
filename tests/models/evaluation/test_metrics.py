import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from models.evaluation import metrics

NAN = np.nan
# quarter units keep every sum exact, so the vectorised metrics and the loops agree to rounding
VALUES = st.one_of(st.integers(-400, 400).map(lambda v: v / 4), st.just(0.0), st.just(np.nan))
SCALES = st.one_of(st.floats(0.25, 50.0), st.just(0.0), st.just(np.nan))


@st.composite
def scored(draw, n_arrays: int = 2, max_series: int = 5, max_horizon: int = 14):
    """n_arrays float64 [series, horizon] arrays of one shape (actual first) and a scale per series."""
    shape = (draw(st.integers(0, max_series)), draw(st.integers(1, max_horizon)))
    values = [draw(arrays(np.float64, shape, elements=VALUES)) for _ in range(n_arrays)]
    scale = draw(arrays(np.float64, shape[0], elements=SCALES))
    return (*values, scale)


def rows_of(*arrays_):
    """Per series, the scored tuples (actual, prediction, ...) where every value is observed."""
    return [[cells for cells in zip(*rows, strict=True) if not any(math.isnan(c) for c in cells)]
            for rows in zip(*(a.tolist() for a in arrays_), strict=True)]


def ratio(numerator, denominator):
    return numerator / denominator if denominator != 0 else NAN


def mean(values):
    return math.fsum(values) / len(values) if values else NAN


def usable(scale):
    return scale if scale > 0 else NAN


def ref_mase(a, f, s):
    return [mean([abs(y - p) for y, p in r]) / usable(sc) for r, sc in zip(rows_of(a, f), s.tolist(), strict=True)]


def ref_smape(a, f):
    return [mean([200 * abs(y - p) / (abs(y) + abs(p)) if abs(y) + abs(p) else 0.0 for y, p in r])
            for r in rows_of(a, f)]


def ref_wape(a, f):
    return [ratio(math.fsum(abs(y - p) for y, p in r), math.fsum(abs(y) for y, _ in r)) for r in rows_of(a, f)]


def ref_bias(a, f):
    return [mean([y - p for y, p in r]) for r in rows_of(a, f)]


def ref_relative_bias(a, f):
    return [ratio(math.fsum(y - p for y, p in r), math.fsum(y for y, _ in r)) for r in rows_of(a, f)]


def ref_coverage(a, lo, hi):
    return [mean([1.0 if low <= y <= high else 0.0 for y, low, high in r]) for r in rows_of(a, lo, hi)]


def ref_winkler(a, lo, hi, alpha):
    return [mean([(high - low) + 2 / alpha * (max(low - y, 0) + max(y - high, 0)) for y, low, high in r])
            for r in rows_of(a, lo, hi)]


def ref_pinball(a, f, q, s):
    return [mean([max(q * (y - p), (q - 1) * (y - p)) for y, p in r]) / usable(sc)
            for r, sc in zip(rows_of(a, f), s.tolist(), strict=True)]


def ref_mase_scale(history, period):
    out = []
    for row in history.tolist():
        diffs = [abs(row[t] - row[t - period]) for t in range(period, len(row))
                 if not (math.isnan(row[t]) or math.isnan(row[t - period]))]
        out.append(mean(diffs))
    return out


def close(actual, expected):
    assert actual.dtype == np.float64 and actual.shape == (len(expected),)
    np.testing.assert_allclose(actual, np.array(expected, dtype=np.float64), rtol=1e-12, atol=1e-12)


quick = settings(deadline=None, max_examples=60)


@quick
@given(data=scored())
def test_point_metrics_equal_their_references(data):
    actual, forecast, scale = data
    close(metrics.mase(actual, forecast, scale), ref_mase(actual, forecast, scale))
    close(metrics.smape(actual, forecast), ref_smape(actual, forecast))
    close(metrics.wape(actual, forecast), ref_wape(actual, forecast))
    close(metrics.bias(actual, forecast), ref_bias(actual, forecast))
    close(metrics.relative_bias(actual, forecast), ref_relative_bias(actual, forecast))


@quick
@given(data=scored(n_arrays=3), alpha=st.sampled_from([0.05, 0.2, 0.5]))
def test_interval_metrics_equal_their_references(data, alpha):
    actual, lower, upper, _ = data
    close(metrics.coverage(actual, lower, upper), ref_coverage(actual, lower, upper))
    close(metrics.winkler(actual, lower, upper, alpha), ref_winkler(actual, lower, upper, alpha))


@quick
@given(data=scored(), quantile=st.sampled_from([0.1, 0.5, 0.9]))
def test_scaled_pinball_equals_its_reference(data, quantile):
    actual, forecast, scale = data
    close(metrics.scaled_pinball(actual, forecast, quantile, scale), ref_pinball(actual, forecast, quantile, scale))


@quick
@given(history=arrays(np.float32, st.tuples(st.integers(0, 4), st.integers(0, 40)),
                      elements=st.one_of(st.integers(-400, 400).map(lambda v: v / 4), st.just(np.nan))),
       period=st.integers(1, 13))
def test_mase_scale_equals_its_reference(history, period):
    close(metrics.mase_scale(history, period), ref_mase_scale(history, period))


@quick
@given(data=scored(max_series=8), n_groups=st.integers(1, 3), seed=st.integers(0, 99))
def test_accuracy_table_pools_each_group(data, n_groups, seed):
    actual, forecast, scale = data
    groups = np.random.default_rng(seed).integers(0, n_groups, actual.shape[0])
    table = metrics.accuracy_table(actual, forecast, scale, groups)
    assert list(table.index) == sorted(set(groups.tolist()))
    for group, row in table.iterrows():
        members = groups == group
        a, f = actual[members], forecast[members]
        pairs = [p for r in rows_of(a, f) for p in r]
        per_series_mase = [m for m, r in zip(ref_mase(a, f, scale[members]), rows_of(a, f), strict=True)
                           if r and not math.isnan(m)]
        assert row["n_pairs"] == len(pairs)
        assert row["n_series"] == sum(1 for r in rows_of(a, f) if r)
        assert row["n_mase_undefined"] == row["n_series"] - len(per_series_mase)
        expected = {
            "mase": mean(per_series_mase),
            "smape": mean([v for v in ref_smape(a, f) if not math.isnan(v)]),
            "wape": ratio(math.fsum(abs(y - p) for y, p in pairs), math.fsum(abs(y) for y, _ in pairs)),
            "bias": mean([y - p for y, p in pairs]),
            "relative_bias": ratio(math.fsum(y - p for y, p in pairs), math.fsum(y for y, _ in pairs)),
        }
        np.testing.assert_allclose(row[list(expected)].to_numpy(dtype=np.float64), list(expected.values()),
                                   rtol=1e-12, atol=1e-12)


def test_series_accuracy_has_one_row_per_series():
    actual = np.array([[10, 20, NAN], [NAN, NAN, NAN], [0, 0, 0]], dtype=np.float64)
    forecast = np.array([[12, 18, 5], [1, 1, 1], [0, 0, 0]], dtype=np.float64)
    table = metrics.series_accuracy(actual, forecast, np.array([4.0, 1.0, 0.0]))
    assert list(table.columns) == ["mase", "smape", "wape", "bias", "relative_bias", "n"]
    np.testing.assert_allclose(table.iloc[0], [0.5, 100 * (2 / 22 + 2 / 38), 4 / 30, 0.0, 0.0, 2])
    assert table.iloc[1].drop("n").isna().all() and table.iloc[1]["n"] == 0  # all-NaN actuals: not scored
    # a flat perfect forecast of zeros: sMAPE 0 (0/0), MASE, WAPE, relative bias undefined
    assert table.iloc[2]["smape"] == 0 and table.iloc[2]["bias"] == 0
    assert table.iloc[2][["mase", "wape", "relative_bias"]].isna().all()


def test_zero_and_undefined_scales_are_counted_not_averaged():
    actual = np.ones((3, 2))
    forecast = np.zeros((3, 2))
    table = metrics.accuracy_table(actual, forecast, np.array([2.0, 0.0, NAN]))
    assert table.loc["all", "mase"] == 0.5
    assert table.loc["all", "n_mase_undefined"] == 2 and table.loc["all", "n_series"] == 3


def test_mase_scale_of_constant_short_and_gappy_histories():
    history = np.full((3, 30), 4.0, dtype=np.float32)
    history[1, 12:] = NAN  # months 0..11 only: no pair a season apart
    history[2, :] = np.tile(np.arange(12, dtype=np.float32), 3)[:30] + np.repeat([0, 1, 3], 12)[:30]
    history[2, 0] = NAN  # drops the pair (0, 12): 11 differences of 1, then 6 of 2
    np.testing.assert_allclose(metrics.mase_scale(history), [0.0, NAN, (11 + 12) / 17], rtol=1e-15)
    assert np.isnan(metrics.mase_scale(np.ones((2, 12), dtype=np.float32))).all()
    assert metrics.mase_scale(np.ones((0, 5))).shape == (0,)


def test_seasonal_naive_has_mase_one_on_a_seasonal_history_continued():
    season = np.array([3, 5, 8, 13, 21, 34, 21, 13, 8, 5, 3, 2], dtype=np.float64)
    history = np.tile(season, 3) + np.repeat([0.0, 1.0, 2.0], 12)  # each year one higher
    actual = (season + 3.0)[None, :]
    scale = metrics.mase_scale(history[None, :])
    np.testing.assert_array_equal(scale, [1.0])
    forecast = history[None, -12:]  # seasonal naive
    np.testing.assert_array_equal(metrics.mase(actual, forecast, scale), [1.0])


def test_coverage_counts_the_bounds_as_inside_and_winkler_penalises_misses():
    actual = np.array([[1.0, 5.0, 10.0, NAN]])
    lower, upper = np.full((1, 4), 2.0), np.full((1, 4), 5.0)
    np.testing.assert_array_equal(metrics.coverage(actual, lower, upper), [1 / 3])
    # widths 3 each; misses: 1 below by 1, 1 above by 5; alpha 0.2 -> penalty 10 per unit
    np.testing.assert_allclose(metrics.winkler(actual, lower, upper, 0.2), [(9 + 10 * 1 + 10 * 5) / 3])


def test_median_pinball_is_half_the_mase():
    rng = np.random.default_rng(3)
    actual, forecast = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    scale = rng.uniform(0.5, 2.0, 4)
    np.testing.assert_allclose(metrics.scaled_pinball(actual, forecast, 0.5, scale),
                               metrics.mase(actual, forecast, scale) / 2, rtol=1e-12)


def test_shapes_and_parameters_are_checked():
    with pytest.raises(ValueError, match="shapes differ"):
        metrics.smape(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="series, horizon"):
        metrics.bias(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="scale"):
        metrics.mase(np.ones((2, 3)), np.ones((2, 3)), np.ones(3))
    with pytest.raises(ValueError, match="alpha"):
        metrics.winkler(np.ones((1, 1)), np.ones((1, 1)), np.ones((1, 1)), 1.0)
    with pytest.raises(ValueError, match="groups"):
        metrics.accuracy_table(np.ones((2, 1)), np.ones((2, 1)), np.ones(2), groups=[1])


def test_no_warnings_on_empty_and_all_nan_inputs(recwarn):
    for shape in ((0, 3), (2, 3)):
        actual = np.full(shape, NAN)
        table = metrics.accuracy_table(actual, actual, np.full(shape[0], NAN))
        assert isinstance(table, pd.DataFrame)
        metrics.winkler(actual, actual, actual, 0.1)
    assert not recwarn.list
