"""Do the statistical models' own intervals make `auto`'s conformal intervals better on real data?

    .venv/bin/python -m benchmarks.own_intervals [--set m3_yearly --set waste_province ...]

Each set of benchmarks.real_data is evaluated twice the competition way (`khlang evaluate --holdout`):
with the conformal scale chosen per model between the MASE scale and the model's own spread
(models.evaluation.own_scale, the default) and with the MASE scale for all. The point forecasts and the
choice of `auto` are the same; what differs is auto's intervals on the held-out periods: their 80 / 95 %
coverage and their Winkler score (width plus 2 / alpha times each miss) divided by each series' MASE scale,
the mean over series (lower is better). Written to work/benchmarks/own-intervals.json."""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from benchmarks.real_data import SETS, benchmark_session, chosen_sets, said
from commands.progress import console
from pipelines.generate.writers import atomic_write_bytes

__all__ = ["interval_scores", "run"]


def interval_scores(report, data) -> dict[str, float]:
    """auto's holdout coverage and MASE-scaled Winkler score per level from its output and the actuals."""
    from models.evaluation.metrics import mase_scale, winkler

    horizon = report.horizon
    fitted, actual = data.block[:, :-horizon], data.block[:, -horizon:]
    scale = mase_scale(fitted, report.mase_period or report.period)
    out = report.output
    shape = (len(data.series), horizon)
    scores = {}
    for level, (lo, hi) in {80: ("lo80", "hi80"), 95: ("lo95", "hi95")}.items():
        low, high = out[lo].to_numpy().reshape(shape), out[hi].to_numpy().reshape(shape)
        valid = ~np.isnan(actual) & np.isfinite(low) & np.isfinite(high)
        scores[f"coverage{level}"] = float(((actual >= low) & (actual <= high))[valid].mean())
        per_series = winkler(actual, low, high, alpha=1 - level / 100) / np.where(scale > 0, scale, np.nan)
        scores[f"winkler{level}"] = float(np.nanmean(per_series))
    return scores


def run(names: list[str] | None = None) -> dict:
    results: dict = {}
    with benchmark_session() as (settings, folder, engine):
        from models.evaluation.evaluate import evaluate  # after the runtime is configured (numba's cache)

        for real, data in chosen_sets(names, settings, folder):
            results[real.name] = {}
            for own in (True, False):
                started = time.perf_counter()
                report = evaluate(data, real.horizon, engine=engine, holdout=True, output=True,
                                  mase_period=1 if real.mase_freq == "Y" else None, own_intervals=own,
                                  progress=said(real.name))
                scores = {"auto": report.auto, "seconds": round(time.perf_counter() - started, 1),
                          **interval_scores(report, data),
                          "scale_note": next((n for n in report.notes if n.startswith("conformal scale")), "")}
                results[real.name]["own" if own else "mase"] = scores
                console.print(real.name, "own" if own else "mase", scores)
    atomic_write_bytes(folder / "own-intervals.json", json.dumps(results, indent=2).encode())
    console.print(f"written {folder / 'own-intervals.json'}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", dest="sets", choices=[s.name for s in SETS])
    run(parser.parse_args().sets)


if __name__ == "__main__":
    main()
