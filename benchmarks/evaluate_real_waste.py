"""`khlang evaluate` on real data: the provincial waste series of the Pollution Control Department
(77 provinces, fiscal years 2556-2565 BE, tonnes/day), yearly, horizon 2 years.

    .venv/bin/python -m benchmarks.evaluate_real_waste [--metric generated_ton_day] [--origins N] [--mlflow]

The reference file (settings.thailand_dir / waste_province_yearly.csv) is wide: one row per (province,
year) and a column per metric. It is converted to the long form a data scientist would bring
(unique_id = province TIS code, ds = CE year, y = the metric) in work/benchmarks/, evaluated from there
like any other file, printed, and written to work/benchmarks/evaluate-real-waste.json. Origins default to
3: 4 fit the ten years, but the first would see two years, one naive difference as its MASE scale."""

from __future__ import annotations

import argparse
import json
import time

import pandas as pd

from commands.progress import console
from commands.render import evaluate_table
from khlang.catalog import Catalog
from khlang.config import load_settings
from khlang.domain.calendar import be_to_ce
from khlang.runtime import configure_runtime

__all__ = ["WASTE_FILE", "METRICS", "waste_long", "run"]

WASTE_FILE = "waste_province_yearly.csv"
METRICS = ("generated_ton_day", "recycled_ton_day", "disposed_correct_ton_day", "disposed_incorrect_ton_day")
FREQ, HORIZON, ORIGINS = "Y", 2, 3


def waste_long(wide: pd.DataFrame, metric: str = "generated_ton_day") -> pd.DataFrame:
    """The wide provincial file as long rows: unique_id (TIS code), ds (CE year), y (tonnes/day)."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}; got {metric!r}")
    return pd.DataFrame({
        "unique_id": wide["province_tis_code"].astype(str),
        "ds": wide["year_be"].map(be_to_ce).astype(str),
        "y": wide[metric].astype(float),
    }).sort_values(["unique_id", "ds"], ignore_index=True)


def run(metric: str = "generated_ton_day", n_origins: int = ORIGINS, log: bool = False) -> dict:
    settings = load_settings()
    catalog = Catalog.from_settings(settings).ensure()
    configure_runtime(catalog)  # numba's cache and MLflow's temp files in the work folder
    from models.evaluation.evaluate import (
        evaluate_file,  # after the runtime: it imports numba, xgboost and MLflow
    )

    folder = catalog.root / "benchmarks"
    folder.mkdir(parents=True, exist_ok=True)
    long_file = folder / f"waste-province-{metric}-long.csv"
    waste_long(pd.read_csv(settings.thailand_dir / WASTE_FILE), metric).to_csv(long_file, index=False)

    started = time.perf_counter()
    report = evaluate_file(long_file, FREQ, HORIZON, n_origins)
    seconds = time.perf_counter() - started
    console.print(evaluate_table(report))
    figures = {"metric": metric, "seconds": round(seconds, 2), **report.to_dict()}
    if log:
        figures["mlflow_run_id"] = report.log_to_mlflow(catalog)
        console.print(f"logged to MLflow: run {figures['mlflow_run_id']} in experiment khlang-evaluate")
    out = folder / "evaluate-real-waste.json"
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    console.print(f"{seconds:.1f} s; written {out}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--metric", choices=METRICS, default="generated_ton_day")
    parser.add_argument("--origins", type=int, default=ORIGINS, help="backtest origins (3 or 4 fit ten years)")
    parser.add_argument("--mlflow", action="store_true", help="also log the run to the configured MLflow store")
    args = parser.parse_args()
    run(args.metric, args.origins, args.mlflow)


if __name__ == "__main__":
    main()
