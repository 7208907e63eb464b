"""The backtest tables of the published champions, per family, metric and level, as Markdown: what an
ML engineer pastes into a review.

    .venv/bin/python -m benchmarks.backtest_tables [--work-dir work/thailand] [--family budget|waste|welfare]

For each family it reads the registered `champion`'s parent run (models:/khlang-<family>@champion) from
the work folder's MLflow store: backtest/accuracy.parquet (every model's MASE and sMAPE per level, base
and reconciled) and backtest/coverage.parquet (the intervals' cross-origin and last-origin coverage), and
prints one row per (metric, level): the champion, its base and reconciled MASE, seasonal naive's MASE,
the gain of the reconciled champion over seasonal naive, sMAPE and the 80 / 95 % coverage with, in
brackets, its 90 % range over resampled origins (models.evaluation.intervals.origin_bootstrap: at the nation an
8-origin backtest is about 8 draws, so a few points off nominal can be noise). It also writes the rows to
work/benchmarks/backtest-tables.json."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import pandas as pd

from commands.progress import console
from khlang.catalog import Catalog
from khlang.config import load_settings
from khlang.domain.metrics import FAMILIES
from khlang.runtime import configure_runtime

__all__ = ["backtest_rows", "markdown", "run"]

LEVELS = ("nation", "region", "province", "district", "lao")


def backtest_rows(accuracy: pd.DataFrame, coverage: pd.DataFrame) -> pd.DataFrame:
    """One row per (metric, level) from a family run's accuracy and coverage tables."""
    rows = []
    for (metric, level), part in accuracy.groupby(["metric", "level"], sort=False):
        base = part[part["stage"] == "base"].set_index("model")
        reconciled = part[part["stage"] == "reconciled"].iloc[0]
        champion = str(reconciled["model"])
        naive = float(base.loc["seasonal_naive", "mase"])
        cov = coverage[(coverage["metric"] == metric) & (coverage["level"] == level)].set_index("interval")
        last = cov["coverage_last_origin"] if "coverage_last_origin" in cov else pd.Series(dtype=float)
        rows.append({"metric": metric, "level": level, "champion": champion,
                     "mase_base": float(base.loc[champion, "mase"]), "mase_reconciled": float(reconciled["mase"]),
                     "mase_seasonal_naive": naive, "gain_vs_seasonal_naive": 1.0 - float(reconciled["mase"]) / naive,
                     "smape": float(reconciled["smape"]),
                     "coverage80": float(cov["coverage"].get(0.8, float("nan"))),
                     "coverage95": float(cov["coverage"].get(0.95, float("nan"))),
                     "coverage80_last_origin": float(last.get(0.8, float("nan"))),
                     "coverage95_last_origin": float(last.get(0.95, float("nan"))),
                     **{f"coverage{pct}_{end}": _get(cov, f"coverage_{end}", level)
                        for pct, level in (("80", 0.8), ("95", 0.95)) for end in ("low", "high")}})
    out = pd.DataFrame(rows)
    out["order"] = out["level"].map(LEVELS.index)
    return out.sort_values(["metric", "order"], kind="stable").drop(columns="order").reset_index(drop=True)


def _get(cov: pd.DataFrame, column: str, interval: float) -> float:
    """cov[column] at the interval; NaN for runs logged before the column existed."""
    return float(cov[column].get(interval, float("nan"))) if column in cov else float("nan")


def _coverage_cell(row: pd.Series, pct: str) -> str:
    """0.913 (0.86-0.95): the cross-origin coverage and its origin-bootstrap 90 % range where logged."""
    value, low, high = (row.get(f"coverage{pct}{suffix}", float("nan")) for suffix in ("", "_low", "_high"))
    return f"{value:.3f}" if pd.isna(low) else f"{value:.3f} ({low:.2f}–{high:.2f})"


def markdown(rows: pd.DataFrame) -> str:
    lines = ["| metric | level | champion | MASE base | MASE reconciled | seasonal naive | gain | sMAPE | "
             "cov 80 | cov 95 | last origin 80 / 95 |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for _, r in rows.iterrows():
        lines.append(f"| {r.metric} | {r.level} | {r.champion} | {r.mase_base:.3f} | {r.mase_reconciled:.3f} | "
                     f"{r.mase_seasonal_naive:.3f} | {r.gain_vs_seasonal_naive:.1%} | {r.smape:.1f} | "
                     f"{_coverage_cell(r, '80')} | {_coverage_cell(r, '95')} | {r.coverage80_last_origin:.2f} / "
                     f"{r.coverage95_last_origin:.2f} |")
    return "\n".join(lines)


def run(catalog: Catalog, families: list[str],
        required: bool = True) -> dict[str, pd.DataFrame]:
    """The champion's tables of each family. A family without a champion (never trained in this
    tracking store) is an error when required (the user named it), else skipped with a note."""
    from mlflow.exceptions import MlflowException

    from models.tracking.registry import CHAMPION, registered_model_name
    from models.tracking.runs import using_tracking_uri
    from serving.model_registry_view import backtest_tables

    uri = catalog.tracking_uri
    out = {}
    with using_tracking_uri(uri) as client, tempfile.TemporaryDirectory(dir=catalog.tmp) as scratch:
        for family in families:
            name = registered_model_name(family)
            try:
                version = client.get_model_version_by_alias(name, CHAMPION)
            except MlflowException as exc:
                if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
                    raise
                hint = f"{name} has no @{CHAMPION} in {uri}: train it first (khlang train --metric {family})"
                if required:
                    raise LookupError(hint) from None
                console.print(f"\n### {family}: skipped, {hint}")
                continue
            run_id = client.get_run(version.run_id).data.tags.get("mlflow.parentRunId") or version.run_id
            accuracy, coverage = backtest_tables(run_id, Path(scratch) / family, uri)
            if coverage is None:
                raise RuntimeError(f"{name} v{version.version}: run {run_id} logged no backtest/coverage.parquet")
            out[family] = backtest_rows(accuracy, coverage)
            console.print(f"\n### {family}: {name} v{version.version} (run {run_id})\n")
            console.print(markdown(out[family]), markup=False, highlight=False, soft_wrap=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work-dir", type=Path, default=None, help="the work folder (default: the config's)")
    parser.add_argument("--family", choices=FAMILIES, action="append", help="one family (repeatable); default all")
    args = parser.parse_args()
    settings = load_settings()
    if args.work_dir:
        settings = settings.with_work_dir(args.work_dir.resolve())
    catalog = Catalog.from_settings(settings).ensure()
    configure_runtime(catalog)
    try:
        tables = run(catalog, args.family or list(FAMILIES),
                     required=bool(args.family))
    except LookupError as exc:
        raise SystemExit(f"error: {exc}") from None
    if not tables:
        raise SystemExit("error: no family has a champion in this tracking store; run `khlang train` first")
    target = catalog.root / "benchmarks" / "backtest-tables.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({f: t.to_dict("records") for f, t in tables.items()}, indent=1))
    console.print(f"\nwritten {target}")


if __name__ == "__main__":
    main()
