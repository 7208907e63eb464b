"""Cases: complaints submitted one at a time (the API, the citizens' page) and what officers do with them.

- `submit` checks a complaint, masks its text, places it, suggests its types (the champion classifier,
  when one is registered) and writes it as one Parquet file under `submitted/` (atomically): it never
  waits for, or races with, a bulk import, which rebuilds only `tickets/`. The contact a citizen gives is
  written apart, under `contacts/` (owner-only file mode), and read back only through `read_contact`.
- `record_event` appends an officer's action (a new state, or a confirmed/corrected type: corrections are
  kept as new labels for the next training) as one file under `events/`.
- `read_cases` is every case (imported and submitted) with its events applied: current state and stage,
  types (an officer's correction wins over the citizen's category and the classifier's suggestion), and
  the workflow times: first action, resolution, reopening."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import secrets
from dataclasses import dataclass

import pandas as pd
import pyarrow.parquet as pq

from khlang.catalog import Catalog
from pipelines.complaints.intake import STATES, THAILAND_BOX
from pipelines.complaints.privacy import mask
from pipelines.complaints.routing import Gazetteer, place
from pipelines.complaints.store import STORE_COLUMNS, read_store, table_of
from pipelines.generate.writers import atomic_write_bytes

__all__ = ["CaseError", "Submission", "submit", "record_event", "read_cases", "read_contact", "read_events",
           "EVENT_KINDS", "MAX_TEXT"]

MAX_TEXT = 5000
EVENT_KINDS = ("state", "type")
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class CaseError(ValueError):
    """A complaint or an event that cannot be taken as given (the message says why)."""


@dataclass(frozen=True)
class Submission:
    text: str
    lon: float | None = None
    lat: float | None = None
    province: str = ""
    district: str = ""
    subdistrict: str = ""
    category: str = ""  # the citizen's own choice of type, if any
    contact: dict | None = None  # name, phone, e-mail: kept apart from the case


def _case_id(now: dt.datetime) -> str:
    return f"KL-{now:%Y%m%d}-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


def _check(sub: Submission) -> None:
    if not sub.text or not sub.text.strip():
        raise CaseError("the complaint's text is empty: say what the problem is")
    if len(sub.text) > MAX_TEXT:
        raise CaseError(f"the text is {len(sub.text):,} characters; at most {MAX_TEXT:,}")
    if (sub.lon is None) != (sub.lat is None):
        raise CaseError("give both lon and lat, or neither")
    if sub.lon is not None:
        lon_min, lat_min, lon_max, lat_max = THAILAND_BOX
        if not (lon_min <= sub.lon <= lon_max and lat_min <= sub.lat <= lat_max):
            raise CaseError(f"({sub.lon}, {sub.lat}) is outside Thailand (lon {lon_min}–{lon_max}, "
                            f"lat {lat_min}–{lat_max})")


def submit(sub: Submission, catalog: Catalog, gaz: Gazetteer, classifier=None,
           now: dt.datetime | None = None) -> dict:
    """Store a new case; its row as stored, with `suggested` (type -> score) when a classifier is given."""
    _check(sub)
    now = now or dt.datetime.now(dt.UTC)
    case_id = _case_id(now)
    masked = mask(sub.text)
    where = pd.DataFrame({"lon": [sub.lon], "lat": [sub.lat], "province": [sub.province],
                          "district": [sub.district], "subdistrict": [sub.subdistrict]}).astype(
        {"lon": float, "lat": float})
    placed = place(where, gaz).iloc[0]
    suggested: dict[str, float] = {}
    if classifier is not None:
        from models.complaints.tracking import classify_frame

        scored = classify_frame(classifier, [sub.text]).iloc[0]
        suggested = {t: float(scored[f"score_{t}"]) for t in classifier.types}
        types = sub.category.strip() or scored["type"]
    else:
        types = sub.category.strip()
    row = {c: None for c in STORE_COLUMNS} | {
        "ticket_id": case_id, "text": masked.text, "types": types, "type_raw": sub.category,
        "organization": "", "lon": sub.lon, "lat": sub.lat, "address_province": sub.province,
        "address_district": sub.district, "address_subdistrict": sub.subdistrict, **placed.to_dict(),
        "state": "รอรับเรื่อง", "stage": "waiting", "reported_at": pd.Timestamp(now), "last_activity": pd.Timestamp(now),
        "masked": ",".join(f"{k}:{v}" for k, v in sorted(masked.found.items())), "source_file": "api",
        "source_record": 1, "file_sha256": "", "group_id": case_id, "group_size": 1, "month": f"{now:%Y-%m}"}
    buffer = io.BytesIO()
    pq.write_table(table_of(pd.DataFrame([row])), buffer)
    if sub.contact:
        _write_contact(catalog, case_id, sub.contact)
    atomic_write_bytes(catalog.complaints_submitted / f"{case_id}.parquet", buffer.getvalue())
    return {**row, "suggested": suggested}


def _write_contact(catalog: Catalog, case_id: str, contact: dict) -> None:
    folder = catalog.complaints_contacts
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{case_id}.json"
    tmp = path.with_name(f".{path.name}.partial")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({k: str(v) for k, v in contact.items() if v}, handle, ensure_ascii=False)
    tmp.replace(path)


def read_contact(catalog: Catalog, case_id: str) -> dict | None:
    path = catalog.complaints_contacts / f"{case_id}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def record_event(catalog: Catalog, case_id: str, kind: str, value: str, by: str = "",
                 known: set[str] | None = None, now: dt.datetime | None = None) -> dict:
    """Append an officer's action on a case: kind `state` (a workflow state) or `type` (the confirmed or
    corrected types, comma-separated). `known`: the case ids that exist (checked when given)."""
    if kind not in EVENT_KINDS:
        raise CaseError(f"unknown event kind {kind!r}; one of {', '.join(EVENT_KINDS)}")
    if kind == "state" and value not in STATES or kind == "state" and not value:
        raise CaseError(f"unknown state {value!r}; one of {', '.join(s for s in STATES if s)}")
    if kind == "type" and not value.strip():
        raise CaseError("a type event needs the confirmed or corrected types")
    if known is not None and case_id not in known:
        raise LookupError(f"no case {case_id}")
    now = now or dt.datetime.now(dt.UTC)
    event = {"case_id": case_id, "at": pd.Timestamp(now), "kind": kind, "value": value.strip(), "by": by}
    buffer = io.BytesIO()
    pd.DataFrame([event]).to_parquet(buffer, index=False)
    name = f"{now:%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}.parquet"
    atomic_write_bytes(catalog.complaints_events / name, buffer.getvalue())
    return event


def read_events(catalog: Catalog) -> pd.DataFrame:
    columns = ["case_id", "at", "kind", "value", "by"]
    files = sorted(catalog.complaints_events.glob("*.parquet")) if catalog.complaints_events.exists() else []
    if not files:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame([row for f in files for row in pd.read_parquet(f).to_dict("records")], columns=columns)
    return frame.sort_values("at", kind="stable").reset_index(drop=True)


def _submitted(catalog: Catalog) -> pd.DataFrame:
    files = sorted(catalog.complaints_submitted.glob("*.parquet")) if catalog.complaints_submitted.exists() else []
    if not files:
        return pd.DataFrame(columns=list(STORE_COLUMNS))
    frame = pd.DataFrame([row for f in files for row in pd.read_parquet(f).to_dict("records")])
    return frame.reindex(columns=list(STORE_COLUMNS))


def read_cases(catalog: Catalog) -> pd.DataFrame:
    """Every case with its events applied; adds `corrected` (an officer set the types), `first_action_at`,
    `resolved_at`, `reopened` (done, then not done again)."""
    frames = [f for f in (read_store(catalog), _submitted(catalog)) if len(f)]
    if len(frames) == 2:  # the same columns; a column all empty in one frame takes the other's type
        frames[1] = frames[1].astype({c: frames[0][c].dtype for c in frames[1].columns
                                      if frames[1][c].isna().all() and frames[0][c].dtype != object}, errors="ignore")
    cases = (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(STORE_COLUMNS)))
    cases = cases.drop_duplicates("ticket_id", keep="last").reset_index(drop=True)
    for column in ("reported_at", "last_activity"):
        cases[column] = pd.to_datetime(cases[column], utc=True)
    cases["corrected"] = False
    cases["first_action_at"] = pd.NaT
    cases["resolved_at"] = cases["last_activity"].where(cases["stage"] == "done")
    cases["first_action_at"] = pd.to_datetime(cases["first_action_at"], utc=True)
    cases["reopened"] = False
    events = read_events(catalog)
    if len(events):
        cases = _apply(cases.set_index("ticket_id"), events).reset_index()
    return cases


def _apply(cases: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    events = events[events["case_id"].isin(cases.index)]
    for case_id, rows in events.groupby("case_id", sort=False):
        states = rows[rows["kind"] == "state"]
        types = rows[rows["kind"] == "type"]
        acted = rows[(rows["kind"] == "type") | (rows["value"].map(STATES) != "waiting")]
        if len(acted):  # an officer's first touch: a type confirmed or a state past waiting
            cases.at[case_id, "first_action_at"] = acted["at"].iloc[0]
        if len(types):
            cases.at[case_id, "types"] = types["value"].iloc[-1]
            cases.at[case_id, "corrected"] = True
        if len(states):
            stages = states["value"].map(STATES)
            cases.at[case_id, "state"] = states["value"].iloc[-1]
            cases.at[case_id, "stage"] = stages.iloc[-1]
            cases.at[case_id, "last_activity"] = states["at"].iloc[-1]
            done = (stages == "done").to_numpy()
            cases.at[case_id, "reopened"] = bool(done.any() and (~done[done.argmax():]).any())
            cases.at[case_id, "resolved_at"] = states["at"][done].iloc[-1] if stages.iloc[-1] == "done" else pd.NaT
    return cases
