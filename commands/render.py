"""How the command line shows what the stages return: each stage's report is plain data, drawn here as rich
tables and lines (the stages themselves print nothing and import no rich)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from commands.runner import PipelineReport
from khlang.catalog import Catalog

__all__ = ["pipeline_table", "ingest_table", "quarantine_table", "training_table", "evaluate_table",
           "show_stage", "show_made"]

_STATUS_STYLES = {"ran": "green", "skipped": "dim", "failed": "bold red", "not run": "yellow"}


def pipeline_table(report: PipelineReport) -> Table:
    """One row per stage (status, seconds, peak memory of the process tree while it ran, fingerprint,
    summary line)."""
    table = Table(title=Text(report.summary().splitlines()[0]))
    for name, justify in (("stage", "left"), ("status", "left"), ("seconds", "right"), ("peak GiB", "right"),
                          ("fingerprint", "left"), ("summary", "left")):
        table.add_column(name, justify=justify)
    for s in report.stages:
        # Text, not markup: an error message or a path may hold [brackets]
        table.add_row(s.name, Text(s.label, style=_STATUS_STYLES[s.status]), f"{s.seconds:.1f}",
                      "" if s.peak_gib is None else f"{s.peak_gib:.2f}", (s.fingerprint or "")[:12], Text(s.summary))
    return table


def ingest_table(report: Any, max_files: int = 40) -> Table:
    """An ingest report (pipelines.ingest.IngestReport): one line per file (the first `max_files`), then
    the totals."""
    table = Table(title=f"ingest batch {report.batch_id or '-'}: {report.seconds:.1f} s, "
                        f"{report.records_per_second:,.0f} records/s, store {report.store_bytes / 2**20:,.1f} MiB")
    for name, justify in (("file", "left"), ("status", "left"), ("rows", "right"), ("records in", "right"),
                          ("stored", "right"), ("quarantined", "right"), ("balanced", "center"),
                          ("encoding", "left"), ("layout", "left"), ("reason", "left")):
        table.add_column(name, justify=justify)
    for f in report.files[:max_files]:
        table.add_row(Text(f.source_file), f.status, f"{f.rows_read:,}", f"{f.records_in:,}",
                      f"{f.records_stored:,}", f"{f.records_quarantined:,}", "✓" if f.balanced else "✗", f.encoding,
                      f.layout, Text(f.reason[:80]))
    if len(report.files) > max_files:
        table.add_row(f"… {len(report.files) - max_files} more files", "", "", "", "", "", "", "", "", "")
    t = report.totals
    table.add_row(f"total ({len(report.files)} files)", "", f"{t['rows_read']:,}", f"{t['records_in']:,}",
                  f"{t['records_stored']:,}", f"{t['records_quarantined']:,}", "✓" if report.balanced else "✗",
                  "", "", "", style="bold")
    return table


def quarantine_table(catalog: Catalog, batch_id: str | None) -> Table | None:
    """Quarantined records of this batch by reason (what was rejected, and why); None without any."""
    from pipelines.schema import REASONS

    part = catalog.quarantine / f"batch={batch_id}" / "part.parquet"
    if not batch_id or not part.is_file():
        return None
    counts = pd.read_parquet(part, columns=["reason"])["reason"].value_counts()
    table = Table(title=f"quarantined in batch {batch_id}, by reason ({catalog.quarantine})")
    for name, justify in (("reason", "left"), ("records", "right"), ("meaning", "left")):
        table.add_column(name, justify=justify)
    for reason, n in counts.items():
        table.add_row(str(reason), f"{n:,}", REASONS.get(str(reason), ""))
    return table


def training_table(result: Any) -> Table:
    """A family's training result (models.training.family): champion per level after reconciliation."""
    acc, cov = result.accuracy(), result.coverage()
    table = Table(title=f"{result.family}: backtest (origins x series), champion per level, after reconciliation")
    for name in ("metric", "level", "champion", "MASE base", "MASE reconciled", "seasonal naive", "sMAPE",
                 "cover 80", "cover 95", "last origin 80/95"):
        table.add_column(name, justify="left" if name in ("metric", "level", "champion") else "right")
    for (metric, level), rows in acc.groupby(["metric", "level"], sort=False):
        base = rows[rows["stage"] == "base"].set_index("model")
        rec = rows[rows["stage"] == "reconciled"].iloc[0]
        rows_cov = cov[(cov["metric"] == metric) & (cov["level"] == level)].set_index("interval")
        c, last = rows_cov["coverage"], rows_cov["coverage_last_origin"]
        table.add_row(metric, level, str(rec["model"]), f"{base.loc[rec['model'], 'mase']:.3f}", f"{rec['mase']:.3f}",
                      f"{base.loc['seasonal_naive', 'mase']:.3f}", f"{rec['smape']:.1f}",
                      f"{c.get(0.8, float('nan')):.3f}", f"{c.get(0.95, float('nan')):.3f}",
                      f"{last.get(0.8, float('nan')):.2f}/{last.get(0.95, float('nan')):.2f}")
    return table


def _show_training(console: Console, result: Any) -> None:
    console.print(training_table(result))
    console.print("cover: intervals calibrated on all origins but one, scored on that one, each origin in turn "
                  "(pooled); last origin: calibrated on the earlier origins, scored on the last alone")
    reg = result.registration
    console.print(f"{result.family}: score (mean reconciled LAO MASE) {result.score:.4f}; coherence gap "
                  f"{result.coherence_gap:.3g}; registered {reg.name} v{reg.version} as [bold]{reg.alias}[/] "
                  f"({reg.reason}); run {result.run_id}; {result.seconds:.1f} s")


def evaluate_table(report: Any) -> Table:
    """`khlang evaluate`'s report (models.evaluation.report.EvaluateReport), the skipped models and notes as
    its caption."""
    from models.evaluation.report import CELL_FORMATS, TABLE_COLUMNS

    split = (f"holdout: the last {report.horizon}" if report.holdout
             else f"{report.n_origins} origins every {report.step}")
    table = Table(title=f"{report.source}: {report.n_series} series, {report.periods[0]} … {report.periods[1]} "
                        f"({report.freq}), horizon {report.horizon}, {split}, "
                        f"MASE m = {report.mase_period or report.period}")
    for column in ("model", *TABLE_COLUMNS):
        table.add_column(column, justify="left" if column in ("model", "kind") else "right")
    for model, row in report.table.iterrows():
        cells = [str(row[c]) if c == "kind" else ("-" if pd.isna(row[c]) else CELL_FORMATS[c].format(row[c]))
                 for c in TABLE_COLUMNS]
        table.add_row(str(model), *cells)
    caption = []
    if report.auto:
        caption.append(f"auto = {report.auto}: chosen on the backtest origins at {', '.join(report.chosen_on)}; "
                       f"scored on {report.scored_on} (mase_scored, smape_scored)")
    caption += [f"skipped {name}: {reason}" for name, reason in report.skipped.items()] + list(report.notes)
    table.caption = "\n".join(caption) or None
    return table


def show_stage(console: Console, name: str, result: Any, catalog: Catalog) -> None:
    """What a stage made, as its single command shows it (`khlang demo` too, for ingest and train)."""
    if result is None:
        return
    if name == "ingest":
        console.print(ingest_table(result))
        if (table := quarantine_table(catalog, result.batch_id)) is not None:
            console.print(table)
    elif name == "train":
        for family in result:
            _show_training(console, family)
    elif name == "forecast":
        for p in result:
            console.print(f"{p.family}: {p.model_name} v{p.model_version} (run {p.run_id}) -> {p.rows:,} rows, "
                          f"metrics {', '.join(p.metrics)}")
        console.print(f"forecast store: {catalog.forecasts}")
    else:  # generate, panel, features: their reports' own summary
        console.print(Text(result.summary()))


def show_made(console: Console, catalog: Catalog) -> None:
    """Each data set of the work folder, where it is and its size (the end of `khlang demo`)."""
    for name in ("raw", "store", "quarantine", "manifest", "panel", "features", "forecasts", "mlflow"):
        path = getattr(catalog, name)
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0
        console.print(f"  {name:<11} {path}  ({size / 2**20:,.1f} MiB)")
