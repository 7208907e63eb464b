"""End to end on a real Dask LocalCluster: a generated-like corpus, reruns, later batches, readers,
and SIGKILL at any point followed by a rerun giving the same store as a clean run."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from commands.render import ingest_table
from khlang.catalog import Catalog
from pipelines.ingest import ingest, open_store, quarantine_digest, store_digest
from pipelines.ingest.commit import CRASH_ENV
from pipelines.schema import MANIFEST_SCHEMA, STORE_SCHEMA
from tests.pipelines.ingest.conftest import AS_OF, write_corpus

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, codes) -> tuple[Path, int]:
    raw = tmp_path_factory.mktemp("corpus") / "raw"
    n = write_corpus(raw, codes["local"][:60], [2567, 2568, 2569])
    # a little dirt: one duplicate file under another name, one duplicate row, one bad code
    shutil.copy(raw / "welfare_wide_en.csv", raw / "copy_of_welfare.csv")
    text = (raw / "budget" / "long_th.csv").read_text(encoding="cp874").splitlines()
    (raw / "budget" / "long_th.csv").write_text("\n".join([*text, text[1], "6999999" + text[1][7:]]) + "\n",
                                               encoding="cp874")
    return raw, n


def test_corpus_on_dask(corpus, engine, reference, tmp_path):
    raw, n = corpus
    catalog = Catalog(tmp_path)
    stages = []
    report = ingest(raw, catalog, reference, engine, AS_OF, progress=lambda s, d, t: stages.append((s, d, t)))
    assert report.balanced
    by_file = {f.source_file: f for f in report.files}
    assert by_file["welfare_wide_en.csv"].status == "already_ingested"  # sorted after its copy
    assert "copy_of_welfare.csv" in by_file["welfare_wide_en.csv"].reason
    assert report.total("records_stored") == n
    assert report.total("records_quarantined") == 2
    assert ("read", 5, 5) in stages or stages[-2][0] == "merge"
    assert {s for s, _, _ in stages} >= {"read", "merge"}
    # readable with hive partitioning, by pyarrow and by dask
    table = open_store(catalog).to_table()
    assert table.num_rows == n and set(table.schema.names) == set(STORE_SCHEMA.names)
    import dask.dataframe as dd
    frame = dd.read_parquet(str(catalog.store)).compute()
    assert len(frame) == n
    manifest = pq.read_table(catalog.manifest / "files.parquet", schema=MANIFEST_SCHEMA)
    assert manifest.schema.equals(MANIFEST_SCHEMA) and manifest.num_rows == 5
    assert report.records_per_second > 0 and report.store_bytes > 0
    ingest_table(report)

    # rerun: nothing added
    digests = store_digest(catalog), quarantine_digest(catalog)
    again = ingest(raw, catalog, reference, engine, AS_OF)
    assert {f.status for f in again.files} == {"already_ingested"} and again.batch_id is None
    assert (store_digest(catalog), quarantine_digest(catalog)) == digests
    assert pq.read_table(catalog.manifest / "files.parquet").num_rows == 5

    # a later file repeating stored records: a new batch, its duplicates quarantined
    lines = (raw / "budget" / "long_th.csv").read_text(encoding="cp874").splitlines()
    later = raw / "later" / "resent.csv"
    later.parent.mkdir()
    later.write_text("\n".join(lines[:11]) + "\n", encoding="utf-8")
    third = ingest(raw, catalog, reference, engine, AS_OF)
    new = [f for f in third.files if f.status == "ingested"]
    assert [f.source_file for f in new] == ["later/resent.csv"]
    assert new[0].records_quarantined == 10 and new[0].records_stored == 0
    assert store_digest(catalog) == digests[0] and quarantine_digest(catalog) != digests[1]
    later.unlink()
    shutil.rmtree(later.parent)


def _run(raw: Path, work: Path, crash_at: str | None = None, kill_after: float | None = None) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(CRASH_ENV, None)
    if crash_at:
        env[CRASH_ENV] = crash_at
    proc = subprocess.Popen([sys.executable, str(HERE / "crash_run.py"), str(raw), str(work)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if kill_after is not None:
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=300)
    return proc.returncode


def _state(work: Path):
    catalog = Catalog(work)
    manifest = pq.read_table(catalog.manifest / "files.parquet").drop_columns(["ingested_at"]).to_pandas()
    return (store_digest(catalog), quarantine_digest(catalog),
            manifest.sort_values("source_file").reset_index(drop=True).to_dict("records"),
            sorted(p.name for p in catalog.staging.glob("*")) if catalog.staging.exists() else [])


@pytest.mark.slow
def test_sigkill_at_any_point_then_rerun_equals_a_clean_run(corpus, tmp_path):
    raw, _ = corpus
    started = time.perf_counter()
    assert _run(raw, tmp_path / "clean") == 0
    clean = _state(tmp_path / "clean")
    clean_seconds = time.perf_counter() - started
    stages = ["after_parse", "after_merge", "before_journal", "after_journal", "mid_move", "after_moves"]
    rng = random.Random(7)
    cases = [(s, None) for s in stages] + [(None, rng.uniform(0.5, clean_seconds)) for _ in range(2)]
    for i, (stage, after) in enumerate(cases):
        work = tmp_path / f"crash{i}"
        code = _run(raw, work, crash_at=stage, kill_after=after)
        if stage:
            assert code == -signal.SIGKILL, stage
        assert _run(raw, work) == 0
        assert _state(work) == clean, (stage, after)
