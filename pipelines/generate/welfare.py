"""Welfare allowance recipients per LAO (persons): elderly by age tier, with cohorts ageing up the
tiers and dying, new entrants each fiscal year, and disability recipients at the standard and higher
rate (higher for welfare-card holders from Oct 2020).

The August 2023 income test (DOMAIN.md): the Interior Ministry's regulation in force from 12
August 2023 limits the allowance of people registering from then on to those with no or
insufficient income, by a line the National Elderly Committee was to set. The line was not announced
with it, and the Interior Minister said at the time that until the committee set it the previous
eligibility rules stayed in effect (NNT, 18 August 2023); people registered before were never
affected. So by default the test removes no one: `income_test_cut = 0`.

A positive cut is a policy scenario, not the record: that share of would-be 60-year-old entrants
fails the test from August 2023 on (0.5: the line bites half of them). It is a structural break that
no forecast made before it can foresee; benchmarks.origin_sensitivity shows what it does to a
backtest, and the welfare planner's what-if applies a test to the forecasts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from khlang.domain.metrics import ELDERLY_TIERS
from pipelines.generate.scales import MonthAxis

__all__ = ["WelfareTruth", "ELDERLY_FY2566_NATIONAL", "welfare_series"]

ELDERLY_FY2566_NATIONAL = 10.6e6  # persons, all tiers (DOMAIN.md: 10-11 million in 2565-2567)
_DISABILITY_SHARE = 0.032  # recipients per resident in FY2565 (about 2.1 million nationally)
# Per month: moving up one tier (ageing) and dying, by tier 60-69, 70-79, 80-89, 90+.
_AGEING = np.array([0.0075, 0.0068, 0.0055, 0.0])
_DEATHS = np.array([0.0012, 0.0032, 0.0085, 0.022])
_START_MIX = np.array([0.575, 0.295, 0.113, 0.017])  # tier shares in the first month (October 2013 by default)
# Elderly recipients per resident in the first month by unit type (cities: more pensioners, younger);
# the stock is rescaled to FY2566's national count, so an earlier start changes the path, not that level.
_ELDERLY_RATE = {"city_municipality": 0.085, "town_municipality": 0.095, "subdistrict_municipality": 0.115,
                 "subdistrict_admin_org": 0.135, "special_admin_area": 0.05, "bangkok": 0.075}
_INCOME_TEST = (2023, 8)


@dataclass(frozen=True)
class WelfareTruth:
    elderly: dict[str, np.ndarray]  # tier -> [unit, month] persons
    disability_standard: np.ndarray
    disability_higher: np.ndarray


def _entrants(axis: MonthAxis, income_test_cut: float = 0.0) -> np.ndarray:
    """New 60-year-old recipients per month per starting recipient: a lump each October (registration
    in the year before), a trickle otherwise, rising with the baby-boom cohorts; from August 2023 on,
    less the share `income_test_cut` that fails the income test (0: the test removes no one)."""
    if not 0.0 <= income_test_cut <= 1.0:
        raise ValueError(f"income_test_cut is the share of new entrants the income test removes, in [0, 1]; "
                         f"got {income_test_cut}")
    years = axis.year_ce.astype(float) + (axis.month.astype(float) - 1) / 12 - 2013.75
    yearly = 0.085 * (1 + 0.03 * years)
    share = np.where(axis.month == 10, 0.6, 0.4 / 11)
    after_test = (axis.year_ce.astype(int) * 12 + axis.month) >= _INCOME_TEST[0] * 12 + _INCOME_TEST[1]
    return yearly * share * np.where(after_test, 1.0 - income_test_cut, 1.0)


def welfare_series(lao: pd.DataFrame, national_pop: float, axis: MonthAxis,
                   rng: np.random.Generator, income_test_cut: float = 0.0) -> WelfareTruth:
    """[unit, month] recipients, integers (NaN for PAOs). Elderly scaled so that FY2566 averages
    10.6 million x the covered share of the national population; income_test_cut as in `_entrants`."""
    n = len(lao)
    reports = lao["reports_welfare"].to_numpy()
    pop = lao["population"].to_numpy(dtype=float) * reports
    start = pop * lao["lao_type"].map(_ELDERLY_RATE).fillna(0.0).to_numpy() * rng.lognormal(0, 0.15, n)
    mix = _START_MIX[None, :] * rng.lognormal(0, 0.1, (n, 4))
    stock = start[:, None] * mix / mix.sum(axis=1, keepdims=True)
    entrant_rate = _entrants(axis, income_test_cut)[None, :] * start[:, None] * rng.lognormal(0, 0.1, n)[:, None]
    tiers = np.empty((4, n, axis.n))
    for t in range(axis.n):
        up = stock * _AGEING[None, :]
        stock = stock - up - stock * _DEATHS[None, :]
        stock[:, 1:] += up[:, :-1]
        stock[:, 0] += entrant_rate[:, t]
        tiers[:, :, t] = stock.T
    fy2566 = axis.fy_be == 2566
    simulated = tiers[:, :, fy2566].sum(axis=0).mean(axis=1).sum()
    covered = pop.sum() / national_pop
    tiers *= ELDERLY_FY2566_NATIONAL * covered / max(simulated, 1.0)
    tiers *= rng.lognormal(0, 0.004, tiers.shape)  # registration corrections
    elderly = {tier: np.where(reports[:, None], np.rint(tiers[k]), np.nan) for k, tier in enumerate(ELDERLY_TIERS)}
    # Disability: grows about 4 %/year; the higher rate jumps from Oct 2020 (welfare-card holders).
    years = (np.arange(axis.n) - axis.index_of(2021, 10)) / 12  # 0 at October 2021 (FY2565)
    total = (pop * _DISABILITY_SHARE * rng.lognormal(0, 0.2, n))[:, None] * (1.04 ** years)[None, :]
    total *= np.exp(rng.normal(0, 0.01, n)[:, None] * years[None, :]) * rng.lognormal(0, 0.006, (n, axis.n))
    card = (axis.year_ce.astype(int) * 12 + axis.month) >= 2020 * 12 + 10
    ramp = np.clip(np.cumsum(card) / 3, 0, 1)  # reassessment over three months
    higher_share = 0.06 + ramp[None, :] * rng.uniform(0.3, 0.45, n)[:, None]
    higher = np.rint(total * higher_share)
    standard = np.rint(total) - higher
    return WelfareTruth(elderly=elderly,
                        disability_standard=np.where(reports[:, None], standard, np.nan),
                        disability_higher=np.where(reports[:, None], higher, np.nan))
