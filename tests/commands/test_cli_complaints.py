"""`khlang complaints` as a user runs it, in a fresh work folder: `train` then `classify` with no other step
(real LocalCluster, SQLite MLflow store), `import` of a real file; a classify before any train, or a file
without a text column, is a clear error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from models.complaints.tracking import score_column

KHLANG = str(Path(sys.executable).with_name("khlang"))


def _run(work: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([KHLANG, "--work-dir", str(work), "complaints", *args], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "250"}, timeout=900, check=False)


def test_train_then_classify_in_a_fresh_work_folder(tmp_path: Path, ticket_sample: Path) -> None:
    work = tmp_path / "work"
    refused = _run(work, "classify", str(ticket_sample), "--output", str(tmp_path / "early.csv"))
    assert refused.returncode == 2 and "khlang complaints train" in refused.stdout + refused.stderr
    trained = _run(work, "train", "--data", str(ticket_sample))
    assert trained.returncode == 0, trained.stdout[-3000:] + trained.stderr[-3000:]
    assert "→ champion" in trained.stdout and "micro F1" in trained.stdout
    tickets = pd.read_csv(ticket_sample, dtype=str, keep_default_na=False)[["ticket_id", "text", "coords"]].head(500)
    mine = tmp_path / "mine.csv"
    tickets.to_csv(mine, index=False)
    out = tmp_path / "out.csv"
    done = _run(work, "classify", str(mine), "--output", str(out))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    labelled = pd.read_csv(out, dtype={"ticket_id": str}, keep_default_na=False)
    assert labelled["ticket_id"].tolist() == tickets["ticket_id"].tolist()
    scores = [c for c in labelled.columns if c.startswith("score_")]
    assert list(labelled.columns[:2]) == ["ticket_id", "type"] and len(scores) >= 5
    assert (labelled["type"] != "").all()
    for types, row in zip(labelled["type"], labelled[scores].to_numpy(), strict=True):
        assert all(score_column(t) in scores for t in types.split(","))
        assert ((row >= 0) & (row <= 1)).all()
    assert not (tmp_path / "out.csv.partial").exists()


def test_import_of_a_real_file_balances(tmp_path: Path, ticket_sample: Path) -> None:
    done = _run(tmp_path / "work", "import", str(ticket_sample))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    printed = " ".join(done.stdout.split())
    assert "4,000 rows from 1 file(s)" in printed and "store holds" in printed
    stored = len(pd.read_parquet(tmp_path / "work" / "complaints" / "tickets"))
    quarantine = tmp_path / "work" / "complaints" / "quarantine"
    rejected = len(pd.read_parquet(quarantine)) if quarantine.exists() and any(quarantine.iterdir()) else 0
    assert stored + rejected == 4000


def test_a_file_without_text_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("ticket_id,comment\n1,x\n", encoding="utf-8")
    done = _run(tmp_path / "work", "import", str(bad))
    assert done.returncode == 2 and "lacks the column(s) text" in done.stdout + done.stderr
