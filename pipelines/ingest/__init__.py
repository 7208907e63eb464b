"""Ingest: raw agency files (CSV / Excel / Parquet, any encoding, Thai or English headers, three layouts)
-> the validated hive-partitioned store, the quarantine of rejected records, and the manifest of files.

    report = ingest(raw_dir, catalog, reference, engine, as_of, progress)

Modules: read (file -> raw text table), values (vectorised parsers), layout (table -> records),
validate (pandera + register -> reasons), parse (one file's work), merge (one partition's dedup),
commit (staging, journal, recovery), run (orchestration on the engine), report (summary, digests)."""

from pipelines.ingest.report import (
                                     FileReport,
                                     IngestBalanceError,
                                     IngestReport,
                                     open_store,
                                     quarantine_digest,
                                     store_digest,
)
from pipelines.ingest.run import ingest

__all__ = ["ingest", "IngestReport", "FileReport", "IngestBalanceError", "store_digest", "quarantine_digest",
           "open_store"]
