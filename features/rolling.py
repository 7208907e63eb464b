"""Rolling and expanding window kernels of one series (float32, NaN = gap), each writing its float32 row.

The window ending at month t covers months t-window+1 … t, so the value at t is known at the end of
month t. Gaps are skipped and a window yields NaN unless it holds at least `min_periods` observations,
exactly like pandas `rolling(window, min_periods)` / `expanding(min_periods)`.

One pass per series (`prefix_sums`) keeps running counts and double-double (TwoSum) running sums of
x - K and (x - K)**2 around the series' first observation K; every window of every length is then a
difference of two prefixes, so a series' windows all share the pass and the windows' loops vectorise:
- mean: K + (sum of x - K) / n. Where K is so far from the window's mean that the sum lost digits
  (the window's total below a 1e-6 share of its sum of deviations), the window is summed again from
  its values, compensated; so a large value that has left the window costs no accuracy;
- std: where the one-pass formula n*S2 - S1**2 would cancel (below a 1e-6 share of n*S2, where its
  rounding is at most ~4 eps64), the window is recomputed from its values in two passes, so the float32
  result is exact to rounding;
- a window whose observations are all equal gives exactly that value (mean: the float64 quotient is
  within an ulp of a float32) and exactly 0 (std: the formula cancels, the two passes give 0), as in pandas;
- min and max keep a monotonic queue of month indices: O(T) per series.
The block-level functions (features.kernels) run these over every series of a [series, month] block."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["prefix_sums", "mean_into", "std_into", "extreme_into", "window_squares"]

# The one-pass sum of squared deviations S2 - S1**2/n is off by at most ~4 eps64 * S2; below this share
# of S2 the window is recomputed in two passes, which keeps the float32 std exact to rounding.
_RECOMPUTE_SHARE = 1e-6


@njit(nogil=True, cache=True, inline="always")
def _two_sum(total, value):
    """total + value and the rounding error of that sum (Knuth's TwoSum, no branch)."""
    new_total = total + value
    back = new_total - total
    return new_total, (total - (new_total - back)) + (value - back)


# error_model="numpy": a division by zero gives inf or NaN (selected away below) instead of raising, so
# the loops stay free of branches and LLVM vectorises them.
@njit(nogil=True, cache=True, error_model="numpy")
def prefix_sums(x, squares, count, dev_hi, dev_lo, sq_hi, sq_lo):
    """Fill the prefixes of one series; index t+1 covers months 0 … t. count: observations; dev: sum of
    x - K (hi + lo) with K the first observation; sq (only when `squares`): of (x - K)**2. Counts are
    float64, so the window loops need no integer conversion. Returns K."""
    n_months = x.shape[0]
    shift = 0.0
    for t in range(n_months):
        if not math.isnan(x[t]):
            shift = np.float64(x[t])
            break
    observed, dhi, dlo, qhi, qlo = 0.0, 0.0, 0.0, 0.0, 0.0
    count[0], dev_hi[0], dev_lo[0] = 0.0, 0.0, 0.0
    if squares:
        sq_hi[0], sq_lo[0] = 0.0, 0.0
    for t in range(n_months):
        value = np.float64(x[t])
        seen = value == value
        observed += 1.0 if seen else 0.0
        deviation = value - shift if seen else 0.0  # adding 0 changes no sum and has no rounding error
        dhi, error = _two_sum(dhi, deviation)
        dlo += error
        count[t + 1], dev_hi[t + 1], dev_lo[t + 1] = observed, dhi, dlo
        if squares:  # the same for every month: LLVM moves it out of the loop (two loops)
            qhi, error = _two_sum(qhi, deviation * deviation)
            qlo += error
            sq_hi[t + 1], sq_lo[t + 1] = qhi, qlo
    return shift


@njit(nogil=True, cache=True, error_model="numpy")
def _one_pass_mean(count_end, count_start, end_hi, start_hi, end_lo, start_lo, shift, need, out):
    """out[k]: the mean of the window between the two prefixes k, K + (sum of x - K) / n; returns how many
    windows lost digits to a K far from their mean (to recompute). Views indexed from 0, selects only:
    LLVM vectorises it."""
    cancelled = 0
    for k in range(out.shape[0]):
        observed = count_end[k] - count_start[k]
        deviations = (end_hi[k] - start_hi[k]) + (end_lo[k] - start_lo[k])
        total = deviations + observed * shift  # exact product: a float32 K times a count
        wanted = observed >= need
        out[k] = total / observed if wanted else np.nan
        cancelled += 1 if wanted and abs(total) < abs(deviations) * _RECOMPUTE_SHARE else 0
    return cancelled


@njit(nogil=True, cache=True, error_model="numpy")
def mean_into(x, window, need, shift, count, dev_hi, dev_lo, zeros, out):
    """Mean of the observations in the last `window` months (a window >= the series' length: expanding).

    The window ending at month k + lead starts at month k: the loops index views with k from 0, so
    LLVM sees unit-stride, never-negative indices and vectorises them. A window whose sum is below a
    1e-6 share of its sum of deviations from K is summed again from its values (compensated)."""
    n_months = out.shape[0]
    lead = min(max(window - 1, 0), n_months)  # months before the first full window start at month 0
    zeros = zeros[:lead]  # the prefixes before month 0 (scratch of the caller: no allocation per series)
    cancelled = _one_pass_mean(count[1:lead + 1], zeros, dev_hi[1:lead + 1], zeros, dev_lo[1:lead + 1], zeros,
                               shift, need, out[:lead])
    n = n_months - lead
    cancelled += _one_pass_mean(count[lead + 1:], count[:n], dev_hi[lead + 1:], dev_hi[:n], dev_lo[lead + 1:],
                                dev_lo[:n], shift, need, out[lead:])
    if cancelled == 0:
        return
    for t in range(n_months):  # rare: recomputed from the window's values
        first = max(t + 1 - window, 0)
        observed = count[t + 1] - count[first]
        if observed >= need:
            deviations = (dev_hi[t + 1] - dev_hi[first]) + (dev_lo[t + 1] - dev_lo[first])
            if abs(deviations + observed * shift) < abs(deviations) * _RECOMPUTE_SHARE:
                total, compensation = 0.0, 0.0
                for month in range(first, t + 1):
                    value = np.float64(x[month])
                    if not math.isnan(value):
                        total, error = _two_sum(total, value)
                        compensation += error
                out[t] = (total + compensation) / observed


@njit(nogil=True, cache=True)
def window_squares(x, first, last):
    """Sum of squared deviations of the observations in x[first:last+1], in two passes (exact to rounding)."""
    count, total = 0, 0.0
    for t in range(first, last + 1):
        value = np.float64(x[t])
        if not math.isnan(value):
            count += 1
            total += value
    if count == 0:
        return 0.0
    mean = total / count
    squares, residual = 0.0, 0.0
    for t in range(first, last + 1):
        value = np.float64(x[t])
        if not math.isnan(value):
            squares += (value - mean) ** 2
            residual += value - mean
    # the corrected two-pass formula (Chan, Golub & LeVeque): removes the mean's own rounding error
    return squares - residual * residual / count


@njit(nogil=True, cache=True, error_model="numpy")
def _one_pass_std(count_end, count_start, dev_end_hi, dev_start_hi, dev_end_lo, dev_start_lo, sq_end_hi,
                  sq_start_hi, sq_end_lo, sq_start_lo, need, out):
    """out[k]: the one-pass std of the window between the two prefixes k; returns how many windows may
    have cancelled (to recompute). Views indexed from 0, selects only: LLVM vectorises it."""
    cancelled = 0
    for k in range(out.shape[0]):
        observed = count_end[k] - count_start[k]
        s1 = (dev_end_hi[k] - dev_start_hi[k]) + (dev_end_lo[k] - dev_start_lo[k])
        s2 = (sq_end_hi[k] - sq_start_hi[k]) + (sq_end_lo[k] - sq_start_lo[k])
        scaled = observed * s2 - s1 * s1  # n times the sum of squared deviations: one division below
        std = math.sqrt(max(scaled, 0.0) / (observed * (observed - 1.0)))
        wanted = observed >= need
        out[k] = std if wanted else np.nan
        cancelled += 1 if wanted and scaled <= observed * s2 * _RECOMPUTE_SHARE else 0
    return cancelled


@njit(nogil=True, cache=True, error_model="numpy")
def std_into(x, window, need, count, dev_hi, dev_lo, sq_hi, sq_lo, zeros, out):
    """Sample standard deviation (ddof=1) of the observations in the last `window` months; NaN below `need`
    (at least 2)."""
    n_months = out.shape[0]
    lead = min(max(window - 1, 0), n_months)  # months before the first full window start at month 0
    zeros = zeros[:lead]
    cancelled = _one_pass_std(count[1:lead + 1], zeros, dev_hi[1:lead + 1], zeros, dev_lo[1:lead + 1], zeros,
                              sq_hi[1:lead + 1], zeros, sq_lo[1:lead + 1], zeros, need, out[:lead])
    n = n_months - lead
    cancelled += _one_pass_std(count[lead + 1:], count[:n], dev_hi[lead + 1:], dev_hi[:n], dev_lo[lead + 1:],
                               dev_lo[:n], sq_hi[lead + 1:], sq_hi[:n], sq_lo[lead + 1:], sq_lo[:n], need, out[lead:])
    if cancelled == 0:
        return
    for t in range(n_months):  # rare: windows whose one-pass formula cancelled, recomputed from their values
        first = max(t + 1 - window, 0)
        observed = count[t + 1] - count[first]
        if observed >= need:
            s1 = (dev_hi[t + 1] - dev_hi[first]) + (dev_lo[t + 1] - dev_lo[first])
            s2 = (sq_hi[t + 1] - sq_hi[first]) + (sq_lo[t + 1] - sq_lo[first])
            if observed * s2 - s1 * s1 <= observed * s2 * _RECOMPUTE_SHARE:
                out[t] = math.sqrt(max(window_squares(x, first, t), 0.0) / (observed - 1.0))


@njit(nogil=True, cache=True)
def extreme_into(x, window, need, largest, queue, out):
    """Rolling min (largest=False) or max over a monotonic queue of month indices (queue: scratch >= T)."""
    head, tail, count = 0, 0, 0
    for t in range(x.shape[0]):
        if t >= window:
            if not math.isnan(x[t - window]):
                count -= 1
            if head < tail and queue[head] <= t - window:
                head += 1
        value = x[t]
        if not math.isnan(value):
            count += 1
            # drop queued months that can never again be the extreme of a window holding t
            while head < tail and (x[queue[tail - 1]] <= value if largest else x[queue[tail - 1]] >= value):
                tail -= 1
            queue[tail] = t
            tail += 1
        out[t] = x[queue[head]] if count >= need else np.nan
