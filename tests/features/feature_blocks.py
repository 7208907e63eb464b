"""Hypothesis strategies and comparisons shared by the feature-kernel tests."""

from __future__ import annotations

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

# Magnitudes within [2**-6, 2**13] keep every float64 window sum of float32 values exact, so a kernel and
# its pandas reference can be held to rtol 1e-5 with no absolute slack; the sampled values repeat so
# that constant runs (std exactly 0) and zero bases (growth undefined) come up often.
VALUES = st.one_of(
    st.floats(2.0**-6, 2.0**13, width=32),
    st.floats(-(2.0**13), -(2.0**-6), width=32),
    st.sampled_from([0.0, 1.0, -2.5, 100.0]),
    st.just(np.nan),
)

# The first example of a test may load or compile a numba kernel (seconds): no per-example deadline.
kernel_settings = settings(deadline=None)


def blocks(max_series: int = 4, max_months: int = 40) -> st.SearchStrategy[np.ndarray]:
    """float32 [series, month] blocks with gaps, empty and one-month series included."""
    shapes = st.tuples(st.integers(0, max_series), st.integers(0, max_months))
    return shapes.flatmap(lambda shape: arrays(np.float32, shape, elements=VALUES))


def windows_and_periods() -> st.SearchStrategy[tuple[int, int]]:
    """(window, min_periods) with windows up to longer than any drawn series."""
    return st.integers(1, 50).flatmap(lambda w: st.tuples(st.just(w), st.integers(0, w)))


def assert_matches(actual: np.ndarray, expected: np.ndarray) -> None:
    """Same shape, float32, gaps in the same places, values equal to rtol 1e-5."""
    assert actual.dtype == np.float32
    assert actual.shape == expected.shape
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=0)
