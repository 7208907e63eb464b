"""What an ingest run did (per file and in total), and canonical digests of the store and quarantine."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from khlang.catalog import Catalog
from pipelines.schema import QUARANTINE_SCHEMA, STORE_SCHEMA

__all__ = ["FileReport", "IngestReport", "IngestBalanceError", "store_digest", "quarantine_digest",
           "open_store", "store_bytes"]


class IngestBalanceError(RuntimeError):
    """records_in != records_stored + records_quarantined for some file: a record was lost or doubled.
    `report`: the ingest report that did not balance, for the command line to show."""

    def __init__(self, message: str, report: IngestReport | None = None) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class FileReport:
    source_file: str
    status: str                 # ingested | empty | unreadable | already_ingested
    reason: str = ""
    rows_read: int = 0
    records_in: int = 0
    records_stored: int = 0
    records_quarantined: int = 0
    encoding: str = ""
    layout: str = ""
    file_sha256: str = ""
    size_bytes: int = 0

    @property
    def balanced(self) -> bool:
        return self.records_in == self.records_stored + self.records_quarantined


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)
    batch_id: str | None = None
    seconds: float = 0.0
    store_bytes: int = 0
    recovered: str | None = None   # what recovery did at the start of the run

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    @property
    def totals(self) -> dict[str, int]:
        return {k: self.total(k) for k in ("rows_read", "records_in", "records_stored", "records_quarantined")}

    @property
    def records_per_second(self) -> float:
        return self.total("records_in") / self.seconds if self.seconds > 0 else 0.0

    @property
    def balanced(self) -> bool:
        """Every file: records_in == records_stored + records_quarantined."""
        return all(f.balanced for f in self.files)

    def check_balanced(self) -> None:
        bad = [f for f in self.files if not f.balanced]
        if bad:
            raise IngestBalanceError("; ".join(f"{f.source_file}: {f.records_in} in != {f.records_stored} stored"
                                               f" + {f.records_quarantined} quarantined" for f in bad[:5]), self)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([{k: getattr(f, k) for k in ("source_file", "status", "reason", "rows_read",
                                                         "records_in", "records_stored", "records_quarantined",
                                                         "encoding", "layout")} for f in self.files])


# --- digests ------------------------------------------------------------------------------------------

_PARTITIONING = ds.partitioning(pa.schema([("metric", pa.string()), ("fiscal_year", pa.int16())]),
                                flavor="hive")


def open_store(catalog: Catalog) -> ds.Dataset:
    """The store as a pyarrow dataset with its hive partition columns typed as in STORE_SCHEMA."""
    return ds.dataset(catalog.store, format="parquet", partitioning=_PARTITIONING)


def store_bytes(catalog: Catalog) -> int:
    return sum(p.stat().st_size for p in Path(catalog.store).rglob("*.parquet")) if catalog.store.exists() else 0


def _digest_tables(tables, sort_by: list[str]) -> str:
    h = hashlib.sha256()
    for label, table in tables:
        if not table.num_rows:
            continue
        df = table.to_pandas()
        for column in df.columns:  # one canonical text form per cell, whatever the Arrow types
            if pd.api.types.is_datetime64_any_dtype(df[column]) or df[column].dtype == object:
                df[column] = df[column].astype(str)
        df = df.sort_values(sort_by, kind="stable").reset_index(drop=True)
        h.update(label.encode())
        h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()


def store_digest(catalog: Catalog) -> str:
    """SHA-256 of the store's content: rows sorted by key, whatever the files and row groups."""
    if not catalog.store.exists():
        return hashlib.sha256().hexdigest()
    names = [f.name for f in STORE_SCHEMA]

    def partitions():
        for folder in sorted(p for p in catalog.store.glob("metric=*/fiscal_year=*") if p.is_dir()):
            files = sorted(folder.glob("*.parquet"))
            if not files:
                continue
            table = pa.concat_tables([pq.read_table(f) for f in files])
            metric = folder.parent.name.split("=", 1)[1]
            fy = int(folder.name.split("=", 1)[1])
            table = table.append_column("metric", pa.array([metric] * table.num_rows, pa.string()))
            table = table.append_column("fiscal_year", pa.array([fy] * table.num_rows, pa.int16()))
            yield f"{metric}/{fy}", table.select(names)

    return _digest_tables(partitions(), ["lao_code", "period", "source_file", "source_row", "source_column"])


def quarantine_digest(catalog: Catalog) -> str:
    """SHA-256 of the quarantine's content: rows sorted, whatever the batches and files."""
    files = sorted(Path(catalog.quarantine).glob("batch=*/*.parquet")) if catalog.quarantine.exists() else []
    if not files:
        return hashlib.sha256().hexdigest()
    table = pa.concat_tables([pq.read_table(f, schema=QUARANTINE_SCHEMA) for f in files])
    return _digest_tables([("quarantine", table)], ["source_file", "source_row", "source_column", "reason",
                                                    "file_sha256"])
