import numpy as np
import pytest

from models.evaluation.backtest import rolling_origin_backtest
from models.evaluation.intervals import (
    calibrate,
    cross_origin_coverage,
    holdout_coverage,
    origin_bootstrap,
    prediction_intervals,
)
from models.forecasters.baselines import HistoricMean, SeasonalNaive

NAN = np.nan


def test_quantile_is_the_finite_sample_order_statistic():
    residuals = np.arange(1.0, 10.0)[:, None]  # n = 9 scores 1..9, one step
    calibration = calibrate(residuals, np.ones(9), levels=(0.5, 0.8, 0.9, 0.95))
    # rank ceil(10 * level): 5, 8, 9, and 10 > n (no finite bound)
    np.testing.assert_array_equal(calibration.quantiles[:, 0], [5.0, 8.0, 9.0, np.inf])
    assert calibration.n.tolist() == [9]


def test_rank_does_not_jump_where_n_plus_one_times_level_is_whole():
    calibration = calibrate(np.arange(1.0, 20.0)[:, None], np.ones(19), levels=(0.95, 0.8))
    np.testing.assert_array_equal(calibration.quantiles[:, 0], [19.0, 16.0])  # 20 * 0.95 = 19, 20 * 0.8 = 16


def test_scores_are_absolute_residuals_over_the_scale_per_step():
    residuals = np.array([[-4.0, 1.0], [30.0, NAN], [2.0, -8.0], [9.0, 9.0]])
    scale = np.array([2.0, 10.0, 1.0, NAN])  # the last row has no scale: not used
    calibration = calibrate(residuals, scale, levels=(0.5,))
    # step 1: scores 2, 3, 2 -> rank ceil(4 * 0.5) = 2 -> 2; step 2: scores 0.5, 8 -> rank 2 (of 2) -> 8
    np.testing.assert_array_equal(calibration.quantiles, [[2.0, 8.0]])
    assert calibration.n.tolist() == [3, 2]


def test_a_scale_per_step_divides_each_step_by_its_own():
    residuals = np.array([[-4.0, 1.0], [30.0, 6.0], [2.0, -8.0]])
    scale = np.array([[2.0, 1.0], [10.0, 2.0], [1.0, NAN]])  # the last row's step 2 has no scale
    calibration = calibrate(residuals, scale, levels=(0.5,), scale_kind="mase_month")
    # step 1: scores 2, 3, 2 -> rank 2 -> 2; step 2: scores 1, 3 -> rank ceil(3 * 0.5) = 2 -> 3
    np.testing.assert_array_equal(calibration.quantiles, [[2.0, 3.0]])
    assert calibration.n.tolist() == [3, 2] and calibration.scale == "mase_month"
    lo, hi = prediction_intervals(np.array([[10.0, 10.0]]), np.array([[1.0, 2.0]]), calibration, 0.5)
    np.testing.assert_array_equal(lo, [[8.0, 4.0]])
    np.testing.assert_array_equal(hi, [[12.0, 16.0]])
    with pytest.raises(ValueError, match="scale"):
        calibrate(residuals, np.ones((3, 3)))


def test_intervals_scale_with_each_series_and_clip_at_zero():
    calibration = calibrate(np.arange(1.0, 20.0)[:, None] * np.ones((1, 2)), np.ones(19), levels=(0.8,))
    forecast = np.array([[100.0, 100.0], [10.0, NAN], [5.0, 5.0]])
    lo, hi = prediction_intervals(forecast, np.array([1.0, 2.0, NAN]), calibration, 0.8, non_negative=True)
    np.testing.assert_array_equal(lo, [[84.0, 84.0], [0.0, NAN], [NAN, NAN]])
    np.testing.assert_array_equal(hi, [[116.0, 116.0], [42.0, NAN], [NAN, NAN]])
    lo, _ = prediction_intervals(forecast, np.array([1.0, 2.0, 1.0]), calibration, 0.8)
    assert lo[1, 0] == -22.0


def test_split_conformal_coverage_is_exact_in_expectation():
    # 40,000 independent trials side by side as "steps": 18 Gaussian calibration residuals each, one
    # fresh test residual. Conformal coverage at 80 % is rank 16 of 19 = 0.842 exactly; the plain
    # empirical quantile (rank ceil(18 * 0.8) = 15) would give 0.789, np.quantile about 0.8.
    rng = np.random.default_rng(11)
    calibration = calibrate(rng.normal(size=(18, 40_000)), np.ones(18), levels=(0.8,))
    covered = np.abs(rng.normal(size=40_000)) <= calibration.quantiles[0]
    assert abs(covered.mean() - 16 / 19) < 0.008  # 4 standard errors


def gaussian_panel(n_series: int, n_months: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stationary Gaussian noise around a level, sizes spread over three orders of magnitude."""
    rng = np.random.default_rng(seed)
    size = np.exp(rng.uniform(0, 7, n_series))
    block = size[:, None] * (20.0 + rng.normal(size=(n_series, n_months)))
    return block.astype(np.float32), size


@pytest.mark.parametrize("model", [HistoricMean(), SeasonalNaive()])
def test_holdout_coverage_is_near_nominal_for_small_and_large_series(model):
    block, size = gaussian_panel(600, 84, seed=1)
    result = rolling_origin_backtest(block, [model], 12, n_origins=4)
    table = holdout_coverage(result.actual, result.forecasts[model.name], result.scale, non_negative=True)
    assert list(table.index) == [0.8, 0.95]
    assert (abs(table["coverage"] - table["nominal"]) < 0.03).all(), table
    assert table.loc[0.95, "mean_scaled_width"] > table.loc[0.8, "mean_scaled_width"]
    assert (table["n_calibration"] == 3 * 600).all() and (table["n_pairs"] == 600 * 12).all()
    # pooling is fair across sizes because residuals are scaled: the quantiles calibrated on all LAOs
    # cover each third of them by size near nominal too (unscaled, the small would be over-covered
    # and the large under-covered)
    forecast, actual, horizon = result.forecasts[model.name], result.actual, result.actual.shape[2]
    calibration = calibrate((actual[:-1] - forecast[:-1]).reshape(-1, horizon), result.scale[:-1].reshape(-1))
    for level in (0.8, 0.95):
        lo, hi = prediction_intervals(forecast[-1], result.scale[-1], calibration, level)
        inside = (actual[-1] >= lo) & (actual[-1] <= hi)
        for third in np.array_split(np.argsort(size), 3):
            assert abs(inside[third].mean() - level) < 0.04, (level, inside[third].mean())


def test_holdout_reports_series_without_an_interval():
    block, _ = gaussian_panel(20, 60, seed=2)
    block[0, :] = 7.0  # flat history: scale 0, no interval
    result = rolling_origin_backtest(block, [HistoricMean()], 6, n_origins=3)
    table = holdout_coverage(result.actual, result.forecasts["historic_mean"], result.scale)
    assert (table["n_no_interval"] == 1).all() and (table["n_pairs"] == 19 * 6).all()


def test_too_little_calibration_data_gives_unbounded_intervals():
    calibration = calibrate(np.ones((3, 1)), np.ones(3), levels=(0.8, 0.95))
    assert np.isinf(calibration.quantiles[1, 0])  # rank ceil(4 * 0.95) = 4 > 3
    lo, hi = prediction_intervals(np.array([[5.0]]), np.array([1.0]), calibration, 0.95, non_negative=True)
    assert lo[0, 0] == 0.0 and hi[0, 0] == np.inf
    empty = calibrate(np.empty((0, 2)), np.empty(0))
    assert np.isinf(empty.quantiles).all() and empty.n.tolist() == [0, 0]


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="levels"):
        calibrate(np.ones((3, 1)), np.ones(3), levels=(80,))
    with pytest.raises(ValueError, match="scale"):
        calibrate(np.ones((3, 1)), np.ones(2))
    with pytest.raises(ValueError, match="two origins"):
        holdout_coverage(np.ones((1, 2, 3)), np.ones((1, 2, 3)), np.ones((1, 2)))


def test_cross_origin_coverage_holds_out_each_origin_in_turn():
    block, _ = gaussian_panel(50, 72, seed=3)
    result = rolling_origin_backtest(block, [SeasonalNaive()], 6, n_origins=4, step=6)
    actual, forecast, scale = result.actual, result.forecasts["seasonal_naive"], result.scale
    table = cross_origin_coverage(actual, forecast, scale)
    # by hand: origin o's intervals come from the residuals of the three other origins only
    inside, pairs, per_origin = {0.8: 0, 0.95: 0}, 0, {0.8: [], 0.95: []}
    for o in range(4):
        others = [i for i in range(4) if i != o]
        calibration = calibrate((actual[others] - forecast[others]).reshape(-1, 6), scale[others].reshape(-1))
        for level in (0.8, 0.95):
            lo, hi = prediction_intervals(forecast[o], scale[o], calibration, level)
            hit = (actual[o] >= lo) & (actual[o] <= hi)
            inside[level] += int(hit.sum())
            per_origin[level].append(hit.mean())
        pairs += actual[o].size
    for level in (0.8, 0.95):
        assert table.loc[level, "coverage"] == pytest.approx(inside[level] / pairs)
        assert table.loc[level, "min_origin"] == pytest.approx(min(per_origin[level]))
        assert table.loc[level, "max_origin"] == pytest.approx(max(per_origin[level]))
    assert (table["n_pairs"] == 4 * 50 * 6).all() and (table["n_calibration"] == 3 * 50).all()
    # the last-origin holdout is the same computation restricted to the last origin
    last = holdout_coverage(actual, forecast, scale)
    assert last.loc[0.8, "coverage"] == pytest.approx(per_origin[0.8][-1])


def test_cross_origin_coverage_exposes_a_shift_that_one_origin_hides():
    """Errors that grow origin after origin: the late origins are under-covered, the early ones over;
    the pooled figure and its per-origin spread say so."""
    rng = np.random.default_rng(4)
    actual = rng.normal(size=(5, 400, 3)) * np.array([0.5, 0.75, 1.0, 1.5, 2.0])[:, None, None]
    table = cross_origin_coverage(actual, np.zeros_like(actual), np.ones((5, 400)))
    assert table.loc[0.8, "min_origin"] < 0.7 and table.loc[0.8, "max_origin"] > 0.95
    assert holdout_coverage(actual, np.zeros_like(actual), np.ones((5, 400))).loc[0.8, "coverage"] < 0.7


def test_origin_bootstrap_resamples_origins_not_months():
    # identical origins: nothing to resample, the range is the point
    assert origin_bootstrap(np.array([[80, 100]] * 6)) == pytest.approx((0.8, 0.8))
    # one origin missed entirely: the range reaches well below the pooled 0.8 * 7 / 8 = 0.7
    counts = np.array([[80, 100]] * 7 + [[0, 100]])
    low, high = origin_bootstrap(counts)
    assert low < 0.6 < 0.7 < high <= 0.8
    assert origin_bootstrap(counts) == (low, high)  # seeded
    # the width follows the number of origins, not of months: 100 times the months, the same range
    assert origin_bootstrap(counts * 100) == pytest.approx((low, high))
    assert np.isnan(origin_bootstrap(np.array([[8, 10]]))).all()  # one origin: no range


def test_cross_origin_coverage_reports_its_range_over_origins():
    """Shared shocks per origin (an aggregate level): the pooled coverage is one draw per origin, and the
    reported range says how wide that leaves it; independent series give a narrow one."""
    rng = np.random.default_rng(5)
    shared = rng.normal(size=(8, 1, 3)) + 0.1 * rng.normal(size=(8, 200, 3))
    independent = rng.normal(size=(8, 200, 3))
    wide = cross_origin_coverage(shared, np.zeros_like(shared), np.ones((8, 200)))
    narrow = cross_origin_coverage(independent, np.zeros_like(independent), np.ones((8, 200)))
    for table in (wide, narrow):
        assert (table["coverage_low"] <= table["coverage"]).all() and (table["coverage"] <= table["coverage_high"]).all()
    wide_spread, narrow_spread = ((t["coverage_high"] - t["coverage_low"]).loc[0.8] for t in (wide, narrow))
    assert wide_spread > 0.25 and narrow_spread < 0.05
