"""How the refresh grows with the data: `khlang pipeline --scale S` (generate → ingest → panel → features →
train → forecast) from an empty work folder per scale, timed with the peak memory of its process tree
(khlang.measure) and each stage's seconds from the pipeline's record, then time and memory per series.

    .venv/bin/python -m benchmarks.refresh_scaling --scales tiny small thailand [--root work/scaling]

Writes <root>/refresh-scaling.json, .md and .png. Long (thailand: about half an hour on 2 cores); the
suite's `refresh` section reads the last pipeline of a work folder instead."""

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

__all__ = ["observed_series", "run_scale", "main"]


def observed_series(panel_path: Path) -> int:
    """Series (metric, level, unit) of a panel with at least one observation: the panel's rows cover the
    whole register whatever the scale, so its shape does not count what was made."""
    import numpy as np
    import zarr

    panel = zarr.open_group(str(panel_path), mode="r")
    return sum(int(np.isfinite(panel[f"{metric}/{level}/values"][:]).any(axis=1).sum())
               for metric in panel.group_keys() for level in panel[metric].group_keys())


def run_scale(scale: str, root: Path) -> dict:
    """One pipeline at `scale` in root/<scale> (emptied first): seconds, peak GiB, stages, series."""
    from commands.runner import pipeline_record

    work = root / scale
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log = root / f"{scale}.log"
    with measure() as m, open(log, "w") as out:
        done = subprocess.run([sys.executable, "-m", "commands.cli", "--work-dir", str(work), "pipeline",
                               "--scale", scale], stdout=out, stderr=subprocess.STDOUT, env=os.environ.copy())
    if done.returncode != 0:
        raise RuntimeError(f"khlang pipeline --scale {scale} failed; see {log}")
    catalog = Catalog.from_settings(load_settings().with_work_dir(work))
    stages = {name: entry.get("seconds") for name, entry in pipeline_record(catalog).items()}
    series = observed_series(catalog.panel)
    return {"scale": scale, "seconds": m.seconds, "peak_rss_gib": m.peak_rss_gib, "stages_s": stages,
            "series": series, "ms_per_series": 1000 * m.seconds / series,
            "mib_per_1k_series": 1024 * m.peak_rss_gib / series * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", nargs="+", default=["tiny", "small"])
    parser.add_argument("--root", type=Path, default=Path("work/scaling"))
    args = parser.parse_args()
    root = args.root.resolve()
    rows = [run_scale(scale, root) for scale in args.scales]
    (root / "refresh-scaling.json").write_text(json.dumps(rows, indent=1))
    lines = ["| scale | series | seconds | peak GiB | ms per series | MiB per 1,000 series |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['scale']} | {r['series']:,} | {r['seconds']:.0f} | {r['peak_rss_gib']:.2f} | "
              f"{r['ms_per_series']:.1f} | {r['mib_per_1k_series']:.0f} |" for r in rows]
    (root / "refresh-scaling.md").write_text("\n".join(lines) + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.loglog([r["series"] for r in rows], [r["seconds"] for r in rows], "o-")
    left.set_xlabel("series (every metric and level)")
    left.set_ylabel("seconds")
    right.semilogx([r["series"] for r in rows], [r["peak_rss_gib"] for r in rows], "o-")
    right.set_xlabel("series")
    right.set_ylabel("peak GiB")
    fig.tight_layout()
    fig.savefig(root / "refresh-scaling.png", dpi=110)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
