"""Welfare baht: recipients x monthly rate, summed per fiscal year, per tier and per allowance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.training.welfare import welfare_budget


def _frame(metric: str, values: list[float], start: str = "2025-08-01") -> pd.DataFrame:
    dates = pd.date_range(start, periods=len(values), freq="MS")
    v = np.asarray(values, dtype=float)
    return pd.DataFrame({"metric": metric, "level": "lao", "key": 1234567, "date": dates, "forecast": v,
                         "lo95": v * 0.9, "hi95": v * 1.1})


def test_baht_is_recipients_times_rate_summed_by_fiscal_year() -> None:
    frame = pd.concat([_frame("elderly_60_69", [100, 110, 120, 130]), _frame("elderly_90_plus", [10, 10, 10, 10]),
                       _frame("disability_higher", [5, 5, 5, 5]), _frame("waste_generated", [1, 1, 1, 1])])
    out = welfare_budget(frame).set_index(["fiscal_year", "item"])
    # Aug, Sep 2025 are FY2568; Oct, Nov 2025 are FY2569
    assert out.loc[(2568, "elderly_60_69"), "baht"] == pytest.approx((100 + 110) * 600)
    assert out.loc[(2569, "elderly_60_69"), "baht"] == pytest.approx((120 + 130) * 600)
    assert out.loc[(2569, "elderly_90_plus"), "baht"] == pytest.approx(20 * 1000)
    assert out.loc[(2569, "elderly_allowance"), "baht"] == pytest.approx(250 * 600 + 20 * 1000)
    assert out.loc[(2569, "disability_allowance"), "baht"] == pytest.approx(10 * 1000)
    assert out.loc[(2568, "elderly_60_69"), "months"] == 2
    assert out.loc[(2568, "elderly_60_69"), "recipients"] == pytest.approx(105)
    assert out.loc[(2569, "elderly_60_69"), "baht_hi95_sum"] == pytest.approx(250 * 600 * 1.1)
    assert "waste_generated" not in out.index.get_level_values("item")


def test_no_welfare_metric_gives_an_empty_table() -> None:
    assert welfare_budget(_frame("waste_generated", [1.0])).empty
