"""`khlang complaints import`'s work: a Traffy-style file with dirty rows balances (rows in = stored +
quarantined, a reason for each), texts are masked before they are stored, a rerun changes nothing, a later
state updates a ticket, a TIS-620 file is read, a broken one is a clear error, a cut-short swap recovers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from khlang.catalog import Catalog
from pipelines.complaints.privacy import TOKENS
from pipelines.complaints.routing import load_gazetteer
from pipelines.complaints.store import import_files, read_store
from pipelines.complaints.traffy import TicketFileError

CLEAN = [
    {"ticket_id": "2023-AAA001", "type": "ถนน", "text": "ถนนเป็นหลุม โทร 081-234-5678", "coords": "100.5536,13.8024",
     "district": "จตุจักร", "province": "กรุงเทพมหานคร", "timestamp": "2023-01-05 10:00:00+00", "state": "รอรับเรื่อง"},
    {"ticket_id": "2023-AAA002", "type": "น้ำท่วม", "text": "น้ำท่วมขังหน้าบ้าน", "coords": "",
     "district": "เมืองนนทบุรี", "province": "นนทบุรี", "timestamp": "2023-02-01 08:00:00+00", "state": "เสร็จสิ้น",
     "last_activity": "2023-02-03 08:00:00+00"},
    {"ticket_id": "2023-AAA003", "type": "", "text": "ไฟดับทั้งซอย", "coords": "", "district": "", "province": "",
     "timestamp": "", "state": ""},  # no time, no place, no state: kept, unplaced
]
DIRTY = [
    {"ticket_id": "2023-BAD001", "text": "พิกัดผิด", "coords": "8.65,50.58"},
    {"ticket_id": "2023-BAD002", "text": "   "},
    {"ticket_id": "2023-BAD003", "text": "สถานะแปลก", "state": "ยังไม่รู้"},
    {"ticket_id": "2023-BAD004", "text": "เวลาเสีย", "timestamp": "31/31/2023 99:00"},
    {"ticket_id": "2023-AAA001", "text": "ซ้ำ"},
    {"ticket_id": "", "text": "ไม่มีเลขเรื่อง"},
    {"ticket_id": "2023-BAD005", "text": "à¸–à¸™à¸™à¹€à¸›à¹‡à¸™"},
]


def _write(path: Path, rows: list[dict], encoding: str = "utf-8") -> Path:
    pd.DataFrame(rows).to_csv(path, index=False, encoding=encoding)
    return path


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    return Catalog(tmp_path / "work").ensure()


def test_a_dirty_file_balances_and_every_rejection_has_its_reason(tmp_path, catalog, settings) -> None:
    gaz = load_gazetteer(settings.thailand_dir)
    report = import_files([_write(tmp_path / "t.csv", CLEAN + DIRTY)], catalog, gaz)
    assert report.rows == len(CLEAN) + len(DIRTY) == report.stored + report.quarantined
    assert report.new == 3 and report.quarantined == 7
    assert report.reasons == {"bad_coordinates": 1, "empty_text": 1, "unknown_state": 1, "invalid_timestamp": 1,
                              "duplicate_ticket": 1, "missing_ticket_id": 1, "mojibake_text": 1}
    quarantine = pd.read_parquet(catalog.complaints_quarantine)
    assert len(quarantine) == 7 and set(quarantine["reason"]) == set(report.reasons)
    store = read_store(catalog).set_index("ticket_id")
    assert "081-234-5678" not in store.at["2023-AAA001", "text"] and TOKENS["phone"] in store.at["2023-AAA001", "text"]
    assert store.at["2023-AAA001", "place_method"] == "coords" and store.at["2023-AAA002", "place_method"] == "address"
    assert store.at["2023-AAA003", "place_method"] == "unplaced" and store.at["2023-AAA003", "month"] == "unknown"
    assert store.at["2023-AAA002", "stage"] == "done" and store.at["2023-AAA001", "types"] == "ถนน"
    assert sorted(p.name for p in catalog.complaints_store.iterdir()) == ["month=2023-01", "month=2023-02",
                                                                         "month=unknown"]


def test_importing_again_changes_nothing_and_a_later_state_updates(tmp_path, catalog, settings) -> None:
    gaz = load_gazetteer(settings.thailand_dir)
    path = _write(tmp_path / "t.csv", CLEAN)
    import_files([path], catalog, gaz)
    before = read_store(catalog).sort_values("ticket_id").reset_index(drop=True)
    again = import_files([path], catalog, gaz)
    assert (again.new, again.updated, again.unchanged, again.quarantined) == (0, 0, 3, 0)
    assert again.already_imported == 1 and again.placed == {}  # known by its checksum: not placed again
    assert "imported before with the same content" in again.summary()
    pd.testing.assert_frame_equal(read_store(catalog).sort_values("ticket_id").reset_index(drop=True), before)
    later = [dict(CLEAN[0], state="เสร็จสิ้น", last_activity="2023-03-01 00:00:00+00")]
    update = import_files([_write(tmp_path / "later.csv", later)], catalog, gaz)
    assert (update.new, update.updated) == (0, 1)
    store = read_store(catalog).set_index("ticket_id")
    assert len(store) == 3 and store.at["2023-AAA001", "stage"] == "done"
    stale = [dict(CLEAN[0], state="รอรับเรื่อง", last_activity="2023-01-06 00:00:00+00")]
    assert import_files([_write(tmp_path / "stale.csv", stale)], catalog, gaz).updated == 0


def test_a_thai_windows_file_is_read_and_a_broken_one_is_a_clear_error(tmp_path, catalog, settings) -> None:
    gaz = load_gazetteer(settings.thailand_dir)
    report = import_files([_write(tmp_path / "tis.csv", CLEAN, encoding="cp874")], catalog, gaz)
    assert report.new == 3 and "ถนนเป็นหลุม" in read_store(catalog).set_index("ticket_id").at["2023-AAA001", "text"]
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"ticket_id,text\n1,\xff\xfe\x00\x81\n")
    with pytest.raises(TicketFileError, match="UTF-8"):
        import_files([broken], catalog, gaz)
    with pytest.raises(TicketFileError, match="lacks the column"):
        import_files([_write(tmp_path / "no_text.csv", [{"ticket_id": "x"}])], catalog, gaz)
    assert len(read_store(catalog)) == 3  # a refused file leaves the store as it was


def test_a_swap_cut_short_is_recovered_by_the_next_import(tmp_path, catalog, settings) -> None:
    gaz = load_gazetteer(settings.thailand_dir)
    import_files([_write(tmp_path / "t.csv", CLEAN)], catalog, gaz)
    store = catalog.complaints_store
    store.rename(store.with_name(f"{store.name}.old-crashed"))  # the crash: old store aside, new one not in
    (store.with_name(f"{store.name}.tmp-crashed") / "month=2023-01").mkdir(parents=True)
    report = import_files([_write(tmp_path / "t.csv", CLEAN)], catalog, gaz)
    assert report.unchanged == 3 and len(read_store(catalog)) == 3
    assert not list(store.parent.glob("tickets.*-crashed"))
    shutil.rmtree(store)  # the store lost: the file's checksum in the import log no longer stands for its rows
    rebuilt = import_files([_write(tmp_path / "t.csv", CLEAN)], catalog, gaz)
    assert (rebuilt.new, rebuilt.already_imported) == (3, 0) and len(read_store(catalog)) == 3


def test_months_read_as_one_table_when_a_column_is_empty_in_the_first(tmp_path, catalog, settings) -> None:
    # the earliest month holds only an unplaced ticket: its place columns are all empty there
    early = {"ticket_id": "2022-ZZZ001", "text": "ไม่ทราบที่", "timestamp": "2022-12-01 00:00:00+00"}
    import_files([_write(tmp_path / "t.csv", [early, CLEAN[0]])], catalog, load_gazetteer(settings.thailand_dir))
    store = read_store(catalog).set_index("ticket_id")
    assert store.at["2023-AAA001", "district_code"] == "1030" and pd.isna(store.at["2022-ZZZ001", "district_code"])
    assert str(store["reported_at"].dtype).startswith("datetime64") and store["lon"].dtype == "float64"
