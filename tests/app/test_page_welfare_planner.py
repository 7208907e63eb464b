"""The welfare budget planner against the real API: next year's allowance budget by tier and the what-if
controls (rates, ageing / take-up, income test, reset), per child unit."""

from __future__ import annotations

import pytest

from tests.app.expect import next_fiscal_year, number_in


def _rows(api, level: str, code: int, fy: int) -> dict[str, dict]:
    answer = api.get("/v1/welfare", params={"level": level, "code": code, "fiscal_year": fy}).json()
    return {r["item"]: r for r in answer["rows"]}


def _card(at, label: str) -> float:
    """A card's value in baht (cards read in million baht)."""
    return number_in(next(m for m in at.metric if m.label == label).value) * 1e6


ELDERLY, DISABILITY, TOTAL = "เบี้ยยังชีพผู้สูงอายุ รวม", "เบี้ยความพิการ รวม", "รวม"


def test_next_years_budget_by_tier(open_app, api):
    fy = next_fiscal_year(api)
    rows = _rows(api, "nation", 0, fy)
    at = open_app("welfare_planner")
    assert at.selectbox(key="welfare_fy").value == fy
    assert _card(at, ELDERLY) == pytest.approx(rows["elderly_allowance"]["baht"], abs=6e3)
    assert _card(at, DISABILITY) == pytest.approx(rows["disability_allowance"]["baht"], abs=6e3)
    assert _card(at, TOTAL) == pytest.approx(rows["elderly_allowance"]["baht"] + rows["disability_allowance"]["baht"],
                                             abs=6e3)
    tiers = at.dataframe[0].value.set_index("item")
    assert tiers.loc["elderly_60_69", "baht"] == pytest.approx(rows["elderly_60_69"]["baht"])
    assert tiers["change_baht"].abs().max() == pytest.approx(0.0)
    assert "ผู้สูงอายุ 70–79 ปี" in at.main.caption[-1].value  # tiers without a forecast are named


def test_rate_change_is_recomputed_at_once(open_app, api):
    rows = _rows(api, "nation", 0, next_fiscal_year(api))
    at = open_app("welfare_planner")
    at.number_input(key="welfare_rate_elderly_60_69").set_value(700.0).run()
    tiers = at.dataframe[0].value.set_index("item")
    young = rows["elderly_60_69"]
    assert tiers.loc["elderly_60_69", "scenario_baht"] == pytest.approx(young["recipients"] * 700 * young["months"])
    assert tiers.loc["elderly_60_69", "change_baht"] == pytest.approx(young["recipients"] * 100 * young["months"])
    assert _card(at, ELDERLY) == pytest.approx(rows["elderly_allowance"]["baht"] + young["recipients"] * 100 * 12,
                                               abs=6e3)


def test_ageing_and_disability_take_up(open_app, api):
    rows = _rows(api, "nation", 0, next_fiscal_year(api))
    at = open_app("welfare_planner")
    at.slider(key="welfare_ageing").set_value(10.0).run()
    at.slider(key="welfare_disability").set_value(-5.0).run()
    assert _card(at, ELDERLY) == pytest.approx(rows["elderly_allowance"]["baht"] * 1.10, abs=6e3)
    assert _card(at, DISABILITY) == pytest.approx(rows["disability_allowance"]["baht"] * 0.95, abs=6e3)


def test_income_test_and_reset(open_app, api):
    rows = _rows(api, "nation", 0, next_fiscal_year(api))
    at = open_app("welfare_planner")
    assert at.slider(key="welfare_income_share").disabled  # off: the share does nothing
    at.toggle(key="welfare_income_test").set_value(True).run()
    at.slider(key="welfare_income_share").set_value(20.0).run()
    assert _card(at, ELDERLY) == pytest.approx(rows["elderly_allowance"]["baht"] * 0.8, abs=6e3)
    assert _card(at, DISABILITY) == pytest.approx(rows["disability_allowance"]["baht"], abs=6e3)
    assert "ตัด" in at.toggle(key="welfare_income_test").help  # says what the income test does
    at.button(key="welfare_reset").click().run()
    assert not at.toggle(key="welfare_income_test").value
    assert _card(at, ELDERLY) == pytest.approx(rows["elderly_allowance"]["baht"], abs=6e3)


def test_other_year_and_per_child_units(open_app, api):
    fy = next_fiscal_year(api) - 1
    at = open_app("welfare_planner")
    at.selectbox(key="welfare_fy").select(fy).run()
    assert _card(at, ELDERLY) == pytest.approx(_rows(api, "nation", 0, fy)["elderly_allowance"]["baht"], abs=6e3)
    at.selectbox(key="welfare_step0").select("region:6").run()
    at.selectbox(key="welfare_step1").select("province:83").run()
    assert not at.exception
    per_child = at.dataframe[-1].value
    districts = [c["code"] for c in api.get("/v1/hierarchy/province/83").json()["children"] if c["level"] == "district"]
    assert sorted(per_child["code"]) == sorted(districts)  # the PAO pays no allowance
    expected = sum(_rows(api, "district", d, fy)["elderly_allowance"]["baht"] for d in districts)
    assert per_child["elderly_60_69"].sum() + per_child.get("elderly_90_plus", 0).sum() == pytest.approx(expected)
