"""app.tracker: the usual fiscal-year disbursement curve and the lagging / overspending flags."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from app.tracker import cumulative_paths, monthly_by_fiscal_month, track_units, usual_curve
from khlang.domain.calendar import fiscal_year_months

# Spending rises through the year (DOMAIN.md): month k of the fiscal year carries weight k.
SHAPE = np.arange(1, 13, dtype=float)


def _year(fy: int, total: float, months: int = 12, shape: np.ndarray = SHAPE) -> list[dict]:
    values = shape / shape.sum() * total
    return [{"date": d.isoformat(), "fiscal_year": fy, "value": float(v)}
            for d, v in list(zip(fiscal_year_months(fy), values, strict=True))[:months]]


def _unit(code: int, this_year_scale: float, months: int = 6) -> pd.DataFrame:
    """Four complete years of 1,200 baht, and `months` of this year spent at `this_year_scale` of the pace."""
    rows = [r for fy in (2564, 2565, 2566, 2567) for r in _year(fy, 1200.0)]
    rows += _year(2568, 1200.0 * this_year_scale, months)
    return pd.DataFrame(rows).assign(code=code)


def test_monthly_by_fiscal_month_starts_in_october():
    table = monthly_by_fiscal_month(pd.DataFrame(_year(2568, 78.0)))
    assert list(table.columns) == list(range(1, 13))
    assert table.loc[2568, 1] == pytest.approx(1.0)  # October carries weight 1 of 78
    assert table.loc[2568, 12] == pytest.approx(12.0)  # September


def test_usual_curve_uses_complete_years_before_the_tracked_one():
    table = monthly_by_fiscal_month(_unit(1, 1.0))
    curve, years = usual_curve(table, 2568)
    assert years == [2564, 2565, 2566, 2567]
    assert curve == pytest.approx(np.cumsum(SHAPE) / SHAPE.sum())
    assert curve[-1] == pytest.approx(1.0)
    empty, none = usual_curve(table, 2564)
    assert none == [] and np.isnan(empty).all()


def test_track_units_flags_lagging_and_overspending():
    points = pd.concat([_unit(1, 1.0), _unit(2, 0.5), _unit(3, 1.6)], ignore_index=True)
    tracked = track_units(points, 2568, cutoff=6, tolerance_pp=10.0).set_index("code")
    usual_6 = SHAPE[:6].sum() / SHAPE.sum()
    assert tracked["usual_share"].tolist() == pytest.approx([usual_6] * 3)
    assert tracked.loc[1, "status"] == "on_track"
    assert tracked.loc[2, "status"] == "lagging"
    assert tracked.loc[3, "status"] == "overspending"
    assert tracked.loc[1, "so_far"] == pytest.approx(1200.0 * usual_6)
    assert tracked.loc[2, "gap_pp"] == pytest.approx((0.5 - 1.0) * usual_6 * 100)
    assert tracked.loc[1, "expected_so_far"] == pytest.approx(1200.0 * usual_6)
    assert tracked.loc[2, "projected_year_end"] == pytest.approx(600.0)  # half the pace: half the year
    assert tracked.loc[1, "months_reported"] == 6


def test_tolerance_decides_the_flag():
    points = _unit(1, 0.8)
    gap = track_units(points, 2568, 6, 10.0).iloc[0]["gap_pp"]
    assert track_units(points, 2568, 6, abs(gap) + 1).iloc[0]["status"] == "on_track"
    assert track_units(points, 2568, 6, abs(gap) - 1).iloc[0]["status"] == "lagging"


def test_unit_without_last_year_says_so():
    one_year = pd.DataFrame(_year(2567, 1200.0) + _year(2568, 600.0, 6)).assign(code=9)
    assert track_units(one_year, 2568, 6).iloc[0]["curve_years"] == 1
    fresh = pd.DataFrame(_year(2568, 600.0, 6)).assign(code=10)
    row = track_units(fresh, 2568, 6).iloc[0]
    assert row["status"] == "no_history" and row["so_far"] == pytest.approx(600.0 * SHAPE[:6].sum() / SHAPE.sum())


def test_cumulative_paths_actual_usual_and_forecast():
    history = _unit(1, 1.0, months=6)
    forecast = pd.DataFrame(_year(2568, 1200.0)[6:])  # the rest of the year, forecast
    curve, _ = usual_curve(monthly_by_fiscal_month(history), 2568)
    paths = cumulative_paths(history, forecast, 2568, 6, curve, 1200.0)
    actual = paths[paths["series"] == "actual"]
    usual = paths[paths["series"] == "usual"]
    ahead = paths[paths["series"] == "forecast"]
    assert actual["fiscal_month"].tolist() == [1, 2, 3, 4, 5, 6]
    assert usual["value"].iloc[-1] == pytest.approx(1200.0)
    assert ahead["fiscal_month"].tolist() == [6, 7, 8, 9, 10, 11, 12]
    assert ahead["value"].iloc[0] == pytest.approx(actual["value"].iloc[-1])  # continues from the actual
    assert ahead["value"].iloc[-1] == pytest.approx(1200.0)


def test_cumulative_paths_show_next_years_forecast_after_a_complete_year():
    history = _unit(1, 1.0, months=12)
    forecast = pd.DataFrame(_year(2569, 1320.0))
    curve, _ = usual_curve(monthly_by_fiscal_month(history), 2568)
    paths = cumulative_paths(history, forecast, 2568, 12, curve, 1200.0)
    assert set(paths["series"]) == {"actual", "usual", "next_forecast"}
    ahead = paths[paths["series"] == "next_forecast"]
    assert ahead["fiscal_month"].tolist() == list(range(13))
    assert ahead["value"].iloc[-1] == pytest.approx(1320.0)


def test_cumulative_paths_without_forecast_or_history():
    paths = cumulative_paths(pd.DataFrame(columns=["date", "fiscal_year", "value"]),
                             pd.DataFrame(columns=["date", "fiscal_year", "value"]), 2568, 6,
                             np.full(12, np.nan), float("nan"))
    assert paths.empty


def test_dates_may_be_dates():
    points = pd.DataFrame([{"date": dt.date(2024, 10, 1), "fiscal_year": 2568, "value": 5.0}])
    assert monthly_by_fiscal_month(points).loc[2568, 1] == 5.0
