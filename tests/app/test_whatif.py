"""app.whatif: the welfare budget what-if (rates, ageing / take-up, income test) on /v1/welfare rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.whatif import DEFAULT_RATES, TIER_ITEMS, WelfareScenario, welfare_whatif, whatif_totals

# /v1/welfare rows of one fiscal year: two elderly tiers, one disability rate, and the totals the API adds
ROWS = [
    {"fiscal_year": 2570, "item": "elderly_60_69", "recipients": 1000.0, "months": 12, "baht": 7_200_000.0,
     "baht_lo95_sum": 7_000_000.0, "baht_hi95_sum": 7_400_000.0, "rate_baht": 600.0},
    {"fiscal_year": 2570, "item": "elderly_90_plus", "recipients": 50.0, "months": 12, "baht": 600_000.0,
     "baht_lo95_sum": 590_000.0, "baht_hi95_sum": 610_000.0, "rate_baht": 1000.0},
    {"fiscal_year": 2570, "item": "disability_standard", "recipients": 200.0, "months": 12, "baht": 1_920_000.0,
     "baht_lo95_sum": 1_900_000.0, "baht_hi95_sum": 1_940_000.0, "rate_baht": None},
    {"fiscal_year": 2570, "item": "elderly_allowance", "recipients": 1050.0, "months": 12, "baht": 7_800_000.0,
     "baht_lo95_sum": 7_590_000.0, "baht_hi95_sum": 8_010_000.0, "rate_baht": None},
]


def _by_item(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("item")


def test_default_rates_are_the_domain_rates():
    assert DEFAULT_RATES == {"elderly_60_69": 600.0, "elderly_70_79": 700.0, "elderly_80_89": 800.0,
                             "elderly_90_plus": 1000.0, "disability_standard": 800.0, "disability_higher": 1000.0}
    assert TIER_ITEMS[0] == "elderly_60_69"


def test_no_change_reproduces_the_forecast_budget():
    tiers = _by_item(welfare_whatif(ROWS, WelfareScenario()))
    assert list(tiers.index) == ["elderly_60_69", "elderly_90_plus", "disability_standard"]  # totals dropped, tier order
    assert tiers["scenario_baht"].tolist() == pytest.approx(tiers["baht"].tolist())
    assert tiers["change_baht"].abs().max() == pytest.approx(0.0)
    assert tiers.loc["disability_standard", "rate_baht"] == 800.0  # a missing rate is the domain rate


def test_an_untouched_scenario_changes_nothing_to_the_last_bit():
    """The published baht of a float32 forecast is not exactly recipients x rate x months; with nothing
    changed the planner must still show a change of exactly 0, not 1e-7."""
    recipients = 1234.5678
    baht = float(np.float32(recipients * 600 * 12))  # the API's rounding, not ours
    row = {**ROWS[0], "recipients": recipients, "baht": baht}
    assert recipients * 600 * 12 != baht  # the case the old recomputation got wrong
    tiers = _by_item(welfare_whatif([row], WelfareScenario()))
    assert tiers.loc["elderly_60_69", "change_baht"] == 0.0 and tiers.loc["elderly_60_69", "scenario_baht"] == baht


def test_rate_change_recomputes_one_tier():
    rates = {**DEFAULT_RATES, "elderly_60_69": 700.0}
    tiers = _by_item(welfare_whatif(ROWS, WelfareScenario(rates=rates)))
    assert tiers.loc["elderly_60_69", "scenario_baht"] == pytest.approx(1000 * 700 * 12)
    assert tiers.loc["elderly_60_69", "change_baht"] == pytest.approx(1_200_000.0)
    assert tiers.loc["elderly_60_69", "scenario_hi95"] == pytest.approx(7_400_000.0 * 700 / 600)
    assert tiers.loc["elderly_90_plus", "change_baht"] == pytest.approx(0.0)


def test_ageing_adjusts_the_elderly_only():
    tiers = _by_item(welfare_whatif(ROWS, WelfareScenario(elderly_adjust_pct=10.0, disability_adjust_pct=-5.0)))
    assert tiers.loc["elderly_60_69", "scenario_recipients"] == pytest.approx(1100.0)
    assert tiers.loc["elderly_90_plus", "scenario_baht"] == pytest.approx(55 * 1000 * 12)
    assert tiers.loc["disability_standard", "scenario_recipients"] == pytest.approx(190.0)


def test_income_test_excludes_a_share_of_the_elderly_when_on():
    off = _by_item(welfare_whatif(ROWS, WelfareScenario(income_test=False, income_excluded_pct=20.0)))
    on = _by_item(welfare_whatif(ROWS, WelfareScenario(income_test=True, income_excluded_pct=20.0)))
    assert off["change_baht"].abs().max() == pytest.approx(0.0)
    assert on.loc["elderly_60_69", "scenario_baht"] == pytest.approx(7_200_000.0 * 0.8)
    assert on.loc["elderly_60_69", "scenario_lo95"] == pytest.approx(7_000_000.0 * 0.8)
    assert on.loc["disability_standard", "scenario_baht"] == pytest.approx(1_920_000.0)  # no income test there


def test_adjustments_combine_and_never_go_negative():
    both = WelfareScenario(elderly_adjust_pct=10.0, income_test=True, income_excluded_pct=10.0)
    assert both.recipient_factor("elderly_70_79") == pytest.approx(1.1 * 0.9)
    assert WelfareScenario(elderly_adjust_pct=-150.0).recipient_factor("elderly_60_69") == 0.0
    assert both.recipient_factor("budget_operations") == 1.0


def test_totals_per_allowance_and_overall():
    tiers = welfare_whatif(ROWS, WelfareScenario(elderly_adjust_pct=10.0))
    totals = whatif_totals(tiers).set_index("item")
    assert list(totals.index) == ["disability_allowance", "elderly_allowance", "total"]
    assert totals.loc["elderly_allowance", "baht"] == pytest.approx(7_800_000.0)
    assert totals.loc["elderly_allowance", "scenario_baht"] == pytest.approx(7_800_000.0 * 1.1)
    assert totals.loc["total", "scenario_baht"] == pytest.approx(7_800_000.0 * 1.1 + 1_920_000.0)
    assert totals.loc["total", "change_baht"] == pytest.approx(780_000.0)


def test_empty_rows():
    assert welfare_whatif([], WelfareScenario()).empty
    assert whatif_totals(welfare_whatif([], WelfareScenario())).empty
