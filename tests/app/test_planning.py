"""app.planning: annual figures from the API's monthly sums, year over year, one unit's series."""

from __future__ import annotations

import math

import pytest

from app.planning import annual_totals, coherence, series_frame, unit_annual, year_over_year

HISTORY = [{"region": 6, "fiscal_year": 2569, "value": 300.0, "n": 3}]
FORECAST = [{"region": 6, "fiscal_year": 2569, "value": 900.0, "n": 9},
            {"region": 6, "fiscal_year": 2570, "value": 1320.0, "n": 12}]


def test_baht_years_are_sums_and_join_reported_and_forecast_months():
    totals = annual_totals(HISTORY, FORECAST, "baht", ("region",)).set_index("fiscal_year")
    assert totals.loc[2569, "value"] == 1200.0
    assert totals.loc[2569, "months"] == 12 and totals.loc[2569, "months_reported"] == 3
    assert totals.loc[2570, "value"] == 1320.0 and totals.loc[2570, "months_reported"] == 0


def test_levels_are_means_over_the_months():
    totals = annual_totals(HISTORY, FORECAST, "tonnes/day", ("region",)).set_index("fiscal_year")
    assert totals.loc[2569, "value"] == pytest.approx(100.0)
    assert totals.loc[2570, "value"] == pytest.approx(110.0)


def test_year_over_year_with_and_without_keys():
    totals = annual_totals(HISTORY, FORECAST, "baht", ("region",))
    row = year_over_year(totals, 2569, 2570, ("region",)).iloc[0]
    assert (row["this_year"], row["next_year"]) == (1200.0, 1320.0)
    assert row["change"] == pytest.approx(0.1)
    nation = annual_totals([], [{"fiscal_year": 2570, "value": 5.0, "n": 12}], "baht")
    alone = year_over_year(nation, 2569, 2570).iloc[0]
    assert math.isnan(alone["this_year"]) and alone["next_year"] == 5.0 and math.isnan(alone["change"])
    assert annual_totals([], [], "baht").empty


def test_series_frame_and_unit_annual():
    history = {"points": [{"date": "2025-09-01", "fiscal_year": 2568, "value": 10.0},
                          {"date": "2025-10-01", "fiscal_year": 2569, "value": None}]}
    forecast = {"points": [{"date": "2025-11-01", "fiscal_year": 2569, "step": 1, "forecast": 20.0, "lo80": 18.0,
                            "hi80": 22.0, "lo95": 15.0, "hi95": 25.0}]}
    series = series_frame(history, forecast)
    assert series["kind"].tolist() == ["history", "history", "forecast"]
    assert series["hi95"].iloc[2] == 25.0 and math.isnan(series["hi95"].iloc[0])
    assert unit_annual(series, "baht", 2569) == 20.0  # the missing month is left out
    assert math.isnan(unit_annual(series, "baht", 2571))
    assert series_frame(None, None).empty


def test_coherence_gap_per_month():
    forecast = {"points": [{"date": "2025-10-01", "forecast": 10.0}, {"date": "2025-11-01", "forecast": 12.0}],
                "children_sum": [{"date": "2025-10-01", "forecast": 10.0}, {"date": "2025-11-01", "forecast": 11.5}]}
    table = coherence(forecast)
    assert table["gap"].tolist() == [0.0, 0.5]
    assert coherence({"points": forecast["points"], "children_sum": None}).empty
