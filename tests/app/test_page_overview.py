"""The overview page against the real API: national cards, regional table, map controls, drill into a province."""

from __future__ import annotations

import pytest

from tests.app.expect import fiscal_year_total, next_fiscal_year, number_in


def _nation(api, metric: str) -> dict:
    return api.get("/v1/forecasts", params={"metric": metric, "level": "nation", "code": 0}).json()


def test_budget_card_is_next_years_national_forecast(open_app, api):
    fy = next_fiscal_year(api)
    expected = fiscal_year_total(_nation(api, "budget_operations")["points"], fy)
    at = open_app()
    card = at.metric[0]
    assert card.label == "เบิกจ่ายงบดำเนินงาน"
    assert card.value == f"{expected / 1e6:,.2f} ล้านบาท"
    assert f"เทียบ ปีงบประมาณ {fy - 1}" in card.delta
    assert not at.error and not at.warning


def test_regional_table_lists_the_south(open_app, api):
    fy = next_fiscal_year(api)
    at = open_app()
    table = at.dataframe[0].value
    assert table["region"].tolist() == [6]  # the served world is Phuket only
    expected = fiscal_year_total(
        api.get("/v1/forecasts", params={"metric": "budget_operations", "level": "region", "code": 6}).json()["points"], fy)
    assert table["next_year"].iloc[0] == pytest.approx(expected / 1e6)  # baht shown in million baht
    assert table["unit"].iloc[0] == "ล้านบาท"
    assert [b.label for b in at.get("download_button")][:2] == ["ดาวน์โหลด CSV", "ดาวน์โหลด Excel"]


def test_waste_family_cards_are_means_of_tonnes_per_day(open_app, api):
    fy = next_fiscal_year(api)
    at = open_app()
    at.segmented_control(key="ov_family").set_value("waste").run()
    assert not at.exception
    expected = fiscal_year_total(_nation(api, "waste_generated")["points"], fy, mean=True)
    assert at.metric[0].value == f"{expected:,.1f} ตัน/วัน"


def test_welfare_family_cards_and_allowance_budget(open_app, api):
    fy = next_fiscal_year(api)
    at = open_app()
    at.segmented_control(key="ov_family").set_value("welfare").run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "ผู้รับเบี้ยยังชีพผู้สูงอายุ 60-69 ปี" in labels
    rows = api.get("/v1/welfare", params={"level": "nation", "code": 0, "fiscal_year": fy}).json()["rows"]
    elderly = next(r["baht"] for r in rows if r["item"] == "elderly_allowance")
    card = next(m for m in at.metric if m.label == "เบี้ยยังชีพผู้สูงอายุ รวม")
    assert number_in(card.value) == pytest.approx(elderly / 1e6, abs=0.006)
    persons = next(m for m in at.metric if m.label == "ผู้รับเบี้ยยังชีพผู้สูงอายุ 60-69 ปี")
    assert persons.value.endswith(" คน")


def test_map_controls(open_app):
    at = open_app()
    at.segmented_control(key="ov_family").set_value("welfare").run()
    metric = at.selectbox(key="ov_map_metric")
    assert "elderly_90_plus" in metric.options or any("90+" in o for o in metric.options)
    metric.select("elderly_90_plus").run()
    at.radio(key="ov_map_mode").set_value("change").run()
    assert not at.exception
    charts = at.get("vega_lite_chart")
    assert charts, "the province map is drawn"
    assert at.selectbox(key="ov_drill_province").options == ["ภูเก็ต"]


def test_drill_into_a_province_opens_the_drill_down(open_app):
    at = open_app()
    at.selectbox(key="ov_drill_province").select(83)
    at.button(key="ov_drill_open").click().run()
    assert not at.exception
    assert at.title[0].value == "เจาะลึกรายหน่วย"
    assert at.selectbox(key="drill_step0").value == "region:6"
    assert at.selectbox(key="drill_step1").value == "province:83"
    assert "ภูเก็ต" in at.main.markdown[0].value
