"""Checking Traffy-style ticket rows before they are stored: one reason per rejected row.

Reasons, most basic first (REASONS): missing_ticket_id, empty_text, mojibake_text (UTF-8 read as another
encoding: à¸ sequences), invalid_timestamp (written but not a time), bad_coordinates (written but not
two numbers inside Thailand's bounding box), unknown_state (written but not a state of the workflow),
duplicate_ticket (the same ticket_id earlier in the same import). A blank timestamp, state or coordinate
is not an error: many real tickets lack one (the ticket is stored with the field empty).

The checks are a pandera schema (lazy, so every failure is found in one pass), mapped back to rows."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from pipelines.complaints.traffy import split_coords

__all__ = ["REASONS", "STATES", "STAGE", "THAILAND_BOX", "check_rows", "parse_times"]

REASONS = ("missing_ticket_id", "empty_text", "mojibake_text", "invalid_timestamp", "bad_coordinates",
           "unknown_state", "duplicate_ticket")
# Traffy Fondue's states and the workflow stage each belongs to
STATES = {"รอรับเรื่อง": "waiting", "ส่งเรื่องแล้ว": "forwarded", "ส่งต่อ(ใหม่)": "forwarded", "ส่งต่อ": "forwarded",
          "กำลังดำเนินการ": "in_progress", "ขั้นตอนทางกฎหมาย": "in_progress", "ของบประมาณ": "in_progress",
          "ศึกษาปัญหา": "in_progress", "จัดซื้อจัดจ้าง": "in_progress", "จัดทำนโยบาย": "in_progress",
          "ติดตามเรื่อง": "in_progress", "เสร็จสิ้น": "done", "ไม่เกี่ยวข้อง": "not_ours", "": "unknown"}
STAGE = STATES
THAILAND_BOX = (97.3, 5.6, 105.7, 20.5)  # lon min, lat min, lon max, lat max
_MOJIBAKE = r"à¸|à¹|Ã"


def parse_times(values: pd.Series) -> pd.Series:
    """UTC timestamps of ISO texts (NaT where blank or not a time)."""
    return pd.to_datetime(values.where(values.str.strip() != ""), utc=True, errors="coerce", format="mixed")


def _schema() -> pa.DataFrameSchema:
    lon_min, lat_min, lon_max, lat_max = THAILAND_BOX
    return pa.DataFrameSchema({
        "ticket_id": pa.Column(str, pa.Check(lambda s: s.str.strip() != "", name="missing_ticket_id")),
        "text": pa.Column(str, [pa.Check(lambda s: s.str.strip() != "", name="empty_text"),
                                pa.Check(lambda s: ~s.str.contains(_MOJIBAKE, regex=True), name="mojibake_text")]),
        "timestamp": pa.Column(str, pa.Check(lambda s: (s.str.strip() == "") | parse_times(s).notna(),
                                             name="invalid_timestamp")),
        "coords": pa.Column(str, pa.Check(lambda s: (s.str.strip() == "") | _inside(s, lon_min, lat_min, lon_max,
                                                                                   lat_max), name="bad_coordinates")),
        "state": pa.Column(str, pa.Check(lambda s: s.str.strip().isin(list(STATES)), name="unknown_state")),
    }, coerce=False)


def _inside(coords: pd.Series, lon_min: float, lat_min: float, lon_max: float, lat_max: float) -> pd.Series:
    lon, lat = split_coords(coords)
    return lon.between(lon_min, lon_max) & lat.between(lat_min, lat_max)


def check_rows(rows: pd.DataFrame, seen: set[str] | frozenset[str] = frozenset()) -> pd.Series:
    """The reason each row is rejected ('' where it is fine), the most basic one where several apply.
    `seen`: ticket ids already taken earlier in the same import."""
    reason = pd.Series("", index=rows.index, dtype=object)
    try:
        _schema().validate(rows, lazy=True)
    except pa.errors.SchemaErrors as errors:
        failures = errors.failure_cases.dropna(subset=["index"])
        rank = {r: i for i, r in enumerate(REASONS)}
        failures = failures.assign(rank=failures["check"].map(rank)).sort_values("rank")
        first = failures.drop_duplicates("index")
        reason.loc[first["index"].astype(int).to_numpy()] = first["check"].to_numpy()
    ids = rows["ticket_id"].str.strip()
    duplicate = ids.duplicated() | ids.isin(seen)
    reason[(reason == "") & duplicate & (ids != "")] = "duplicate_ticket"
    return reason
