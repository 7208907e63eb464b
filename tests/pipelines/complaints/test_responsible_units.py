"""The responsible unit from LAO type and problem type, the most specific row of an editable file."""

from __future__ import annotations

import pytest

from pipelines.complaints.units import UnitsFileError, load_units, responsible_unit


def test_the_most_specific_row_wins() -> None:
    table = load_units()
    assert responsible_unit("town_municipality", "ถนน", table)[0] == "กองช่าง"
    assert responsible_unit("subdistrict_admin_org", "ขยะ", table)[0] == "สำนักปลัด"
    assert responsible_unit("city_municipality", "ขยะ", table)[0] == "กองสาธารณสุขและสิ่งแวดล้อม"
    assert responsible_unit("bangkok", "ท่อระบายน้ำ", table)[0] == "สำนักการระบายน้ำ"
    assert responsible_unit("bangkok", "ต้นไม้", table)[0] == "สำนักงานเขต"  # (bangkok, *) before (*, ต้นไม้)
    assert responsible_unit("town_municipality", "อะไรก็ไม่รู้", table)[0] == "สำนักปลัด"
    assert responsible_unit(None, "", table)[0] == "สำนักปลัด"


def test_a_province_file_replaces_the_mapping_and_must_have_a_catch_all(tmp_path) -> None:
    mine = tmp_path / "units.csv"
    mine.write_text("lao_type,problem_type,unit_th,unit_en\n*,*,ศูนย์ดำรงธรรม,Damrongdhama Centre\n"
                    "*,ถนน,แขวงทางหลวงชนบท,Rural roads office\n", encoding="utf-8")
    assert responsible_unit("town_municipality", "ถนน", load_units(mine))[0] == "แขวงทางหลวงชนบท"
    bad = tmp_path / "bad.csv"
    bad.write_text("lao_type,problem_type,unit_th,unit_en\n*,ถนน,กองช่าง,Works\n", encoding="utf-8")
    with pytest.raises(UnitsFileError, match="catch-all"):
        load_units(bad)
