"""Exponentially weighted mean of one series (float32, NaN = gap), writing its float32 row.

Semantics are pandas' `ewm(alpha=alpha, adjust=True, ignore_na=ignore_na).mean()` (min_periods 0),
step for step: NaN until a series' first observation, then the weighted mean of the observations so
far with weight (1 - alpha)**age, carried unchanged through gaps. A gap still ages the older
observations unless ignore_na=True (pandas' default is False: weights follow calendar distance)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["ewm_into"]


@njit(nogil=True, cache=True)
def ewm_into(x, alpha, ignore_na, out):
    """Exponentially weighted mean as of month t (the series' unit), smoothing factor 0 < alpha <= 1."""
    # pandas turns alpha into a centre of mass and back; doing the same keeps the decay bit-identical
    center_of_mass = (1.0 - alpha) / alpha
    decay = 1.0 - 1.0 / (1.0 + center_of_mass)
    weighted = np.nan  # the running mean; NaN until the first observation
    old_weight = 1.0  # total weight of the observations already in `weighted`
    for t in range(x.shape[0]):
        value = np.float64(x[t])
        observed = not math.isnan(value)
        if math.isnan(weighted):
            if observed:
                weighted = value
        elif observed or not ignore_na:
            old_weight *= decay
            if observed:
                # pandas skips the update when it would not change the mean (exact on constant runs)
                if weighted != value:
                    weighted = (old_weight * weighted + value) / (old_weight + 1.0)
                old_weight += 1.0
        out[t] = weighted
