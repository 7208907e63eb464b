"""Global XGBoost, direct against recursive: rolling-origin backtest (MASE, per step band) and time on a
synthetic seasonal panel (shared yearly pattern + per-series trend + noise, sizes over four orders of
magnitude, 2 % gaps), with seasonal naive as the yardstick; optionally the same direct fit on a local
Dask cluster against in-process training.

    .venv/bin/python -m benchmarks.xgb_direct_vs_recursive [--series 200] [--months 96] [--horizon 12]
        [--origins 3] [--dask]

Writes work/benchmarks/xgb-direct-vs-recursive.json and prints the comparison."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np

from cluster.engine import IN_PROCESS, Engine
from commands.progress import console
from khlang.catalog import Catalog
from khlang.config import ClusterConfig, load_settings
from khlang.runtime import configure_runtime

__all__ = ["seasonal_panel", "run"]


def seasonal_panel(n_series: int, n_months: int, seed: int = 0, gap_share: float = 0.02) -> np.ndarray:
    """float32 [series, month]: shared yearly pattern, per-series trend and size, 8 % noise, gaps."""
    rng = np.random.default_rng(seed)
    months = np.arange(n_months)[None, :]
    size = rng.lognormal(6, 1.2, (n_series, 1))
    season = 0.3 * np.sin(2 * np.pi * months / 12) + 0.1 * np.cos(4 * np.pi * months / 12)
    slope = rng.uniform(0.0, 0.015, (n_series, 1))
    panel = size * (1 + slope * months + season + rng.normal(0, 0.08, (n_series, n_months)))
    panel[rng.random(panel.shape) < gap_share] = np.nan
    return panel.astype(np.float32)


class _Timed:
    """A forecaster under another name that adds up its fit_predict seconds."""

    def __init__(self, model: Any, name: str) -> None:
        self.model, self.name, self.seconds = model, name, 0.0

    def fit_predict(self, history: np.ndarray, horizon: int, engine: Engine = IN_PROCESS) -> np.ndarray:
        started = time.perf_counter()
        forecast = self.model.fit_predict(history, horizon, engine)
        self.seconds += time.perf_counter() - started
        return forecast


def _step_bands(backtest: Any, name: str, horizon: int) -> dict[str, float]:
    """Mean MASE over origins for steps 1-3, 4-6, … (how error grows with the step)."""
    bands = {}
    for start in range(0, horizon, 3):
        from models.evaluation.metrics import mase

        stop = min(start + 3, horizon)
        per_origin = [mase(backtest.actual[o][:, start:stop], backtest.forecasts[name][o][:, start:stop],
                           backtest.scale[o]) for o in range(len(backtest.cuts))]
        bands[f"h{start + 1}-{stop}"] = round(float(np.nanmean(np.concatenate(per_origin))), 4)
    return bands


def run(n_series: int, n_months: int, horizon: int, n_origins: int, dask: bool) -> dict[str, Any]:
    catalog = Catalog.from_settings(load_settings()).ensure()
    configure_runtime(catalog)  # before numba is imported, so its cache lands in the work folder
    from models.evaluation.backtest import rolling_origin_backtest
    from models.forecasters.baselines import SeasonalNaive
    from models.forecasters.xgb_global import XGBGlobalForecaster

    block = seasonal_panel(n_series, n_months)
    models = [_Timed(XGBGlobalForecaster(strategy="direct"), "direct"),
              _Timed(XGBGlobalForecaster(strategy="recursive"), "recursive"),
              _Timed(SeasonalNaive(), "seasonal_naive")]
    backtest = rolling_origin_backtest(block, models, horizon, n_origins)
    summary = backtest.summary
    results: dict[str, Any] = {"series": n_series, "months": n_months, "horizon": horizon, "origins": n_origins,
                               "models": {}}
    for model in models:
        results["models"][model.name] = {
            "mase": round(float(summary.loc[model.name, "mase"]), 4),
            "smape": round(float(summary.loc[model.name, "smape"]), 3),
            "seconds_per_origin": round(model.seconds / n_origins, 3),
            "mase_by_step": _step_bands(backtest, model.name, horizon),
        }
    if dask:
        results["dask_vs_in_process"] = _dask_difference(block, horizon)
    for name, row in results["models"].items():
        console.print(f"{name:>15}  MASE {row['mase']:.4f}  sMAPE {row['smape']:.2f}  "
                      f"{row['seconds_per_origin']:.2f} s/origin  by step {row['mase_by_step']}")
    if dask:
        console.print(f"dask vs in-process (direct, last origin): {results['dask_vs_in_process']}")
    out = catalog.root / "benchmarks" / "xgb-direct-vs-recursive.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    console.print(f"written {out}")
    return results


def _dask_difference(block: np.ndarray, horizon: int) -> dict[str, float]:
    from cluster.engine import open_engine
    from models.forecasters.xgb_global import XGBGlobalForecaster

    started = time.perf_counter()
    local = XGBGlobalForecaster().fit(block, horizon)
    local_seconds = time.perf_counter() - started
    with open_engine(ClusterConfig(address="local", n_workers=2)) as engine:
        remote = XGBGlobalForecaster().fit(block, horizon, engine)
    relative = np.abs(remote.forecast - local.forecast) / np.abs(local.forecast)
    return {"median_relative_difference": round(float(np.nanmedian(relative)), 5),
            "max_relative_difference": round(float(np.nanmax(relative)), 5),
            "in_process_train_seconds": round(local.train_seconds, 2),
            "in_process_fit_seconds": round(local_seconds, 2),
            "dask_train_seconds": round(remote.train_seconds, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--months", type=int, default=96)
    parser.add_argument("--horizon", type=int, default=12)
    parser.add_argument("--origins", type=int, default=3)
    parser.add_argument("--dask", action="store_true", help="also train the direct model on a local Dask cluster")
    args = parser.parse_args()
    run(args.series, args.months, args.horizon, args.origins, args.dask)


if __name__ == "__main__":
    main()
