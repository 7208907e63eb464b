"""The drill-down page against the real API: the hierarchy steps, history + forecast + bands, children,
and the children's forecasts summing to the parent's."""

from __future__ import annotations

import pytest

from tests.app.expect import fiscal_year_total, next_fiscal_year, number_in, unit_children


def test_nation_by_default_with_the_forecast_and_its_chart(open_app, api):
    fy = next_fiscal_year(api)
    at = open_app("drilldown")
    assert at.title[0].value == "เจาะลึกรายหน่วย"
    assert "ประเทศไทย" in at.main.markdown[0].value
    assert at.selectbox(key="drill_metric").value == "budget_operations"
    nation = api.get("/v1/forecasts", params={"metric": "budget_operations", "level": "nation", "code": 0}).json()
    assert at.metric[0].label == f"ปีงบประมาณ {fy}"
    assert at.metric[0].value == f"{fiscal_year_total(nation['points'], fy) / 1e6:,.2f} ล้านบาท"
    assert f"แบบจำลอง {nation['model_name']} รุ่น {nation['model_version']}" in at.main.caption[0].value
    assert at.get("vega_lite_chart"), "history, forecast and bands are drawn"
    # the nation's children are the six regions; only the South has data
    children = at.dataframe[-1].value
    assert len(children) == 6
    assert children.dropna(subset=["next_year"])["code"].tolist() == [6]


def test_steps_down_to_a_province_whose_children_sum_to_it(open_app, api):
    at = open_app("drilldown")
    at.selectbox(key="drill_step0").select("region:6").run()
    at.selectbox(key="drill_step1").select("province:83").run()
    assert not at.exception
    assert "ภูเก็ต" in at.main.markdown[0].value
    forecast = api.get("/v1/forecasts", params={"metric": "budget_operations", "level": "province", "code": 83}).json()
    children_sum = {p["date"]: p["forecast"] for p in forecast["children_sum"]}
    worst = max(abs(p["forecast"] - children_sum[p["date"]]) for p in forecast["points"])
    message = (at.success or at.warning)[0].value
    assert message.startswith("ส่วนต่างสูงสุด")
    assert number_in(message) == pytest.approx(worst, abs=1.0)
    assert at.success, "reconciled forecasts sum up"
    coherence = next(d.value for d in at.dataframe if "children_sum" in d.value.columns)
    assert len(coherence) == len(forecast["points"])
    kids = at.dataframe[-1].value
    assert sorted(kids["code"]) == sorted(c["code"] for c in unit_children(api, "province", 83))  # districts + PAO


def test_a_lao_has_no_children_to_sum(open_app, api):
    district = next(c for c in unit_children(api, "province", 83) if c["level"] == "district")
    lao = unit_children(api, "district", district["code"])[0]
    at = open_app("drilldown")
    at.selectbox(key="drill_step0").select("region:6").run()
    at.selectbox(key="drill_step1").select("province:83").run()
    at.selectbox(key="drill_step2").select(f"district:{district['code']}").run()
    at.selectbox(key="drill_step3").select(f"lao:{lao['code']}").run()
    assert not at.exception
    assert "อปท." in at.main.markdown[0].value
    assert at.main.info[-1].value == "หน่วยนี้ไม่มีหน่วยย่อย"


def test_changing_an_upper_step_clears_the_lower_ones(open_app):
    at = open_app("drilldown")
    at.selectbox(key="drill_step0").select("region:6").run()
    at.selectbox(key="drill_step1").select("province:83").run()
    at.selectbox(key="drill_step0").select("region:1").run()
    assert not at.exception
    assert at.selectbox(key="drill_step1").value == "all"
    assert "ภาคเหนือ" in at.main.markdown[0].value
    assert "ไม่มีพยากรณ์" in at.main.info[0].value  # no LAO of the North is in the served world


def test_welfare_metric_and_years_shown(open_app, api):
    fy = next_fiscal_year(api)
    at = open_app("drilldown")
    at.selectbox(key="drill_metric").select("elderly_60_69").run()
    at.slider(key="drill_years").set_value(2).run()
    assert not at.exception
    nation = api.get("/v1/forecasts", params={"metric": "elderly_60_69", "level": "nation", "code": 0}).json()
    assert at.metric[0].value == f"{fiscal_year_total(nation['points'], fy, mean=True):,.0f} คน"
