"""Prophet cost: seconds per series to fit and forecast N synthetic monthly series (144 months, gaps,
some late starts), serially in this process, on a 2-worker Dask LocalCluster and on a 2-CPU local Ray.

    .venv/bin/python -m benchmarks.prophet_cost [--series 200] [--months 144] [--workers 2] [--batch-size 16]

Each engine is warmed first (every worker imports Prophet once, a few seconds) and the warm-up is
reported apart. Writes work/benchmarks/prophet-cost.json, prints a table, and checks that the three
runs gave the same forecasts."""

from __future__ import annotations

import argparse
import json
import time
from typing import TYPE_CHECKING

import numpy as np
from rich.table import Table

from benchmarks.features_peers import synthetic_block
from cluster.engine import IN_PROCESS, Engine
from commands.progress import console
from khlang.catalog import Catalog
from khlang.config import ClusterConfig, load_settings
from khlang.runtime import configure_runtime

if TYPE_CHECKING:
    from models.forecasters.prophet import ProphetForecast, ProphetForecaster

__all__ = ["run"]

HORIZON = 12  # months


def _timed(model: ProphetForecaster, block: np.ndarray, engine: Engine = IN_PROCESS) -> tuple[ProphetForecast, float]:
    start = time.perf_counter()
    result = model.forecast(block, HORIZON, engine)
    return result, time.perf_counter() - start


def run(n_series: int, n_months: int, n_workers: int, batch_size: int) -> dict:
    catalog = Catalog.from_settings(load_settings()).ensure()
    configure_runtime(catalog)  # temp files of cmdstanpy, Dask and Ray in the work folder
    from cluster.engine import open_engine
    from models.forecasters.prophet import ProphetForecaster

    block = synthetic_block(n_series, n_months).astype(np.float64)
    warm_block = block[:2 * n_workers]
    rows, results = [], {}

    warm = _timed(ProphetForecaster(), warm_block[:1])[1]
    results["serial"], seconds = _timed(ProphetForecaster(batch_size=batch_size), block)
    rows.append(("serial", 1, warm, seconds))

    for label, address in (("dask", "local"), ("ray", "ray")):
        with open_engine(ClusterConfig(address=address, n_workers=n_workers)) as engine:
            # one series per task, two tasks a worker: each worker imports Prophet before the clock starts
            warm = _timed(ProphetForecaster(batch_size=1), warm_block, engine)[1]
            results[label], seconds = _timed(ProphetForecaster(batch_size=batch_size), block, engine)
            rows.append((label, engine.n_workers(), warm, seconds))

    serial = results["serial"]
    same = all(np.array_equal(r.forecast, serial.forecast, equal_nan=True)
               and np.array_equal(r.fallback, serial.fallback) for r in results.values())
    figures = {
        "series": n_series, "months": n_months, "horizon": HORIZON, "batch_size": batch_size,
        "fallbacks": serial.n_fallbacks, "same_forecasts": same,
        "runs": [{"engine": label, "workers": workers, "warmup_s": round(warm, 2), "total_s": round(total, 2),
                  "s_per_series": round(total / n_series, 4)} for label, workers, warm, total in rows],
    }
    out = catalog.root / "benchmarks" / "prophet-cost.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2))

    table = Table(title=f"Prophet: {n_series} series x {n_months} months, horizon {HORIZON}, "
                        f"{batch_size} series a task")
    for column in ("engine", "workers", "warm-up s", "total s", "s / series"):
        table.add_column(column, justify="left" if column == "engine" else "right")
    for run_ in figures["runs"]:
        table.add_row(run_["engine"], str(run_["workers"]), f"{run_['warmup_s']:.2f}", f"{run_['total_s']:.2f}",
                      f"{run_['s_per_series']:.4f}")
    console.print(table)
    console.print(f"fallbacks: {serial.n_fallbacks}; same forecasts on every engine: {same}")
    console.print(f"written {out}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--months", type=int, default=144)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16, help="series per task")
    args = parser.parse_args()
    run(args.series, args.months, args.workers, args.batch_size)


if __name__ == "__main__":
    main()
