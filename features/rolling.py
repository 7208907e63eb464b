"""Rolling and expanding window kernels over a dense float32 [series, month] block (NaN = gap).

The window ending at month t covers months t-window+1 … t, so the value at t is known at the end of
month t. Gaps are skipped and a window yields NaN unless it holds at least `min_periods` observations,
exactly like pandas `rolling(window, min_periods)` / `expanding(min_periods)`.

Sums are kept in float64: mean is a compensated (Neumaier) running sum, std a Welford running update
that recomputes the window from scratch when a removal cancels most of its variance (a large value
leaving the window), so each is O(T) per series and accurate to float32. A window whose observations
are all equal gives exactly that value (mean) and exactly 0 (std), as in pandas."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["rolling_mean", "rolling_std", "rolling_min", "rolling_max", "expanding_mean"]

# Welford's removal loses about eps64 * (peak sum of squared deviations); below this share of the peak
# the window is recomputed in two passes, which keeps the float32 result exact to rounding.
_RECOMPUTE_SHARE = 1e-6


@njit(nogil=True, cache=True)
def _check_window(window, min_periods):
    if window < 1:
        raise ValueError("a rolling window must be >= 1 month")
    if min_periods < 0 or min_periods > window:
        raise ValueError("min_periods must be between 0 and the window")


@njit(nogil=True, cache=True)
def _neumaier_add(total, compensation, value):
    """total + value with the lost low-order bits carried in compensation."""
    new_total = total + value
    if abs(total) >= abs(value):
        compensation += (total - new_total) + value
    else:
        compensation += (value - new_total) + total
    return new_total, compensation


@njit(nogil=True, cache=True)
def rolling_mean(block, window, min_periods):
    """Mean of the observations in the last `window` months (the series' unit)."""
    _check_window(window, min_periods)
    n_series, n_months = block.shape
    out = np.full((n_series, n_months), np.nan, dtype=np.float32)
    need = max(min_periods, 1)
    for s in range(n_series):
        total, compensation, count = 0.0, 0.0, 0
        same_run, previous = 0, np.nan  # run of equal consecutive observations, and its value
        for t in range(n_months):
            value = np.float64(block[s, t])
            if not math.isnan(value):
                total, compensation = _neumaier_add(total, compensation, value)
                count += 1
                same_run = same_run + 1 if value == previous else 1
                previous = value
            if t >= window:
                leaving = np.float64(block[s, t - window])
                if not math.isnan(leaving):
                    count -= 1
                    if count == 0:
                        total, compensation = 0.0, 0.0
                    else:
                        total, compensation = _neumaier_add(total, compensation, -leaving)
            if count >= need:
                out[s, t] = previous if same_run >= count else (total + compensation) / count
    return out


@njit(nogil=True, cache=True)
def _window_moments(block, s, first, last):
    """Count, mean and sum of squared deviations of the observations in block[s, first:last+1]."""
    count, total = 0, 0.0
    for t in range(first, last + 1):
        value = np.float64(block[s, t])
        if not math.isnan(value):
            count += 1
            total += value
    if count == 0:
        return 0, 0.0, 0.0
    mean = total / count
    squares, residual = 0.0, 0.0
    for t in range(first, last + 1):
        value = np.float64(block[s, t])
        if not math.isnan(value):
            squares += (value - mean) ** 2
            residual += value - mean
    # the corrected two-pass formula (Chan, Golub & LeVeque): removes the mean's own rounding error
    return count, mean + residual / count, squares - residual * residual / count


@njit(nogil=True, cache=True)
def rolling_std(block, window, min_periods):
    """Sample standard deviation (ddof=1) of the observations in the last `window` months; NaN below 2."""
    _check_window(window, min_periods)
    n_series, n_months = block.shape
    out = np.full((n_series, n_months), np.nan, dtype=np.float32)
    need = max(min_periods, 2)
    for s in range(n_series):
        count, mean, squares, peak = 0, 0.0, 0.0, 0.0
        same_run, previous = 0, np.nan
        for t in range(n_months):
            if t >= window:
                leaving = np.float64(block[s, t - window])
                if not math.isnan(leaving):
                    count -= 1
                    if count == 0:
                        mean, squares = 0.0, 0.0
                    else:
                        delta = leaving - mean
                        mean -= delta / count
                        squares -= delta * (leaving - mean)
            value = np.float64(block[s, t])
            if not math.isnan(value):
                count += 1
                delta = value - mean
                mean += delta / count
                squares += delta * (value - mean)
                same_run = same_run + 1 if value == previous else 1
                previous = value
            if squares < peak * _RECOMPUTE_SHARE:
                count, mean, squares = _window_moments(block, s, max(0, t - window + 1), t)
                peak = squares
            else:
                peak = max(peak, squares)
            if count >= need:
                if same_run >= count:
                    out[s, t] = 0.0
                else:
                    out[s, t] = math.sqrt(max(squares, 0.0) / (count - 1))
    return out


@njit(nogil=True, cache=True)
def _rolling_extreme(block, window, min_periods, largest):
    """Rolling min (largest=False) or max over a monotonic queue of month indices: O(T) per series."""
    _check_window(window, min_periods)
    n_series, n_months = block.shape
    out = np.full((n_series, n_months), np.nan, dtype=np.float32)
    need = max(min_periods, 1)
    queue = np.empty(n_months, dtype=np.int64)  # each month enters at most once per series
    for s in range(n_series):
        head, tail, count = 0, 0, 0
        for t in range(n_months):
            if t >= window:
                if not math.isnan(block[s, t - window]):
                    count -= 1
                if head < tail and queue[head] <= t - window:
                    head += 1
            value = block[s, t]
            if not math.isnan(value):
                count += 1
                # drop queued months that can never again be the extreme of a window holding t
                while head < tail and (
                    block[s, queue[tail - 1]] <= value if largest else block[s, queue[tail - 1]] >= value
                ):
                    tail -= 1
                queue[tail] = t
                tail += 1
            if count >= need:
                out[s, t] = block[s, queue[head]]
    return out


@njit(nogil=True, cache=True)
def rolling_min(block, window, min_periods):
    """Smallest observation in the last `window` months."""
    return _rolling_extreme(block, window, min_periods, False)


@njit(nogil=True, cache=True)
def rolling_max(block, window, min_periods):
    """Largest observation in the last `window` months."""
    return _rolling_extreme(block, window, min_periods, True)


@njit(nogil=True, cache=True)
def expanding_mean(block, min_periods):
    """Mean of every observation up to and including month t."""
    if min_periods < 0:
        raise ValueError("min_periods must be >= 0")
    n_series, n_months = block.shape
    out = np.full((n_series, n_months), np.nan, dtype=np.float32)
    need = max(min_periods, 1)
    for s in range(n_series):
        total, compensation, count = 0.0, 0.0, 0
        same_run, previous = 0, np.nan
        for t in range(n_months):
            value = np.float64(block[s, t])
            if not math.isnan(value):
                total, compensation = _neumaier_add(total, compensation, value)
                count += 1
                same_run = same_run + 1 if value == previous else 1
                previous = value
            if count >= need:
                out[s, t] = previous if same_run >= count else (total + compensation) / count
    return out
