"""How much the backtest's verdict depends on where its origins fall: one metric trained at several origin
designs (n_origins x step months) on the same data, side by side.

    .venv/bin/python -m benchmarks.origin_sensitivity [--work-dir work/thailand] --metric elderly_60_69 \
        [--metric waste_generated ...] [--design 4x6 --design 8x3 --design 12x3]

Every design trains the metric exactly as `khlang train` does (`models.training.train.train_metric`, the family's
config from khlang.toml with only n_origins and step replaced) on the work folder's panel, on the
configured cluster, and logs nothing to MLflow. One row per (metric, design): the cut dates, the LAO
champion, its reconciled MASE against seasonal naive's (the gain the issue's 15 % target is about), the
LAO coverage of the 80 / 95 % intervals, and the lowest coverage of any aggregate level. Writes
work/benchmarks/origin-sensitivity.json.

Why: a backtest with a few origins measures the events its windows contain as much as the models. The
real provincial waste has the COVID-19 dip of 2020-2021, and data generated with the income-test scenario
(`khlang generate --income-test-cut 0.5`: half the new 60-year-old entrants fail the test from August
2023 on) has a break that no origin before it can foresee; which origin design contains them decides
those metrics' scores, and an ML engineer comparing runs should see by how much."""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from commands.progress import console
from khlang.catalog import Catalog
from khlang.config import load_settings
from khlang.domain.calendar import month_from_index
from khlang.domain.metrics import METRIC_NAMES, metric
from khlang.runtime import configure_runtime

__all__ = ["design_row", "markdown", "parse_design", "run"]

DEFAULT_DESIGNS = ("4x6", "8x3", "12x3")


def parse_design(text: str) -> tuple[int, int]:
    """'8x3' -> (8 origins, 3 months apart); ValueError on anything else."""
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or int(parts[1]) < 1:
        raise ValueError(f"a design is <origins>x<months between them>, e.g. 8x3; got {text!r}")
    return int(parts[0]), int(parts[1])


def design_row(training, periods: np.ndarray, design: str, seconds: float) -> dict:
    """The row of one trained design: `training` a models.training.train.MetricTraining, `periods` the month index
    of each month of its history (for naming the cut dates)."""
    lao = training.reconciled["lao"].summary
    base = training.backtests["lao"].summary
    cov = training.coverage.set_index(["level", "interval"])["coverage"]
    aggregates = training.coverage[training.coverage["level"] != "lao"].groupby("interval")["coverage"].min()
    cuts = [str(month_from_index(int(periods[c])))[:7] for c in training.cuts]
    mase, naive = float(lao.loc["reconciled", "mase"]), float(base.loc["seasonal_naive", "mase"])
    return {"metric": training.metric, "design": design, "cuts": cuts, "champion": training.champions["lao"],
            "mase": mase, "mase_seasonal_naive": naive, "gain": 1.0 - mase / naive,
            "coverage80": float(cov[("lao", 0.8)]), "coverage95": float(cov[("lao", 0.95)]),
            "aggregate_min80": float(aggregates.get(0.8, np.nan)), "aggregate_min95": float(aggregates.get(0.95, np.nan)),
            "seconds": seconds}


def run(settings, catalog: Catalog, metrics: list[str], designs: list[str]) -> pd.DataFrame:
    from cluster.engine import open_engine
    from khlang.domain.reference import load_reference
    from models.training.history import load_history
    from models.training.train import train_metric

    reference = load_reference(settings.thailand_dir)
    rows = []
    with open_engine(settings.cluster, local_directory=str(catalog.tmp / "dask")) as engine:
        console.print(f"engine: {engine.describe()}")
        for name in metrics:
            history = load_history(catalog, reference, name)
            family_config = settings.train.for_family(metric(name).family)
            for design in designs:
                n_origins, step = parse_design(design)
                config = dataclasses.replace(family_config, n_origins=n_origins, step=step)
                started = time.perf_counter()
                training = train_metric(history, config, engine)
                row = design_row(training, history.periods, design, time.perf_counter() - started)
                rows.append(row)
                console.print(f"{name} {design}: gain {row['gain']:.1%}, LAO {row['coverage80']:.3f} / "
                              f"{row['coverage95']:.3f}, {row['seconds']:.0f} s")
    return pd.DataFrame(rows)


def markdown(rows: pd.DataFrame) -> str:
    lines = ["| metric | design | cuts | LAO champion | MASE / seasonal naive | gain | LAO cov 80 / 95 | "
             "lowest aggregate cov 80 / 95 | seconds |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows.itertuples():
        cuts = f"{r.cuts[0]} … {r.cuts[-1]}"
        lines.append(f"| {r.metric} | {r.design} | {cuts} | {r.champion} | {r.mase:.3f} / {r.mase_seasonal_naive:.3f} | "
                     f"{r.gain:.1%} | {r.coverage80:.3f} / {r.coverage95:.3f} | {r.aggregate_min80:.3f} / "
                     f"{r.aggregate_min95:.3f} | {r.seconds:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work-dir", type=Path, default=None, help="the work folder (default: the config's)")
    parser.add_argument("--metric", choices=METRIC_NAMES, action="append", required=True,
                        help="a metric (repeatable)")
    parser.add_argument("--design", action="append", help=f"origins x step (repeatable); default {' '.join(DEFAULT_DESIGNS)}")
    args = parser.parse_args()
    designs = args.design or list(DEFAULT_DESIGNS)
    for design in designs:
        try:
            parse_design(design)
        except ValueError as error:
            parser.error(str(error))
    settings = load_settings()
    if args.work_dir:
        settings = settings.with_work_dir(args.work_dir.resolve())
    catalog = Catalog.from_settings(settings).ensure()
    configure_runtime(catalog)
    rows = run(settings, catalog, args.metric, designs)
    console.print(markdown(rows), markup=False, highlight=False, soft_wrap=True)
    target = catalog.root / "benchmarks" / "origin-sensitivity.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(rows.to_dict("records"), indent=1))
    console.print(f"\nwritten {target}")


if __name__ == "__main__":
    main()
