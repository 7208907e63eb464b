import numpy as np
import pytest

from models.evaluation.backtest import origin_cuts
from models.evaluation.interval_scale import PROFILE_FLOOR, interval_scale, month_profile
from models.evaluation.intervals import cross_origin_coverage
from models.evaluation.metrics import mase_scale

JANUARY_2015 = (2015 - 1970) * 12  # khlang.domain.calendar.month_index(2015, 1)


def reference_profile(block: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """Loop by loop: each series' |y[t] - y[t-12]| over its own mean, averaged per calendar month."""
    sums, counts = np.zeros(12), np.zeros(12)
    for row in block:
        diffs = {t: abs(row[t] - row[t - 12]) for t in range(12, len(row)) if not np.isnan(row[t] - row[t - 12])}
        mean = sum(diffs.values()) / len(diffs) if diffs else 0.0
        if mean <= 0:
            continue
        for t, d in diffs.items():
            sums[periods[t] % 12] += d / mean
            counts[periods[t] % 12] += 1
    profile = np.where(counts > 0, sums / np.maximum(counts, 1), 1.0)
    return profile / profile.mean()


def test_profile_matches_a_loop_over_series_and_months_with_gaps():
    rng = np.random.default_rng(5)
    block = np.cumsum(rng.normal(size=(7, 50)) * (1 + 4 * (np.arange(50) % 12 == 9)), axis=1)
    block[2, 10:20] = np.nan
    block[4, :] = 3.0  # flat: no scale, left out
    periods = JANUARY_2015 + 3 + np.arange(50)  # starts in April
    np.testing.assert_allclose(month_profile(block, periods), reference_profile(block, periods), rtol=1e-12)


def test_a_busy_month_stands_out_and_the_profile_averages_one():
    periods = JANUARY_2015 + np.arange(60)
    block = np.tile(np.arange(60.0), (3, 1))  # growth of 12 a year every month ...
    block[:, periods % 12 == 2] += np.arange(5) * 30.0  # ... March grows 42 a year
    profile = month_profile(block, periods)
    assert profile.mean() == pytest.approx(1.0)
    assert profile[2] == pytest.approx(42 / 12 * profile[0])
    np.testing.assert_allclose(np.delete(profile, 2), profile[0])


def test_short_flat_and_zero_months():
    periods = JANUARY_2015 + np.arange(12)
    np.testing.assert_array_equal(month_profile(np.ones((2, 12)), periods), np.ones(12))  # under 13 months
    periods = JANUARY_2015 + np.arange(36)
    block = np.tile(np.arange(36.0), (2, 1))
    block[:, periods % 12 == 5] = 100.0  # June never moves year on year
    profile = month_profile(block, periods)
    assert profile[5] > 0 and profile.mean() == pytest.approx(1.0)
    # the other eleven months share the mean: 12/11 each before the floor lifts June to PROFILE_FLOOR
    assert profile[5] / profile[0] == pytest.approx(PROFILE_FLOOR / (12 / 11))
    with pytest.raises(ValueError, match="periods"):
        month_profile(np.ones((2, 24)), periods)


def test_interval_scale_puts_each_step_on_its_target_month():
    periods = JANUARY_2015 + np.arange(48)  # ends in December
    rng = np.random.default_rng(6)
    block = 100 + rng.normal(size=(4, 48)) * (1 + 3 * (periods % 12 == 9))  # October is noisy
    block[3] = 5.0
    scale = interval_scale(block[:, :45], periods[:45], 6)  # last month September: steps Oct ... Mar
    history = block[:, :45]
    expected = mase_scale(history)[:, None] * month_profile(history, periods[:45])[[9, 10, 11, 0, 1, 2]][None, :]
    np.testing.assert_allclose(scale[:3], expected[:3])
    assert np.isnan(scale[3]).all() or (scale[3] == 0).all()
    assert (scale[:3, 0] > 2 * scale[:3, 1]).all()


def test_month_profiled_scores_keep_coverage_where_origins_alternate_busy_and_quiet_months():
    """Noise four times larger in January to March; origins six months apart, so step 1 is January
    at one origin and July at the next. Scaled by the MASE scale alone a step's quantile mixes the two
    and the busy-month origins are under-covered; scaled by the month profile every origin is near nominal."""
    rng = np.random.default_rng(7)
    n_series, n_months, horizon = 600, 96, 6
    periods = JANUARY_2015 + np.arange(n_months)
    size = np.exp(rng.uniform(0, 5, n_series))
    noise = np.where(periods % 12 < 3, 4.0, 1.0)
    block = size[:, None] * (50 + rng.normal(size=(n_series, n_months)) * noise[None, :])
    cuts = origin_cuts(n_months, horizon, 4, 6)
    assert sorted({int(periods[c] % 12) for c in cuts}) == [0, 6]  # January and July
    actual = np.stack([block[:, c:c + horizon] for c in cuts])
    forecast = np.full_like(actual, 50.0) * size[None, :, None]
    plain = cross_origin_coverage(actual, forecast, np.stack([mase_scale(block[:, :c]) for c in cuts]))
    profiled = cross_origin_coverage(actual, forecast, np.stack([interval_scale(block[:, :c], periods[:c], horizon)
                                                                 for c in cuts]))
    assert plain.loc[0.8, "min_origin"] < 0.7 and plain.loc[0.8, "max_origin"] > 0.9, plain
    for level in (0.8, 0.95):
        assert abs(profiled.loc[level, "coverage"] - level) < 0.03, profiled
        assert profiled.loc[level, "min_origin"] > level - 0.05, profiled
