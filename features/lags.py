"""Shift kernels over a dense float32 [series, month] block (NaN = gap): lag, difference, growth.

The value at month t uses months t-k and t only, so nothing from after t leaks in."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["lag", "diff", "growth"]


@njit(nogil=True, cache=True)
def lag(block, months):
    """x[t - months]; NaN for the first `months` months. Seasonal lags are lag(block, 12), lag(block, 24)."""
    if months < 0:
        raise ValueError("a lag must be >= 0 months (a negative lag would leak the future)")
    n_series, n_months = block.shape
    out = np.full((n_series, n_months), np.nan, dtype=np.float32)
    for s in range(n_series):
        for t in range(months, n_months):
            out[s, t] = block[s, t - months]
    return out


@njit(nogil=True, cache=True)
def diff(block, months):
    """x[t] - x[t - months] (in the series' unit); NaN where either is a gap."""
    if months < 1:
        raise ValueError("a difference needs months >= 1")
    n_series, n_months = block.shape
    out = np.full((n_series, n_months), np.nan, dtype=np.float32)
    for s in range(n_series):
        for t in range(months, n_months):
            # float64 so the float32 result is the correctly rounded difference
            out[s, t] = np.float64(block[s, t]) - np.float64(block[s, t - months])
    return out


@njit(nogil=True, cache=True)
def growth(block, months):
    """x[t] / x[t - months] - 1 (a ratio, 0.05 = +5 %); NaN where x[t - months] is 0 or either is a gap."""
    if months < 1:
        raise ValueError("a growth rate needs months >= 1")
    n_series, n_months = block.shape
    out = np.full((n_series, n_months), np.nan, dtype=np.float32)
    for s in range(n_series):
        for t in range(months, n_months):
            base = np.float64(block[s, t - months])
            # NaN != 0, and NaN propagates through the division
            if base != 0.0:
                out[s, t] = np.float64(block[s, t]) / base - 1.0
    return out
