import numpy as np
import pandas as pd

from serving.forecast_index import POINT_COLUMNS, ForecastIndex


def _frame() -> pd.DataFrame:
    rows = []
    for metric in ("waste", "budget_personnel"):
        for level, keys in (("district", [1001, 1002]), ("lao", [5, 6, 7])):
            for key in keys:
                for step in (3, 1, 2):  # stored out of order: answers come in step order
                    value = np.nan if (key, step) == (6, 2) else key * 10.0 + step
                    rows.append({"metric": metric, "level": level, "key": key, "date": f"2027-0{step}-01",
                                 "fiscal_year": 2570, "step": step, "forecast": value, "lo80": value - 1,
                                 "hi80": value + 1, "lo95": value - 2, "hi95": value + 2, "base_forecast": value,
                                 "model": "ets", "family": metric, "model_name": f"khlang-{metric}",
                                 "model_version": "3", "run_id": f"run-{metric}"})
    return pd.DataFrame(rows).sample(frac=1, random_state=1)


def test_points_of_a_unit_in_step_order_with_the_model_that_made_them():
    points, meta = ForecastIndex(_frame()).points("waste", "lao", 5)
    assert [p["step"] for p in points] == [1, 2, 3]
    assert [p["forecast"] for p in points] == [51.0, 52.0, 53.0]
    assert set(points[0]) == set(POINT_COLUMNS) and points[0]["date"] == "2027-01-01"
    assert meta == {"family": "waste", "model_name": "khlang-waste", "model_version": "3", "run_id": "run-waste"}
    assert all(type(p["step"]) is int and type(p["fiscal_year"]) is int for p in points)


def test_missing_values_are_none_and_absent_units_are_none():
    index = ForecastIndex(_frame())
    points, _ = index.points("waste", "lao", 6)
    assert points[1]["forecast"] is None and points[1]["lo95"] is None and points[0]["forecast"] == 61.0
    assert index.points("waste", "lao", 99) is None
    assert index.points("welfare_elderly", "lao", 5) is None


def test_children_sum_per_date_equals_the_sum_of_their_forecasts():
    frame = _frame()
    index = ForecastIndex(frame)
    total = index.children_sum("budget_personnel", [("lao", 5), ("lao", 7), ("lao", 99), ("district", 1001)])
    chosen = frame[(frame.metric == "budget_personnel") & (
        ((frame.level == "lao") & frame.key.isin([5, 7])) | ((frame.level == "district") & (frame.key == 1001)))]
    expected = chosen.groupby("date")["forecast"].sum()
    assert [row["date"] for row in total] == list(expected.index)
    assert [row["forecast"] for row in total] == expected.tolist()
    # a NaN among the children spoils that date's sum, as a sum of unknowns should
    with_gap = index.children_sum("budget_personnel", [("lao", 5), ("lao", 6)])
    assert [row["forecast"] for row in with_gap] == [112.0, None, 116.0]
    assert index.children_sum("waste", [("lao", 99)]) is None


def test_an_empty_table_answers_nothing():
    index = ForecastIndex(_frame().iloc[:0])
    assert index.points("waste", "lao", 5) is None and index.children_sum("waste", [("lao", 5)]) is None
