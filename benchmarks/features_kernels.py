"""Feature-kernel micro-benchmark: the default feature set on a float32 [series, month] block the size
of the all-Thailand LAO panel (8,800 series x 144 months), numba kernels against the plain-pandas
reference (long frame, groupby + shift / rolling / ewm / expanding).

    .venv/bin/python -m benchmarks.features_kernels [--series 8800] [--months 144] [--repeats 5]

Writes work/benchmarks/features-kernels.json and prints the timings and the speed-up."""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from commands.progress import console
from khlang.catalog import Catalog
from khlang.config import load_settings
from khlang.runtime import configure_runtime

__all__ = ["synthetic_block", "run"]


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


def _best_of(repeats: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def run(n_series: int, n_months: int, repeats: int, pandas_repeats: int) -> dict:
    catalog = Catalog.from_settings(load_settings()).ensure()
    configure_runtime(catalog)  # before numba is imported, so its cache lands in the work folder
    from features import DEFAULT_FEATURES, compute_features
    from features.reference import reference_features

    block = synthetic_block(n_series, n_months)
    start = time.perf_counter()
    values, names = compute_features(block[:2, :24], DEFAULT_FEATURES)  # load (or compile) the kernels
    warmup = time.perf_counter() - start

    numba_s = _best_of(repeats, lambda: compute_features(block, DEFAULT_FEATURES))
    # what a Dask worker does with its blocks: the kernels release the GIL, so threads scale
    threads = min(8, os.cpu_count() or 1)
    chunks = np.array_split(block, threads)
    with ThreadPoolExecutor(threads) as pool:
        threaded_s = _best_of(repeats, lambda: list(pool.map(lambda b: compute_features(b, DEFAULT_FEATURES),
                                                             chunks)))
    pandas_s = _best_of(pandas_repeats, lambda: reference_features(block, DEFAULT_FEATURES))

    values, names = compute_features(block, DEFAULT_FEATURES)
    expected = reference_features(block, DEFAULT_FEATURES)
    same_gaps = bool((np.isnan(values) == np.isnan(expected)).all())
    both = ~np.isnan(values) & (expected != 0)
    max_rel = float(np.max(np.abs(values[both] / expected[both] - 1), initial=0.0))

    results = {
        "series": n_series, "months": n_months, "features": len(names), "gap_share": 0.05,
        "warmup_s": round(warmup, 3), "numba_s": round(numba_s, 4),
        f"numba_{threads}_threads_s": round(threaded_s, 4), "pandas_s": round(pandas_s, 3),
        "speedup": round(pandas_s / numba_s, 1), f"speedup_{threads}_threads": round(pandas_s / threaded_s, 1),
        "output_mib": round(values.nbytes / 2**20, 1), "same_gaps": same_gaps, "max_relative_difference": max_rel,
    }
    out = catalog.root / "benchmarks" / "features-kernels.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    console.print_json(json.dumps(results))
    console.print(f"written {out}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=8_800)
    parser.add_argument("--months", type=int, default=144)
    parser.add_argument("--repeats", type=int, default=5, help="numba runs; the best is reported")
    parser.add_argument("--pandas-repeats", type=int, default=2, help="pandas runs; the best is reported")
    args = parser.parse_args()
    run(args.series, args.months, args.repeats, args.pandas_repeats)


if __name__ == "__main__":
    main()
