"""How the refresh grows with the data: `khlang pipeline --scale S` (generate → ingest → panel → features →
train → forecast) from an empty work folder per world, timed with the peak memory of its process tree
(khlang.measure) and each stage's seconds and peak memory from the pipeline's record, then time and memory
per series and per observed value, and the stage that held the most.

    .venv/bin/python -m benchmarks.refresh_scaling --scales tiny small thailand thailand-2x [--root work/scaling]

A world is a scale (more units), or a scale with `-2x` (the same units over twice the years: the
generator's first_fy 2545 instead of 2557, FY2545-2568, ingested from FY2545 on). Writes
<root>/refresh-scaling.json, .md and .png. Long (thailand: about half an hour on 2 cores, thailand-2x
more); the suite's `refresh` section reads the last pipeline of a work folder instead."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from khlang.catalog import Catalog
from khlang.config import load_settings
from khlang.measure import measure

__all__ = ["observed", "world_options", "heaviest", "run_scale", "main"]

DOUBLE_YEARS_FIRST_FY = 2545  # FY2545-2568: twice the generator's default FY2557-2568


def observed(panel_path: Path) -> tuple[int, int]:
    """(series, values) of a panel: series (metric, level, unit) with at least one observation and their
    observed values. The panel's rows cover the whole register whatever the scale, so its shape does not
    count what was made."""
    import numpy as np
    import zarr

    panel = zarr.open_group(str(panel_path), mode="r")
    series = values = 0
    for metric in panel.group_keys():
        for level in panel[metric].group_keys():
            finite = np.isfinite(panel[f"{metric}/{level}/values"][:])
            series, values = series + int(finite.any(axis=1).sum()), values + int(finite.sum())
    return series, values


def world_options(world: str) -> tuple[str, dict[str, str]]:
    """(scale, environment) of a world name: `thailand`, or `thailand-2x` for twice the years."""
    scale, doubled = world.removesuffix("-2x"), world.endswith("-2x")
    first = str(DOUBLE_YEARS_FIRST_FY)
    return scale, ({"KHLANG_FIRST_FY": first, "KHLANG_FIRST_FISCAL_YEAR": first} if doubled else {})


def run_scale(world: str, root: Path) -> dict:
    """One pipeline of `world` in root/<world> (emptied first): seconds, peak GiB, stages, series, values."""
    from commands.runner import pipeline_record

    scale, extra_env = world_options(world)
    work = root / world
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log = root / f"{world}.log"
    with measure() as m, open(log, "w") as out:
        done = subprocess.run([sys.executable, "-m", "commands.cli", "--work-dir", str(work), "pipeline",
                               "--scale", scale], stdout=out, stderr=subprocess.STDOUT,
                              env={**os.environ, **extra_env})
    if done.returncode != 0:
        raise RuntimeError(f"khlang pipeline --scale {scale} ({world}) failed; see {log}")
    catalog = Catalog.from_settings(load_settings().with_work_dir(work))
    record = pipeline_record(catalog)
    stages = {name: entry.get("seconds") for name, entry in record.items()}
    peaks = {name: entry.get("peak_gib") for name, entry in record.items()}
    series, values = observed(catalog.panel)
    return {"scale": world, "seconds": m.seconds, "peak_rss_gib": m.peak_rss_gib, "stages_s": stages,
            "stages_peak_gib": peaks, "heaviest_stage": heaviest(peaks),
            "series": series, "values": values, "ms_per_series": 1000 * m.seconds / series,
            "us_per_value": 1e6 * m.seconds / values, "mib_per_1k_series": 1024 * m.peak_rss_gib / series * 1000}


def heaviest(peaks: dict[str, float | None]) -> str:
    """'train 6.10' for the stage whose peak memory was the largest ('' where none was measured)."""
    known = {name: gib for name, gib in peaks.items() if gib is not None}
    if not known:
        return ""
    name = max(known, key=known.__getitem__)
    return f"{name} {known[name]:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", nargs="+", default=["tiny", "small"])
    parser.add_argument("--root", type=Path, default=Path("work/scaling"))
    args = parser.parse_args()
    root = args.root.resolve()
    rows = [run_scale(scale, root) for scale in args.scales]
    (root / "refresh-scaling.json").write_text(json.dumps(rows, indent=1))
    lines = ["| world | series | observed values | seconds | peak GiB | stage with the most (GiB) | ms per series | "
             "µs per value | MiB per 1,000 series |", "|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['scale']} | {r['series']:,} | {r['values']:,} | {r['seconds']:.0f} | {r['peak_rss_gib']:.2f} | "
              f"{r['heaviest_stage']} | {r['ms_per_series']:.1f} | {r['us_per_value']:.2f} | "
              f"{r['mib_per_1k_series']:.0f} |" for r in rows]
    (root / "refresh-scaling.md").write_text("\n".join(lines) + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.loglog([r["values"] for r in rows], [r["seconds"] for r in rows], "o-")
    left.set_xlabel("observed values (every metric and level)")
    left.set_ylabel("seconds")
    right.semilogx([r["values"] for r in rows], [r["peak_rss_gib"] for r in rows], "o-")
    right.set_xlabel("observed values")
    right.set_ylabel("peak GiB")
    fig.tight_layout()
    fig.savefig(root / "refresh-scaling.png", dpi=110)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
