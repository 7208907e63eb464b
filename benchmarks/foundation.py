"""Foundation benchmark: generate -> ingest -> panel at a scale, timed with peak memory, and ingest
side by side with what a user would write instead (pandas read_csv + to_parquet, no validation).

    .venv/bin/python -m benchmarks.foundation --scale thailand [--cluster local]

Writes work/benchmarks/foundation-<scale>.json and prints a table."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

from cluster.engine import open_engine
from commands.progress import console
from khlang.catalog import Catalog
from khlang.config import load_settings
from khlang.domain.reference import load_reference
from khlang.measure import measure
from khlang.runtime import configure_runtime

__all__ = ["run", "naive_ingest", "store_waste_calibration"]


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def naive_ingest(raw_dir: Path, out_dir: Path) -> int:
    """The baseline: read every CSV/Excel file with pandas as-is and write one Parquet per file.
    No header mapping, no validation, no quarantine: an upper bound on plain-pandas speed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = 0
    for i, path in enumerate(sorted(p for p in raw_dir.rglob("*") if p.suffix in (".csv", ".xlsx"))):
        if path.suffix == ".csv":
            for enc in ("utf-8-sig", "cp874"):
                try:
                    frame = pd.read_csv(path, dtype=str, encoding=enc, on_bad_lines="skip")
                    break
                except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
                    frame = pd.DataFrame()
        else:
            frame = pd.read_excel(path, dtype=str, engine="calamine")
        rows += len(frame)
        frame.columns = [str(c) for c in frame.columns]
        frame.to_parquet(out_dir / f"{i:05d}.parquet")
    return rows


def store_waste_calibration(catalog: Catalog, thailand_dir: Path) -> dict:
    """Real provincial waste (tonnes/day, BE calendar years) against the ingested store: per LAO the
    mean of its stored months in the year, summed over the province. Gaps and dirt included."""
    import duckdb

    files = (catalog.store / "metric=waste_generated").as_posix() + "/*/*.parquet"
    got = duckdb.sql(f"""
        with per_lao as (select lao_code, substr(lao_code, 2, 2) as province, year(period) + 543 as year_be,
                                avg(value) as tpd from read_parquet('{files}', hive_partitioning = true) group by all)
        select province, year_be, sum(tpd) as tpd from per_lao group by all""").df()
    real = pd.read_csv(thailand_dir / "waste_province_yearly.csv", dtype={"province_tis_code": str})
    real["province"] = real["province_tis_code"].str.zfill(2)
    joined = real.merge(got, on=["province", "year_be"])
    rel = (joined["tpd"] / joined["generated_ton_day"] - 1).abs()
    return {"province_years": len(joined), "max_rel_error": float(rel.max()), "mean_rel_error": float(rel.mean())}


def run(scale: str, cluster: str | None, work_dir: Path | None = None) -> dict:
    from pipelines.generate import generate_dataset
    from pipelines.ingest import ingest
    from pipelines.panel import build_panels

    settings = load_settings()
    # Its own work folder, so a benchmark never overwrites the demo's data.
    settings = settings.with_work_dir(work_dir or settings.work_dir / f"bench-{scale}")
    if cluster:
        settings = settings.with_cluster(cluster)
    catalog = Catalog.from_settings(settings).ensure()
    configure_runtime(catalog)
    reference = load_reference(settings.thailand_dir)
    results: dict = {"scale": scale, "cluster": settings.cluster.address, "work_dir": str(catalog.root)}

    with measure() as m:
        gen = generate_dataset(reference, settings.thailand_dir, scale=scale, seed=settings.generate.seed,
                               raw_dir=catalog.raw, truth_dir=catalog.truth, dirty_share=settings.generate.dirty_share)
    results["generate"] = {"seconds": m.seconds, "peak_gib": m.peak_rss_gib, "files": gen.n_files,
                           "truth_records": gen.n_truth_records, "raw_bytes": _size(catalog.raw),
                           "calibration": gen.calibration}

    with open_engine(settings.cluster, local_directory=str(catalog.tmp / "dask")) as engine:
        with measure() as m:
            report = ingest(catalog.raw, catalog, reference, engine, settings.ingest.as_of_date(),
                            first_fiscal_year=settings.ingest.first_fiscal_year)
        totals = report.totals
        results["ingest"] = {"seconds": m.seconds, "peak_gib": m.peak_rss_gib, **totals,
                             "records_per_s": totals["records_in"] / m.seconds, "balanced": report.balanced,
                             "store_bytes": _size(catalog.store), "quarantine_bytes": _size(catalog.quarantine),
                             "waste_vs_real": store_waste_calibration(catalog, settings.thailand_dir)}
        with measure() as m:
            build_panels(catalog, reference, engine)
        results["panel"] = {"seconds": m.seconds, "peak_gib": m.peak_rss_gib, "panel_bytes": _size(catalog.panel)}

    baseline_dir = catalog.tmp / "bench-naive"
    t0 = time.perf_counter()
    naive_rows = naive_ingest(catalog.raw, baseline_dir)
    naive_s = time.perf_counter() - t0
    results["baseline_pandas"] = {"seconds": naive_s, "rows": naive_rows,
                                  "rows_per_s": naive_rows / naive_s}
    results["ratio_ingest_vs_pandas_rows_per_s"] = (results["ingest"]["rows_read"] / results["ingest"]["seconds"]) / (
        naive_rows / naive_s)
    out = catalog.root / "benchmarks" / f"foundation-{scale}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    console.print_json(json.dumps(results, default=str))
    console.print(f"written {out}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="small")
    parser.add_argument("--cluster", default=None)
    parser.add_argument("--work-dir", type=Path, default=None)
    args = parser.parse_args()
    run(args.scale, args.cluster, args.work_dir)


if __name__ == "__main__":
    main()
