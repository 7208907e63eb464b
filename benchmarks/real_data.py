"""Khlang's candidates and `auto` against statsforecast on real data nobody on the project wrote, in one run.

    .venv/bin/python -m benchmarks.real_data [--set tourism_monthly --set m3_yearly ...] [--cluster ADDRESS]

Every file of the shared benchmark folder (settings.data_dir / benchmarks: tourism monthly h 24, car parts
monthly h 12, M3 yearly h 6) and the real provincial waste (fit on 2556-2563 BE, forecast 2564-2565) is
evaluated the competition way, exactly as `khlang evaluate --holdout --peers` does: fit on all but the last
h points of every series, forecast h, score once (MASE with m = 12 monthly, 1 yearly; on car parts, whose
series are intermittent, m = 1 as is usual there; sMAPE on 0-200). The table per set holds every
candidate, `auto` (chosen on an inner backtest of the fitted part) and the peers Naive, SeasonalNaive,
AutoETS, AutoTheta, AutoARIMA (on car parts also CrostonOptimized, ADIDA, IMAPA) with WAPE, bias (mean of
actual - forecast: a median forecast such as recent_median sums low) and seconds each, the 80 / 95 % coverage, and the two targets: auto >= 3 % better MASE than the best
peer, and never worse than the better of naive and seasonal naive. Written to work/benchmarks/real-data.json and real-data.md."""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from benchmarks.evaluate_real_waste import WASTE_FILE, waste_long
from commands.progress import console
from commands.render import evaluate_table
from khlang.catalog import Catalog
from khlang.config import load_settings
from khlang.runtime import configure_runtime
from pipelines.generate.writers import atomic_write_bytes

__all__ = ["SETS", "RealSet", "benchmark_session", "chosen_sets", "run", "said", "targets"]


@dataclass(frozen=True)
class RealSet:
    name: str
    freq: str  # khlang evaluate's --freq
    horizon: int
    mase_freq: str  # the frequency whose season scales MASE (Y: m = 1)


SETS = (RealSet("tourism_monthly", "M", 24, "M"), RealSet("car_parts_monthly", "M", 12, "Y"),
        RealSet("m3_yearly", "Y", 6, "Y"), RealSet("waste_province", "Y", 2, "Y"))
TARGET_GAIN = 0.03


def targets(table: pd.DataFrame) -> dict[str, float | bool]:
    """auto's MASE against the best peer and against the better of naive and seasonal naive."""
    peers = table[table["kind"] == "peer"]
    best_peer = peers["mase"].idxmin()
    floor = table.loc[[m for m in ("naive", "seasonal_naive", "statsforecast.Naive", "statsforecast.SeasonalNaive")
                       if m in table.index], "mase"].min()
    auto = float(table.at["auto", "mase"])
    return {"auto_mase": auto, "best_peer": best_peer, "best_peer_mase": float(peers["mase"].min()),
            "gain_vs_best_peer": 1 - auto / float(peers["mase"].min()),
            "meets_peer_target": auto <= (1 - TARGET_GAIN) * float(peers["mase"].min()),
            "naive_floor_mase": float(floor), "meets_naive_floor": auto <= float(floor) + 1e-12}


def _long_file(real: RealSet, settings, folder) -> object:
    if real.name == "waste_province":
        wide = pd.read_csv(settings.thailand_dir / WASTE_FILE)
        wide = wide[wide["year_be"] <= 2565]  # fit 2556-2563, the held-out 2564-2565
        path = folder / "waste-province-long.csv"
        waste_long(wide).to_csv(path, index=False)
        return path
    return settings.data_dir / "benchmarks" / f"{real.name}.csv"


def _section(name: str, result: dict) -> list[str]:
    columns = ["kind", "mase", "smape", "wape", "bias", "coverage80", "coverage95", "seconds", "vs_best_peer"]
    lines = [f"## {name} (h {result.get('horizon', '?')}; auto = {result['auto']}; {result['seconds']} s)", "",
             f"auto {result['auto_mase']:.3f} vs best peer {result['best_peer']} {result['best_peer_mase']:.3f}: "
             f"gain {result['gain_vs_best_peer']:+.1%} (target >= {TARGET_GAIN:.0%}: "
             f"{'met' if result['meets_peer_target'] else 'missed'}); naive floor {result['naive_floor_mase']:.3f} "
             f"({'met' if result['meets_naive_floor'] else 'missed'})", "",
             "| model | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for row in result["table"]:
        cells = [str(row[c]) if c == "kind" else ("-" if row[c] is None or pd.isna(row[c]) else f"{row[c]:.3f}")
                 for c in columns]
        lines.append(f"| {row['model']} | " + " | ".join(cells) + " |")
    return [*lines, ""]


@contextmanager
def benchmark_session(cluster: str | None = None) -> Iterator[tuple[object, Path, object]]:
    """(settings, the benchmark folder, an open engine) with the runtime configured: every cache and
    temporary file in the work folder; `cluster` replaces the configured address."""
    settings = load_settings()
    catalog = Catalog.from_settings(settings).ensure()
    configure_runtime(catalog)
    from cluster.engine import open_engine

    folder = catalog.root / "benchmarks"
    folder.mkdir(parents=True, exist_ok=True)
    config = settings.cluster if cluster is None else dataclasses.replace(settings.cluster, address=cluster)
    with open_engine(config, str(catalog.tmp / "dask")) as engine:
        yield settings, folder, engine


def chosen_sets(names: list[str] | None, settings, folder: Path) -> Iterator[tuple[RealSet, object]]:
    """(set, its long file read) for each set of SETS in `names` (all when None), in SETS' order."""
    from models.evaluation.long_file import read_long

    for real in SETS:
        if not names or real.name in names:
            yield real, read_long(_long_file(real, settings, folder), real.freq)


def said(name: str) -> Callable[[str], None]:
    """evaluate's progress as a timed log line per fit: a run of an hour says where it is."""
    return lambda message: console.log(f"{name}: {message}")


def run(names: list[str] | None = None, cluster: str | None = None) -> dict:
    results: dict = {}
    with benchmark_session(cluster) as (settings, folder, engine):
        from models.evaluation.evaluate import evaluate  # after the runtime is configured (numba's cache)

        for real, data in chosen_sets(names, settings, folder):
            started = time.perf_counter()
            report = evaluate(data, real.horizon, engine=engine, holdout=True, peers=True,
                              mase_period=1 if real.mase_freq == "Y" else None, progress=said(real.name))
            seconds = time.perf_counter() - started
            console.print(evaluate_table(report))
            table = report.table
            results[real.name] = {"seconds": round(seconds, 1), "auto": report.auto, **targets(table),
                                  "coverage80": float(table.at["auto", "coverage80"]),
                                  "coverage95": float(table.at["auto", "coverage95"]),
                                  "table": json.loads(table.reset_index().to_json(orient="records"))}
            results[real.name]["horizon"] = real.horizon
    # a run of some sets updates their sections and keeps the others' from earlier runs
    path = folder / "real-data.json"
    merged = {**(json.loads(path.read_text()) if path.exists() else {}), **results}
    merged = {real.name: merged[real.name] for real in SETS if real.name in merged}
    atomic_write_bytes(path, json.dumps(merged, indent=2).encode())
    atomic_write_bytes(folder / "real-data.md", "\n".join(line for name, result in merged.items()
                                                           for line in _section(name, result)).encode())
    console.print(f"written {folder / 'real-data.json'} and real-data.md")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", dest="sets", choices=[s.name for s in SETS])
    parser.add_argument("--cluster", default=None, help="local (default) | tcp://HOST:8786 | ray")
    args = parser.parse_args()
    run(args.sets, args.cluster)


if __name__ == "__main__":
    main()
