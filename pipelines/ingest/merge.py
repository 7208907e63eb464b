"""One store partition (metric, fiscal_year): this batch's staged records, in file order, against each
other (duplicate_row, conflicting_duplicate) and against the records already stored (duplicate_of_stored,
conflicts_with_stored), then each kept value against its unit's own history (implausible_jump,
pipelines.ingest.plausible). Only that partition and the previous fiscal year's are read."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.ingest.parse import STAGED_QUARANTINE_SCHEMA, STAGED_STORE_SCHEMA
from pipelines.ingest.plausible import implausible_jumps

__all__ = ["merge_partition", "STORE_FILE_COLUMNS"]

# Partition columns live in the folder names (hive), not in the files.
STORE_FILE_COLUMNS = [f.name for f in STAGED_STORE_SCHEMA if f.name not in
                      ("metric", "fiscal_year", "file_index", "ordinal", "value_text")]


def _month(period: pd.Series) -> pd.Series:
    return pd.to_datetime(period).dt.strftime("%Y-%m")


def _quarantine(rows: pd.DataFrame, reason: str, detail: pd.Series, metric: str, fiscal_year: int,
                as_written: bool = False) -> pd.DataFrame:
    values = rows["value_text"] if as_written else rows["value"].map(repr)
    raw = [json.dumps({"lao_code": c, "metric": metric, "fiscal_year": fiscal_year, "period": p, "value": v,
                       "source_column": s}, ensure_ascii=False)
           for c, p, v, s in zip(rows["lao_code"], _month(rows["period"]), rows["value"], rows["source_column"],
                                 strict=True)]
    return pd.DataFrame({
        "source_file": rows["source_file"], "file_sha256": rows["file_sha256"], "source_row": rows["source_row"],
        "source_column": rows["source_column"], "lao_code": rows["lao_code"], "metric": metric,
        "period": _month(rows["period"]), "value": values, "reason": reason, "detail": detail, "raw": raw,
        "file_index": rows["file_index"], "ordinal": rows["ordinal"]})


def merge_partition(new: pa.Table, stored: pa.Table, metric: str, fiscal_year: int,
                    earlier: pa.Table | None = None) -> tuple[pa.Table, pa.Table]:
    """(records to store, records to quarantine) of one partition. `new` is in batch order (file_index,
    ordinal); `stored` holds the partition's records from earlier batches (unique by key), `earlier` the
    previous fiscal year's stored records (the units' history with `stored`)."""
    df = new.to_pandas(types_mapper=None)
    df["period"] = df["period"].astype("datetime64[s]")
    key = ["lao_code", "period"]
    # Valid codes are 7 digits: (code, month) packs into one integer key.
    df["key"] = (df["lao_code"].astype(np.int64) * 100_000
                 + df["period"].to_numpy().astype("datetime64[M]").astype(np.int64))
    by_key = df.groupby("key", sort=False)
    n_values = by_key["value"].transform("nunique")
    conflicting = (n_values > 1).to_numpy()
    first_file = by_key["source_file"].transform("first")
    first_row = by_key["source_row"].transform("first")
    duplicate = df.duplicated("key", keep="first").to_numpy() & ~conflicting
    keep = ~conflicting & ~duplicate
    out = []
    if conflicting.any():
        rows = df[conflicting]
        values = rows.groupby("key", sort=False)["value"].transform(
            lambda s: ", ".join(f"{v:.15g}" for v in pd.unique(s)))
        detail = ("different values for " + rows["lao_code"] + " " + metric + " " + _month(rows["period"])
                  + " in this batch: " + values)
        out.append(_quarantine(rows, "conflicting_duplicate", detail, metric, fiscal_year))
    if duplicate.any():
        rows = df[duplicate]
        detail = ("same value " + rows["value"].map("{:.15g}".format) + " already at " + first_file[duplicate]
                  + " row " + first_row[duplicate].astype(str))
        out.append(_quarantine(rows, "duplicate_row", detail, metric, fiscal_year))
    kept = df[keep]
    if stored.num_rows and len(kept):
        old = stored.select(["lao_code", "period", "value", "source_file", "source_row"]).to_pandas()
        old["period"] = old["period"].astype("datetime64[s]")
        old = old.rename(columns={"value": "stored_value", "source_file": "stored_file", "source_row": "stored_row"})
        joined = kept[key].merge(old, on=key, how="left")
        hit = joined["stored_value"].notna().to_numpy()
        if hit.any():
            same = hit & (joined["stored_value"].to_numpy() == kept["value"].to_numpy())
            differ = hit & ~same
            where = (joined["stored_file"] + " row " + joined["stored_row"].astype("Int64").astype(str)).to_numpy()
            for reason, mask, text in (("duplicate_of_stored", same, "same value already stored from "),
                                       ("conflicts_with_stored", differ, None)):
                if mask.any():
                    rows = kept[mask]
                    if text is None:
                        detail = ("value " + rows["value"].map("{:.15g}".format) + " differs from stored "
                                  + joined.loc[mask, "stored_value"].map("{:.15g}".format).to_numpy() + " from "
                                  + where[mask])
                    else:
                        detail = text + pd.Series(where[mask], index=rows.index)
                    out.append(_quarantine(rows, reason, detail, metric, fiscal_year))
            kept = kept[~hit]
    history = [t.select(["lao_code", "value"]).to_pandas() for t in (stored, earlier) if t is not None and t.num_rows]
    flagged, details = implausible_jumps(kept[["lao_code", "value", "value_text"]],
                                         pd.concat(history, ignore_index=True) if history else pd.DataFrame(), metric)
    if flagged.any():
        rows = kept[flagged]
        out.append(_quarantine(rows, "implausible_jump", pd.Series(details, index=rows.index), metric, fiscal_year,
                               as_written=True))
        kept = kept[~flagged]
    quarantine = (pa.Table.from_pandas(pd.concat(out, ignore_index=True), schema=STAGED_QUARANTINE_SCHEMA,
                                       preserve_index=False)
                  if out else STAGED_QUARANTINE_SCHEMA.empty_table())
    kept = kept.sort_values("key", kind="stable")
    store = pa.Table.from_pandas(kept, preserve_index=False).select(
        [*STORE_FILE_COLUMNS, "file_index"])
    store = store.set_column(store.schema.get_field_index("period"), "period",
                             store["period"].cast(pa.timestamp("s")).cast(pa.date32()))
    return store, quarantine


def counts_by_file(table: pa.Table) -> dict[int, int]:
    """Records per file_index."""
    if not table.num_rows:
        return {}
    index, counts = np.unique(table["file_index"].to_numpy(), return_counts=True)
    return {int(i): int(c) for i, c in zip(index, counts, strict=True)}


def read_partition(paths: list[str]) -> pa.Table:
    tables = [pq.read_table(p) for p in paths]
    return pa.concat_tables(tables) if tables else pa.table({})
