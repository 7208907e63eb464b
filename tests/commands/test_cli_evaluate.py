"""`khlang evaluate` as a user runs it: the installed command on a file of their own, with --holdout, --peers
and --output, on the project's real LocalCluster and SQLite MLflow store; a missing file is a clear error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

KHLANG = str(Path(sys.executable).with_name("khlang"))


def _run(work: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "250"}
    return subprocess.run([KHLANG, "--work-dir", str(work), "evaluate", *args], capture_output=True, text=True,
                          env=env, timeout=600, check=False)


def _seasonal_file(path: Path, n_series: int, months: pd.PeriodIndex, seed: int, level: float, spread: float,
                   amplitude: float, noise: float) -> Path:
    """A long file of monthly series: level + spread * i, a yearly sine, Gaussian noise."""
    rng = np.random.default_rng(seed)
    rows = [(f"s{i}", str(month), level + spread * i + amplitude * np.sin(2 * np.pi * t / 12) + rng.normal(0, noise))
            for i in range(n_series) for t, month in enumerate(months)]
    pd.DataFrame(rows, columns=["unique_id", "ds", "y"]).to_csv(path, index=False)
    return path


@pytest.mark.slow
def test_holdout_peers_and_output_from_the_command_line(tmp_path: Path) -> None:
    months = pd.period_range("2016-01", periods=48, freq="M")
    path = _seasonal_file(tmp_path / "mine.csv", 6, months, seed=4, level=100, spread=10, amplitude=20, noise=2)
    out = tmp_path / "out.csv"
    done = _run(tmp_path / "work", "--data", str(path), "--freq", "M", "--horizon", "6", "--holdout", "--peers",
                "--output", str(out), "--mase-period", "1")
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    printed = " ".join(done.stdout.split())
    assert "MASE m = 1" in printed and "statsforecast." in printed and "vs_best_peer" in printed  # names cut to fit
    forecasts = pd.read_csv(out, parse_dates=["ds"])
    assert list(forecasts.columns) == ["unique_id", "ds", "forecast", "lo80", "hi80", "lo95", "hi95", "model"]
    assert len(forecasts) == 6 * 6 and forecasts["model"].nunique() == 1
    # the held-out last 6 months, in horizon order within each series
    assert forecasts.groupby("unique_id")["ds"].apply(lambda ds: [str(d.date())[:7] for d in ds]).map(tuple).unique().tolist() == [
        tuple(str(m) for m in months[-6:])]
    assert (forecasts["lo95"] <= forecasts["lo80"]).all() and (forecasts["hi80"] <= forecasts["hi95"]).all()
    assert f"of {forecasts['model'].iloc[0]} to" in printed


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    done = _run(tmp_path / "work", "--data", str(tmp_path / "nowhere.csv"), "--freq", "M", "--horizon", "6")
    assert done.returncode == 2 and "no such file" in done.stderr


def test_models_keeps_only_the_named_candidates_and_refuses_an_unknown_one(tmp_path: Path) -> None:
    months = pd.period_range("2018-01", periods=36, freq="M")
    path = _seasonal_file(tmp_path / "mine.csv", 4, months, seed=5, level=50, spread=5, amplitude=10, noise=1)
    done = _run(tmp_path / "work", "--data", str(path), "--freq", "M", "--horizon", "6",
                "--models", "naive, seasonal_naive", "--models", "drift")
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    table = [line.split("│")[1].strip() for line in done.stdout.splitlines() if line.count("│") > 3]
    # besides them: auto and the median of the three best (a part of how auto chooses), and the header
    assert {"naive", "seasonal_naive", "drift"} <= set(table) <= {"naive", "seasonal_naive", "drift", "best3_median",
                                                                   "auto", "model"}
    wrong = _run(tmp_path / "work", "--data", str(path), "--freq", "M", "--horizon", "6", "--models", "naive,arima")
    assert wrong.returncode == 2 and "unknown models ['arima']" in " ".join(wrong.stdout.split())
