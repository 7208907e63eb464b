"""Feature engineering against the peers a user would pick instead, same panel, same features, same
threads: Khlang's one-pass kernels (features.compute_features), coreforecast (Nixtla's C++ kernels, with
and without skipping NaN), polars (.over windows) and pandas (groupby), beside the copy-bandwidth floor
(allocating the output and copying the block into each feature's rows: what any implementation must at
least do). The features are the issue's: lags 1/7/14/28, rolling mean and std over 7 and 28 days.

Rates are M rows/s (series x days / seconds, all 8 features); each is the median of the repeats after a
warm-up, with the spread. Each implementation is timed to its own output (Khlang: one [feature, series,
day] array; coreforecast: a flat array per feature; polars: a DataFrame); turning a peer's output into
Khlang's shape for the comparison is not timed. Every output is compared with Khlang's: NaN in the same
places and the largest relative difference (Khlang's kernels are held to rtol 1e-5 of pandas by the tests;
a peer agrees within 1e-3, and its difference is reported)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

__all__ = ["FEATURES", "FeatureSize", "SIZES", "daily_panel", "synthetic_block", "run_features"]


@dataclass(frozen=True)
class FeatureSize:
    series: int
    days: int
    repeats: int
    pandas_repeats: int


SIZES = {"full": FeatureSize(2_000, 3_650, 7, 2), "quick": FeatureSize(500, 3_650, 5, 1),
         "smoke": FeatureSize(40, 400, 2, 1)}


def _features():
    from features import Lag, RollingMean, RollingStd

    return (Lag(1), Lag(7), Lag(14), Lag(28), RollingMean(7), RollingStd(7), RollingMean(28), RollingStd(28))


FEATURES = _features()


def daily_panel(n_series: int, n_days: int, seed: int = 0) -> np.ndarray:
    """Daily series at levels spread over four orders of magnitude, with weekly seasonality and noise."""
    rng = np.random.default_rng(seed)
    level = rng.lognormal(5, 1.5, (n_series, 1))
    week = 1 + 0.2 * np.sin(2 * np.pi * (np.arange(n_days) + rng.integers(0, 7, (n_series, 1))) / 7)
    return (level * week * rng.lognormal(0, 0.15, (n_series, n_days))).astype(np.float32)


def synthetic_block(n_series: int, n_months: int, gap_share: float = 0.05, seed: int = 0) -> np.ndarray:
    """Seasonal monthly series (baht-like levels) with scattered gaps and some late starts, float32."""
    rng = np.random.default_rng(seed)
    level = rng.lognormal(13, 1.5, (n_series, 1))
    season = 1 + 0.2 * np.sin(2 * np.pi * (np.arange(n_months) + rng.integers(0, 12, (n_series, 1))) / 12)
    block = (level * season * rng.lognormal(0, 0.1, (n_series, n_months))).astype(np.float32)
    block[rng.random(block.shape) < gap_share] = np.nan
    starts = rng.integers(0, n_months // 2, n_series) * (rng.random(n_series) < 0.1)
    block[np.arange(n_months) < starts[:, None]] = np.nan
    return block


def _timed(work: Callable[[], object], repeats: int) -> tuple[list[float], object]:
    result = work()  # warm-up (and the output that is checked)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return times, result


def _coreforecast(block: np.ndarray, threads: int, skipna: bool) -> Callable[[], np.ndarray] | None:
    try:
        from coreforecast import lag_transforms as lt
        from coreforecast.grouped_array import GroupedArray
    except ImportError:
        return None
    n_series, n_days = block.shape
    grouped = GroupedArray(block.ravel(), np.arange(0, n_series * n_days + 1, n_days, dtype=np.int32),
                           num_threads=threads)
    transforms = [lt.Lag(1), lt.Lag(7), lt.Lag(14), lt.Lag(28)] + [
        kind(0, window, skipna=skipna) for window in (7, 28) for kind in (lt.RollingMean, lt.RollingStd)]
    return lambda: [t.transform(grouped) for t in transforms]  # its own output: a flat array per feature


def _polars(block: np.ndarray) -> Callable[[], np.ndarray] | None:
    try:
        import polars as pl
    except ImportError:
        return None
    n_series, n_days = block.shape
    frame = pl.DataFrame({"series": np.repeat(np.arange(n_series, dtype=np.int32), n_days),
                          "value": block.ravel()})
    value = pl.col("value")
    exprs = [value.shift(k).over("series") for k in (1, 7, 14, 28)] + [
        e.over("series") for w in (7, 28) for e in (value.rolling_mean(w), value.rolling_std(w))]
    return lambda: frame.select([e.alias(str(i)) for i, e in enumerate(exprs)])  # its own output: a DataFrame


def _floor(block: np.ndarray, threads: int) -> Callable[[], np.ndarray]:
    def copy(out: np.ndarray, a: int, b: int) -> None:
        for i in range(out.shape[0]):
            out[i, a:b] = block[a:b]

    def work() -> np.ndarray:
        out = np.empty((len(FEATURES), *block.shape), dtype=np.float32)
        bounds = np.linspace(0, block.shape[0], threads + 1).astype(int)
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda ab: copy(out, *ab), zip(bounds[:-1], bounds[1:], strict=True)))
        return out

    return work


def _difference(values: np.ndarray, expected: np.ndarray) -> float:
    """Largest relative difference where both have a value; inf when shapes or NaN places differ."""
    values = np.asarray(values, dtype=np.float64)
    if values.shape != expected.shape or not (np.isnan(values) == np.isnan(expected)).all():
        return float("inf")
    both = ~np.isnan(expected) & (expected != 0)
    return float(np.max(np.abs(values[both] / expected[both] - 1), initial=0.0))


def run_features(size: FeatureSize, thread_counts: tuple[int, ...] = (1, 2), block: np.ndarray | None = None) -> dict:
    """Rates of Khlang and each peer per thread count, their agreement, and the copy floor; on `block`
    (float32 [series, period], NaN = gap) when given, else on daily_panel at `size`."""
    from features import compute_features
    from features.reference import reference_features

    block = daily_panel(size.series, size.days) if block is None else np.ascontiguousarray(block, dtype=np.float32)
    rows = block.size
    expected, _ = compute_features(block, FEATURES)
    results = []

    def as_block(out: object) -> np.ndarray:
        """A peer's own output (a list of flat arrays, a DataFrame of columns) as [feature, series, day], for
        the comparison only: the conversion is not timed."""
        if isinstance(out, np.ndarray):
            return out
        columns = out if isinstance(out, list) else [column.to_numpy() for column in out]
        return np.stack([np.asarray(column).reshape(block.shape) for column in columns])

    def measure(name: str, threads: int, work: Callable[[], object] | None, repeats: int, check: bool = True,
                note: str = "") -> None:
        if work is None:
            results.append({"name": name, "threads": threads, "status": "not installed (make bench installs it)"})
            return
        times, out = _timed(work, repeats)
        median = float(np.median(times))
        difference = _difference(as_block(out), expected) if check else None
        results.append({"name": name, "threads": threads, "status": "ok", "seconds": times,
                        "median_s": median, "m_rows_per_s": rows / median / 1e6,
                        "spread_m_rows_per_s": [rows / max(times) / 1e6, rows / min(times) / 1e6],
                        "max_relative_difference": difference,
                        "agrees": None if difference is None else difference <= 1e-3, "note": note})

    for threads in thread_counts:
        measure("khlang", threads, lambda t=threads: compute_features(block, FEATURES, threads=t)[0], size.repeats)
        measure("coreforecast", threads, _coreforecast(block, threads, skipna=False), size.repeats,
                note="skipna=False (its default: a NaN spoils its windows)")
        measure("coreforecast skipna", threads, _coreforecast(block, threads, skipna=True), size.repeats,
                note="skipna=True: NaN skipped as Khlang and pandas do")
        measure("copy floor", threads, _floor(block, threads), size.repeats, check=False,
                note="allocate the output, copy the block into each feature")
    polars_threads = int(os.environ.get("POLARS_MAX_THREADS", os.cpu_count() or 1))
    measure("polars", polars_threads, _polars(block), size.repeats, note="threads: POLARS_MAX_THREADS")
    measure("pandas", 1, lambda: reference_features(block, FEATURES), size.pandas_repeats, note="groupby")
    return {"series": block.shape[0], "days": block.shape[1], "rows": rows, "features": [f.name for f in FEATURES],
            "results": results}
