from dataclasses import dataclass, field

import numpy as np
import pytest

from models.evaluation import metrics
from models.evaluation.backtest import origin_cuts, rolling_origin_backtest
from models.forecasters.baselines import BASELINES, HistoricMean, Naive, SeasonalNaive

NAN = np.nan


def seasonal_panel(n_series: int = 60, n_months: int = 96, noise: float = 0.1, seed: int = 5) -> np.ndarray:
    """LAO-like monthly series: a size, a yearly pattern shared in shape, multiplicative noise."""
    rng = np.random.default_rng(seed)
    size = rng.lognormal(5, 1.5, n_series)[:, None]
    phase = rng.uniform(0, 2 * np.pi, n_series)[:, None]
    season = 1 + 0.5 * np.sin(2 * np.pi * np.arange(n_months)[None, :] / 12 + phase)
    return (size * season * (1 + noise * rng.normal(size=(n_series, n_months)))).astype(np.float32)


@dataclass
class Recording:
    """A forecaster that remembers the histories it saw and forecasts a constant."""

    name: str = "recording"
    seen: list = field(default_factory=list)

    def fit_predict(self, history, horizon):
        self.seen.append(history.copy())
        return np.full((history.shape[0], horizon), 1.0)


def test_cuts_count_back_from_the_end():
    np.testing.assert_array_equal(origin_cuts(60, 12, 3, 12), [24, 36, 48])
    np.testing.assert_array_equal(origin_cuts(60, 1, 4, 1), [56, 57, 58, 59])
    with pytest.raises(ValueError, match="n_origins >= 3"):
        origin_cuts(60, 12, 2, 12)
    with pytest.raises(ValueError, match="hold no"):
        origin_cuts(36, 12, 3, 12)


def test_default_step_is_the_horizon_up_to_a_year():
    block = seasonal_panel(3, 80)
    assert rolling_origin_backtest(block, [Naive()], 3).cuts.tolist() == [71, 74, 77]
    assert rolling_origin_backtest(block, [Naive()], 24, n_origins=3).cuts.tolist() == [32, 44, 56]
    assert rolling_origin_backtest(block, [Naive()], 3, step=1).cuts.tolist() == [75, 76, 77]


def test_models_see_only_the_history_before_each_cut_and_are_scored_on_what_follows():
    block = seasonal_panel(4, 50)
    recording = Recording()
    result = rolling_origin_backtest(block, [recording, SeasonalNaive()], 6, n_origins=3, series=np.array([7, 8, 9, 10]))
    assert [h.shape for h in recording.seen] == [(4, 32), (4, 38), (4, 44)]
    for seen, cut in zip(recording.seen, result.cuts, strict=True):
        np.testing.assert_array_equal(seen, block[:, :cut])
    for o, cut in enumerate(result.cuts):
        np.testing.assert_array_equal(result.actual[o], block[:, cut:cut + 6])
        np.testing.assert_array_equal(result.forecasts["seasonal_naive"][o],
                                      SeasonalNaive().fit_predict(block[:, :cut], 6))
        np.testing.assert_array_equal(result.scale[o], metrics.mase_scale(block[:, :cut]))


def test_tidy_frame_has_one_row_per_model_origin_series_step():
    block = seasonal_panel(3, 40)
    result = rolling_origin_backtest(block, BASELINES, 4, n_origins=3, series=np.array([101, 102, 103]))
    frame = result.frame
    assert list(frame.columns) == ["series", "origin", "step", "model", "forecast", "actual", "residual", "scale"]
    assert len(frame) == 3 * 3 * 3 * 4
    row = frame[(frame.model == "naive") & (frame.series == 102) & (frame.origin == 32) & (frame.step == 3)]
    assert len(row) == 1
    assert row.actual.item() == np.float64(block[1, 34])
    assert row.forecast.item() == np.float64(block[1, 31])
    assert row.residual.item() == row.actual.item() - row.forecast.item()
    assert row.scale.item() == metrics.mase_scale(block[1:2, :32])[0]
    np.testing.assert_array_equal(result.residuals("naive"), result.actual - result.forecasts["naive"])


def test_summary_pools_every_origin_and_series_per_model():
    block = seasonal_panel(8, 60)
    result = rolling_origin_backtest(block, BASELINES, 12, n_origins=3)
    assert list(result.summary.index) == ["naive", "seasonal_naive", "historic_mean"]
    for model in result.models:
        expected = metrics.accuracy_table(result.actual.reshape(24, 12), result.forecasts[model].reshape(24, 12),
                                          result.scale.reshape(-1))
        np.testing.assert_allclose(result.summary.loc[model, ["mase", "smape", "wape", "bias"]].to_numpy(float),
                                   expected.loc["all", ["mase", "smape", "wape", "bias"]].to_numpy(float))
        assert result.summary.loc[model, "n_series_origins"] == 24


def test_seasonal_naive_beats_naive_on_seasonal_series():
    result = rolling_origin_backtest(seasonal_panel(), BASELINES, 12, n_origins=4)
    mase = result.summary["mase"]
    assert mase["seasonal_naive"] < 0.5 * mase["naive"]
    assert mase["seasonal_naive"] < 0.5 * mase["historic_mean"]
    assert result.summary["smape"]["seasonal_naive"] < result.summary["smape"]["naive"]


def test_series_without_history_at_an_origin_are_not_forecast_or_scored():
    block = seasonal_panel(4, 48)
    block[0] = NAN  # never reported
    block[1, :30] = NAN  # reports from month 30: no history at the first cut (30)
    block[2, 36:] = NAN  # stops reporting: nothing to score at the last two origins
    result = rolling_origin_backtest(block, [Recording(), HistoricMean()], 6, n_origins=3, step=6)
    assert result.cuts.tolist() == [30, 36, 42]
    for model in result.models:
        forecast = result.forecasts[model]
        assert np.isnan(forecast[:, 0]).all()
        assert np.isnan(forecast[0, 1]).all() and not np.isnan(forecast[1:, 1]).any()
    # series-origins scored: 3 origins x 4 series, less series 0 (3), series 1 at 30, series 2 at 36 and 42
    assert (result.summary["n_series_origins"] == 12 - 3 - 1 - 2).all()
    assert (result.summary["n_pairs"] == (12 - 3 - 1 - 2) * 6).all()


def test_constant_and_short_series_leave_mase_undefined_but_counted():
    block = seasonal_panel(3, 40)
    block[0] = 5.0  # flat: scale 0
    block[1, :20] = NAN  # 8 and 12 months of history at cuts 28 and 32: no pair a season apart
    result = rolling_origin_backtest(block, [Naive()], 4, n_origins=3)
    assert result.cuts.tolist() == [28, 32, 36]
    assert result.summary.loc["naive", "n_mase_undefined"] == 3 + 2
    assert np.isfinite(result.summary.loc["naive", "mase"])


def test_horizon_one_works():
    result = rolling_origin_backtest(seasonal_panel(5, 30), BASELINES, 1, n_origins=3)
    assert result.actual.shape == (3, 5, 1) and len(result.frame) == 3 * 3 * 5


def test_forecasters_must_have_distinct_names_and_the_right_shape():
    block = seasonal_panel(2, 40)
    with pytest.raises(ValueError, match="distinct"):
        rolling_origin_backtest(block, [Naive(), Naive()], 3)

    @dataclass(frozen=True)
    class Wrong:
        name: str = "wrong"

        def fit_predict(self, history, horizon):
            return np.zeros((history.shape[0], horizon + 1))

    with pytest.raises(ValueError, match="wrong forecast shape"):
        rolling_origin_backtest(block, [Wrong()], 3)
