"""Orchestration of an ingest run on the engine: discover, skip what is known, parse files on workers,
merge partitions on workers, then commit (see `commit`). Items sent to workers are small dicts of paths;
workers write Parquet into the batch's staging folder and return counts only."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import pickle
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from cluster.engine import Engine
from khlang.catalog import Catalog
from khlang.domain.reference import ReferenceData
from khlang.locks import exclusive_lock
from pipelines.ingest.commit import apply_moves as _apply_moves
from pipelines.ingest.commit import (
    batch_id_of,
    crash_point,
    read_manifest,
    recover,
    write_journal,
)
from pipelines.ingest.merge import counts_by_file, merge_partition, read_partition
from pipelines.ingest.parse import STAGED_QUARANTINE_SCHEMA, parse_file
from pipelines.ingest.read import SUFFIXES
from pipelines.ingest.report import FileReport, IngestReport, store_bytes
from pipelines.ingest.validate import FIRST_FISCAL_YEAR, Register
from pipelines.schema import MANIFEST_SCHEMA, QUARANTINE_SCHEMA

__all__ = ["ingest", "discover", "parse_task", "merge_task"]

Progress = Callable[[str, int, int], None]


def discover(raw_dir: Path) -> list[str]:
    """Relative paths (POSIX) of the .csv / .xlsx / .parquet files under raw_dir, sorted; hidden ones skipped."""
    raw_dir = Path(raw_dir)
    found = []
    for path in raw_dir.rglob("*"):
        rel = path.relative_to(raw_dir)
        if any(part.startswith((".", "~$")) for part in rel.parts):
            continue
        if path.is_file() and path.suffix.lower() in SUFFIXES:
            found.append(rel.as_posix())
    return sorted(found)


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


@functools.lru_cache(maxsize=4)
def _register(path: str) -> Register:
    with open(path, "rb") as f:
        return pickle.load(f)


def _partition_dir(root: Path, metric: str, fiscal_year: int) -> Path:
    return root / f"metric={metric}" / f"fiscal_year={fiscal_year}"


def parse_task(item: dict[str, Any]) -> dict[str, Any]:
    """Worker: parse and validate one file, stage its records per partition; return its counts."""
    batch = Path(item["batch_dir"])
    index = item["file_index"]
    result = parse_file(Path(item["path"]), item["source_file"], item["sha256"], _register(item["register"]))
    partitions: dict[str, int] = {}
    if result.store.num_rows:
        store = result.store.set_column(result.store.schema.get_field_index("file_index"), "file_index",
                                         pa.array([index] * result.store.num_rows, pa.int32()))
        keys = store.select(["metric", "fiscal_year"]).group_by(["metric", "fiscal_year"]).aggregate([])
        for metric, fy in zip(keys["metric"].to_pylist(), keys["fiscal_year"].to_pylist(), strict=True):
            import pyarrow.compute as pc

            part = store.filter(pc.and_(pc.equal(store["metric"], metric), pc.equal(store["fiscal_year"], fy)))
            target = _partition_dir(batch / "parsed", metric, fy) / f"f{index:06d}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(part, target, compression="zstd")
            partitions[f"{metric}|{fy}"] = part.num_rows
    if result.quarantine.num_rows:
        quarantine = result.quarantine.set_column(
            result.quarantine.schema.get_field_index("file_index"), "file_index",
            pa.array([index] * result.quarantine.num_rows, pa.int32()))
        target = batch / "quarantine" / f"f{index:06d}.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(quarantine, target, compression="zstd")
    return {"file_index": index, "status": result.status, "reason": result.reason, "encoding": result.encoding,
            "layout": result.layout, "rows_read": result.rows_read, "records_in": result.records_in,
            "quarantined": result.quarantine.num_rows, "partitions": partitions}


def merge_task(item: dict[str, Any]) -> dict[str, Any]:
    """Worker: merge one partition's staged pieces (file order) against the stored partition."""
    batch = Path(item["batch_dir"])
    metric, fy = item["metric"], item["fiscal_year"]
    pieces = [str(_partition_dir(batch / "parsed", metric, fy) / f"f{i:06d}.parquet") for i in item["file_indexes"]]
    new = read_partition(pieces)
    stored_dir = _partition_dir(Path(item["store_dir"]), metric, fy)
    stored_files = sorted(str(p) for p in stored_dir.glob("*.parquet")) if stored_dir.is_dir() else []
    stored = read_partition(stored_files) if stored_files else pa.table({})
    earlier_dir = _partition_dir(Path(item["store_dir"]), metric, fy - 1)
    earlier = read_partition(sorted(str(p) for p in earlier_dir.glob("*.parquet"))) if earlier_dir.is_dir() else None
    store, quarantine = merge_partition(new, stored, metric, fy, earlier)
    out = {"metric": metric, "fiscal_year": fy, "store_file": None, "quarantine_file": None,
           "stored": counts_by_file(store), "quarantined": counts_by_file(quarantine)}
    if store.num_rows:
        target = _partition_dir(batch / "merged", metric, fy) / f"part-{item['batch_id']}.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(store.drop_columns(["file_index"]), target, compression="zstd")
        out["store_file"] = str(target)
    if quarantine.num_rows:
        target = batch / "merged_quarantine" / f"{metric}-{fy}.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(quarantine, target, compression="zstd")
        out["quarantine_file"] = str(target)
    return out


def _map_with_progress(engine: Engine, fn: Callable, items: Sequence[dict], stage: str,
                       progress: Progress | None) -> list[Any]:
    """engine.map in chunks (several tasks per worker each) so that progress can be reported."""
    if progress is None:
        return engine.map(fn, items)
    chunk = max(4 * max(engine.n_workers(), 1), 8)
    results: list[Any] = []
    progress(stage, 0, len(items))
    for start in range(0, len(items), chunk):
        results += engine.map(fn, items[start:start + chunk])
        progress(stage, len(results), len(items))
    return results


def _manifest_rows(reports: list[FileReport], batch_id: str | None, now: dt.datetime) -> pa.Table:
    return pa.Table.from_pylist([{
        "source_file": f.source_file, "file_sha256": f.file_sha256, "size_bytes": f.size_bytes, "status": f.status,
        "reason": f.reason, "rows_read": f.rows_read, "records_in": f.records_in,
        "records_stored": f.records_stored, "records_quarantined": f.records_quarantined,
        "encoding": f.encoding, "layout": f.layout, "batch_id": batch_id, "ingested_at": now}
        for f in reports], schema=MANIFEST_SCHEMA)


def ingest(raw_dir: Path, catalog: Catalog, reference: ReferenceData, engine: Engine, as_of: dt.date,
           progress: Progress | None = None, first_fiscal_year: int = FIRST_FISCAL_YEAR) -> IngestReport:
    """Ingest every new agency file under raw_dir into catalog.store (valid records) and
    catalog.quarantine (rejected ones, with reasons); one manifest row per file. Safe to rerun;
    a second ingest on the same work folder while one runs is refused (BusyError). Records of fiscal
    years before first_fiscal_year or long after as_of are year_out_of_range."""
    with exclusive_lock(catalog.run / "ingest.lock", "ingest"):
        return _ingest(raw_dir, catalog, reference, engine, as_of, progress, first_fiscal_year)


def _ingest(raw_dir: Path, catalog: Catalog, reference: ReferenceData, engine: Engine, as_of: dt.date,
            progress: Progress | None, first_fiscal_year: int) -> IngestReport:
    started = time.perf_counter()
    raw_dir = Path(raw_dir).resolve()
    catalog.ensure()
    report = IngestReport(recovered=recover(catalog))
    manifest = read_manifest(catalog)
    known: dict[str, str] = {}
    for name, sha in zip(manifest["source_file"].to_pylist(), manifest["file_sha256"].to_pylist(), strict=True):
        known.setdefault(sha, name)
    seen = set(zip(manifest["source_file"].to_pylist(), manifest["file_sha256"].to_pylist(), strict=True))

    new: list[FileReport] = []
    new_manifest_rows: list[FileReport] = []  # already_ingested files under a new name
    for rel in discover(raw_dir):
        path = raw_dir / rel
        sha = _sha256(path)
        f = FileReport(source_file=rel, status="ingested", file_sha256=sha, size_bytes=path.stat().st_size)
        if sha in known:
            f.status = "already_ingested"
            f.reason = (f"already ingested (sha256 {sha[:12]}…)" if known[sha] == rel
                        else f"same content as {known[sha]} (sha256 {sha[:12]}…)")
            if (rel, sha) not in seen:
                new_manifest_rows.append(f)
                seen.add((rel, sha))
        else:
            known[sha] = rel
            new.append(f)
        report.files.append(f)

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if not new:
        if new_manifest_rows:
            from pipelines.ingest.commit import write_parquet_atomic

            write_parquet_atomic(pa.concat_tables([manifest, _manifest_rows(new_manifest_rows, None, now)]),
                                 catalog.manifest_file)
        report.seconds = time.perf_counter() - started
        report.store_bytes = store_bytes(catalog)
        return report

    batch_id = batch_id_of([(f.source_file, f.file_sha256) for f in new])
    report.batch_id = batch_id
    batch = catalog.staging / batch_id
    batch.mkdir(parents=True)
    register_file = batch / "register.pkl"
    register_file.write_bytes(pickle.dumps(Register.from_reference(reference, as_of, first_fiscal_year)))

    # 1. Files -> staged records per partition (workers).
    items = [{"file_index": i, "path": str(raw_dir / f.source_file), "source_file": f.source_file,
              "sha256": f.file_sha256, "batch_dir": str(batch), "register": str(register_file)}
             for i, f in enumerate(new)]
    parsed = _map_with_progress(engine, parse_task, items, "read", progress)
    for f, summary in zip(new, parsed, strict=True):
        f.status, f.reason, f.encoding, f.layout = (summary["status"], summary["reason"], summary["encoding"],
                                                    summary["layout"])
        f.rows_read, f.records_in, f.records_quarantined = (summary["rows_read"], summary["records_in"],
                                                            summary["quarantined"])
    crash_point("after_parse")

    # 2. Partitions -> merged store files and duplicate quarantine (workers).
    by_partition: dict[str, list[int]] = {}
    for summary in parsed:
        for key in summary["partitions"]:
            by_partition.setdefault(key, []).append(summary["file_index"])
    merge_items = [{"metric": key.split("|")[0], "fiscal_year": int(key.split("|")[1]), "file_indexes": idx,
                    "batch_dir": str(batch), "store_dir": str(catalog.store), "batch_id": batch_id}
                   for key, idx in sorted(by_partition.items())]
    merged = _map_with_progress(engine, merge_task, merge_items, "merge", progress)
    for result in merged:
        for i, n in result["stored"].items():
            new[int(i)].records_stored += n
        for i, n in result["quarantined"].items():
            new[int(i)].records_quarantined += n
    report.check_balanced()
    crash_point("after_merge")

    # 3. Stage the batch's quarantine and the new manifest, then commit.
    out = batch / "commit"
    out.mkdir()
    pieces = [batch / "quarantine" / f"f{i:06d}.parquet" for i in range(len(new))]
    pieces = [p for p in pieces if p.is_file()] + [Path(m["quarantine_file"]) for m in merged if m["quarantine_file"]]
    moves: list[tuple[Path, Path]] = []
    if pieces:
        staged_quarantine = out / "quarantine.parquet"
        with pq.ParquetWriter(staged_quarantine, QUARANTINE_SCHEMA, compression="zstd") as writer:
            for piece in pieces:
                writer.write_table(pq.read_table(piece, schema=STAGED_QUARANTINE_SCHEMA).select(QUARANTINE_SCHEMA.names)
                                   .cast(QUARANTINE_SCHEMA))
        moves.append((staged_quarantine, catalog.quarantine / f"batch={batch_id}" / "part.parquet"))
    for m in merged:
        if m["store_file"]:
            moves.append((Path(m["store_file"]),
                          _partition_dir(catalog.store, m["metric"], m["fiscal_year"]) / f"part-{batch_id}.parquet"))
    staged_manifest = out / catalog.manifest_file.name
    pq.write_table(pa.concat_tables([manifest, _manifest_rows(new_manifest_rows, None, now),
                                     _manifest_rows(new, batch_id, now)]), staged_manifest, compression="zstd")
    moves.append((staged_manifest, catalog.manifest_file))  # last: the batch counts as done
    crash_point("before_journal")
    write_journal(catalog, batch_id, moves)
    crash_point("after_journal")
    _apply_moves(moves)
    crash_point("after_moves")
    recover(catalog)  # journal and staging are no longer needed
    report.seconds = time.perf_counter() - started
    report.store_bytes = store_bytes(catalog)
    report.check_balanced()
    if progress is not None:
        progress("commit", 1, 1)
    return report
