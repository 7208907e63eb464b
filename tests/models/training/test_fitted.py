"""models.training.fitted: the reconciliation inputs taken from history alone (wls_var's per-node variances)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from models.hierarchy.matrix import hierarchy_from_table
from models.hierarchy.reconcile import coherence_gap, reconcile
from models.training.fitted import coherent, seasonal_error_variances

# total 0 > mids 1, 2 > bottoms 10, 11 | 12, 13
H = hierarchy_from_table(pd.DataFrame({"top": [0, 0, 0, 0], "mid": [1, 1, 2, 2], "unit": [10, 11, 12, 13]}),
                         ["top", "mid", "unit"])


def _blocks(bottom: np.ndarray) -> dict[str, np.ndarray]:
    mids = np.stack([np.nansum(bottom[:2], axis=0), np.nansum(bottom[2:], axis=0)])
    return {"top": mids.sum(axis=0, keepdims=True), "mid": mids, "unit": bottom}


def _reference_variance(row: np.ndarray, window: int) -> float:
    diffs = pd.Series(row).diff(12).iloc[12:].tail(window)
    return float((diffs.dropna() ** 2).mean())


def test_variances_are_mean_squared_seasonal_differences_over_the_window():
    rng = np.random.default_rng(0)
    bottom = rng.gamma(2.0, 10.0, size=(4, 60))
    bottom[1, 50:55] = np.nan  # a LAO's gap: skipped, not counted as an error
    blocks = _blocks(bottom)
    got = seasonal_error_variances(H, blocks, window=24)
    stacked = H.stack({level: (H.keys(level), block) for level, block in blocks.items()})
    expected = [_reference_variance(row, 24) for row in stacked]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # only the last `window` months count: changing an earlier month changes nothing
    earlier = bottom.copy()
    earlier[0, 5] += 1000.0
    np.testing.assert_allclose(seasonal_error_variances(H, _blocks(earlier), window=24)[-4:], got[-4:])


def test_flat_or_short_nodes_get_a_positive_floor_without_warnings():
    bottom = np.random.default_rng(1).gamma(2.0, 10.0, size=(4, 40))
    bottom[2] = 7.0  # never changes: variance 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = seasonal_error_variances(H, _blocks(bottom))
        short = seasonal_error_variances(H, _blocks(bottom[:, :10]))  # under 13 months: no difference at all
    assert (got > 0).all() and got[H.level_slice("unit")][2] < 1e-6 * got.max()
    assert (short == 1.0).all()


def test_coherent_weights_noisy_nodes_less():
    """wls_var pulls a node's forecast less when its history says it is predictable: with a smooth
    bottom unit and a noisy one, the reconciled parent keeps closer to the smooth unit's own forecast."""
    rng = np.random.default_rng(2)
    months = np.arange(60)
    smooth = 100 + 0.1 * months
    noisy = 100 + rng.normal(0, 30, 60)
    bottom = np.stack([smooth, noisy, smooth, noisy])
    blocks = _blocks(bottom)
    base = H.stack({"top": (H.keys("top"), np.array([[500.0]])), "mid": (H.keys("mid"), np.array([[220.0], [220.0]])),
                    "unit": (H.keys("unit"), np.array([[106.0], [100.0], [106.0], [100.0]]))})
    fallback = np.zeros_like(base)
    out = coherent(H, base, fallback, "wls_var", blocks)
    assert coherence_gap(H, out) < 1e-9
    unit = out[H.level_slice("unit"), 0]
    # the noisy units absorb most of the adjustment that the parents ask for
    assert abs(unit[0] - 106.0) < abs(unit[1] - 100.0) and abs(unit[2] - 106.0) < abs(unit[3] - 100.0)
    # and it is the WLS projection with those variances
    expected = reconcile(H, base, "wls_var", variances=seasonal_error_variances(H, blocks)).values
    np.testing.assert_allclose(out, expected)


def test_coherent_fills_missing_base_forecasts_before_reconciling():
    bottom = np.random.default_rng(3).gamma(2.0, 10.0, size=(4, 30))
    base = np.full((H.n_nodes, 2), np.nan)
    fallback = np.ones((H.n_nodes, 2))
    for method in ("bottom_up", "wls_struct", "wls_var", "ols"):
        out = coherent(H, base, fallback, method, _blocks(bottom))
        assert np.isfinite(out).all() and coherence_gap(H, out) < 1e-9


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="unknown method"):
        coherent(H, np.ones((H.n_nodes, 1)), np.ones((H.n_nodes, 1)), "magic", _blocks(np.ones((4, 24))))
