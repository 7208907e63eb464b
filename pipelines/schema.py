"""The canonical tables of the store, the quarantine and the manifest: the contract between stages."""

from __future__ import annotations

import pyarrow as pa

__all__ = ["STORE_SCHEMA", "QUARANTINE_SCHEMA", "MANIFEST_SCHEMA", "REASONS", "PARTITION_COLUMNS", "RECORD_KEY"]

# One record = one value of one metric for one LAO and one month (annual metrics: the fiscal year's
# first month). Stored hive-partitioned as store/metric=<name>/fiscal_year=<BE>/part-<batch>.parquet.
STORE_SCHEMA = pa.schema([
    ("lao_code", pa.string()),        # 7-digit DLA code (Bangkok: 1100000)
    ("metric", pa.string()),          # khlang.domain.metrics name
    ("fiscal_year", pa.int16()),      # Thai fiscal year, BE
    ("period", pa.date32()),          # first day of the month, CE
    ("value", pa.float64()),          # in `unit`
    ("unit", pa.string()),            # baht | tonnes/day | persons
    ("source_file", pa.string()),     # path relative to the raw folder
    ("source_row", pa.int32()),       # 1-based line of the record in its file/sheet (header lines count)
    ("source_column", pa.string()),   # raw column the value came from
    ("file_sha256", pa.string()),
])
PARTITION_COLUMNS = ("metric", "fiscal_year")
RECORD_KEY = ("lao_code", "metric", "period")

# Rejected records, kept whole with the reason; quarantine/batch=<id>/part.parquet.
QUARANTINE_SCHEMA = pa.schema([
    ("source_file", pa.string()),
    ("file_sha256", pa.string()),
    ("source_row", pa.int32()),
    ("source_column", pa.string()),
    ("lao_code", pa.string()),        # as found (may be invalid)
    ("metric", pa.string()),          # when known
    ("period", pa.string()),          # as found
    ("value", pa.string()),           # as found
    ("reason", pa.string()),          # one of REASONS
    ("detail", pa.string()),          # human-readable, names the offending value
    ("raw", pa.string()),             # the whole raw row as JSON
])

REASONS = {
    "unknown_lao_code": "LAO code not in the DLA register",
    "invalid_lao_code": "LAO code is not 7 digits, or its province/district digits are wrong",
    "non_numeric_value": "value is not a number",
    "missing_value": "value is empty",
    "negative_value": "a count, amount or tonnage below zero",
    "out_of_range": "value far beyond what one LAO (of its type and size) can report for this metric",
    "invalid_period": "year or month cannot be read",
    "year_out_of_range": "year outside the data's span: BE/CE mix-up",
    "future_period": "period after the as-of date",
    "not_applicable": "metric not reported by this kind of LAO",
    "unknown_metric": "column or item does not name a known metric",
    "missing_column": "a required column is missing from the file",
    "ambiguous_header": "the header names a column twice: which one holds the data is unclear",
    "implausible_jump": "orders of magnitude off the unit's own history (a decimal comma, a unit slip)",
    "truncated_row": "row has fewer fields than the header (file cut off)",
    "duplicate_row": "same record, same value, earlier in the same batch",
    "conflicting_duplicate": "same record with different values in the same batch",
    "duplicate_of_stored": "record already in the store with the same value",
    "conflicts_with_stored": "record already in the store with a different value",
}

# One row per file seen; manifest/files.parquet.
MANIFEST_SCHEMA = pa.schema([
    ("source_file", pa.string()),
    ("file_sha256", pa.string()),
    ("size_bytes", pa.int64()),
    ("status", pa.string()),          # ingested | empty | unreadable | already_ingested
    ("reason", pa.string()),          # for empty / unreadable / already_ingested
    ("rows_read", pa.int64()),        # data rows in the file
    ("records_in", pa.int64()),       # values offered (rows x value columns)
    ("records_stored", pa.int64()),
    ("records_quarantined", pa.int64()),  # records_in == records_stored + records_quarantined
    ("encoding", pa.string()),
    ("layout", pa.string()),
    ("batch_id", pa.string()),
    ("ingested_at", pa.timestamp("s", tz="UTC")),
])
