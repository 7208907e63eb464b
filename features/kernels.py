"""Every feature of a block in one pass per series: a plan of operations (one row per output feature) run
by one numba kernel over a dense float32 [series, month] block (NaN = gap).

For each series the kernel fills the shared running prefixes once (features.rolling.prefix_sums), then
writes each feature's float32 row of the output, so a series stays in cache while all its features are
made and every output value is written once. `threads` > 1 splits the series between threads (the
kernel releases the GIL), each writing its own rows of one output array.

The block-level functions below (lag, rolling_mean, …) are one-operation plans: the same kernel."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

from features.ewm import ewm_into
from features.lags import diff_into, growth_into, lag_into
from features.rolling import extreme_into, mean_into, prefix_sums, std_into

__all__ = [
    "LAG", "DIFF", "GROWTH", "MEAN", "STD", "MIN", "MAX", "EXPANDING_MEAN", "EWM", "Operation", "run_plan",
    "lag", "diff", "growth", "rolling_mean", "rolling_std", "rolling_min", "rolling_max", "expanding_mean",
    "ewm_mean",
]

# operation codes: a plan row is (code, months or window, min_periods, ignore_na) plus an alpha
LAG, DIFF, GROWTH, MEAN, STD, MIN, MAX, EXPANDING_MEAN, EWM = range(9)
Operation = tuple[int, int, int, int, float]


@njit(nogil=True, cache=True)
def _run(block, start, stop, codes, alphas, out):
    """Series start … stop-1 of block into the same rows of out (C-contiguous, so each row is too)."""
    n_months = block.shape[1]
    n_ops = codes.shape[0]
    prefixes, squares, queue_needed = False, False, False
    for i in range(n_ops):
        code = codes[i, 0]
        prefixes |= code == MEAN or code == STD or code == EXPANDING_MEAN
        squares |= code == STD
        queue_needed |= code == MIN or code == MAX
    size = n_months + 1 if prefixes else 1
    count = np.zeros(size)
    dev_hi, dev_lo = np.zeros(size), np.zeros(size)
    wide = size if squares else 1
    sq_hi, sq_lo = np.zeros(wide), np.zeros(wide)
    queue = np.zeros(n_months if queue_needed else 1, dtype=np.int64)
    zeros = np.zeros(size)
    for s in range(start, stop):
        x = block[s]
        shift = 0.0
        if prefixes:
            shift = prefix_sums(x, squares, count, dev_hi, dev_lo, sq_hi, sq_lo)
        for i in range(n_ops):
            code, months, need = codes[i, 0], codes[i, 1], codes[i, 2]
            row = out[i, s]
            if code == LAG:
                lag_into(x, months, row)
            elif code == DIFF:
                diff_into(x, months, row)
            elif code == GROWTH:
                growth_into(x, months, row)
            elif code == MEAN:
                mean_into(x, months, max(need, 1), shift, count, dev_hi, dev_lo, zeros, row)
            elif code == EXPANDING_MEAN:
                mean_into(x, n_months + 1, max(need, 1), shift, count, dev_hi, dev_lo, zeros, row)
            elif code == STD:
                std_into(x, months, max(need, 2), count, dev_hi, dev_lo, sq_hi, sq_lo, zeros, row)
            elif code == MIN or code == MAX:
                extreme_into(x, months, max(need, 1), code == MAX, queue, row)
            elif code == EWM:
                ewm_into(x, alphas[i], codes[i, 3] != 0, row)


def _check(operation: Operation) -> None:
    code, months, need, _, alpha = operation
    if code in (LAG, DIFF, GROWTH):
        if months < (0 if code == LAG else 1):
            raise ValueError("a lag must be >= 0 months (a negative lag would leak the future)" if code == LAG
                             else "a difference or growth rate needs months >= 1")
    elif code in (MEAN, STD, MIN, MAX):
        if months < 1:
            raise ValueError("a rolling window must be >= 1 month")
        if need < 0 or need > months:
            raise ValueError("min_periods must be between 0 and the window")
    elif code == EXPANDING_MEAN:
        if need < 0:
            raise ValueError("min_periods must be >= 0")
    elif code == EWM:
        if not 0.0 < alpha <= 1.0:
            raise ValueError("alpha must be in (0, 1]")
    else:
        raise ValueError(f"unknown operation code {code!r}")


def run_plan(block: np.ndarray, operations: list[Operation], threads: int = 1) -> np.ndarray:
    """float32 [operation, series, month] of a float32 [series, month] block, `threads` sharing the series."""
    block = np.ascontiguousarray(block, dtype=np.float32)
    if block.ndim != 2:
        raise ValueError(f"a block is [series, month]; got shape {block.shape}")
    for operation in operations:
        _check(operation)
    codes = np.array([op[:4] for op in operations], dtype=np.int64).reshape(len(operations), 4)
    alphas = np.array([op[4] for op in operations], dtype=np.float64)
    out = np.empty((len(operations), *block.shape), dtype=np.float32)
    n_series = block.shape[0]
    threads = max(1, min(int(threads), n_series))
    if threads == 1 or not operations:
        _run(block, 0, n_series, codes, alphas, out)
        return out
    bounds = np.linspace(0, n_series, threads + 1).astype(int)
    with ThreadPoolExecutor(threads) as pool:
        parts = [pool.submit(_run, block, a, b, codes, alphas, out)
                 for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        for part in parts:
            part.result()
    return out


def _one(block: np.ndarray, operation: Operation) -> np.ndarray:
    return run_plan(block, [operation])[0]


def lag(block: np.ndarray, months: int) -> np.ndarray:
    """x[t - months]; NaN for the first `months` months. Seasonal lags are lag(block, 12), lag(block, 24)."""
    return _one(block, (LAG, months, 0, 0, 0.0))


def diff(block: np.ndarray, months: int) -> np.ndarray:
    """x[t] - x[t - months] (in the series' unit); NaN where either is a gap."""
    return _one(block, (DIFF, months, 0, 0, 0.0))


def growth(block: np.ndarray, months: int) -> np.ndarray:
    """x[t] / x[t - months] - 1 (a ratio, 0.05 = +5 %); NaN where x[t - months] is 0 or either is a gap."""
    return _one(block, (GROWTH, months, 0, 0, 0.0))


def rolling_mean(block: np.ndarray, window: int, min_periods: int) -> np.ndarray:
    """Mean of the observations in the last `window` months (the series' unit)."""
    return _one(block, (MEAN, window, min_periods, 0, 0.0))


def rolling_std(block: np.ndarray, window: int, min_periods: int) -> np.ndarray:
    """Sample standard deviation (ddof=1) of the observations in the last `window` months; NaN below 2."""
    return _one(block, (STD, window, min_periods, 0, 0.0))


def rolling_min(block: np.ndarray, window: int, min_periods: int) -> np.ndarray:
    """Smallest observation in the last `window` months."""
    return _one(block, (MIN, window, min_periods, 0, 0.0))


def rolling_max(block: np.ndarray, window: int, min_periods: int) -> np.ndarray:
    """Largest observation in the last `window` months."""
    return _one(block, (MAX, window, min_periods, 0, 0.0))


def expanding_mean(block: np.ndarray, min_periods: int) -> np.ndarray:
    """Mean of every observation up to and including month t."""
    return _one(block, (EXPANDING_MEAN, 0, min_periods, 0, 0.0))


def ewm_mean(block: np.ndarray, alpha: float, ignore_na: bool) -> np.ndarray:
    """Exponentially weighted mean as of month t (the series' unit), smoothing factor 0 < alpha <= 1."""
    return _one(block, (EWM, 0, 0, int(bool(ignore_na)), float(alpha)))
