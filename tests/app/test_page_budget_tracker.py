"""The budget tracker against the real API: disbursement so far vs the usual curve and the forecast, and
the LAOs flagged as lagging or overspending."""

from __future__ import annotations

import statistics

import pytest

from tests.app.expect import number_in


def _history(api, level: str, code: int) -> list[dict]:
    return api.get("/v1/history", params={"metric": "budget_operations", "level": level, "code": code}).json()["points"]


def _phuket_laos(api) -> list[int]:
    codes = []
    for child in api.get("/v1/hierarchy/province/83").json()["children"]:
        if child["level"] == "lao":
            codes.append(child["code"])
        else:
            codes += [c["code"] for c in api.get(f"/v1/hierarchy/district/{child['code']}").json()["children"]]
    return codes


def _by_year(points: list[dict]) -> dict[int, list[float]]:
    """fiscal year -> the 12 monthly values from October (None where missing)."""
    years: dict[int, list] = {}
    for p in points:
        month = int(p["date"][5:7])
        years.setdefault(p["fiscal_year"], [None] * 12)[(month - 10) % 12] = p["value"]
    return years


def _expected_flags(api, fy: int, cutoff: int, tolerance_pp: float) -> dict[int, str]:
    """The tracker's rule worked out plainly: share of last year's total disbursed by the cut-off against
    the median share by the cut-off over the last five complete years."""
    flags = {}
    for code in _phuket_laos(api):
        years = _by_year(_history(api, "lao", code))
        complete = [y for y in sorted(years) if y < fy and None not in years[y] and sum(years[y]) > 0][-5:]
        if fy - 1 not in complete:
            continue
        usual = statistics.median(sum(years[y][:cutoff]) / sum(years[y]) for y in complete)
        so_far = sum(v for v in years.get(fy, [None] * 12)[:cutoff] if v is not None)
        gap = (so_far / sum(years[fy - 1]) - usual) * 100
        flags[code] = "lagging" if gap < -tolerance_pp else "overspending" if gap > tolerance_pp else "on_track"
    return flags


def test_opens_on_the_busiest_province_for_the_latest_year(open_app, api):
    at = open_app("budget_tracker")
    assert at.title[0].value == "ติดตามการเบิกจ่าย"
    assert at.selectbox(key="tracker_step1").value == "province:83"
    points = _history(api, "province", 83)
    latest = max(p["fiscal_year"] for p in points)
    assert at.selectbox(key="tracker_fy").value == latest
    spent = sum(p["value"] for p in points if p["fiscal_year"] == latest)
    assert number_in(at.metric[0].value) == pytest.approx(spent / 1e6, abs=0.006)
    assert at.get("vega_lite_chart")
    assert at.subheader[0].value.endswith(f"/ {len(_phuket_laos(api))}")


def test_flags_follow_the_usual_curve_at_the_cut_off(open_app, api):
    at = open_app("budget_tracker")
    fy = at.selectbox(key="tracker_fy").value
    at.select_slider(key="tracker_cutoff").set_value(6).run()
    at.slider(key="tracker_tolerance").set_value(5.0).run()
    assert not at.exception
    months = [p for p in _history(api, "province", 83) if p["fiscal_year"] == fy][:6]
    assert number_in(at.metric[0].value) == pytest.approx(sum(p["value"] for p in months) / 1e6, abs=0.006)
    expected = _expected_flags(api, fy, 6, 5.0)
    flagged = {c for c, s in expected.items() if s != "on_track"}
    assert at.subheader[0].value.startswith(f"อปท. ที่ถูกแจ้งเตือน: {len(flagged)} /")
    everything = at.dataframe[-1].value.set_index("code")
    assert everything["status"].to_dict() == expected
    if flagged:
        assert set(at.dataframe[0].value["code"]) == flagged


def test_tolerance_and_year_controls(open_app):
    at = open_app("budget_tracker")
    at.slider(key="tracker_tolerance").set_value(50.0).run()
    loose = int(at.subheader[0].value.split(":")[1].split("/")[0])
    at.slider(key="tracker_tolerance").set_value(1.0).run()
    tight = int(at.subheader[0].value.split(":")[1].split("/")[0])
    assert loose <= tight
    years = at.selectbox(key="tracker_fy").options
    at.selectbox(key="tracker_fy").set_value(int(years[1].split()[-1])).run()
    assert not at.exception
    assert at.selectbox(key="tracker_metric").value == "budget_operations"


def test_above_a_province_asks_for_one(open_app):
    at = open_app("budget_tracker")
    at.selectbox(key="tracker_step0").select("all").run()
    assert not at.exception
    assert "เลือกจังหวัด" in at.main.info[-1].value
