"""The waste page against the real API: tonnes/day per LAO against peers of the same type and size."""

from __future__ import annotations

import pytest

from tests.app.expect import fiscal_year_total, next_fiscal_year, number_in


def test_next_years_waste_per_lao_against_peers(open_app, api):
    fy = next_fiscal_year(api)
    at = open_app("waste")
    assert at.title[0].value == "ขยะมูลฝอย"
    assert "ไม่มีจำนวนประชากร" in at.main.info[0].value  # per capita needs a population the reference lacks
    assert at.selectbox(key="waste_step1").value == "province:83"
    assert at.radio(key="waste_fy").value == fy
    table = at.dataframe[0].value
    province = api.get("/v1/forecasts", params={"metric": "waste_generated", "level": "province", "code": 83}).json()
    # the LAOs' forecasts are reconciled: they add up to the province's
    assert table["tonnes_day"].sum() == pytest.approx(fiscal_year_total(province["points"], fy, mean=True), rel=1e-4)
    assert number_in(at.metric[0].value) == pytest.approx(table["tonnes_day"].sum(), abs=0.06)
    assert "องค์การบริหารส่วนจังหวัด" not in set(table["lao_type_label"])  # a PAO collects no household waste
    for _, group in table.groupby(["lao_type_label", "area_band_label"]):
        assert (group["peers"] == len(group)).all()
        assert group["peer_median"].iloc[0] == pytest.approx(group["tonnes_day"].median())
    assert "per_capita" not in table.columns  # no population in the reference
    assert table["national_mean"].notna().all()


def test_reported_year_and_a_district(open_app, api):
    at = open_app("waste")
    reported = at.radio(key="waste_fy").options[-1]
    fy = int(reported.split()[-1])
    at.radio(key="waste_fy").set_value(fy).run()
    history = api.get("/v1/history", params={"metric": "waste_generated", "level": "province", "code": 83}).json()
    table = at.dataframe[0].value
    assert table["tonnes_day"].sum() == pytest.approx(fiscal_year_total(history["points"], fy, "value", mean=True),
                                                      rel=1e-3)
    district = next(c for c in api.get("/v1/hierarchy/province/83").json()["children"] if c["level"] == "district")
    at.selectbox(key="waste_step2").select(f"district:{district['code']}").run()
    assert not at.exception
    codes = {c["code"] for c in api.get(f"/v1/hierarchy/district/{district['code']}").json()["children"]}
    assert set(at.dataframe[0].value["code"]) <= codes
