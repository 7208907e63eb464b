"""Prophet many-model cost and parallel efficiency: N synthetic monthly series (144 months, gaps, some
late starts) fitted and forecast one Prophet model per series, serially in this process, on a Dask
LocalCluster and on a local Ray with the same number of workers.

    .venv/bin/python -m benchmarks.prophet_cost [--series 200] [--months 144] [--workers 2] [--repeats 3]

Each engine is warmed first (every worker imports Prophet once, a few seconds; reported apart), then
each run is repeated; figures are medians with the spread. Parallel efficiency = serial seconds /
(workers x engine seconds), from the medians (issue 15's target: >= 90 % on 2 workers). Every run must
give the serial run's forecasts. `khlang bench` runs the same function (section prophet); this entry
point writes work/benchmarks/prophet-cost.json and prints a table."""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from benchmarks.features_peers import synthetic_block

if TYPE_CHECKING:
    from cluster.engine import Engine
    from models.forecasters.prophet import ProphetForecast

__all__ = ["HORIZON", "ProphetSize", "SIZES", "run_prophet", "EFFICIENCY_TARGET"]

HORIZON = 12  # months
EFFICIENCY_TARGET = 0.90  # issue 15: Prophet many-model on 2 workers


@dataclass(frozen=True)
class ProphetSize:
    series: int
    months: int
    repeats: int
    batch_size: int = 16


SIZES = {"full": ProphetSize(200, 144, 3), "quick": ProphetSize(48, 144, 1), "smoke": ProphetSize(4, 48, 1)}


def _timed(block: np.ndarray, batch_size: int, engine: Engine | None = None) -> tuple[ProphetForecast, float]:
    from cluster.engine import IN_PROCESS
    from models.forecasters.prophet import ProphetForecaster

    start = time.perf_counter()
    result = ProphetForecaster(batch_size=batch_size).forecast(block, HORIZON, engine or IN_PROCESS)
    return result, time.perf_counter() - start


def _repeated(block: np.ndarray, size: ProphetSize, engine: Engine | None = None) -> tuple[ProphetForecast, list[float]]:
    runs = [_timed(block, size.batch_size, engine) for _ in range(size.repeats)]
    return runs[0][0], [seconds for _, seconds in runs]


def _same(a: ProphetForecast, b: ProphetForecast) -> bool:
    return bool(np.array_equal(a.forecast, b.forecast, equal_nan=True) and np.array_equal(a.fallback, b.fallback))


def run_prophet(size: ProphetSize, workers: int = 2, engines: tuple[str, ...] = ("local", "ray"),
                echo=print) -> dict:
    """Serial and per-engine seconds (each run `size.repeats` times after a warm-up), the parallel efficiency
    of each engine and whether every run gave the serial forecasts."""
    from cluster.engine import open_engine
    from khlang.config import ClusterConfig

    block = synthetic_block(size.series, size.months).astype(np.float64)
    warm_block = block[:2 * workers]
    serial_warm = _timed(warm_block[:1], 1)[1]
    echo(f"prophet: {size.series} series serially, {size.repeats} run(s) …")
    reference, serial = _repeated(block, size)
    serial_median = float(np.median(serial))
    rows = [{"engine": "serial", "workers": 1, "warmup_s": serial_warm, "seconds": serial,
             "median_s": serial_median, "s_per_series": serial_median / size.series, "same_forecasts": True}]
    for address in engines:
        with open_engine(ClusterConfig(address=address, n_workers=workers)) as engine:
            label = engine.kind
            echo(f"prophet: {size.series} series on {label} with {engine.n_workers()} workers …")
            # one series per task, two tasks a worker: each worker imports Prophet before the clock starts
            warm = _timed(warm_block, 1, engine)[1]
            result, seconds = _repeated(block, size, engine)
            n_workers = engine.n_workers()
        median = float(np.median(seconds))
        rows.append({"engine": label, "workers": n_workers, "warmup_s": warm, "seconds": seconds,
                     "median_s": median, "s_per_series": median / size.series,
                     "efficiency": serial_median / (n_workers * median),
                     "efficiency_spread": [serial_median / (n_workers * max(seconds)),
                                           serial_median / (n_workers * min(seconds))],
                     "same_forecasts": _same(result, reference)})
    return {"series": size.series, "months": size.months, "horizon": HORIZON, "batch_size": size.batch_size,
            "repeats": size.repeats, "fallbacks": reference.n_fallbacks,
            "same_forecasts": all(row["same_forecasts"] for row in rows), "runs": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=SIZES["full"].series)
    parser.add_argument("--months", type=int, default=SIZES["full"].months)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=SIZES["full"].repeats)
    parser.add_argument("--batch-size", type=int, default=SIZES["full"].batch_size, help="series per task")
    args = parser.parse_args()

    from rich.table import Table

    from commands.progress import console
    from khlang.catalog import Catalog
    from khlang.config import load_settings
    from khlang.runtime import configure_runtime

    catalog = Catalog.from_settings(load_settings()).ensure()
    configure_runtime(catalog)  # temp files of cmdstanpy, Dask and Ray in the work folder
    size = ProphetSize(args.series, args.months, args.repeats, args.batch_size)
    figures = run_prophet(size, args.workers, echo=console.print)
    out = catalog.root / "benchmarks" / "prophet-cost.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2))

    table = Table(title=f"Prophet: {size.series} series x {size.months} months, horizon {HORIZON}, "
                        f"{size.batch_size} series a task at most, median of {size.repeats}")
    for column in ("engine", "workers", "warm-up s", "seconds", "spread", "s / series", "efficiency"):
        table.add_column(column, justify="left" if column == "engine" else "right")
    for row in figures["runs"]:
        efficiency = f"{row['efficiency']:.1%}" if "efficiency" in row else ""
        table.add_row(row["engine"], str(row["workers"]), f"{row['warmup_s']:.2f}", f"{row['median_s']:.2f}",
                      f"{min(row['seconds']):.2f}–{max(row['seconds']):.2f}", f"{row['s_per_series']:.4f}",
                      efficiency)
    console.print(table)
    console.print(f"fallbacks: {figures['fallbacks']}; same forecasts on every engine: {figures['same_forecasts']}")
    console.print(f"written {out}")


if __name__ == "__main__":
    main()
