"""Shift kernels of one series (float32, NaN = gap), each writing its float32 row: lag, difference, growth.

The value at month t uses months t-k and t only, so nothing from after t leaks in. The block-level
functions (features.kernels.lag, diff, growth) run these over every series of a [series, month] block."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["lag_into", "diff_into", "growth_into"]


@njit(nogil=True, cache=True)
def lag_into(x, months, out):
    """out[t] = x[t - months]; NaN for the first `months` months (a copy, no arithmetic)."""
    n_months = x.shape[0]
    head = min(months, n_months)
    out[:head] = np.nan
    out[head:] = x[:n_months - head]


@njit(nogil=True, cache=True)
def diff_into(x, months, out):
    """out[t] = x[t] - x[t - months] (in the series' unit); NaN where either is a gap."""
    n_months = x.shape[0]
    head = min(months, n_months)
    out[:head] = np.nan
    for t in range(head, n_months):
        # float64 so the float32 result is the correctly rounded difference
        out[t] = np.float64(x[t]) - np.float64(x[t - months])


@njit(nogil=True, cache=True)
def growth_into(x, months, out):
    """out[t] = x[t] / x[t - months] - 1 (0.05 = +5 %); NaN where x[t - months] is 0 or either is a gap."""
    n_months = x.shape[0]
    head = min(months, n_months)
    out[:head] = np.nan
    for t in range(head, n_months):
        base = np.float64(x[t - months])
        # NaN != 0, and NaN propagates through the division
        out[t] = np.float64(x[t]) / base - 1.0 if base != 0.0 else np.nan
