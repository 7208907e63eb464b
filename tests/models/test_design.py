"""The design matrix's seasonal-delta target and its row cap."""

from __future__ import annotations

import numpy as np
import pytest

from models.design import design_matrix


def _block(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(60)
    block = (50 + rng.normal(0, 5, (8, 1)) + 0.3 * t + 5 * np.sin(2 * np.pi * t / 12)
             + rng.normal(0, 1, (8, 60))).astype(np.float32)
    block[2, 10:14] = np.nan
    return block


def test_seasonal_delta_target_plus_base_is_the_actual() -> None:
    block = _block()
    level = design_matrix(block, np.arange(1, 13), target="level")
    delta = design_matrix(block, np.arange(1, 13), target="seasonal_delta")
    np.testing.assert_array_equal(level.X, delta.X)
    np.testing.assert_allclose(delta.y * delta.scale + delta.base, level.y * level.scale, rtol=1e-5, atol=1e-3)
    actual = block[delta.series, delta.target_month]
    np.testing.assert_allclose(delta.y * delta.scale + delta.base, actual, rtol=1e-5, atol=1e-3)
    # the base is the same month a whole number of seasons before the target where that is known
    known = delta.target_month - 12 * ((delta.step + 11) // 12) >= 0
    anchor = block[delta.series[known], (delta.target_month - 12 * ((delta.step + 11) // 12))[known]]
    has = ~np.isnan(anchor)
    np.testing.assert_array_equal(delta.base[known][has], anchor[has])
    assert (level.base == 0).all()


def test_max_rows_is_a_seeded_subset_of_the_full_matrix() -> None:
    block = _block(1)
    full = design_matrix(block, np.arange(1, 7))
    capped = design_matrix(block, np.arange(1, 7), max_rows=100, seed=3)
    again = design_matrix(block, np.arange(1, 7), max_rows=100, seed=3)
    assert capped.y.size == 100
    np.testing.assert_array_equal(capped.X, again.X)
    keys = {(s, o, h): i for i, (s, o, h) in enumerate(zip(full.series, full.origin, full.step, strict=True))}
    rows = [keys[(s, o, h)] for s, o, h in zip(capped.series, capped.origin, capped.step, strict=True)]
    np.testing.assert_array_equal(capped.X, full.X[rows])
    assert design_matrix(block, np.arange(1, 7), max_rows=10**9).y.size == full.y.size


def test_unknown_target_is_refused() -> None:
    with pytest.raises(ValueError, match="target must be one of"):
        design_matrix(_block(), [1], target="ratio")
