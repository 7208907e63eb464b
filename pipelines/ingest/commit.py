"""The commit protocol: stage, journal, move, manifest, clean up; and recovery from a crash at any point.

A batch is staged under catalog.staging/<batch_id>/. When everything is staged, a journal listing every
move (staged file -> final place, the manifest last) is written atomically; only then are files moved,
each with os.replace. A run that finds a journal rolls it forward (moves are idempotent) and a run that
finds staging without a journal deletes it: the store only ever holds whole batches."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from khlang.catalog import Catalog
from pipelines.schema import MANIFEST_SCHEMA

__all__ = ["CRASH_ENV", "crash_point", "batch_id_of", "journal_path", "write_journal", "recover",
           "read_manifest", "write_parquet_atomic"]

CRASH_ENV = "KHLANG_INGEST_CRASH_AT"


def crash_point(stage: str) -> None:
    """Test hook: SIGKILL this process at `stage` when KHLANG_INGEST_CRASH_AT names it."""
    if os.environ.get(CRASH_ENV) == stage:
        os.kill(os.getpid(), signal.SIGKILL)


def batch_id_of(files: list[tuple[str, str]]) -> str:
    """Deterministic id of a batch: hash of its sorted (relative path, sha256) pairs."""
    text = json.dumps(sorted(files), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def journal_path(catalog: Catalog) -> Path:
    return catalog.staging / "journal.json"


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_journal(catalog: Catalog, batch_id: str, moves: list[tuple[Path, Path]]) -> Path:
    """Atomically write the journal: from here on the batch is committed (recovery rolls it forward)."""
    path = journal_path(catalog)
    tmp = path.with_suffix(".tmp")
    doc = {"batch_id": batch_id, "moves": [[str(src), str(dst)] for src, dst in moves]}
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)
    return path


def apply_moves(moves: list[tuple[Path, Path]]) -> None:
    """Move every staged file into place; a move already done (source gone, target there) is skipped."""
    for i, (src, dst) in enumerate(moves):
        if src.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)
        elif not dst.exists():
            raise RuntimeError(f"journal names {src}, which is neither staged nor in place at {dst}")
        if i == 0:
            crash_point("mid_move")


def recover(catalog: Catalog) -> str | None:
    """Finish a committed batch left by a crash, or drop an uncommitted one. Returns what was done."""
    path = journal_path(catalog)
    done = None
    if path.is_file():
        doc = json.loads(path.read_text(encoding="utf-8"))
        apply_moves([(Path(s), Path(d)) for s, d in doc["moves"]])
        path.unlink()
        done = f"rolled batch {doc['batch_id']} forward"
    if catalog.staging.exists():
        leftovers = [p for p in catalog.staging.iterdir()]
        shutil.rmtree(catalog.staging)
        if leftovers and done is None:
            done = f"deleted uncommitted staging ({len(leftovers)} entries)"
    return done


def read_manifest(catalog: Catalog) -> pa.Table:
    path = catalog.manifest_file
    return pq.read_table(path, schema=MANIFEST_SCHEMA) if path.is_file() else MANIFEST_SCHEMA.empty_table()


def write_parquet_atomic(table: pa.Table, path: Path) -> None:
    """Write next to `path` and rename into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)
