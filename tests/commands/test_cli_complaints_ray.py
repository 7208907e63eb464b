"""`khlang complaints classify --cluster ray` as a user runs it: after a `train`, a local Ray labels a file of
tickets exactly as the default engine does (same types, same scores), and keeps its files in the work folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

KHLANG = str(Path(sys.executable).with_name("khlang"))

pytestmark = [pytest.mark.slow, pytest.mark.ray]


def _run(work: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([KHLANG, "--work-dir", str(work), "complaints", *args], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "250"}, timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def _labelled(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"ticket_id": str, "type": str}, keep_default_na=False)


def test_classify_on_ray_equals_classify_without(tmp_path: Path, ticket_sample: Path) -> None:
    work = tmp_path / "work"
    _run(work, "train", "--data", str(ticket_sample))
    tickets = pd.read_csv(ticket_sample, dtype=str, keep_default_na=False)[["ticket_id", "text", "coords"]]
    mine = tmp_path / "mine.csv"
    tickets.sample(n=300, random_state=3).to_csv(mine, index=False)

    plain = _run(work, "classify", str(mine), "--output", str(tmp_path / "plain.csv"), "--cluster", "local")
    assert "engine: dask" in plain.stdout
    on_ray = _run(work, "classify", str(mine), "--output", str(tmp_path / "ray.csv"), "--cluster", "ray")
    assert "engine: ray @ ray" in " ".join(on_ray.stdout.split())

    expected, got = _labelled(tmp_path / "plain.csv"), _labelled(tmp_path / "ray.csv")
    assert len(expected) == 300 and (expected["type"] != "").all()
    assert list(got.columns) == list(expected.columns) and got.dtypes.equals(expected.dtypes)
    assert got["ticket_id"].tolist() == expected["ticket_id"].tolist() == pd.read_csv(mine, dtype=str)["ticket_id"].tolist()
    assert got["type"].tolist() == expected["type"].tolist()
    scores = [c for c in expected.columns if c.startswith("score_")]
    assert len(scores) >= 2
    np.testing.assert_allclose(got[scores].to_numpy(), expected[scores].to_numpy(), rtol=0, atol=1e-9)
    # the chunk ran in a worker of the local Ray, whose session lives in the work folder (through a short
    # link: the path is too long for Ray's sockets); Ray heads a worker's log with the task it runs
    logs = list((work / "tmp" / "ray" / "ray").glob("session_2*/logs/worker-*.out"))
    assert any(":task_name:_classify_chunk" in log.read_text(errors="replace") for log in logs)
