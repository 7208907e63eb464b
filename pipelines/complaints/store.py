"""`khlang complaints import`: Traffy-style CSV files into the complaints store, checked, masked and placed.

Every row of every file ends in exactly one place: the store (new, updated or unchanged) or the
quarantine (with its reason, pipelines.complaints.intake), so rows in = stored + quarantined. The text is
masked (pipelines.complaints.privacy) before it is written anywhere, the quarantine included; columns
outside the canonical ones (a contact, a name) are not kept.

The store is hive-partitioned Parquet, `tickets/month=YYYY-MM/part.parquet` (`month=unknown` for tickets
without a time), rebuilt beside the old one and swapped in whole (khlang.swap): a reader sees the old or
the new store, a crash loses nothing. A ticket already stored is replaced only by a version with a later
last activity, so importing the same file again changes nothing (idempotent). One import at a time.
Near-duplicates (models.complaints.duplicates) are grouped over the whole store whenever it changes:
`group_id` names each ticket's group by its earliest ticket, `group_size` counts it."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from khlang.catalog import Catalog
from khlang.locks import exclusive_lock
from khlang.swap import recover, swap_in, temp_beside
from models.complaints.duplicates import group_duplicates
from models.complaints.labels import parse_types
from pipelines.complaints.intake import STAGE, check_rows, parse_times
from pipelines.complaints.privacy import mask
from pipelines.complaints.routing import Gazetteer, place
from pipelines.complaints.traffy import TRAFFY_COLUMNS, TicketFileError, split_coords
from pipelines.generate.writers import atomic_write_bytes

__all__ = ["ImportReport", "import_files", "read_store", "table_of", "FILE_SCHEMA", "STORE_COLUMNS"]

STORE_COLUMNS = ("ticket_id", "text", "types", "type_raw", "organization", "lon", "lat", "address_province",
                 "address_district", "address_subdistrict", "province_code", "district_code", "subdistrict_code",
                 "lao_code", "place_method", "state", "stage", "reported_at", "last_activity", "masked",
                 "source_file", "source_record", "file_sha256", "group_id", "group_size", "month")
_DERIVED = ("source_file", "source_record", "file_sha256", "group_id", "group_size")  # not what a ticket says
_TYPES = {"lon": pa.float64(), "lat": pa.float64(), "reported_at": pa.timestamp("us", tz="UTC"),
          "last_activity": pa.timestamp("us", tz="UTC"), "source_record": pa.int32(), "group_size": pa.int32()}
# Every file of the store (and every submitted case) is written with this one schema: a column that is
# empty in one month (no sub-district placed) is still a string there, so the months read as one table.
FILE_SCHEMA = pa.schema([(c, _TYPES.get(c, pa.string())) for c in STORE_COLUMNS if c != "month"])


@dataclass(frozen=True)
class ImportReport:
    files: int
    rows: int
    new: int
    updated: int
    unchanged: int
    quarantined: int
    reasons: dict[str, int]
    placed: dict[str, int]
    masked: int
    stored_total: int
    already_imported: int = 0  # files imported before with this very content: their rows are taken as unchanged

    @property
    def stored(self) -> int:
        return self.new + self.updated + self.unchanged

    def summary(self) -> str:
        reasons = ", ".join(f"{k} {v:,}" for k, v in self.reasons.items()) or "none"
        places = ", ".join(f"{k} {v:,}" for k, v in self.placed.items()) or "none anew"
        return (f"{self.rows:,} rows from {self.files} file(s) = {self.stored:,} stored (new {self.new:,}, updated "
                f"{self.updated:,}, unchanged {self.unchanged:,}) + {self.quarantined:,} quarantined ({reasons}); "
                f"placed by {places}; {self.masked:,} texts had personal data masked; store holds "
                f"{self.stored_total:,} tickets"
                + (f"; {self.already_imported} file(s) were imported before with the same content: their rows "
                   "are unchanged, not masked and placed again" if self.already_imported else ""))


def _decode(path: Path) -> tuple[str, str]:
    """(text, encoding) of a ticket file: UTF-8 (BOM or not), else Thai Windows (cp874/TIS-620) when that
    gives Thai letters; a clear error otherwise."""
    raw = path.read_bytes()
    if path.suffix == ".gz":
        import gzip

        raw = gzip.decompress(raw)
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as error:
        try:
            text = raw.decode("cp874")
        except UnicodeDecodeError:
            raise TicketFileError(f"{path}: neither UTF-8 nor TIS-620 text ({error.reason} at byte {error.start})") from None
        if not any("\u0e01" <= c <= "\u0e5b" for c in text[:100_000]):
            raise TicketFileError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
        return text, "cp874"


def _read(path: Path) -> tuple[pd.DataFrame, str, str]:
    text, encoding = _decode(path)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise TicketFileError(f"{path}: not a CSV table ({error})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in ("ticket_id", "text") if c not in frame.columns]
    if missing:
        raise TicketFileError(f"{path}: lacks the column(s) {', '.join(missing)}")
    for column in TRAFFY_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    frame = frame[list(TRAFFY_COLUMNS)].astype(str)
    return frame, hashlib.sha256(text.encode("utf-8")).hexdigest(), encoding


def _canonical(rows: pd.DataFrame, gaz: Gazetteer) -> pd.DataFrame:
    masked = [mask(t) for t in rows["text"]]
    lon, lat = split_coords(rows["coords"])
    where = pd.DataFrame({"lon": lon, "lat": lat, "province": rows["province"], "district": rows["district"],
                          "subdistrict": rows["subdistrict"]})
    placed = place(where, gaz)
    reported = parse_times(rows["timestamp"])
    out = pd.DataFrame({
        "ticket_id": rows["ticket_id"].str.strip(), "text": [m.text for m in masked],
        "types": [",".join(parse_types(v)) for v in rows["type"]], "type_raw": rows["type"],
        "organization": rows["organization"], "lon": lon, "lat": lat,
        "address_province": rows["province"], "address_district": rows["district"],
        "address_subdistrict": rows["subdistrict"], **{c: placed[c] for c in placed.columns},
        "state": rows["state"].str.strip(), "stage": rows["state"].str.strip().map(STAGE),
        "reported_at": reported, "last_activity": parse_times(rows["last_activity"]),
        "masked": [",".join(f"{k}:{v}" for k, v in sorted(m.found.items())) for m in masked],
        "source_file": rows["source_file"], "source_record": rows["source_record"].astype("int32"),
        "file_sha256": rows["file_sha256"], "group_id": rows["ticket_id"].str.strip(), "group_size": 1,
        "month": reported.dt.strftime("%Y-%m").fillna("unknown")})
    return out[list(STORE_COLUMNS)]


def read_store(catalog: Catalog) -> pd.DataFrame:
    """Every stored ticket (an empty table with the store's columns when there is none)."""
    if not catalog.complaints_store.exists():
        return pd.DataFrame(columns=list(STORE_COLUMNS))
    files = ds.dataset(catalog.complaints_store, format="parquet", partitioning="hive")
    if "group_id" not in files.schema.names:  # a store written before duplicates were grouped: groups of one
        frame = files.to_table().to_pandas()
        frame = frame.assign(group_id=frame["ticket_id"], group_size=1)
    else:
        schema = FILE_SCHEMA.append(pa.field("month", pa.string()))
        frame = ds.dataset(catalog.complaints_store, format="parquet", partitioning="hive", schema=schema
                           ).to_table().to_pandas()
    frame["month"] = frame["month"].astype(str)
    return frame[list(STORE_COLUMNS)]


def _content(frame: pd.DataFrame) -> pd.Series:
    """A digest of what a ticket says (not where it was read from), to tell an unchanged re-import."""
    keep = [c for c in STORE_COLUMNS if c not in _DERIVED]
    values = frame[keep].astype(object)
    return pd.util.hash_pandas_object(values.where(values.notna(), "").astype(str), index=False)


def _same_times(frame: pd.DataFrame) -> pd.DataFrame:
    """The time columns in one dtype (UTC, microseconds, as the store holds them): the store reads them back
    with pytz's UTC, fresh rows carry datetime.timezone.utc in nanoseconds, and pandas concatenates two such
    columns into objects."""
    return frame.assign(**{c: pd.to_datetime(frame[c], utc=True).dt.tz_convert("UTC").dt.as_unit("us")
                           for c in ("reported_at", "last_activity") if c in frame})


def _merge(old: pd.DataFrame, new: pd.DataFrame) -> tuple[pd.DataFrame, int, int, int]:
    """The store after taking `new` in: (store, new, updated, unchanged). A stored ticket is replaced only
    by a version with a later (or first-known) last activity that says something else."""
    old, new = _same_times(old), _same_times(new)
    if old.empty:
        return new.reset_index(drop=True), len(new), 0, 0
    if new.empty:
        return old, 0, 0, 0
    known = new["ticket_id"].isin(old["ticket_id"])
    previous = old.set_index("ticket_id").loc[new.loc[known, "ticket_id"]]
    same = _content(new[known]).to_numpy() == _content(previous.reset_index()).to_numpy()
    newer = (new.loc[known, "last_activity"].fillna(pd.Timestamp.min.tz_localize("UTC")).to_numpy()
             >= previous["last_activity"].fillna(pd.Timestamp.min.tz_localize("UTC")).to_numpy())
    replace = ~same & newer
    incoming = pd.concat([new[~known], new[known][replace]], ignore_index=True)
    kept = old[~old["ticket_id"].isin(incoming["ticket_id"])]
    return (pd.concat([kept, incoming], ignore_index=True), int((~known).sum()), int(replace.sum()),
            int(known.sum() - replace.sum()))


def table_of(frame: pd.DataFrame) -> pa.Table:
    """Store rows as an Arrow table of FILE_SCHEMA (empty values as nulls of the column's type)."""
    columns = {}
    for field in FILE_SCHEMA:
        values = frame[field.name].astype(object).where(frame[field.name].notna(), None)
        if pa.types.is_timestamp(field.type):
            values = pd.to_datetime(values, utc=True)
        columns[field.name] = pa.array(values, type=field.type, from_pandas=True)
    return pa.table(columns, schema=FILE_SCHEMA)


def _write_store(frame: pd.DataFrame, target: Path, build_id: str) -> None:
    tmp = temp_beside(target, build_id)
    shutil.rmtree(tmp, ignore_errors=True)
    for month, part in frame.groupby("month", sort=True):
        folder = tmp / f"month={month}"
        folder.mkdir(parents=True)
        pq.write_table(table_of(part.drop(columns=["month"]).sort_values("ticket_id")), folder / "part.parquet")
    tmp.mkdir(parents=True, exist_ok=True)
    swap_in(tmp, target, build_id)


def import_files(files: list[Path], catalog: Catalog, gaz: Gazetteer) -> ImportReport:
    """Check, mask, place and store the tickets of `files` (module docstring); the counts of what happened."""
    catalog.complaints.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(catalog.run / "complaints.lock", "complaints import"):
        recover(catalog.complaints_store)
        # each intermediate table is let go once the next is made (of each file only its checksum stays)
        batches, present = [], []
        for path in files:
            frame, sha, _encoding = _read(Path(path))
            batches.append(frame.assign(source_file=str(path), source_record=np.arange(1, len(frame) + 1),
                                        file_sha256=sha))
            if len(frame):
                present.append(sha)
        rows = pd.concat(batches, ignore_index=True) if batches else pd.DataFrame(columns=list(TRAFFY_COLUMNS))
        del batches
        n_rows = len(rows)
        reason = check_rows(rows)
        bad, good = rows[reason != ""], rows[reason == ""]
        del rows
        build_id = hashlib.sha256("".join(sorted(present)).encode()).hexdigest()[:16]
        if len(bad):
            quarantine = bad.assign(reason=reason[reason != ""], text=[mask(t).text for t in bad["text"]],
                                    imported_at=dt.datetime.now(dt.UTC).isoformat())
            buffer = io.BytesIO()
            quarantine.to_parquet(buffer, index=False)
            atomic_write_bytes(catalog.complaints_quarantine / f"import-{build_id}.parquet", buffer.getvalue())
        n_bad = len(bad)
        del bad
        imported = _imported_checksums(catalog)
        seen = good["file_sha256"].isin(imported)
        fresh = good[~seen]
        del good
        canonical = _canonical(fresh, gaz) if len(fresh) else pd.DataFrame(columns=list(STORE_COLUMNS))
        del fresh
        placed = {k: int(v) for k, v in canonical["place_method"].value_counts().items()}
        masked = int((canonical["masked"] != "").sum())
        store, new, updated, unchanged = _merge(read_store(catalog), canonical)
        del canonical
        unchanged += int(seen.sum())
        if new or updated or not catalog.complaints_store.exists():
            groups = group_duplicates(store)  # re-reports of one problem: over the whole store
            store = store.assign(group_id=groups["group_id"], group_size=groups["group_size"].astype("int32"))
            _write_store(store, catalog.complaints_store, build_id)
        report = ImportReport(
            files=len(files), rows=n_rows, new=new, updated=updated, unchanged=unchanged, quarantined=n_bad,
            reasons={k: int(v) for k, v in reason[reason != ""].value_counts().items()},
            placed=placed, masked=masked, stored_total=len(store),
            already_imported=len(set(present) & imported))
        _record(catalog, files, present, report)
    return report


def _imported_checksums(catalog: Catalog) -> set[str]:
    """The sha256 of every file an earlier import stored (imports.parquet), while the store exists: such a
    file's rows are already in the store at their version or a later one, so merging them again changes
    nothing (a ticket is replaced only by a later last activity) and masking and placing them is skipped."""
    path = catalog.complaints_imports
    if not path.exists() or not catalog.complaints_store.exists():
        return set()
    column = pd.read_parquet(path, columns=["file_sha256"])["file_sha256"].fillna("")
    return {sha for joined in column for sha in joined.split(",") if sha}


def _record(catalog: Catalog, files: list[Path], shas: list[str], report: ImportReport) -> None:
    """Append one row per import to imports.parquet (rewritten atomically); `shas`: of the files with rows."""
    row = pd.DataFrame([{"imported_at": dt.datetime.now(dt.UTC).isoformat(), "files": ",".join(map(str, files)),
                         "file_sha256": ",".join(shas),
                         "rows": report.rows, "new": report.new, "updated": report.updated,
                         "unchanged": report.unchanged, "quarantined": report.quarantined}])
    path = catalog.complaints_imports
    table = pd.concat([pd.read_parquet(path), row], ignore_index=True) if path.exists() else row
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False)
    atomic_write_bytes(path, buffer.getvalue())
