"""The data-quality page against the real API: records in, stored and quarantined, per file and why."""

from __future__ import annotations


def test_totals_reasons_and_files(open_app, api):
    quality = api.get("/v1/quality").json()
    at = open_app("data_quality")
    assert at.title[0].value == "คุณภาพข้อมูล"
    cards = {m.label: m.value for m in at.metric}
    totals = quality["totals"]
    assert cards == {"ไฟล์": f"{totals['files']:,}", "ระเบียนเข้า": f"{totals['records_in']:,}",
                     "จัดเก็บ": f"{totals['records_stored']:,}", "กักกัน": f"{totals['records_quarantined']:,}"}
    reasons = at.dataframe[0].value.set_index("reason")["records"].to_dict()
    assert reasons == totals["by_reason"]
    assert at.dataframe[0].value.set_index("reason").loc["missing_value", "meaning"] == "ค่าว่าง"
    files = at.dataframe[1].value
    assert sorted(files["source_file"]) == sorted(f["source_file"] for f in quality["files"])
    by_file = at.dataframe[2].value.set_index("source_file")
    for row in quality["reasons"]:
        assert by_file.loc[row["source_file"], row["reason"]] == row["records"]


def test_only_files_with_quarantined_records(open_app, api):
    quality = api.get("/v1/quality").json()
    at = open_app("data_quality")
    at.toggle(key="quality_only_quarantined").set_value(True).run()
    shown = at.dataframe[1].value
    assert sorted(shown["source_file"]) == sorted(f["source_file"] for f in quality["files"]
                                                  if f["records_quarantined"] > 0)


def test_english_meanings(open_app):
    at = open_app("data_quality", pref_lang="en")
    assert at.title[0].value == "Data quality"
    assert at.dataframe[0].value.set_index("reason").loc["missing_value", "meaning"] == "value is empty"
