"""The data-deposit service: an agency uploads one CSV, delimited text (.tsv, .txt: Excel's "Unicode text"
export, UTF-16) or Excel file; it is kept under a name made from its
content (raw/deposits/<sha256 prefix>.<ext>, the uploaded name is only metadata beside it) and ingested
like any agency file: valid records into the store, rejects into the quarantine with their reasons.

The ingest runs in the server's own process (one file is one task; a cluster would only add start-up
time) through the same `pipelines.ingest.ingest` every other file goes through, so a deposit obeys the
same validation, deduplication, atomic commit and ingest lock."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePath
from typing import Any

import pandas as pd

from cluster.engine import IN_PROCESS, Engine
from khlang.catalog import Catalog
from khlang.config import IngestConfig
from khlang.domain.reference import ReferenceData

__all__ = ["ACCEPTED_SUFFIXES", "DEPOSITS", "DepositError", "DepositResult", "deposit_file",
           "deposit_suffix", "display_name"]

ACCEPTED_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")  # what an office exports; ingest reads each
DEPOSITS = "deposits"  # folder under catalog.raw


class DepositError(Exception):
    """A deposit refused before ingest: HTTP status and a message saying what to change."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class DepositResult:
    deposit_id: str
    original_name: str
    source_file: str  # path under the raw folder, as the manifest and the store name it
    size_bytes: int
    sha256: str
    status: str  # ingested | already_ingested | empty | unreadable
    reason: str
    records_in: int
    records_stored: int
    records_quarantined: int
    reasons: dict[str, int] = field(default_factory=dict)  # quarantined records by reason

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def deposit_suffix(original_name: str | None) -> str:
    """The lower-case suffix of an uploaded name if the ingest reads it; DepositError 415 otherwise."""
    name = display_name(original_name)
    suffix = PurePath(name).suffix.lower()
    if suffix == ".xls":
        raise DepositError(415, "legacy Excel .xls files are not read: save the workbook as .xlsx (or export CSV)")
    if suffix not in ACCEPTED_SUFFIXES:
        raise DepositError(415, f"file {name!r} has type {suffix or '(none)'!r}; accepted: "
                                f"{', '.join(ACCEPTED_SUFFIXES)}")
    return suffix


def display_name(original_name: str | None) -> str:
    """The uploaded name as metadata only: its last path part, printable, at most 200 characters."""
    name = PurePath((original_name or "").replace("\\", "/")).name
    return "".join(ch for ch in name if ch.isprintable())[:200]


def _keep(content: bytes, target: Path, meta: dict[str, Any]) -> None:
    """Write the file (then its metadata) atomically: a reader sees the whole file or none."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.is_file():
        part = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
        part.write_bytes(content)
        os.replace(part, target)
    meta_path = target.with_suffix(".json")
    if not meta_path.is_file():  # the first depositor's name is kept
        part = meta_path.with_name(f".{meta_path.name}.{uuid.uuid4().hex[:8]}.part")
        part.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(part, meta_path)


def _reasons(catalog: Catalog, batch_id: str | None, source_file: str) -> dict[str, int]:
    part = catalog.quarantine / f"batch={batch_id}" / "part.parquet"
    if not batch_id or not part.is_file():
        return {}
    frame = pd.read_parquet(part, columns=["source_file", "reason"])
    counts = frame.loc[frame["source_file"] == source_file, "reason"].value_counts()
    return {str(reason): int(n) for reason, n in counts.items()}


def deposit_file(content: bytes, original_name: str, catalog: Catalog, reference: ReferenceData,
                 as_of: dt.date, engine: Engine = IN_PROCESS,
                 first_fiscal_year: int = IngestConfig.first_fiscal_year) -> DepositResult:
    """Keep the uploaded bytes under raw/deposits/ and ingest them (see the module docstring)."""
    from pipelines.ingest import ingest

    original_name = display_name(original_name)
    suffix = deposit_suffix(original_name)
    sha = hashlib.sha256(content).hexdigest()
    deposit_id = sha[:32]
    source_file = f"{DEPOSITS}/{deposit_id}{suffix}"
    target = catalog.raw / source_file
    _keep(content, target, {"deposit_id": deposit_id, "original_name": original_name, "sha256": sha,
                            "size_bytes": len(content), "received_at": dt.datetime.now(dt.UTC).isoformat()})
    # The ingest reads a folder: give it one holding only this file, at the same path relative to it as
    # under raw/, so the manifest and the store name the file as a later `khlang ingest` of raw/ would.
    staging = catalog.tmp / f"deposit-{deposit_id}-{uuid.uuid4().hex[:8]}"
    linked = staging / source_file
    linked.parent.mkdir(parents=True)
    try:
        try:
            os.link(target, linked)
        except OSError:
            shutil.copyfile(target, linked)
        report = ingest(staging, catalog, reference, engine, as_of, first_fiscal_year=first_fiscal_year)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    mine = next(f for f in report.files if f.source_file == source_file)
    return DepositResult(deposit_id=deposit_id, original_name=original_name, source_file=source_file,
                         size_bytes=len(content), sha256=sha, status=mine.status, reason=mine.reason,
                         records_in=mine.records_in, records_stored=mine.records_stored,
                         records_quarantined=mine.records_quarantined,
                         reasons=_reasons(catalog, report.batch_id, source_file))
