"""Cases submitted one at a time beside imported ones, officers' events applied, and the accountability
measures computed by hand on a small history."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from khlang.catalog import Catalog
from pipelines.complaints.accountability import accountability
from pipelines.complaints.cases import CaseError, Submission, read_cases, record_event, submit
from pipelines.complaints.routing import load_gazetteer
from pipelines.complaints.store import import_files
from tests.pipelines.complaints.test_complaint_store import CLEAN, _write

T0 = dt.datetime(2023, 3, 1, 8, 0, tzinfo=dt.UTC)


def _at(days: float) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


@pytest.fixture
def catalog(tmp_path) -> Catalog:
    return Catalog(tmp_path / "work").ensure()


def test_submitted_and_imported_cases_read_as_one_with_events_applied(tmp_path, catalog, settings) -> None:
    gaz = load_gazetteer(settings.thailand_dir)
    import_files([_write(tmp_path / "t.csv", CLEAN)], catalog, gaz)
    a = submit(Submission(text="ไฟดับ", lon=100.5536, lat=13.8024, category="แสงสว่าง"), catalog, gaz, now=_at(0))
    b = submit(Submission(text="ถนนพัง", province="นนทบุรี", district="เมืองนนทบุรี"), catalog, gaz, now=_at(0))
    record_event(catalog, a["ticket_id"], "state", "กำลังดำเนินการ", now=_at(1))
    record_event(catalog, a["ticket_id"], "state", "เสร็จสิ้น", now=_at(3))
    record_event(catalog, a["ticket_id"], "state", "กำลังดำเนินการ", now=_at(4))  # reopened
    record_event(catalog, b["ticket_id"], "type", "ถนน,ทางเท้า", now=_at(1))
    record_event(catalog, b["ticket_id"], "state", "เสร็จสิ้น", now=_at(40))
    cases = read_cases(catalog).set_index("ticket_id")
    assert len(cases) == len(CLEAN) + 2
    ca, cb = cases.loc[a["ticket_id"]], cases.loc[b["ticket_id"]]
    assert ca["stage"] == "in_progress" and ca["reopened"] and pd.isna(ca["resolved_at"])
    assert ca["first_action_at"] == pd.Timestamp(_at(1)) and ca["types"] == "แสงสว่าง"
    assert cb["types"] == "ถนน,ทางเท้า" and cb["corrected"] and cb["resolved_at"] == pd.Timestamp(_at(40))
    table = accountability(cases.loc[[a["ticket_id"], b["ticket_id"]]].reset_index(), by=("type",),
                           now=pd.Timestamp(_at(60)))
    row = table.set_index("type")
    assert row.at["ทั้งหมด", "cases"] == 2 and row.at["ทั้งหมด", "open"] == 1
    assert row.at["ทั้งหมด", "reopen_rate"] == 0.5 and row.at["ทั้งหมด", "median_days_to_first_action"] == 1.0
    assert row.at["ทั้งหมด", "resolved_within_target"] == 0.0  # b took 40 days; a is not resolved
    assert row.at["ถนน", "cases"] == 1 and row.at["ถนน", "median_days_to_resolve"] == 40.0
    assert row.at["ทั้งหมด", "oldest_open_days"] == 60.0


def test_a_submission_or_event_that_cannot_be_taken_says_why(catalog, settings) -> None:
    gaz = load_gazetteer(settings.thailand_dir)
    with pytest.raises(CaseError, match="empty"):
        submit(Submission(text=" "), catalog, gaz)
    with pytest.raises(CaseError, match="outside Thailand"):
        submit(Submission(text="x", lon=0.0, lat=0.0), catalog, gaz)
    with pytest.raises(CaseError, match="unknown state"):
        record_event(catalog, "KL-1", "state", "ไม่มีสถานะนี้")
    with pytest.raises(LookupError):
        record_event(catalog, "KL-1", "state", "เสร็จสิ้น", known={"KL-2"})
    assert len(read_cases(catalog)) == 0
